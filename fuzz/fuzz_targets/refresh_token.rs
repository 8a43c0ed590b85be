#![no_main]
//! Refresh tokens as clients send them, alone and in a `Cookie` header: no panic; a token
//! that parses is exactly the input and has an id.

use jwt_auth::RefreshToken;
use jwt_auth::cookie::CookieOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(token) = RefreshToken::parse(text) {
        assert_eq!(token.expose(), text);
        assert_eq!(text.len(), jwt_auth::REFRESH_TOKEN_LEN);
        token.id().expect("a parsed token has an id");
    }
    if let Ok(token) = CookieOptions::new().read(text) {
        assert!(RefreshToken::parse(token.expose()).is_ok());
        assert!(text.contains("__Host-refresh"));
    }
});
