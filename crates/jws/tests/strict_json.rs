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
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
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
    let key = SigningKey::symmetric(Algorithm::HS256, &[7; 32]).unwrap();
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

#[test]
fn hostile_header_text_is_escaped_in_messages() {
    let key = SigningKey::symmetric(Algorithm::HS256, &[7; 32]).unwrap();
    let verifier = Verifier::new(key.verifying_key().with_kid("k1"));
    let hostile = "\u{1b}[2J\u{1b}[31mFAKE: signature OK\r\n";
    for header in [
        serde_json::json!({ "alg": "HS256", "kid": hostile }),
        serde_json::json!({ "alg": hostile }),
        serde_json::json!({ "alg": "HS256", "crit": [hostile], hostile: 1 }),
    ] {
        let h = jws::base64url::encode(header.to_string());
        let token = format!("{h}.e30.c2ln");
        let message = verifier.verify_payload(&token).unwrap_err().to_string();
        assert!(!message.contains('\u{1b}') && !message.contains('\r') && !message.contains('\n'));
        assert!(message.contains("\\u{1b}"), "{message}");
    }
}

/// A trusted set that mixes a secret key and a public key under one `kid` verifies each
/// key's tokens, each key only for its own algorithm.
#[test]
fn mixed_sets_with_a_shared_kid_verify_each_keys_tokens() {
    let hs = SigningKey::symmetric(Algorithm::HS256, &[9; 32])
        .unwrap()
        .with_kid("k");
    let ed = SigningKey::generate(Algorithm::EdDSA)
        .unwrap()
        .with_kid("k");
    let set = jws::JwkSet::from_keys(vec![hs.to_jwk(), ed.verifying_key().to_jwk()]);
    set.check_unique_kids().unwrap();
    let verifier = Verifier::from_jwk_set(&set, &[Algorithm::HS256, Algorithm::EdDSA]).unwrap();
    for key in [&hs, &ed] {
        let token = jws::sign_payload(key, b"x", &SignOptions::new()).unwrap();
        assert_eq!(verifier.verify_payload(&token).unwrap().payload(), b"x");
    }
    // Two keys of one type under one kid are ambiguous.
    let other = SigningKey::generate(Algorithm::EdDSA)
        .unwrap()
        .with_kid("k");
    let ambiguous = jws::JwkSet::from_keys(vec![
        ed.verifying_key().to_jwk(),
        other.verifying_key().to_jwk(),
    ]);
    assert!(matches!(
        ambiguous.check_unique_kids(),
        Err(JwkError::DuplicateKid(_))
    ));
}
