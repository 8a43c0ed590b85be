#![no_main]
//! JWS JSON serialization: arbitrary documents through verification with fixed keys.

use std::sync::LazyLock;

use jws::Verifier;
use jws::json::SignaturePolicy;
use libfuzzer_sys::fuzz_target;

#[path = "common_keys.rs"]
mod common_keys;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(common_keys::verifier);

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = std::str::from_utf8(data) else {
        return;
    };
    let _ = VERIFIER.verify_json(doc, SignaturePolicy::AtLeastOne);
    let _ = VERIFIER.verify_json(doc, SignaturePolicy::All);
    let _ = VERIFIER.verify_json_detached(doc, b"payload", SignaturePolicy::AtLeastOne);
});
