//! Property tests: sign-then-verify is the identity for every algorithm and arbitrary
//! claims, and any single bit flip anywhere in a token makes verification fail.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use jws::{Algorithm, Claims, Jwk, NumericDate, SigningKey, Validation, Verifier};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::Value;

/// One key per algorithm, built once (RSA from the RFC 7515 A.2 key).
static KEYS: LazyLock<Vec<(SigningKey, Verifier)>> = LazyLock::new(|| {
    let doc: Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{}/tests/data/rfc7515-appendix-a.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let rsa = Jwk::from_json(doc["A.2"]["key"].to_string().as_bytes()).unwrap();
    let mut keys = Vec::new();
    for alg in [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::EdDSA,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
    ] {
        keys.push(SigningKey::generate(alg).unwrap().with_kid("k"));
    }
    for alg in [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ] {
        keys.push(rsa.signing_key(Some(alg)).unwrap().with_kid("k"));
    }
    keys.into_iter()
        .map(|k| {
            let v = Verifier::new(k.verifying_key());
            (k, v)
        })
        .collect()
});

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
        vec(any::<u8>(), 0..4).prop_map(Value::from),
    ]
}

fn claims() -> impl Strategy<Value = Claims<BTreeMap<String, Value>>> {
    (
        proptest::option::of(".{0,20}"),
        proptest::option::of(".{0,20}"),
        btree_map(
            "[a-z_]{1,8}".prop_filter("registered", |k| {
                jws::RegisteredClaim::from_name(k).is_none()
            }),
            value(),
            0..5,
        ),
    )
        .prop_map(|(iss, sub, custom)| {
            let mut c =
                Claims::new(custom).with_lifetime(NumericDate::now(), Duration::from_secs(3600));
            c.iss = iss;
            c.sub = sub;
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_is_identity(which in 0..13usize, c in claims()) {
        let (key, verifier) = &KEYS[which];
        let token = jws::sign(key, &c).unwrap();
        let verified = verifier.verify::<BTreeMap<String, Value>>(&token, &Validation::new()).unwrap();
        prop_assert_eq!(verified.claims(), &c);
        prop_assert_eq!(verified.kid(), Some("k"));
        prop_assert_eq!(verified.header().alg.as_ref(), Some(key.alg()));
    }

    #[test]
    fn any_bit_flip_fails(which in 0..13usize, c in claims(), pos in any::<prop::sample::Index>(), bit in 0..8u8) {
        let (key, verifier) = &KEYS[which];
        let token = jws::sign(key, &c).unwrap();
        let mut bytes = token.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        // A flip may make the token invalid UTF-8: that is a rejection too.
        if let Ok(flipped) = String::from_utf8(bytes) {
            prop_assert!(verifier.verify::<BTreeMap<String, Value>>(&flipped, &Validation::new()).is_err());
        }
    }
}
