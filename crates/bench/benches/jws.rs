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
use jose_bench::{Alg, Custom, Material, access_claims, jws_claims, jws_validation, now};

mod common;

use common::{jsonwebtoken_pair, jwt_simple_pair};

fn bench(c: &mut Criterion) {
    for alg in Alg::ALL {
        let m = Material::new(alg);
        let t = now();
        let floor_claims = access_claims(t);
        let ours = jws_claims(t);
        let verifier = m.jws_verifier();
        let validation = jws_validation();
        let (jwt_sign, jwt_verify) = jsonwebtoken_pair(&m, access_claims(t));
        let (simple_sign, simple_verify) = jwt_simple_pair(&m);

        // Every library's token verifies with every other library: same claims, same key.
        let tokens = [
            m.floor.sign(&floor_claims),
            jws::sign(&m.jws_signer, &ours).unwrap(),
            jwt_sign(),
            simple_sign(),
        ];
        for token in &tokens {
            assert!(
                verifier.verify::<Custom>(token, &validation).is_ok(),
                "{}",
                alg.name()
            );
        }
        assert_eq!(m.floor.verify(&tokens[1]).as_ref(), Some(&floor_claims));
        let token = &tokens[1];
        assert!(
            jwt_verify(token) && simple_verify(token),
            "peers verify jws tokens ({})",
            alg.name()
        );

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
