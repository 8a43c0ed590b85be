#![no_main]
//! The JOSE header parser: no panic; what parses serializes and parses back equal.

use jwt_claims::{Header, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(header) = Header::from_json(data, &limits) {
        let _ = header.check_crit(&["b64"]);
        let json = header.to_json().expect("a parsed header serializes");
        let again = Header::from_json(&json, &limits).expect("a serialized header parses");
        assert_eq!(again, header);
    }
});
