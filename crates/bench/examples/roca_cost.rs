//! What the ROCA check costs next to what it guards: `jws::check_rsa_size` on an RSA-2048
//! public key (modulus size and the ROCA fingerprint, run once when a key is built) against
//! one RS256 verification with that key, in alternating batches:
//! `cargo run --release -p jose-bench --features profile --example roca_cost`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

use std::hint::black_box;
use std::time::Instant;

use jws::{Algorithm, SigningKey};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let signing = SigningKey::generate(Algorithm::RS256).unwrap();
    let verifying = signing.verifying_key();
    let jwk = verifying.to_jwk();
    let public = jwk.rsa_public_key().unwrap();
    let message = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbm4ifQ";
    let signature = signing.sign(message).unwrap();
    let (mut check, mut verify) = (Vec::new(), Vec::new());
    for _ in 0..30 {
        let start = Instant::now();
        for _ in 0..2000 {
            jws::check_rsa_size(black_box(&public)).unwrap();
        }
        check.push(start.elapsed().as_nanos() as f64 / 2000.0);
        let start = Instant::now();
        for _ in 0..200 {
            verifying
                .verify(black_box(message), black_box(&signature))
                .unwrap();
        }
        verify.push(start.elapsed().as_nanos() as f64 / 200.0);
    }
    let (c, v) = (median(check), median(verify));
    println!("check_rsa_size (2048-bit, ROCA included): {c:.0} ns");
    println!("RS256 verify (2048-bit):                  {v:.0} ns");
    println!("ratio: {:.3} of one verification", c / v);
}
