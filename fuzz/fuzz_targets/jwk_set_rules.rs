#![no_main]
//! The JWK Set rules (RFC 7517 4.5): a `kid` may repeat only across key types, secret and
//! public keys may share a set, and a verifier built from any set trusts only keys bound
//! to an allowed algorithm, never a key from an encryption (`use: enc`) member.

use jws::{Algorithm, JwkSet, Verifier};
use libfuzzer_sys::fuzz_target;

const ALLOWED: [Algorithm; 6] = [
    Algorithm::HS256,
    Algorithm::EdDSA,
    Algorithm::Ed25519,
    Algorithm::ES256,
    Algorithm::ES256K,
    Algorithm::PS256,
];

fuzz_target!(|data: &[u8]| {
    let Ok(set) = JwkSet::from_json(data) else {
        return;
    };
    let keys = set.keys();
    let clash = keys.iter().enumerate().any(|(i, a)| {
        a.kid.is_some()
            && keys
                .iter()
                .skip(i + 1)
                .any(|b| b.kid == a.kid && b.kty() == a.kty())
    });
    assert_eq!(set.check_unique_kids().is_err(), clash);
    if let Ok(verifier) = Verifier::from_jwk_set(&set, &ALLOWED) {
        for key in verifier.keys() {
            assert!(ALLOWED.contains(key.alg()));
        }
        let sig_keys = keys
            .iter()
            .filter(|k| k.key_use.as_ref().is_none_or(|u| *u == jws::KeyUse::Signature))
            .count();
        assert!(verifier.keys().len() <= sig_keys * 2, "at most two labels per key");
    }
    // The published form never holds a secret member.
    let public = serde_json::to_value(&set).unwrap_or_default();
    for key in public["keys"].as_array().into_iter().flatten() {
        for member in ["d", "k", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(member).is_none(), "{member} published");
        }
    }
});
