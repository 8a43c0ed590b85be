//! Interleaved timing of the stages of HS256 verification, to see where `jws` spends
//! time beyond the floor (median ns, and median of the per-round ratios to the floor):
//! `cargo run --release -p jose-bench --features profile --example stages`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use jose_bench::{AccessClaims, Alg, Custom, Material, jws_claims, jws_validation, now};

type Stage<'a> = (&'static str, Box<dyn Fn() + 'a>);

fn main() {
    let m = Material::new(Alg::Hs256);
    let claims = jws_claims(now());
    let token = jws::sign(&m.jws_signer, &claims).unwrap();
    let verifier = m.jws_verifier();
    let validation = jws_validation();
    let limits = jws::Limits::default();
    let parts = jws::jwt_claims::JwsCompact::parse(&token, &limits).unwrap();
    let payload = jws::base64url::decode(parts.payload).unwrap();
    let parsed: jws::Claims<Custom> = jws::Claims::from_json(&payload, &limits).unwrap();
    let header = jws::Header::from_segment(parts.header, &limits).unwrap();
    let fbuf = std::cell::RefCell::new(Vec::new());
    let jbuf = std::cell::RefCell::new(Vec::new());
    let parsed_ref: jws::ClaimsRef<'_, jose_bench::CustomRef<'_>> =
        jws::ClaimsRef::from_json(&payload, &limits).unwrap();
    let stages: Vec<Stage<'_>> = vec![
        (
            "floor borrowed",
            Box::new(|| {
                let mut b = fbuf.borrow_mut();
                black_box(m.floor.verify_borrowed(black_box(&token), &mut b).unwrap());
            }),
        ),
        (
            "jws borrowed",
            Box::new(|| {
                let mut b = jbuf.borrow_mut();
                black_box(
                    verifier
                        .verify_borrowed::<jose_bench::CustomRef<'_>>(
                            black_box(&token),
                            &validation,
                            &mut b,
                        )
                        .unwrap(),
                );
            }),
        ),
        (
            "ClaimsRef::from_json",
            Box::new(|| {
                black_box(
                    jws::ClaimsRef::<jose_bench::CustomRef<'_>>::from_json(
                        black_box(&payload),
                        &limits,
                    )
                    .unwrap(),
                );
            }),
        ),
        (
            "serde derive ref",
            Box::new(|| {
                black_box(
                    serde_json::from_slice::<jose_bench::AccessClaimsRef<'_>>(black_box(&payload))
                        .unwrap(),
                );
            }),
        ),
        (
            "nested dups",
            Box::new(|| {
                black_box(jws::jwt_claims::json::check_nested_duplicates(black_box(
                    &payload,
                )))
                .ok();
            }),
        ),
        (
            "validate ref",
            Box::new(|| {
                black_box(validation.validate(&header, black_box(&parsed_ref))).unwrap();
            }),
        ),
        (
            "known header",
            Box::new(|| {
                black_box(jws::NumericDate::now());
            }),
        ),
        (
            "floor verify",
            Box::new(|| {
                black_box(m.floor.verify(black_box(&token)).unwrap());
            }),
        ),
        (
            "jws verify",
            Box::new(|| {
                black_box(
                    verifier
                        .verify::<Custom>(black_box(&token), &validation)
                        .unwrap(),
                );
            }),
        ),
        (
            "Claims::from_json",
            Box::new(|| {
                black_box(jws::Claims::<Custom>::from_json(black_box(&payload), &limits).unwrap());
            }),
        ),
        (
            "serde derive",
            Box::new(|| {
                black_box(serde_json::from_slice::<AccessClaims>(black_box(&payload)).unwrap());
            }),
        ),
        (
            "check_depth",
            Box::new(|| {
                black_box(jws::jwt_claims::json::check_depth(black_box(&payload), 32)).ok();
            }),
        ),
        (
            "validate",
            Box::new(|| {
                black_box(validation.validate(&header, black_box(&parsed))).unwrap();
            }),
        ),
        (
            "split",
            Box::new(|| {
                black_box(jws::jwt_claims::JwsCompact::parse(black_box(&token), &limits).unwrap());
            }),
        ),
        (
            "b64 payload",
            Box::new(|| {
                black_box(jws::base64url::decode(black_box(parts.payload)).unwrap());
            }),
        ),
        (
            "verify_payload",
            Box::new(|| {
                black_box(verifier.verify_payload(black_box(&token)).unwrap());
            }),
        ),
    ];
    let rounds = 61;
    let batch = 20_000;
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); stages.len()];
    for r in 0..rounds {
        for i in 0..stages.len() {
            let i = (i + r) % stages.len();
            let f = &stages[i].1;
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            times[i].push(t.elapsed().as_nanos() as f64 / f64::from(batch));
        }
    }
    for (i, (name, _)) in stages.iter().enumerate() {
        let mut t = times[i].clone();
        t.sort_by(f64::total_cmp);
        let mut ratio: Vec<f64> = times[i].iter().zip(&times[0]).map(|(a, b)| a / b).collect();
        ratio.sort_by(f64::total_cmp);
        println!(
            "{name:20} {:8.0} ns  {:.3}x of floor",
            t[t.len() / 2],
            ratio[ratio.len() / 2]
        );
    }
}
