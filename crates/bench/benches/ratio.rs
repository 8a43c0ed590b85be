//! Ratios to the floor, measured interleaved: for each operation, every round times a
//! batch of the floor, `jws`, `jsonwebtoken` and `jwt-simple` (for JWE `dir`+A256GCM: the
//! floor and `jwe`) back to back (in an order
//! that rotates from round to round) and divides each by that round's floor. The median
//! over the rounds is reported.
//!
//! Criterion measures one function after another; on a shared, frequency-scaling machine
//! the speed drifts between them by more than the differences that matter here (10-30%
//! from run to run on this project's 2-core VM). Interleaving puts both sides of a ratio in
//! the same few milliseconds, so drift cancels.
//!
//! `cargo bench -p jose-bench --bench ratio` (or `cargo xtask bench`, which runs it in
//! three processes and combines them). Prints a Markdown table after a line
//! `<!-- ratio table -->`, then one tab-separated `RATIO` line per operation: name, floor
//! ns, and the median ratio of each contender (`-` where there is none).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    clippy::panic
)]

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::Contenders;
use jose_bench::{Alg, Custom};

/// Rounds per operation, and the time one batch should take.
const ROUNDS: usize = 41;
const BATCH: Duration = Duration::from_millis(4);

type Op<'a> = Box<dyn Fn() + 'a>;

/// How many calls of `op` take about `BATCH`.
fn batch_size(op: &Op<'_>) -> u32 {
    for _ in 0..3 {
        op();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < BATCH / 4 {
        op();
        n += 1;
    }
    (n * 4).max(1)
}

fn time(op: &Op<'_>, n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        op();
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median ns/op of the floor, and the median per-round ratio of each contender to it.
fn measure(ops: &[Op<'_>]) -> (f64, Vec<(f64, f64, f64)>) {
    let sizes: Vec<u32> = ops.iter().map(batch_size).collect();
    let mut floor_ns = Vec::new();
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    for round in 0..ROUNDS {
        let mut ns = vec![0.0; ops.len()];
        for k in 0..ops.len() {
            let i = (round + k) % ops.len();
            ns[i] = time(&ops[i], sizes[i]);
        }
        floor_ns.push(ns[0]);
        for i in 0..ops.len() {
            ratios[i].push(ns[i] / ns[0]);
        }
    }
    let quartiles = |v: &Vec<f64>| {
        let mut s = v.clone();
        s.sort_by(f64::total_cmp);
        (s[s.len() / 4], s[s.len() / 2], s[s.len() * 3 / 4])
    };
    (median(floor_ns), ratios.iter().map(quartiles).collect())
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument, if any, selects operations.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut rows = Vec::new();
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

        let sign: Vec<Op<'_>> = vec![
            Box::new(|| {
                black_box(m.floor.sign(black_box(&floor_claims)));
            }),
            Box::new(|| {
                black_box(jws::sign(&m.jws_signer, black_box(&ours)).unwrap());
            }),
            Box::new(|| {
                black_box(jwt_sign());
            }),
            Box::new(|| {
                black_box(simple_sign());
            }),
        ];
        let verify: Vec<Op<'_>> = vec![
            Box::new(|| {
                black_box(m.floor.verify(black_box(&token)).unwrap());
            }),
            Box::new(|| {
                black_box(
                    verifier
                        .verify::<Custom>(black_box(&token), &validation)
                        .unwrap(),
                );
            }),
            Box::new(|| assert!(jwt_verify(black_box(&token)))),
            Box::new(|| assert!(simple_verify(black_box(&token)))),
        ];
        // The borrowed path (`verify_borrowed` with a buffer kept across calls, claims
        // borrowed from it: no allocation), against the same floor as every row. The
        // `stages` example also times it against a floor that borrows.
        let jws_buf = std::cell::RefCell::new(Vec::new());
        let borrowed: Vec<Op<'_>> = vec![
            Box::new(|| {
                black_box(m.floor.verify(black_box(&token)).unwrap());
            }),
            Box::new(|| {
                let mut buf = jws_buf.borrow_mut();
                black_box(
                    verifier
                        .verify_borrowed::<jose_bench::CustomRef<'_>>(
                            black_box(&token),
                            &validation,
                            &mut buf,
                        )
                        .unwrap(),
                );
            }),
        ];
        // A warm remote JWK Set (jwks-remote) against the same JWK Set held statically:
        // the "floor" of this row is `Verifier::from_jwk_set(..).verify`. Public keys
        // only: a remote set never holds an HMAC secret.
        let remote = (alg != Alg::Hs256).then(|| remote_set(&verifier));
        let mut ops = vec![("sign", sign), ("verify", verify)];
        if alg == Alg::Hs256 {
            ops.push(("verify, borrowed", borrowed));
        }
        if let Some((static_set, remote)) = &remote {
            let versus: Vec<Op<'_>> = vec![
                Box::new(|| {
                    black_box(
                        static_set
                            .verify::<Custom>(black_box(&token), &validation)
                            .unwrap(),
                    );
                }),
                Box::new(|| {
                    black_box(
                        poll_once(remote.verify::<Custom>(black_box(&token), &validation)).unwrap(),
                    );
                }),
            ];
            ops.push(("verify, remote set / static set", versus));
        }
        for (what, ops) in ops {
            let name = format!("{} {what}", alg.name());
            if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
                continue;
            }
            let (floor, ratios) = measure(&ops);
            eprintln!("{name}: floor {floor:.0} ns; jws {:.3}x", ratios[1].1);
            rows.push((name, floor, ratios));
        }
    }
    rows.extend(jwe_rows(filter.as_deref()));
    println!("<!-- ratio table -->");
    println!(
        "| operation | floor ns | jws / jwe | jsonwebtoken | jwt-simple |\n|---|---:|---:|---:|---:|"
    );
    for (name, floor, ratios) in &rows {
        let cell = |i: usize| {
            ratios.get(i).map_or_else(
                || "-".to_owned(),
                |(lo, mid, hi)| format!("{mid:.2}x ({lo:.2}-{hi:.2})"),
            )
        };
        println!(
            "| {name} | {floor:.0} | {} | {} | {} |",
            cell(1),
            cell(2),
            cell(3)
        );
    }
    for (name, floor, ratios) in &rows {
        let mids: Vec<String> = (1..4)
            .map(|i| {
                ratios
                    .get(i)
                    .map_or_else(|| "-".to_owned(), |r| format!("{:.4}", r.1))
            })
            .collect();
        println!("RATIO\t{name}\t{floor:.0}\t{}", mids.join("\t"));
    }
}

type Row = (String, f64, Vec<(f64, f64, f64)>);

/// The JWK Set of `verifier`'s public keys as a static verifier, and as a remote set
/// serving it, fetched once (max-age 1 h).
fn remote_set(verifier: &jws::Verifier) -> (jws::Verifier, jwks_remote::RemoteJwkSet) {
    use jwks_remote::{FixedFetcher, Options, RemoteJwkSet};

    let set = jws::JwkSet::from_keys(
        verifier
            .keys()
            .iter()
            .map(jws::VerifyingKey::to_jwk)
            .collect(),
    );
    let fetcher =
        FixedFetcher::new(serde_json::to_vec(&set).unwrap()).with_cache_control("max-age=3600");
    let remote = RemoteJwkSet::with_options(
        "https://issuer.example/jwks.json",
        Options::default().with_fetcher(std::sync::Arc::new(fetcher)),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(remote.refresh()).unwrap();
    let static_set = jws::Verifier::from_jwk_set(&set, verifier.allowed_algorithms()).unwrap();
    (static_set, remote)
}

/// Polls a future once: a warm remote set answers without waiting.
fn poll_once<F: Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the warm remote set waited"),
    }
}

/// `jwe` against its floor for `dir`+A256GCM (no peer compared): encrypt from the claims,
/// decrypt to the claims.
fn jwe_rows(filter: Option<&str>) -> Vec<Row> {
    use aes_gcm::{Aes256Gcm, KeyInit};
    use jose_bench::dir_floor::{floor_decrypt, floor_encrypt};
    use jose_bench::{AccessClaims, access_claims, now};

    let claims = access_claims(now());
    let cipher = Aes256Gcm::new_from_slice(&[7; 32]).unwrap();
    let key = jwe::DecryptionKey::symmetric(jwe::Algorithm::Dir, &[7; 32]).unwrap();
    let enc_key = key.encryption_key();
    let decrypter = jwe::Decrypter::new(key);
    let encrypt = || {
        let json = serde_json::to_vec(black_box(&claims)).unwrap();
        let options = jwe::EncryptOptions::new();
        jwe::encrypt(&enc_key, jwe::EncryptionAlgorithm::A256GCM, &json, &options).unwrap()
    };
    let token = encrypt();
    let floor_token = floor_encrypt(&cipher, &claims);
    for t in [&token, &floor_token] {
        let d = decrypter.decrypt(t).unwrap();
        assert_eq!(
            serde_json::from_slice::<AccessClaims>(d.plaintext()).unwrap(),
            claims
        );
        assert_eq!(floor_decrypt(&cipher, t), claims);
    }

    let enc: Vec<Op<'_>> = vec![
        Box::new(|| {
            black_box(floor_encrypt(&cipher, black_box(&claims)));
        }),
        Box::new(|| {
            black_box(encrypt());
        }),
    ];
    let dec: Vec<Op<'_>> = vec![
        Box::new(|| {
            black_box(floor_decrypt(&cipher, black_box(&token)));
        }),
        Box::new(|| {
            let d = decrypter.decrypt(black_box(&token)).unwrap();
            black_box(serde_json::from_slice::<AccessClaims>(d.plaintext()).unwrap());
        }),
    ];
    let mut rows = Vec::new();
    for (name, ops) in [
        ("JWE dir+A256GCM encrypt", enc),
        ("JWE dir+A256GCM decrypt", dec),
    ] {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let (floor, ratios) = measure(&ops);
        eprintln!("{name}: floor {floor:.0} ns; jwe {:.3}x", ratios[1].1);
        rows.push((name.to_owned(), floor, ratios));
    }
    rows
}
