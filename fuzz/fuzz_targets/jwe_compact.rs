#![no_main]
//! Compact JWE: arbitrary text decrypted with fixed keys. No panic, bounded work.

use std::sync::LazyLock;

use jwe::Decrypter;
use libfuzzer_sys::fuzz_target;

#[path = "jwe_keys.rs"]
mod jwe_keys;

static DECRYPTER: LazyLock<Decrypter> = LazyLock::new(jwe_keys::decrypter);

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = std::str::from_utf8(data) {
        let _ = DECRYPTER.decrypt(token);
    }
});
