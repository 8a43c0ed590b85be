//! What RSA blinding costs in `rsa` 0.10: the raw private-key operation of an RS256
//! signature (2048 bits, CRT, with the fault check), with the RNG (base, exponent and
//! modulus blinding: what `jws` and the floor use) and without (no blinding):
//! `cargo run --release -p jose-bench --features profile --example rsa_blinding`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use jose_bench::{Alg, Floor, Material};
use rsa::hazmat::rsa_decrypt_and_check;
use rsa::traits::PublicKeyParts;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let m = Material::new(Alg::Rs256);
    let Floor::Rs256(key, _) = &m.floor else {
        unreachable!("RS256 material has an RSA floor")
    };
    let c = rsa::BoxedUint::from_be_slice(&[7u8; 200], key.n_bits_precision()).unwrap();
    let batch = 60;
    let (mut blinded, mut plain) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        let t = Instant::now();
        for _ in 0..batch {
            let rng = Some(&mut getrandom::SysRng);
            black_box(rsa_decrypt_and_check(key.as_ref(), rng, black_box(&c)).unwrap());
        }
        blinded.push(t.elapsed().as_secs_f64() * 1e6 / f64::from(batch));
        let t = Instant::now();
        for _ in 0..batch {
            let rng = None::<&mut getrandom::SysRng>;
            black_box(rsa_decrypt_and_check(key.as_ref(), rng, black_box(&c)).unwrap());
        }
        plain.push(t.elapsed().as_secs_f64() * 1e6 / f64::from(batch));
    }
    println!(
        "RSA-2048 private operation: blinded {:.0} us, unblinded {:.0} us (median of 15 x {batch})",
        median(blinded),
        median(plain)
    );
}
