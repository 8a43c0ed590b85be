#![no_main]
//! JWE JSON serialization: arbitrary documents decrypted with fixed keys.

use std::sync::LazyLock;

use jwe::Decrypter;
use libfuzzer_sys::fuzz_target;

#[path = "jwe_keys.rs"]
mod jwe_keys;

static DECRYPTER: LazyLock<Decrypter> = LazyLock::new(jwe_keys::decrypter);

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = std::str::from_utf8(data) {
        let _ = DECRYPTER.decrypt_json(doc);
    }
});
