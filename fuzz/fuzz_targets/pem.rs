#![no_main]
//! PEM key parsing (`Jwk::from_pem`, the `jose` command's `--key` and `key import`): no
//! panic; what parses writes back as PEM that parses to the same key.

use jws::Jwk;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jwk) = Jwk::from_pem(text) else {
        return;
    };
    // Parsed keys may still be invalid for signing (e.g. weak RSA): writing can fail, but
    // what is written reads back as the same key.
    if let Ok(pem) = jwk.to_pem() {
        let back = Jwk::from_pem(&pem).expect("written PEM parses");
        assert_eq!(back.material(), jwk.material());
    }
    let _ = jwk.thumbprint();
});
