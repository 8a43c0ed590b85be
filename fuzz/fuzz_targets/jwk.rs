#![no_main]
//! JWK parsing: no panic; what parses exports and parses back equal, and key building
//! fails cleanly.

use jws::{Algorithm, Jwk};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(jwk) = Jwk::from_json(data) else {
        return;
    };
    let private = jwk.to_private_json().expect("a parsed JWK exports");
    assert_eq!(Jwk::from_json(private.as_bytes()).expect("exported JWK parses"), jwk);
    let _ = jwk.thumbprint();
    if let Some(public) = jwk.to_public() {
        let text = public.to_public_json().expect("a public JWK exports");
        assert!(Jwk::from_json(text.as_bytes()).is_ok());
    }
    for alg in [Algorithm::HS256, Algorithm::EdDSA, Algorithm::ES256, Algorithm::ES512, Algorithm::RS256] {
        let _ = jwk.verifying_key(Some(alg.clone()));
        let _ = jwk.signing_key(Some(alg));
    }
});
