//! The page in a real browser: headless Chromium over WebDriver (Debian's `chromium` and
//! `chromium-driver`), against the running server. Skips with a notice when they are
//! missing, fails under `CI=true`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{PASSWORD, Server, USER};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn tool(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    path.exists().then_some(path)
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser() -> Option<(Client, Driver)> {
    let (Some(chromium), Some(driver)) = (
        tool("CHROMIUM", CHROMIUM),
        tool("CHROMEDRIVER", CHROMEDRIVER),
    ) else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI=true but Chromium or chromedriver is missing ({CHROMIUM}, {CHROMEDRIVER}): .ci/run installs Debian's chromium and chromium-driver"
        );
        eprintln!(
            "NOTICE: browser test skipped: {CHROMIUM} or {CHROMEDRIVER} missing (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = common::free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=900,760", "--no-first-run", "--password-store=basic"],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&url)
        .await
        .unwrap();
    Some((client, driver))
}

async fn state(client: &Client) -> String {
    client
        .execute("return document.body.dataset.state", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn wait_for_state(client: &Client, want: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let now = state(client).await;
        if now == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "page state {now:?}, wanted {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn refresh_count(client: &Client) -> i64 {
    text(client, "refresh-count").await.parse().unwrap()
}

async fn wait_for_refreshes(client: &Client, at_least: i64, within: Duration) -> i64 {
    let deadline = Instant::now() + within;
    loop {
        let n = refresh_count(client).await;
        if n >= at_least {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "{n} refreshes, wanted {at_least}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn log_in(client: &Client) {
    let user = client.find(Locator::Id("username")).await.unwrap();
    user.clear().await.unwrap();
    user.send_keys(USER).await.unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    click(client, "login-button").await;
    wait_for_state(client, "logged-in", Duration::from_secs(10)).await;
}

/// Clicks "Call /api/me" and returns what the page shows.
async fn call_me(client: &Client) -> Value {
    client
        .execute(
            "document.getElementById('me-output').textContent = ''",
            vec![],
        )
        .await
        .unwrap();
    click(client, "me-button").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = text(client, "me-output").await;
        if !shown.is_empty() {
            return serde_json::from_str(&shown).unwrap_or(Value::String(shown));
        }
        assert!(Instant::now() < deadline, "/api/me showed nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn refresh_cookie(client: &Client) -> Option<cookie::Cookie<'static>> {
    client
        .get_all_cookies()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name() == "__Host-refresh")
}

fn artifact(name: &str) -> PathBuf {
    // CARGO_TARGET_TMPDIR is target/tmp: its parent is the target directory.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_runs_the_whole_scheme_in_headless_chromium() {
    let Some((client, _driver)) = browser().await else {
        return;
    };
    let server = Server::start("browser", &["--access-ttl", "3s"]).await;
    let _log = LogOnPanic(&server);
    scenario(&client, &server).await;
    client.close().await.unwrap();
}

/// Prints the server's log when the test fails.
struct LogOnPanic<'a>(&'a Server);

impl Drop for LogOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("server log:\n{}", self.0.log());
        }
    }
}

async fn scenario(client: &Client, server: &Server) {
    client.goto(&format!("{}/", server.url)).await.unwrap();
    wait_for_state(client, "logged-out", Duration::from_secs(10)).await;
    log_in(client).await;

    // The refresh token is in an HttpOnly, Secure, SameSite=Strict cookie: the browser
    // holds it, the page's scripts cannot read it; nothing is in web storage.
    let cookie = refresh_cookie(client)
        .await
        .expect("the refresh cookie is set");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(cookie.same_site(), Some(cookie::SameSite::Strict));
    let visible = client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert!(!visible.as_str().unwrap().contains("rt1."), "{visible}");
    assert!(!visible.as_str().unwrap().contains(cookie.value()));
    let storage = client
        .execute(
            "return [localStorage.length, sessionStorage.length]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(storage, json!([0, 0]));
    // Nor is the access token anywhere in the page.
    let html = client.source().await.unwrap();
    assert!(!html.contains("eyJ"), "a token in the DOM");

    let me = call_me(client).await;
    assert_eq!(me["preferred_username"], USER, "{me}");

    // Access tokens of 3 s: the page refreshes silently, one rotation per refresh.
    let rotations = server.rotations();
    let refreshes = refresh_count(client).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    let refreshed = refresh_count(client).await - refreshes;
    assert!(
        refreshed >= 2,
        "{refreshed} silent refreshes in 7 s of 3 s tokens"
    );
    assert_eq!(
        server.rotations() - rotations,
        refreshed,
        "one rotation per refresh"
    );
    assert_eq!(state(client).await, "logged-in");
    let me = call_me(client).await;
    assert_eq!(me["preferred_username"], USER, "{me}");
    let png = client.screenshot().await.unwrap();
    std::fs::write(artifact("logged-in.png"), png).unwrap();
    assert!(
        client
            .execute("return localStorage.length + sessionStorage.length", vec![])
            .await
            .unwrap()
            == json!(0)
    );

    // A thief copies the refresh cookie. The page rotates it, then uses the successor.
    let stolen = refresh_cookie(client).await.unwrap().value().to_owned();
    let now = refresh_count(client).await;
    wait_for_refreshes(client, now + 2, Duration::from_secs(10)).await;
    // The thief replays it from another client: reuse, the session is revoked...
    let http = reqwest::Client::new();
    let replay = server.post_with_cookie(&http, "/refresh", &stolen).await;
    assert_eq!(replay.status(), 401);
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    // ...and the browser's session with it: its next refresh fails, the page logs out.
    wait_for_state(client, "logged-out", Duration::from_secs(6)).await;
    assert!(text(client, "message").await.contains("session has ended"));
    assert!(
        refresh_cookie(client).await.is_none(),
        "the cookie was cleared"
    );

    // Log in again, then log out: logged out, cookie gone, a reload stays logged out.
    log_in(client).await;
    assert!(refresh_cookie(client).await.is_some());
    click(client, "logout-button").await;
    wait_for_state(client, "logged-out", Duration::from_secs(5)).await;
    assert!(
        refresh_cookie(client).await.is_none(),
        "logout clears the cookie"
    );
    client.refresh().await.unwrap();
    wait_for_state(client, "logged-out", Duration::from_secs(10)).await;

    // Log in twice (two sessions), log out everywhere from one.
    log_in(client).await;
    let (_, other) = server.login(&http).await;
    click(client, "logout-all-button").await;
    wait_for_state(client, "logged-out", Duration::from_secs(5)).await;
    let other_refresh = server.post_with_cookie(&http, "/refresh", &other).await;
    assert_eq!(
        other_refresh.status(),
        401,
        "the other session is revoked too"
    );
}
