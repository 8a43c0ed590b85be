//! Sign and verify-with-validation of one access token, for HS256, EdDSA, ES256 and RS256:
//! the raw floor, `jws`, `jsonwebtoken` and `jwt-simple`, in one run.
//!
//! `cargo bench -p jose-bench --bench jws` (or `cargo xtask bench`). Criterion groups are
//! named `<ALG> <sign|verify>`, functions `floor`, `jws`, `jsonwebtoken`, `jwt-simple`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::too_many_lines
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jose_bench::{Alg, Custom};

mod common;

use common::Contenders;

fn bench(c: &mut Criterion) {
    for alg in Alg::ALL {
        let Contenders {
            m,
            floor_claims,
            ours,
            verifier,
            validation,
            jwt_sign,
            jwt_verify,
            simple_sign,
            simple_verify,
            token,
        } = Contenders::new(alg);
        let token = &token;

        let mut g = c.benchmark_group(format!("{} sign", alg.name()));
        g.bench_function("floor", |b| {
            b.iter(|| m.floor.sign(black_box(&floor_claims)));
        });
        g.bench_function("jws", |b| {
            b.iter(|| jws::sign(&m.jws_signer, black_box(&ours)).unwrap());
        });
        g.bench_function("jsonwebtoken", |b| b.iter(&jwt_sign));
        g.bench_function("jwt-simple", |b| b.iter(&simple_sign));
        g.finish();

        let mut g = c.benchmark_group(format!("{} verify", alg.name()));
        g.bench_function("floor", |b| {
            b.iter(|| m.floor.verify(black_box(token)).unwrap());
        });
        g.bench_function("jws", |b| {
            b.iter(|| {
                verifier
                    .verify::<Custom>(black_box(token), &validation)
                    .unwrap()
            });
        });
        g.bench_function("jsonwebtoken", |b| {
            b.iter(|| assert!(jwt_verify(black_box(token))));
        });
        g.bench_function("jwt-simple", |b| {
            b.iter(|| assert!(simple_verify(black_box(token))));
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
