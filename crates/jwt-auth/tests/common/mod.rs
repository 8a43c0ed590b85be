//! Helpers shared by the store tests: records and rotation requests made by hand.
#![allow(dead_code, unreachable_pub)]

use jws::NumericDate;
use jwt_auth::store::{RefreshRecord, RotationRequest};
use jwt_auth::{FamilyId, SecretHash, TokenId};
use sha2::{Digest, Sha256};

pub const T0: u64 = 1_800_000_000;
/// The absolute expiry of the families made here.
pub const END: u64 = T0 + 30 * 86_400;
/// The idle lifetime the requests made here ask for.
pub const IDLE: u64 = 14 * 86_400;

pub fn at(secs: u64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

/// A first record of a family, issued at `now`.
pub fn record(family: &FamilyId, subject: &str, now: u64) -> RefreshRecord {
    let id = TokenId::random().unwrap();
    RefreshRecord {
        id,
        secret_hash: hash_of(&id),
        family: family.clone(),
        subject: subject.to_owned(),
        issued_at: at(now),
        idle_expires_at: at(now + IDLE),
        expires_at: at(END),
        consumed_at: None,
        successor: None,
        session: r#"{"claims":{"role":"admin"},"scope":"read"}"#.into(),
    }
}

fn hash_of(id: &TokenId) -> SecretHash {
    SecretHash::from_bytes(Sha256::digest(id.as_bytes()).into())
}

/// The successor a store is asked to store for `id`: derived from the id alone, as the
/// authority derives it from the id and the secret (the same parent, the same successor).
pub fn successor_of(id: &TokenId) -> (TokenId, SecretHash) {
    let digest = Sha256::digest([b"next".as_slice(), id.as_bytes()].concat());
    let next = TokenId::from_bytes(digest[..16].try_into().unwrap());
    (next, hash_of(&next))
}

/// A request to rotate `id` at `now` with `grace` seconds of grace.
pub fn request(id: &TokenId, now: u64, grace: u64) -> RotationRequest {
    let (successor_id, successor_hash) = successor_of(id);
    RotationRequest {
        id: *id,
        now: at(now),
        grace,
        idle: IDLE,
        successor_id,
        successor_hash,
    }
}

/// `DATABASE_URL`, or `None` with a notice when it is unset locally; under `CI=true` a
/// missing URL fails the test (`.ci/run` sets it).
pub fn database_url() -> Option<String> {
    service_url("DATABASE_URL", "PostgreSQL")
}

/// `REDIS_URL`, as [`database_url`].
pub fn redis_url() -> Option<String> {
    service_url("REDIS_URL", "Redis")
}

#[allow(clippy::print_stderr)]
fn service_url(var: &str, service: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but {var} is unset: .ci/run sets it ({service} on loopback)"
            );
            eprintln!("NOTICE: {var} is unset: skipping a test that needs {service}");
            None
        }
    }
}

/// A fresh schema name for one test, so that tests run in parallel on one database.
pub fn fresh_schema(prefix: &str) -> String {
    let id = TokenId::random()
        .unwrap()
        .to_base64url()
        .to_ascii_lowercase();
    let id: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{prefix}_{id}")
}

/// Drops a test's schema (and everything in it).
#[cfg(feature = "postgres")]
pub async fn drop_schema(url: &str, schema: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
}
