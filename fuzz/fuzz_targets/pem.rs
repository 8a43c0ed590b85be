#![no_main]
//! PEM key parsing (`jwe::jwk_from_pem`, which reads X25519 itself and hands every other
//! key to `jws::Jwk::from_pem`, the one parser; the `jose` command's `--key` and `key
//! import`): no panic; what parses writes back as PEM that parses to the same key.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jwk) = jwe::jwk_from_pem(text) else {
        return;
    };
    // Parsed keys may still be invalid for signing (e.g. weak RSA): writing can fail, but
    // what is written reads back as the same key.
    if let Ok(pem) = jwe::jwk_to_pem(&jwk) {
        let back = jwe::jwk_from_pem(&pem).expect("written PEM parses");
        assert_eq!(back.material(), jwk.material());
    }
    // The signature-only parser agrees wherever it reads the key.
    if let Ok(same) = jws::Jwk::from_pem(text) {
        assert_eq!(same.material(), jwk.material());
    }
    let _ = jwk.thumbprint();
});
