//! Throughput of the scheme: access tokens issued (a login on the in-memory store: one
//! access token, one refresh token) and verified per second; refresh rotations per second
//! on SQLite (a file in WAL mode, `synchronous = FULL`) with 1 and 8 concurrent clients.
//!
//! `cargo bench -p jwt-auth --bench auth`. Criterion reports time per operation; for the
//! rotation groups one "iteration" is one rotation, whatever the number of clients, so
//! operations per second are 1 / (reported time).
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use jwt_auth::{Audience, Issuer};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jwt_auth::{
    Authenticator, Authority, AuthorityConfig, KeyEncryptionKey, MemoryStore, SqliteStore,
    TokenPair,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Profile {
    name: String,
    roles: Vec<String>,
}

fn profile() -> Profile {
    Profile {
        name: "Ann".into(),
        roles: vec!["admin".into(), "billing".into()],
    }
}

fn config() -> AuthorityConfig {
    AuthorityConfig::new(
        Issuer::new("https://auth.example"),
        Audience::new("https://api.example"),
        KeyEncryptionKey::new(&[9; 32]).unwrap(),
    )
}

fn access_tokens(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let authority: Authority<_, Profile> = rt
        .block_on(Authority::open(config(), MemoryStore::new()))
        .unwrap();
    let api = Authenticator::new(
        &authority.jwks(),
        &Issuer::new("https://auth.example"),
        &Audience::new("https://api.example"),
    )
    .unwrap();
    let pair = rt.block_on(authority.login("ann", profile())).unwrap();
    let header = format!("Bearer {}", pair.access_token);

    let mut g = c.benchmark_group("access_token");
    g.bench_function("issue (login, EdDSA, memory store)", |b| {
        b.iter(|| {
            rt.block_on(authority.login(black_box("ann"), profile()))
                .unwrap()
        });
    });
    g.bench_function("verify (authenticate, EdDSA)", |b| {
        b.iter(|| api.authenticate::<Profile>(black_box(&header)).unwrap());
    });
    g.finish();
}

/// Runs `total` rotations split over `clients` concurrent sessions; returns the time taken.
fn rotations(
    rt: &tokio::runtime::Runtime,
    authority: &Arc<Authority<SqliteStore, Profile>>,
    pairs: &mut [TokenPair],
    total: u64,
) -> Duration {
    let clients = pairs.len() as u64;
    let per_client = total.div_ceil(clients);
    let start = Instant::now();
    let next: Vec<TokenPair> = rt.block_on(async {
        let tasks: Vec<_> = pairs
            .iter()
            .map(|p| {
                let authority = Arc::clone(authority);
                let mut token = p.refresh_token.clone();
                let mut last = None;
                tokio::spawn(async move {
                    for _ in 0..per_client {
                        let pair = authority.refresh(token.expose()).await.unwrap();
                        token = pair.refresh_token.clone();
                        last = Some(pair);
                    }
                    last.unwrap()
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let elapsed = start.elapsed();
    for (slot, pair) in pairs.iter_mut().zip(next) {
        *slot = pair;
    }
    // Per rotation: scale as if exactly `total` were done.
    elapsed.mul_f64(total as f64 / (per_client * clients) as f64)
}

fn sqlite_rotations(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("jwt-auth-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(dir.join("bench.db")).unwrap();
    let authority: Arc<Authority<SqliteStore, Profile>> =
        Arc::new(rt.block_on(Authority::open(config(), store)).unwrap());

    let mut g = c.benchmark_group("sqlite_rotation");
    g.sample_size(20);
    for clients in [1usize, 8] {
        let mut pairs: Vec<TokenPair> = (0..clients)
            .map(|_| rt.block_on(authority.login("ann", profile())).unwrap())
            .collect();
        g.bench_function(format!("{clients} client(s), file, WAL"), |b| {
            b.iter_custom(|iters| rotations(&rt, &authority, &mut pairs, iters));
        });
    }
    g.finish();
    drop(authority);
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, access_tokens, sqlite_rotations);
criterion_main!(benches);
