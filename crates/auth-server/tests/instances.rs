//! Several `jose-auth-server` processes on one PostgreSQL database and one Redis: the
//! scheme's promises across instances. Needs `DATABASE_URL` and `REDIS_URL` (skipped with
//! a notice when unset locally, failing under `CI=true`); each test uses its own schema
//! (`?options=-c search_path=...`) and Redis prefix. The outage tests run a PostgreSQL
//! cluster and a `redis-server` of their own, which they stop and start.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{PASSWORD, Server, USER, add_user, free_port, refresh_cookie, scratch};

fn service(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but {var} is unset: .ci/run sets it"
            );
            eprintln!("NOTICE: {var} is unset: skipping a test of several instances");
            None
        }
    }
}

/// The issuer every instance of a cluster names (as behind one load balancer).
const ISSUER: &str = "https://auth.example";

/// A unique lowercase name (the process, and a port no one else holds right now).
fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), free_port())
}

/// A database URL whose connections use `schema` (created by the store on first start).
fn with_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

async fn sql(url: &str, statement: &str) -> Vec<tokio_postgres::Row> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let rows = client.query(statement, &[]).await.unwrap();
    drop(client);
    let _ = task.await;
    rows
}

/// A cluster: instances of the server sharing one schema, one KEK and one Redis prefix.
struct Cluster {
    dir: PathBuf,
    database: String,
    base_url: String,
    schema: String,
    redis: String,
    prefix: String,
}

impl Cluster {
    async fn new(name: &str, database: &str, redis: &str) -> Self {
        let dir = scratch(name);
        let schema = unique("inst");
        let cluster = Self {
            database: with_schema(database, &schema),
            base_url: database.to_owned(),
            schema,
            redis: redis.to_owned(),
            prefix: unique("deny"),
            dir,
        };
        sql(database, &format!("CREATE SCHEMA {}", cluster.schema)).await;
        let added = add_user(&cluster.database, USER, PASSWORD);
        assert!(added.status.success(), "{added:?}");
        cluster
    }

    fn args<'a>(&'a self, kek: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "--kek-file",
            kek,
            "--redis",
            &self.redis,
            "--redis-prefix",
            &self.prefix,
            "--key-reload",
            "300ms",
            "--issuer",
            ISSUER,
        ];
        args.extend_from_slice(extra);
        args
    }

    fn kek(&self) -> String {
        self.dir.join("shared.kek").to_str().unwrap().to_owned()
    }

    async fn start(&self, name: &str, extra: &[&str]) -> Server {
        let dir = self.dir.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let kek = self.kek();
        let mut server = Server::start_at(
            dir,
            PathBuf::from(&self.database),
            free_port(),
            &self.args(&kek, extra),
        )
        .await;
        server.origin = ISSUER.to_owned();
        server
    }

    /// `jose-auth-server key ...` against the cluster's database and Redis.
    fn key(&self, args: &[&str]) -> String {
        let kek = self.kek();
        let out = Command::new(common::binary())
            .args(["--database", &self.database])
            .args(self.args(&kek, &[]))
            .arg("key")
            .args(args)
            .env_remove("JOSE_AUTH_KEK")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    async fn rows(&self, statement: &str) -> Vec<tokio_postgres::Row> {
        sql(&self.database, statement).await
    }

    /// Every family: consumed records have their successor stored; a live family has
    /// exactly one unconsumed record (no second branch, nothing half-rotated).
    async fn assert_consistent(&self) {
        let broken = self
            .rows(
                "SELECT COUNT(*) FROM refresh_tokens r WHERE r.consumed_at IS NOT NULL AND \
                 NOT EXISTS (SELECT 1 FROM refresh_tokens s WHERE s.id = r.successor)",
            )
            .await;
        assert_eq!(
            broken[0].get::<_, i64>(0),
            0,
            "a consumed token without its successor"
        );
        let branches = self
            .rows(
                "SELECT f.id, COUNT(r.id) FROM families f JOIN refresh_tokens r ON r.family = f.id \
                 WHERE f.revoked_at IS NULL AND r.consumed_at IS NULL GROUP BY f.id \
                 HAVING COUNT(r.id) <> 1",
            )
            .await;
        assert!(
            branches.is_empty(),
            "{} families with two live branches",
            branches.len()
        );
    }

    async fn finish(self) {
        sql(
            &self.base_url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema),
        )
        .await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn refresh(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
) -> (u16, Option<String>, serde_json::Value) {
    let response = server.post_with_cookie(client, "/refresh", token).await;
    let status = response.status().as_u16();
    let cookie = refresh_cookie(&response);
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, cookie, body)
}

fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header = jwt_auth::jws::base64url::decode(header).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

async fn jwks(client: &reqwest::Client, server: &Server) -> serde_json::Value {
    client
        .get(format!("{}/.well-known/jwks.json", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Waits (up to `limit`) until `check` holds; returns how long it took.
async fn until<F, Fut>(limit: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_hold_the_rotation_logout_and_key_promises() {
    let (Some(database), Some(redis)) = (service("DATABASE_URL"), service("REDIS_URL")) else {
        return;
    };
    let cluster = Cluster::new("three", &database, &redis).await;
    let a = cluster.start("a", &[]).await;
    let (b, c) = tokio::join!(cluster.start("b", &[]), cluster.start("c", &[]));
    let all = [&a, &b, &c];
    let http = reqwest::Client::new();

    // One refresh token sent to every instance at once, many times over: one successor.
    for round in 0..5 {
        let (_, token) = a.login(&http).await;
        let answers = futures_util::future::join_all(all.iter().flat_map(|s| [*s, *s]).map(|s| {
            let (http, token) = (http.clone(), token.clone());
            async move { refresh(&http, s, &token).await }
        }))
        .await;
        let successors: HashSet<_> = answers
            .iter()
            .filter(|(status, ..)| *status == 200)
            .map(|(_, cookie, _)| cookie.clone().unwrap())
            .collect();
        assert_eq!(successors.len(), 1, "round {round}: {answers:?}");
        assert!(
            answers.iter().all(|(status, ..)| *status == 200),
            "within grace: {answers:?}"
        );
    }
    cluster.assert_consistent().await;

    // A replay after the successor was used revokes the family everywhere.
    let (_, first) = a.login(&http).await;
    let (s, second, _) = refresh(&http, &b, &first).await;
    assert_eq!(s, 200);
    let second = second.unwrap();
    let (s, third, _) = refresh(&http, &c, &second).await;
    assert_eq!(s, 200);
    let (s, ..) = refresh(&http, &a, &first).await;
    assert_eq!(s, 401, "the grandparent replayed");
    for server in all {
        let (s, ..) = refresh(&http, server, third.as_deref().unwrap()).await;
        assert_eq!(s, 401, "the family is revoked on {}", server.url);
    }

    // Logout on A: B's API, and a resource server on B's JWK Set with the shared
    // deny-list, refuse the session's access token within a second.
    let (body, token) = a.login(&http).await;
    let access = body["access_token"].as_str().unwrap().to_owned();
    let set =
        jwt_auth::jws::JwkSet::from_json(&serde_json::to_vec(&jwks(&http, &b).await).unwrap())
            .unwrap();
    let list = jwt_auth::RedisDenyList::connect(
        &cluster.redis,
        Duration::from_secs(1800),
        jwt_auth::jws::Validation::DEFAULT_LEEWAY,
        jwt_auth::RedisDenyListOptions::new().with_prefix(&cluster.prefix),
    )
    .await
    .unwrap();
    let resource = |set: &jwt_auth::jws::JwkSet| {
        jwt_auth::Authenticator::new(
            set,
            &jwt_auth::Issuer::new(ISSUER),
            &jwt_auth::Audience::new(ISSUER),
        )
        .unwrap()
        .with_deny_list(Arc::clone(&list))
    };
    let api = resource(&set);
    assert!(api.authenticate::<serde_json::Value>(&access).is_ok());
    assert_eq!(b.me(&http, &access).await.status(), 200);
    let logout = a.post_with_cookie(&http, "/logout", &token).await;
    assert_eq!(logout.status(), 204);
    let took = until(Duration::from_secs(3), || async {
        matches!(
            api.authenticate::<serde_json::Value>(&access),
            Err(jwt_auth::AuthError::SessionRevoked)
        ) && b.me(&http, &access).await.status() == 401
    })
    .await;
    assert!(took < Duration::from_secs(1), "logout seen after {took:?}");
    assert_eq!(c.me(&http, &access).await.status(), 401);

    // A rotation (by the CLI, on the shared database): every instance signs with the new
    // active key once it reloads, and all publish the same JWK Set.
    let before = kid_of(b.login(&http).await.0["access_token"].as_str().unwrap());
    cluster.key(&["rotate"]);
    let took = until(Duration::from_secs(3), || async {
        let kids: Vec<String> = futures_util::future::join_all(all.iter().map(|s| {
            let http = http.clone();
            async move { kid_of(s.login(&http).await.0["access_token"].as_str().unwrap()) }
        }))
        .await;
        kids.iter().all(|k| *k != before && *k == kids[0])
    })
    .await;
    eprintln!("rotation followed by every instance within {took:?}");
    let sets = futures_util::future::join_all(all.iter().map(|s| jwks(&http, s))).await;
    assert!(sets.iter().all(|s| *s == sets[0]), "one JWK Set");

    // A compromised key revoked: its tokens are refused everywhere within a second.
    let (body, _) = c.login(&http).await;
    let access = body["access_token"].as_str().unwrap().to_owned();
    let kid = kid_of(&access);
    assert_eq!(c.me(&http, &access).await.status(), 200);
    cluster.key(&["revoke", &kid]);
    let took = until(Duration::from_secs(3), || async {
        a.me(&http, &access).await.status() == 401
            && b.me(&http, &access).await.status() == 401
            && api.authenticate::<serde_json::Value>(&access).is_err()
    })
    .await;
    assert!(
        took < Duration::from_secs(1),
        "revocation seen after {took:?}"
    );
    let fresh = a.login(&http).await.0;
    assert_ne!(kid_of(fresh["access_token"].as_str().unwrap()), kid);
    cluster.assert_consistent().await;
    drop((a, b, c));
    cluster.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_rotations_loses_nothing_committed() {
    let (Some(database), Some(redis)) = (service("DATABASE_URL"), service("REDIS_URL")) else {
        return;
    };
    let cluster = Cluster::new("kill", &database, &redis).await;
    let mut a = cluster.start("a", &[]).await;
    let b = cluster.start("b", &[]).await;
    let http = reqwest::Client::new();
    // 16 clients refresh in a loop on A; each keeps the last token it received.
    let mut tokens = Vec::new();
    for _ in 0..16 {
        tokens.push(a.login(&http).await.1);
    }
    let a_url = a.url.clone();
    let clients: Vec<_> = tokens
        .into_iter()
        .map(|mut token| {
            let (http, url) = (http.clone(), a_url.clone());
            tokio::spawn(async move {
                let mut rotations = 0;
                loop {
                    let sent = http
                        .post(format!("{url}/refresh"))
                        .header("Origin", ISSUER)
                        .header("Cookie", format!("__Host-refresh={token}"))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            token = refresh_cookie(&r).unwrap();
                            rotations += 1;
                        }
                        Ok(r) => panic!("{}", r.status()),
                        // A is gone: keep the last token received.
                        Err(_) => return (token, rotations),
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.child.kill().unwrap(); // SIGKILL
    let _ = a.child.wait();
    let mut total = 0;
    for client in clients {
        let (token, rotations) = client.await.unwrap();
        total += rotations;
        // Nothing committed is lost: the last token each client holds works on B (or, if
        // A committed a rotation whose answer never came back, the grace period hands
        // the same successor again).
        let (status, next, _) = refresh(&http, &b, &token).await;
        assert_eq!(status, 200, "a session lost");
        assert!(next.is_some());
    }
    assert!(total > 16, "rotations under way when A died: {total}");
    cluster.assert_consistent().await;
    assert_eq!(b.me(&http, "x").await.status(), 401, "B still serves");
    cluster.finish().await;
}

/// A PostgreSQL cluster of the test's own (initdb as the `postgres` user), on a free port.
struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
}

fn pg_bin(name: &str) -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<_> = std::fs::read_dir(root)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    versions.sort();
    versions.pop().unwrap_or_default().join("bin").join(name)
}

fn as_postgres(program: &Path, args: &[&str]) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

impl PrivatePostgres {
    fn start() -> Option<Self> {
        if !pg_bin("initdb").exists() || Command::new("runuser").arg("--help").output().is_err() {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but PostgreSQL's initdb or runuser is missing"
            );
            eprintln!("NOTICE: no initdb/runuser: skipping the PostgreSQL restart test");
            return None;
        }
        let dir = PathBuf::from(format!(
            "/tmp/jose-pg-{}-{}",
            std::process::id(),
            free_port()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let chown = Command::new("chown")
            .args(["postgres:postgres", dir.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(chown.success());
        let data = dir.join("data");
        let init = as_postgres(
            &pg_bin("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        assert!(init.status.success(), "{init:?}");
        let pg = Self {
            dir,
            port: free_port(),
        };
        pg.ctl("start");
        Some(pg)
    }

    fn ctl(&self, action: &str) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log");
        let out = as_postgres(
            &pg_bin("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-m",
                "fast",
                action,
            ],
        );
        assert!(out.status.success(), "{action}: {out:?}");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = as_postgres(
            &pg_bin("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_answers_503_then_recovers_with_every_session() {
    let (Some(_), Some(redis)) = (service("DATABASE_URL"), service("REDIS_URL")) else {
        return;
    };
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    let cluster = Cluster::new("pg-restart", &pg.url(), &redis).await;
    let a = cluster.start("a", &[]).await;
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for _ in 0..4 {
        tokens.push(a.login(&http).await.1);
    }
    // Load: refreshes in a loop, each client keeping its last token; statuses counted.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = tokens
        .into_iter()
        .map(|mut token| {
            let (http, url, stop) = (http.clone(), a.url.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut seen = std::collections::BTreeMap::<u16, u32>::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let r = http
                        .post(format!("{url}/refresh"))
                        .header("Origin", ISSUER)
                        .header("Cookie", format!("__Host-refresh={token}"))
                        .send()
                        .await
                        .unwrap();
                    let status = r.status().as_u16();
                    *seen.entry(status).or_default() += 1;
                    if status == 200 {
                        token = refresh_cookie(&r).unwrap();
                    } else {
                        assert_eq!(status, 503, "only 503 during the outage");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                (token, seen)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    pg.ctl("stop");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    pg.ctl("start");
    // Recovery: every client gets 200s again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut outage = 0;
    for client in clients {
        let (token, seen) = client.await.unwrap();
        outage += seen.get(&503).copied().unwrap_or(0);
        assert!(seen.get(&200).copied().unwrap_or(0) > 2, "{seen:?}");
        let (status, ..) = refresh(&http, &a, &token).await;
        assert_eq!(status, 200, "no session lost");
    }
    assert!(outage > 0, "the outage was seen as 503");
    cluster.assert_consistent().await;
    drop(a);
    drop(pg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_closes_the_api_and_logout_until_it_is_back() {
    let (Some(database), Some(_)) = (service("DATABASE_URL"), service("REDIS_URL")) else {
        return;
    };
    let port = free_port();
    let redis = |port: u16| {
        Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut server = redis(port);
    let url = format!("redis://127.0.0.1:{port}/");
    // Wait for it.
    until(Duration::from_secs(5), || async {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    let cluster = Cluster::new("redis-stop", &database, &url).await;
    let a = cluster.start("a", &[]).await;
    let http = reqwest::Client::new();
    let (body, token) = a.login(&http).await;
    let access = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(a.me(&http, &access).await.status(), 200);

    server.kill().unwrap();
    let _ = server.wait();
    let took = until(Duration::from_secs(3), || async {
        a.me(&http, &access).await.status() == 503
    })
    .await;
    assert!(took <= Duration::from_millis(1600), "closed after {took:?}");
    // Logout cannot be recorded for the resource servers: refused with 503, cookie kept.
    let logout = a.post_with_cookie(&http, "/logout", &token).await;
    assert_eq!(logout.status(), 503);

    let mut server = redis(port);
    until(Duration::from_secs(5), || async {
        a.me(&http, &access).await.status() == 200
    })
    .await;
    // The logout, repeated, now goes through, and the token is refused.
    let logout = a.post_with_cookie(&http, "/logout", &token).await;
    assert_eq!(logout.status(), 204);
    assert_eq!(a.me(&http, &access).await.status(), 401);
    let _ = server.kill();
    let _ = server.wait();
    drop(a);
    cluster.finish().await;
}
