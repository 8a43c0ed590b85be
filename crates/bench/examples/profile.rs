//! A loop over one operation, for profilers (`valgrind --tool=callgrind`, `perf`):
//! `cargo run --release -p jose-bench --features profile --example profile -- hs256-verify 100000`.
#![allow(missing_docs, clippy::unwrap_used, clippy::print_stdout)]

use std::hint::black_box;

use jose_bench::{Alg, Custom, Material, access_claims, jws_claims, jws_validation, now};

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "hs256-verify".into());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let m = Material::new(Alg::Hs256);
    let claims = jws_claims(now());
    let token = jws::sign(&m.jws_signer, &claims).unwrap();
    let verifier = m.jws_verifier();
    let validation = jws_validation();
    let floor_claims = access_claims(now());
    let limits = jws::Limits::default();
    let payload = {
        let parts = jws::jwt_claims::JwsCompact::parse(&token, &limits).unwrap();
        jws::base64url::decode(parts.payload).unwrap()
    };
    let cipher = <aes_gcm::Aes256Gcm as aes_gcm::KeyInit>::new_from_slice(&[7; 32]).unwrap();
    let dir_key = jwe::DecryptionKey::symmetric(jwe::Algorithm::Dir, &[7; 32]).unwrap();
    let dir_token = jose_bench::dir_floor::floor_encrypt(&cipher, &floor_claims);
    let enc_key = dir_key.encryption_key();
    let decrypter = jwe::Decrypter::new(dir_key);
    for _ in 0..n {
        match what.as_str() {
            "hs256-verify" => {
                black_box(
                    verifier
                        .verify::<Custom>(black_box(&token), &validation)
                        .unwrap(),
                );
            }
            "hs256-sign" => {
                black_box(jws::sign(&m.jws_signer, black_box(&claims)).unwrap());
            }
            "claims-json" => {
                black_box(jws::Claims::<Custom>::from_json(black_box(&payload), &limits).unwrap());
            }
            "derive-json" => {
                black_box(
                    serde_json::from_slice::<jose_bench::AccessClaims>(black_box(&payload))
                        .unwrap(),
                );
            }
            "dir-decrypt" => {
                let d = decrypter.decrypt(black_box(&dir_token)).unwrap();
                black_box(
                    serde_json::from_slice::<jose_bench::AccessClaims>(d.plaintext()).unwrap(),
                );
            }
            "dir-encrypt" => {
                let json = serde_json::to_vec(black_box(&floor_claims)).unwrap();
                black_box(
                    jwe::encrypt(
                        &enc_key,
                        jwe::EncryptionAlgorithm::A256GCM,
                        &json,
                        &jwe::EncryptOptions::new(),
                    )
                    .unwrap(),
                );
            }
            "dir-floor-encrypt" => {
                black_box(jose_bench::dir_floor::floor_encrypt(
                    &cipher,
                    black_box(&floor_claims),
                ));
            }
            "dir-floor-decrypt" => {
                black_box(jose_bench::dir_floor::floor_decrypt(
                    &cipher,
                    black_box(&dir_token),
                ));
            }
            "floor-verify" => {
                black_box(m.floor.verify(black_box(&token)).unwrap());
            }
            _ => {
                black_box(m.floor.sign(black_box(&floor_claims)));
            }
        }
    }
    println!("{what} x{n}");
}
