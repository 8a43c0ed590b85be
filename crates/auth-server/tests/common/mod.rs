//! Starts `jose-auth-server` as a process on a free loopback port, with a user `ann`.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::panic)]

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "ann";
pub const PASSWORD: &str = "correct horse battery";

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_jose-auth-server")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh directory under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "auth-server-{name}-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `jose-auth-server user add NAME` with the password on stdin.
pub fn add_user(database: &str, name: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(binary())
        .args(["user", "add", name, "--database", database])
        .env_remove("JOSE_AUTH_KEK")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub struct Server {
    pub child: Child,
    pub url: String,
    /// The `Origin` its POSTs carry (its own URL unless the test says otherwise).
    pub origin: String,
    pub dir: PathBuf,
    pub database: PathBuf,
}

impl Server {
    /// Starts a server with `ann` added and waits for `/healthz`.
    pub async fn start(name: &str, args: &[&str]) -> Self {
        let dir = scratch(name);
        let database = dir.join("auth.db");
        let db = database.to_str().unwrap().to_owned();
        let added = add_user(&db, USER, PASSWORD);
        assert!(added.status.success(), "{added:?}");
        Self::start_on(dir, database, args).await
    }

    pub async fn start_on(dir: PathBuf, database: PathBuf, args: &[&str]) -> Self {
        Self::start_at(dir, database, free_port(), args).await
    }

    pub async fn start_at(dir: PathBuf, database: PathBuf, port: u16, args: &[&str]) -> Self {
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(binary())
            .args([
                "--listen",
                &listen,
                "--database",
                database.to_str().unwrap(),
            ])
            .args(args)
            .env_remove("JOSE_AUTH_KEK")
            .env("RUST_LOG", "info")
            .stdout(std::fs::File::create(dir.join("stdout.log")).unwrap())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            url: format!("http://{listen}"),
            origin: format!("http://{listen}"),
            dir,
            database,
        };
        server.wait_healthy().await;
        server
    }

    pub fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", self.url)).send().await
                && r.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not come up: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout.log")).unwrap_or_default()
    }

    /// Refresh tokens consumed so far (one per rotation).
    pub fn rotations(&self) -> i64 {
        let conn = rusqlite::Connection::open(&self.database).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.query_row(
            "SELECT COUNT(*) FROM refresh_tokens WHERE consumed_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    /// `GET /api/me` with this bearer token.
    pub async fn me(
        &self,
        client: &reqwest::Client,
        token: impl std::fmt::Display,
    ) -> reqwest::Response {
        client
            .get(format!("{}/api/me", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// A POST from this server's own origin, as its page sends it.
    pub fn post(&self, client: &reqwest::Client, path: &str) -> reqwest::RequestBuilder {
        client
            .post(format!("{}{path}", self.url))
            .header("Origin", &self.origin)
    }

    /// A POST from this server's own origin carrying this refresh cookie.
    pub async fn post_with_cookie(
        &self,
        client: &reqwest::Client,
        path: &str,
        refresh_token: &str,
    ) -> reqwest::Response {
        self.post(client, path)
            .header("Cookie", format!("__Host-refresh={refresh_token}"))
            .send()
            .await
            .unwrap()
    }

    /// Logs `ann` in over HTTP; returns the JSON body and the refresh token.
    pub async fn login(&self, client: &reqwest::Client) -> (serde_json::Value, String) {
        let response = self
            .post(client, "/login")
            .json(&serde_json::json!({"username": USER, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let token = refresh_cookie(&response).unwrap();
        (response.json().await.unwrap(), token)
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The refresh token a response's `Set-Cookie` carries.
pub fn refresh_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("__Host-refresh="))
        .and_then(|v| v.split(';').next())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}
