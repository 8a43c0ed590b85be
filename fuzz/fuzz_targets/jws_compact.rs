#![no_main]
//! Compact JWS: arbitrary text through every verification entry point with fixed keys.
//! No panic; nothing forged verifies.

use std::sync::LazyLock;

use jws::{Validation, Verifier};
use libfuzzer_sys::fuzz_target;

#[path = "common_keys.rs"]
mod common_keys;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(common_keys::verifier);

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let v = &*VERIFIER;
    let _ = v.verify::<serde_json::Value>(token, &Validation::new().allow_missing_exp());
    let _ = v.verify_payload(token);
    let _ = v.verify_detached(token, b"detached");
});
