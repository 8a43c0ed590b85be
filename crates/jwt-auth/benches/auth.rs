//! Throughput of the scheme: access tokens issued (a login on the in-memory store: one
//! access token, one refresh token) and verified per second, alone and with a deny-list
//! check (in-process, and the Redis-backed list on its cache-hit path: `REDIS_URL`);
//! refresh rotations per second on memory, SQLite (a file in WAL mode, `synchronous =
//! FULL`) and PostgreSQL (`DATABASE_URL`, `synchronous_commit` as the server has it: on)
//! with 1, 8 and 32 concurrent clients.
//!
//! `cargo bench -p jwt-auth --features postgres,redis --bench auth`. Criterion reports time per operation; for the
//! rotation groups one "iteration" is one rotation, whatever the number of clients, so
//! operations per second are 1 / (reported time).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use jwt_auth::{Audience, Issuer};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jwt_auth::Revocations;
use jwt_auth::store::Store;
use jwt_auth::{
    Authenticator, Authority, AuthorityConfig, DenyList, KeyEncryptionKey, MemoryStore,
    PostgresOptions, PostgresStore, RedisDenyList, RedisDenyListOptions, SqliteStore, TokenPair,
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
    // The deny-list on the verify path, HS256 (the cheapest verification: the check's
    // cost shows most there) and EdDSA.
    let hs: Authority<_, Profile> = rt
        .block_on(Authority::open(
            config().with_algorithm(jws::Algorithm::HS256),
            MemoryStore::new(),
        ))
        .unwrap();
    let hs_api = hs.authenticator().unwrap();
    let hs_header = format!(
        "Bearer {}",
        rt.block_on(hs.login("ann", profile()))
            .unwrap()
            .access_token
    );
    let ttl = Duration::from_secs(1800);
    let leeway = jws::Validation::DEFAULT_LEEWAY;
    let local = Arc::new(DenyList::new(100_000, ttl, leeway));
    for i in 0..1000 {
        local.deny(&format!("other-{i}"), jws::NumericDate::now());
    }
    g.bench_function("verify (authenticate, HS256)", |b| {
        b.iter(|| {
            hs_api
                .authenticate::<Profile>(black_box(&hs_header))
                .unwrap()
        });
    });
    let with_local = hs
        .authenticator()
        .unwrap()
        .with_deny_list(Arc::clone(&local));
    g.bench_function("verify + in-process deny-list (HS256)", |b| {
        b.iter(|| {
            with_local
                .authenticate::<Profile>(black_box(&hs_header))
                .unwrap()
        });
    });
    // The shared list's follower runs on a runtime of its own, as in a server.
    let background = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let redis = std::env::var("REDIS_URL").ok().and_then(|url| {
        let shared = background.block_on(async {
            let list = RedisDenyList::connect(
                &url,
                ttl,
                leeway,
                RedisDenyListOptions::new()
                    .with_prefix(format!("jwt-auth-bench-{}", std::process::id())),
            )
            .await
            .ok()?;
            for i in 0..1000 {
                list.revoke_session(&format!("other-{i}"), jws::NumericDate::now())
                    .await
                    .ok()?;
            }
            Some(list)
        })?;
        Some(shared)
    });
    match &redis {
        None => eprintln!("NOTICE: REDIS_URL unset or unreachable: no Redis deny-list rows"),
        Some(list) => {
            let with_redis = hs.authenticator().unwrap().with_deny_list(Arc::clone(list));
            g.bench_function("verify + Redis deny-list, cache hit (HS256)", |b| {
                b.iter(|| {
                    with_redis
                        .authenticate::<Profile>(black_box(&hs_header))
                        .unwrap()
                });
            });
            let eddsa = authority
                .authenticator()
                .unwrap()
                .with_deny_list(Arc::clone(list));
            g.bench_function("verify + Redis deny-list, cache hit (EdDSA)", |b| {
                b.iter(|| eddsa.authenticate::<Profile>(black_box(&header)).unwrap());
            });
        }
    }
    g.finish();
}

/// Runs `total` rotations split over `clients` concurrent sessions; returns the time taken.
fn rotations<S: Store>(
    rt: &tokio::runtime::Runtime,
    authority: &Arc<Authority<S, Profile>>,
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

/// Rotations with 1, 8 and 32 clients on one store.
fn store_rotations<S: Store>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    store: S,
) {
    let authority: Arc<Authority<S, Profile>> =
        Arc::new(rt.block_on(Authority::open(config(), store)).unwrap());
    for clients in [1usize, 8, 32] {
        let mut pairs: Vec<TokenPair> = (0..clients)
            .map(|_| rt.block_on(authority.login("ann", profile())).unwrap())
            .collect();
        g.bench_function(format!("{name}, {clients} client(s)"), |b| {
            b.iter_custom(|iters| rotations(rt, &authority, &mut pairs, iters));
        });
    }
}

fn rotation(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("jwt-auth-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut g = c.benchmark_group("store_rotation");
    g.sample_size(20);
    store_rotations(&mut g, &rt, "memory", MemoryStore::new());
    store_rotations(
        &mut g,
        &rt,
        "SQLite file, WAL",
        SqliteStore::open(dir.join("bench.db")).unwrap(),
    );
    match std::env::var("DATABASE_URL") {
        Ok(url) => {
            let schema = format!("jwt_auth_bench_{}", std::process::id());
            let store = rt
                .block_on(PostgresStore::connect_with(
                    &url,
                    PostgresOptions::new()
                        .with_schema(&schema)
                        .with_max_connections(32),
                ))
                .unwrap();
            store_rotations(&mut g, &rt, "PostgreSQL", store);
            rt.block_on(async {
                let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                let task = tokio::spawn(conn);
                let _ = client
                    .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                    .await;
                drop(client);
                let _ = task.await;
            });
        }
        Err(_) => eprintln!("NOTICE: DATABASE_URL unset: no PostgreSQL rows"),
    }
    g.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, access_tokens, rotation);
criterion_main!(benches);
