//! Encrypt and decrypt of one access token's claims: `dir`+A256GCM, A256KW+A256GCM,
//! ECDH-ES+A256KW over X25519 and P-256, and a nested JWT (EdDSA, then
//! ECDH-ES+A256KW/X25519), against the raw floor for `dir`+A256GCM: bare AES-GCM over the
//! same payload, plus base64url and JSON.
//!
//! `cargo bench -p jose-bench --bench jwe` (or `cargo xtask bench`).
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use aes_gcm::{Aes256Gcm, KeyInit};
use criterion::{Criterion, criterion_group, criterion_main};
use jose_bench::dir_floor::{floor_decrypt, floor_encrypt};
use jose_bench::{AccessClaims, Custom, access_claims, jws_claims, jws_validation, now};
use jwe::{Algorithm, Decrypter, DecryptionKey, EncryptOptions, EncryptionAlgorithm};

fn bench(c: &mut Criterion) {
    let t = now();
    let claims = access_claims(t);
    let payload = serde_json::to_vec(&claims).unwrap();
    let p256 = {
        let jwk = jws::SigningKey::ecdsa(Algorithm::ES256, &[0x24; 32])
            .unwrap()
            .to_jwk();
        let mut v: serde_json::Value =
            serde_json::from_str(&jwk.to_private_json().unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("alg");
        DecryptionKey::from_jwk(
            &jws::Jwk::from_json(v.to_string().as_bytes()).unwrap(),
            Some(Algorithm::ECDH_ES_A256KW),
        )
        .unwrap()
    };
    let cases = [
        (
            "dir+A256GCM",
            DecryptionKey::symmetric(Algorithm::Dir, &[7; 32]).unwrap(),
        ),
        (
            "A256KW+A256GCM",
            DecryptionKey::symmetric(Algorithm::A256KW, &[8; 32]).unwrap(),
        ),
        (
            "ECDH-ES+A256KW X25519",
            DecryptionKey::x25519(Algorithm::ECDH_ES_A256KW, &[9; 32]).unwrap(),
        ),
        ("ECDH-ES+A256KW P-256", p256),
    ];
    let cipher = Aes256Gcm::new_from_slice(&[7; 32]).unwrap();
    for (name, key) in cases {
        let enc_key = key.encryption_key();
        let decrypter = Decrypter::new(key);
        let token = jwe::encrypt(
            &enc_key,
            EncryptionAlgorithm::A256GCM,
            &payload,
            &EncryptOptions::new(),
        )
        .unwrap();
        assert_eq!(
            decrypter.decrypt(&token).unwrap().plaintext(),
            payload.as_slice()
        );

        let mut g = c.benchmark_group(format!("{name} encrypt"));
        if name == "dir+A256GCM" {
            let floor_token = floor_encrypt(&cipher, &claims);
            assert_eq!(
                decrypter.decrypt(&floor_token).unwrap().plaintext(),
                payload.as_slice()
            );
            g.bench_function("floor", |b| {
                b.iter(|| floor_encrypt(&cipher, black_box(&claims)));
            });
        }
        g.bench_function("jwe", |b| {
            b.iter(|| {
                let json = serde_json::to_vec(black_box(&claims)).unwrap();
                jwe::encrypt(
                    &enc_key,
                    EncryptionAlgorithm::A256GCM,
                    &json,
                    &EncryptOptions::new(),
                )
                .unwrap()
            });
        });
        g.finish();

        let mut g = c.benchmark_group(format!("{name} decrypt"));
        if name == "dir+A256GCM" {
            g.bench_function("floor", |b| {
                b.iter(|| floor_decrypt(&cipher, black_box(&token)));
            });
        }
        g.bench_function("jwe", |b| {
            b.iter(|| {
                let d = decrypter.decrypt(black_box(&token)).unwrap();
                serde_json::from_slice::<AccessClaims>(d.plaintext()).unwrap()
            });
        });
        g.finish();
    }

    // Nested: EdDSA inside ECDH-ES+A256KW (X25519).
    let signer = jws::SigningKey::ed25519(&[1; 32]).unwrap();
    let recipient = DecryptionKey::x25519(Algorithm::ECDH_ES_A256KW, &[2; 32]).unwrap();
    let enc_key = recipient.encryption_key();
    let decrypter = Decrypter::new(recipient);
    let verifier = jws::Verifier::new(signer.verifying_key());
    let validation = jws_validation();
    let ours = jws_claims(t);
    let token =
        jwe::nested::sign_then_encrypt(&signer, &ours, &enc_key, EncryptionAlgorithm::A256GCM)
            .unwrap();
    let mut g = c.benchmark_group("nested encrypt");
    g.bench_function("jwe", |b| {
        b.iter(|| {
            jwe::nested::sign_then_encrypt(
                &signer,
                black_box(&ours),
                &enc_key,
                EncryptionAlgorithm::A256GCM,
            )
            .unwrap()
        });
    });
    g.finish();
    let mut g = c.benchmark_group("nested decrypt");
    g.bench_function("jwe", |b| {
        b.iter(|| {
            jwe::nested::decrypt_then_verify::<Custom>(
                black_box(&token),
                &decrypter,
                &verifier,
                &validation,
            )
            .unwrap()
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
