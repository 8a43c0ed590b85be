//! The deny-list shared through Redis: a revocation on one instance is refused by every
//! other within a second; a stale mirror fails closed; revocations are logged once.
//! Needs `REDIS_URL` (skipped with a notice otherwise; failing under `CI=true`); the
//! outage test runs its own `redis-server` on a free port.
#![cfg(feature = "redis")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use jws::NumericDate;
use jwt_auth::{
    Audience, AuthError, Authenticator, Authority, AuthorityConfig, Issuer, KeyEncryptionKey,
    MemoryStore, RedisDenyList, RedisDenyListOptions, Revocations, StoreError, TokenError,
};

const TTL: Duration = Duration::from_secs(1800);
const LEEWAY: Duration = Duration::from_secs(60);

fn now() -> NumericDate {
    NumericDate::now()
}

async fn list(url: &str, prefix: &str) -> Arc<RedisDenyList> {
    RedisDenyList::connect(
        url,
        TTL,
        LEEWAY,
        RedisDenyListOptions::new().with_prefix(prefix),
    )
    .await
    .unwrap()
}

/// Waits (up to 3 s) until `cond` holds; returns how long it took.
async fn within(cond: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < Duration::from_secs(3), "never happened");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    started.elapsed()
}

async fn xlen(url: &str, key: &str) -> i64 {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("XLEN")
        .arg(key)
        .query_async(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_is_refused_by_the_others_within_a_second() {
    let Some(url) = common::redis_url() else {
        return;
    };
    let prefix = common::fresh_schema("deny");
    let (a, b) = (list(&url, &prefix).await, list(&url, &prefix).await);
    assert!(a.is_current() && b.is_current());
    let iat = now();
    assert!(b.check("s1", Some("k1"), iat, now()).is_ok());

    a.revoke_session("s1", now()).await.unwrap();
    // The writer refuses at once; the other within the second.
    assert!(matches!(
        a.check("s1", None, iat, now()),
        Err(AuthError::SessionRevoked)
    ));
    let took = within(|| {
        matches!(
            b.check("s1", None, iat, now()),
            Err(AuthError::SessionRevoked)
        )
    })
    .await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(
        b.check("s2", None, iat, now()).is_ok(),
        "other sessions pass"
    );

    // A revoked key: every token it signed, whatever the session.
    a.revoke_key("k1", now()).await.unwrap();
    let took = within(|| {
        matches!(
            b.check("s3", Some("k1"), iat, now()),
            Err(AuthError::InvalidToken(TokenError::KeyRevoked))
        )
    })
    .await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(b.check("s3", Some("k2"), iat, now()).is_ok());

    // Revoking again logs nothing more; a list opened later reads everything.
    a.revoke_session("s1", now()).await.unwrap();
    b.revoke_session("s1", now()).await.unwrap();
    assert_eq!(xlen(&url, &format!("{prefix}:log")).await, 2);
    let c = list(&url, &prefix).await;
    assert!(matches!(
        c.check("s1", None, iat, now()),
        Err(AuthError::SessionRevoked)
    ));
    assert!(c.check("s9", Some("k1"), iat, now()).is_err());
    assert_eq!(c.mirror().len(), 2);
    assert!(format!("{c:?}").starts_with("RedisDenyList"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_on_the_issuer_is_refused_by_a_resource_server_elsewhere() {
    let Some(url) = common::redis_url() else {
        return;
    };
    let prefix = common::fresh_schema("deny");
    let issuer_list = list(&url, &prefix).await;
    let authority: Authority<MemoryStore> = Authority::open(
        AuthorityConfig::new(
            Issuer::new("https://auth.example"),
            Audience::new("https://api.example"),
            KeyEncryptionKey::new(&[9u8; 32]).unwrap(),
        )
        .with_deny_list(Arc::clone(&issuer_list)),
        MemoryStore::new(),
    )
    .await
    .unwrap();
    // The resource server: the issuer's public keys and its own follower of the list.
    let api = Authenticator::new(
        &authority.jwks(),
        &Issuer::new("https://auth.example"),
        &Audience::new("https://api.example"),
    )
    .unwrap()
    .with_deny_list(list(&url, &prefix).await);
    let pair = authority.login("ann", ()).await.unwrap();
    let other = authority.login("bob", ()).await.unwrap();
    assert!(api.authenticate::<()>(&pair.access_token).is_ok());
    authority.logout(pair.refresh_token.expose()).await.unwrap();
    let took = within(|| {
        matches!(
            api.authenticate::<()>(&pair.access_token),
            Err(AuthError::SessionRevoked)
        )
    })
    .await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(api.authenticate::<()>(&other.access_token).is_ok());

    // A compromised key: revoked on the issuer, refused by the API at once, although the
    // API still holds the old JWK Set.
    let kid = authority
        .key_ring()
        .active()
        .unwrap()
        .kid()
        .unwrap()
        .to_owned();
    authority.revoke_key(&kid).await.unwrap();
    within(|| {
        matches!(
            api.authenticate::<()>(&other.access_token),
            Err(AuthError::InvalidToken(TokenError::KeyRevoked))
        )
    })
    .await;
}

/// A `redis-server` of the test's own, on a free port, that it can stop.
struct PrivateRedis {
    child: std::process::Child,
    port: u16,
}

impl PrivateRedis {
    fn start(port: u16) -> Option<Self> {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(["--bind", "127.0.0.1"])
            .stdout(std::process::Stdio::null())
            .spawn();
        match child {
            Ok(child) => Some(Self { child, port }),
            Err(e) => {
                assert!(
                    !std::env::var("CI").is_ok_and(|v| v == "true"),
                    "CI=true but redis-server cannot start: {e}"
                );
                None
            }
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_fails_closed_and_recovers() {
    if common::redis_url().is_none() {
        return;
    }
    let port = free_port();
    let Some(mut server) = PrivateRedis::start(port) else {
        return;
    };
    let started = Instant::now();
    let list = loop {
        match RedisDenyList::connect(&server.url(), TTL, LEEWAY, RedisDenyListOptions::new()).await
        {
            Ok(list) => break list,
            Err(_) if started.elapsed() < Duration::from_secs(5) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e}"),
        }
    };
    list.revoke_session("gone", now()).await.unwrap();
    let iat = now();
    assert!(list.check("live", None, iat, now()).is_ok());

    server.stop();
    // Within the staleness bound (1 s) plus a poll, every token is refused: 503.
    let took = within(|| {
        matches!(
            list.check("live", None, iat, now()),
            Err(AuthError::StoreUnavailable(StoreError::Unavailable(_)))
        )
    })
    .await;
    assert!(took <= Duration::from_millis(1600), "{took:?}");
    let err = list.check("live", None, iat, now()).unwrap_err();
    assert_eq!(err.status(), 503);
    assert!(!list.is_current());
    // A revocation cannot be recorded: the logout fails (and can be repeated).
    assert!(matches!(
        list.revoke_session("other", now()).await,
        Err(StoreError::Unavailable(_))
    ));

    // Back (empty: this Redis keeps nothing on disk): current again, and what the mirror
    // had already seen stays refused.
    let _server = PrivateRedis::start(port).unwrap();
    within(|| list.is_current()).await;
    assert!(list.check("live", None, iat, now()).is_ok());
    assert!(matches!(
        list.check("gone", None, iat, now()),
        Err(AuthError::SessionRevoked)
    ));
    list.revoke_session("other", now()).await.unwrap();
}

#[tokio::test]
async fn connecting_to_nothing_is_unavailable_and_a_bad_url_says_so() {
    let err = RedisDenyList::connect(
        &format!("redis://:s3cret@127.0.0.1:{}/", free_port()),
        TTL,
        LEEWAY,
        RedisDenyListOptions::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(!format!("{err:?}").contains("s3cret"));
    let err = RedisDenyList::connect("http://nope", TTL, LEEWAY, RedisDenyListOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
}
