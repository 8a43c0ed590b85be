//! Property tests: encrypt-then-decrypt is the identity for every (alg, enc) pair and
//! arbitrary payloads, and any single bit flip anywhere in a token makes decryption fail.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::LazyLock;

use jwe::{
    Algorithm, Decrypter, DecryptionKey, EncryptOptions, EncryptionAlgorithm, EncryptionKey,
};
use jws::Jwk;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

/// One key per key management algorithm, built once.
static KEYS: LazyLock<Vec<(EncryptionKey, Decrypter)>> = LazyLock::new(|| {
    let doc: Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{}/tests/data/rfc7516-appendix-a.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let rsa = Jwk::from_json(doc["A.1"]["key"].to_string().as_bytes()).unwrap();
    let ec = |alg: Algorithm, es: Algorithm, scalar: &[u8]| {
        let jwk = jws::SigningKey::ecdsa(es, scalar).unwrap().to_jwk();
        let mut v: Value = serde_json::from_str(&jwk.to_private_json().unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("alg");
        DecryptionKey::from_jwk(
            &Jwk::from_json(v.to_string().as_bytes()).unwrap(),
            Some(alg),
        )
        .unwrap()
    };
    let mut p521 = vec![0u8; 66];
    p521[1..].fill(7);
    let keys = vec![
        DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16]).unwrap(),
        DecryptionKey::symmetric(Algorithm::A192KW, &[1; 24]).unwrap(),
        DecryptionKey::symmetric(Algorithm::A256KW, &[1; 32]).unwrap(),
        DecryptionKey::symmetric(Algorithm::A128GCMKW, &[2; 16]).unwrap(),
        DecryptionKey::symmetric(Algorithm::A192GCMKW, &[2; 24]).unwrap(),
        DecryptionKey::symmetric(Algorithm::A256GCMKW, &[2; 32]).unwrap(),
        DecryptionKey::symmetric(Algorithm::PBES2_HS256_A128KW, b"pw").unwrap(),
        DecryptionKey::symmetric(Algorithm::PBES2_HS384_A192KW, b"pw").unwrap(),
        DecryptionKey::symmetric(Algorithm::PBES2_HS512_A256KW, b"pw").unwrap(),
        DecryptionKey::x25519(Algorithm::ECDH_ES, &[3; 32]).unwrap(),
        DecryptionKey::x25519(Algorithm::ECDH_ES_A128KW, &[3; 32]).unwrap(),
        ec(Algorithm::ECDH_ES_A192KW, Algorithm::ES256, &[7; 32]),
        ec(Algorithm::ECDH_ES_A256KW, Algorithm::ES384, &[7; 48]),
        ec(Algorithm::ECDH_ES, Algorithm::ES512, &p521),
        DecryptionKey::from_jwk(&rsa, Some(Algorithm::RSA_OAEP)).unwrap(),
        DecryptionKey::from_jwk(&rsa, Some(Algorithm::RSA_OAEP_256)).unwrap(),
    ];
    keys.into_iter()
        .map(|k| {
            (
                k.encryption_key(),
                Decrypter::new(k).allow_default_compression(),
            )
        })
        .collect()
});

fn dir_for(enc: &EncryptionAlgorithm) -> (EncryptionKey, Decrypter) {
    let len = match enc {
        EncryptionAlgorithm::A128GCM => 16,
        EncryptionAlgorithm::A192GCM => 24,
        EncryptionAlgorithm::A256GCM | EncryptionAlgorithm::A128CBC_HS256 => 32,
        EncryptionAlgorithm::A192CBC_HS384 => 48,
        _ => 64,
    };
    let k = DecryptionKey::symmetric(Algorithm::Dir, &vec![9u8; len]).unwrap();
    (k.encryption_key(), Decrypter::new(k))
}

fn pair(which: usize, enc: usize) -> (EncryptionKey, Decrypter, EncryptionAlgorithm) {
    let enc = EncryptionAlgorithm::ALL[enc].clone();
    if which == KEYS.len() {
        let (e, d) = dir_for(&enc);
        return (e, d, enc);
    }
    let (e, d) = &KEYS[which];
    (e.clone(), d.clone(), enc)
}

fn options() -> EncryptOptions {
    EncryptOptions::new().with_p2c(1000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn encrypt_then_decrypt_is_identity(which in 0..17usize, enc in 0..6usize, payload in vec(any::<u8>(), 0..200), zip in any::<bool>()) {
        let (key, decrypter, enc) = pair(which, enc);
        let opts = if zip { options().compress() } else { options() };
        let token = jwe::encrypt(&key, enc, &payload, &opts).unwrap();
        let out = decrypter.allow_default_compression().decrypt(&token).unwrap();
        prop_assert_eq!(out.plaintext(), payload.as_slice());
    }

    #[test]
    fn any_bit_flip_fails(which in 0..17usize, enc in 0..6usize, payload in vec(any::<u8>(), 1..64), pos in any::<prop::sample::Index>(), bit in 0..8u8) {
        let (key, decrypter, enc) = pair(which, enc);
        let token = jwe::encrypt(&key, enc, &payload, &options()).unwrap();
        let mut bytes = token.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        if let Ok(flipped) = String::from_utf8(bytes) {
            prop_assert!(decrypter.decrypt(&flipped).is_err());
        }
    }
}

#[test]
fn every_pair_round_trips_in_json_too() {
    for which in 0..=KEYS.len() {
        for enc in 0..6 {
            let (key, decrypter, enc) = pair(which, enc);
            let doc = jwe::json::JsonEncrypter::new(enc, b"json")
                .with_p2c(1000)
                .recipient(&key, None)
                .unwrap()
                .flattened()
                .unwrap();
            assert_eq!(decrypter.decrypt_json(&doc).unwrap().plaintext(), b"json");
        }
    }
}
