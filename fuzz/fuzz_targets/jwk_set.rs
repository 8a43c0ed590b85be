#![no_main]
//! JWK Set parsing and building a verifier from it: no panic.

use jws::{Algorithm, JwkSet, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(set) = JwkSet::from_json(data) else {
        return;
    };
    let _ = set.check_unique_kids();
    let _ = serde_json::to_string(&set);
    let _ = Verifier::from_jwk_set(&set, &[Algorithm::HS256, Algorithm::EdDSA, Algorithm::Ed25519, Algorithm::ES256, Algorithm::ES256K, Algorithm::RS256]);
});
