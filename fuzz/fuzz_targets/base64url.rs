#![no_main]
//! Strict base64url: no panic, and whatever decodes re-encodes to the same string.

use jwt_claims::base64url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bytes) = base64url::decode(data) {
        assert_eq!(base64url::encode(&bytes).as_bytes(), data);
        let mut buf = vec![0u8; bytes.len()];
        assert_eq!(base64url::decode_to_slice(data, &mut buf), Ok(bytes.len()));
        assert_eq!(buf, bytes);
    }
    let encoded = base64url::encode(data);
    assert_eq!(base64url::decode(&encoded).as_deref(), Ok(data));
});
