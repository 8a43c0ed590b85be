#![no_main]
//! The compact format end to end: splitting (JWS and JWE), header and payload decoding,
//! unsecured and insecure decoding. No panic on any input.

use jwt_claims::{Header, JweCompact, JwsCompact, Limits, unsecured};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits::default();
    if let Ok(parts) = JwsCompact::parse(token, &limits) {
        assert!(token.starts_with(parts.signing_input()));
        let _ = Header::from_segment(parts.header, &limits);
    }
    if let Ok(parts) = JweCompact::parse(token, &limits) {
        let _ = Header::from_segment(parts.header, &limits);
    }
    let _ = unsecured::insecure_decode::<serde_json::Value>(token, &limits);
    if let Ok(read) = unsecured::insecure_decode::<serde_json::Value>(token, &limits) {
        let _ = read.validate(&jwt_claims::Validation::new());
    }
});
