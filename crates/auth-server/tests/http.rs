//! `jose-auth-server` as a process on a loopback port: CLI, users, page and headers,
//! the API, throttling, keys, shutdown and restart, logs.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Command;

use common::{PASSWORD, Server, USER, add_user, binary, refresh_cookie, scratch};
use serde_json::Value;

#[test]
fn help_documents_every_setting_and_its_environment_variable() {
    let out = Command::new(binary()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--listen",
        "JOSE_AUTH_LISTEN",
        "127.0.0.1:8080",
        "--database",
        "JOSE_AUTH_DATABASE",
        "--issuer",
        "--audience",
        "--access-ttl",
        "--refresh-ttl",
        "--refresh-idle",
        "--allowed-origin",
        "JOSE_AUTH_ALLOWED_ORIGINS",
        "--key-rotation",
        "--kek-file",
        "JOSE_AUTH_KEK",
        "user",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[test]
fn users_are_added_from_stdin_once_with_a_long_enough_password() {
    let dir = scratch("users");
    let db = dir.join("auth.db");
    let db = db.to_str().unwrap();
    let added = add_user(db, "ann", "correct horse battery");
    assert!(added.status.success(), "{added:?}");
    assert!(String::from_utf8_lossy(&added.stdout).contains("added user ann"));
    let again = add_user(db, "ann", "another password");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    let short = add_user(db, "bob", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("8 to 1024"));
    // The password never appears in what the command prints.
    assert!(!String::from_utf8_lossy(&added.stdout).contains("correct horse"));
    let pg = Command::new(binary())
        .args(["user", "add", "x", "--database", "mysql://localhost/test"])
        .output()
        .unwrap();
    assert!(!pg.status.success());
    let refusal = String::from_utf8_lossy(&pg.stderr);
    assert!(
        refusal.contains("sqlite://") && refusal.contains("postgres://"),
        "{refusal}"
    );
}

#[tokio::test]
async fn the_page_its_assets_and_every_response_carry_the_security_headers() {
    let server = Server::start("page", &[]).await;
    let http = reqwest::Client::new();
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "text/css; charset=utf-8"),
        ("/healthz", "application/json"),
        ("/nowhere", "application/json"),
    ] {
        let r = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        assert_eq!(h["content-type"], content_type, "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
        let status = r.status();
        if path == "/nowhere" {
            assert_eq!(status, 404);
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"], "not_found");
        } else {
            assert_eq!(status, 200, "{path}");
        }
    }
    // No inline script or handler in the page: every script has a src.
    let html = http
        .get(format!("{}/", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..html[i..].find('>').unwrap() + i];
        assert!(tag.contains("src=\"/app.js\""), "{tag}");
    }
    assert!(!html.contains(" onclick") && !html.contains(" onsubmit") && !html.contains(" onload"));
    let js = http
        .get(format!("{}/app.js", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!js.contains("localStorage.setItem") && !js.contains("sessionStorage.setItem"));
    assert!(!js.contains("document.cookie"));
}

#[tokio::test]
async fn api_me_takes_the_access_token_and_refuses_without() {
    let server = Server::start("api", &[]).await;
    let http = reqwest::Client::new();
    let (tokens, _) = server.login(&http).await;
    let token = tokens["access_token"].as_str().unwrap();
    assert_eq!(tokens["expires_in"], 1800, "30 minutes by default");
    let me = server.me(&http, token).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.headers()["cache-control"], "no-store");
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["preferred_username"], USER);
    assert!(me["sub"].as_str().unwrap().starts_with("u_"));
    let anonymous = http
        .get(format!("{}/api/me", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous.headers()["www-authenticate"],
        format!("Bearer realm=\"{}\"", server.url).as_str()
    );
    let forged = server.me(&http, format!("{token}x")).await;
    assert_eq!(forged.status(), 401);
    // A page of another origin cannot log in.
    let foreign = http
        .post(format!("{}/login", server.url))
        .header("Origin", "http://evil.example")
        .json(&serde_json::json!({"username": USER, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
}

#[tokio::test]
async fn logins_are_throttled_per_account_and_per_address() {
    let server = Server::start(
        "throttle",
        &[
            "--max-failures-per-account",
            "3",
            "--max-failures-per-ip",
            "5",
        ],
    )
    .await;
    let http = reqwest::Client::new();
    let attempt = |user: &'static str, password: &'static str| {
        server
            .post(&http, "/login")
            .json(&serde_json::json!({"username": user, "password": password}))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(attempt(USER, "wrong password").await.unwrap().status(), 401);
    }
    // The account is locked: even the right password waits.
    let locked = attempt(USER, PASSWORD).await.unwrap();
    assert_eq!(locked.status(), 429);
    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((890..=900).contains(&retry), "{retry}");
    // Other accounts from this address: two more failures reach the address's limit.
    assert_eq!(attempt("mallory", "x").await.unwrap().status(), 401);
    assert_eq!(attempt("trent", "x").await.unwrap().status(), 401);
    assert_eq!(attempt("victor", "x").await.unwrap().status(), 429);
}

#[tokio::test]
async fn keys_and_metadata_follow_the_configuration() {
    let server = Server::start("keys", &["--key-rotation", "2h", "--algorithm", "ES256"]).await;
    let http = reqwest::Client::new();
    let jwks = http
        .get(format!("{}/.well-known/jwks.json", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.headers()["cache-control"], "public, max-age=3600");
    let set: Value = jwks.json().await.unwrap();
    assert_eq!(set["keys"].as_array().unwrap().len(), 2);
    assert!(
        set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["alg"] == "ES256" && k.get("d").is_none())
    );
    let meta: Value = http
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            server.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], server.url.as_str());
    assert_eq!(
        meta["jwks_uri"],
        format!("{}/.well-known/jwks.json", server.url)
    );
    assert_eq!(
        meta["access_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    let (tokens, _) = server.login(&http).await;
    let me = server
        .me(&http, tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn an_hmac_server_checks_its_own_tokens_and_publishes_no_secret() {
    let server = Server::start("hmac", &["--algorithm", "HS256"]).await;
    let http = reqwest::Client::new();
    let (tokens, _) = server.login(&http).await;
    let me = server
        .me(&http, tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.status(), 200);
    let set: Value = http
        .get(format!("{}/.well-known/jwks.json", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(set["keys"], serde_json::json!([]));
}

#[tokio::test]
async fn sigterm_stops_cleanly_and_a_restart_keeps_sessions_and_keys() {
    let mut server = Server::start("restart", &[]).await;
    let http = reqwest::Client::new();
    let (tokens, refresh) = server.login(&http).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let kek = server.dir.join("auth.db.kek");
    let log = server.log();
    assert!(log.contains("created the key-encryption key"), "{log}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&kek).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(server.stdout().contains(&format!("open {}/", server.url)));

    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    let log = server.log();
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{log}"
    );

    // Same database, same KEK file: the session and the keys are still there.
    // (On the same address: the issuer is http://ADDRESS.)
    let (dir, database, port) = (server.dir.clone(), server.database.clone(), server.port());
    drop(server);
    let server = Server::start_at(dir, database, port, &[]).await;
    let refreshed = server.post_with_cookie(&http, "/refresh", &refresh).await;
    assert_eq!(refreshed.status(), 200);
    let next = refresh_cookie(&refreshed).unwrap();
    let me = server.me(&http, &access).await;
    assert_eq!(me.status(), 200, "the key ring survived the restart");
    let log = server.log();
    assert!(log.contains("key-encryption key read"), "{log}");
    // No token and no secret in any log line.
    let all = format!(
        "{}{}",
        std::fs::read_to_string(server.dir.join("stderr.log")).unwrap(),
        log
    );
    for secret in [
        refresh.as_str(),
        next.as_str(),
        access.as_str(),
        &std::fs::read_to_string(&kek).unwrap(),
    ] {
        assert!(!all.contains(secret), "a secret in the log");
    }
    assert!(!all.contains("rt1.") && !all.contains("eyJ"));
}
