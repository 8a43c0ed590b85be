//! Duplicate member names are refused at every depth: in the caller's claims of a signed
//! token (after the signature holds), in headers and in JWKs.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use jws::jwt_claims;
use jws::jwt_claims::json::JsonError;
use jws::{Algorithm, Error, Jwk, JwkError, SignOptions, SigningKey, Validation, Verifier};

fn duplicate(e: &Error) -> bool {
    matches!(
        e,
        Error::Token(jwt_claims::Error::Json {
            source: JsonError::DuplicateMember { .. },
            ..
        })
    )
}

#[test]
fn nested_duplicates_in_signed_claims_are_refused() {
    let key = SigningKey::generate(Algorithm::ES256, 0).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    let v = Validation::new().allow_missing_exp();
    for payload in [
        r#"{"sub":"ann","realm_access":{"roles":["user"],"roles":["admin"]}}"#,
        r#"{"sub":"ann","groups":[{"id":1,"id":2}]}"#,
        r#"{"sub":"ann","sub":"bob"}"#,
    ] {
        let token = jws::sign_payload(&key, payload.as_bytes(), &SignOptions::new()).unwrap();
        for result in [
            verifier.verify::<serde_json::Value>(&token, &v).err(),
            verifier
                .verify::<std::collections::HashMap<String, serde_json::Value>>(&token, &v)
                .err(),
        ] {
            let e = result.expect("refused");
            assert!(duplicate(&e), "{payload}: {e}");
        }
    }
    // The same claims without the repeat verify.
    let token = jws::sign_payload(
        &key,
        br#"{"sub":"ann","realm_access":{"roles":["admin"]}}"#,
        &SignOptions::new(),
    )
    .unwrap();
    let verified = verifier.verify::<serde_json::Value>(&token, &v).unwrap();
    assert_eq!(
        verified.claims().custom["realm_access"]["roles"][0],
        "admin"
    );
}

#[test]
fn nested_duplicates_in_headers_and_jwks_are_refused() {
    let key = SigningKey::hmac(Algorithm::HS256, &[7; 32]).unwrap();
    let header = jws::base64url::encode(br#"{"alg":"HS256","ext":{"a":1,"a":2}}"#);
    let input = format!("{header}.{}", jws::base64url::encode(b"{}"));
    let signature = jws::base64url::encode(key.sign(input.as_bytes()).unwrap());
    let token = format!("{input}.{signature}");
    let e = Verifier::new(key.verifying_key())
        .verify_payload(&token)
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Token(jwt_claims::Error::Json {
                source: JsonError::DuplicateMember { .. },
                ..
            })
        ),
        "{e}"
    );
    let jwk =
        br#"{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U","ext":{"a":1,"a":2}}"#;
    assert!(matches!(
        Jwk::from_json(jwk),
        Err(JwkError::Json(JsonError::DuplicateMember { .. }))
    ));
}
