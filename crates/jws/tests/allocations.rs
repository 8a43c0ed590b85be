//! Allocations on the verify path: a verified token costs the decoded payload and the
//! claims the caller asked for, nothing else (no copy of the header, of the signature,
//! of the signing input; no map of unknown claims).
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use allocation_counter::measure;
use jws::{Algorithm, Claims, NumericDate, SigningKey, Validation, Verifier};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Serialize, Deserialize)]
struct Owned {
    scope: String,
    roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Borrowed<'a> {
    scope: &'a str,
    #[serde(borrow)]
    roles: Vec<&'a str>,
}

fn token(key: &SigningKey) -> String {
    let claims = Claims::new(Owned {
        scope: "read:orders write:orders".into(),
        roles: vec!["admin".into(), "billing".into()],
    })
    .with_issuer("https://auth.example.com")
    .with_subject("user-1")
    .with_audience("https://api.example.com")
    .with_jwt_id("d8f3a1c2")
    .with_lifetime(NumericDate::now(), Duration::from_secs(1800));
    jws::sign(key, &claims).unwrap()
}

fn policy() -> Validation {
    Validation::new()
        .with_issuer("https://auth.example.com")
        .with_audience("https://api.example.com")
}

#[test]
fn verify_allocates_the_payload_and_the_claims_asked_for() {
    for alg in [Algorithm::HS256, Algorithm::EdDSA, Algorithm::ES256] {
        let key = match alg {
            Algorithm::HS256 => SigningKey::symmetric(alg.clone(), &[7; 32]).unwrap(),
            Algorithm::EdDSA => SigningKey::ed25519(&[7; 32]).unwrap(),
            _ => SigningKey::ecdsa(alg.clone(), &[7; 32]).unwrap(),
        };
        let verifier = Verifier::new(key.verifying_key());
        let token = token(&key);
        let policy = policy();
        // Warm up: lazy statics (CPU feature detection and the like) allocate once.
        verifier.verify::<Owned>(&token, &policy).unwrap();

        // Registered claims only: the payload buffer, then iss, sub, aud and jti.
        let info = measure(|| {
            verifier.verify::<()>(&token, &policy).unwrap();
        });
        assert_eq!(info.count_total, 1 + 4, "{alg:?} ()");

        // Plus scope, the roles vector and its two strings.
        let info = measure(|| {
            verifier.verify::<Owned>(&token, &policy).unwrap();
        });
        assert_eq!(info.count_total, 1 + 4 + 4, "{alg:?} Owned");

        // Borrowing from a buffer kept across calls: no payload buffer, no scope, no
        // role strings; the roles vector only.
        let mut buf = Vec::new();
        verifier
            .verify_borrowed::<Borrowed<'_>>(&token, &policy, &mut buf)
            .unwrap();
        let info = measure(|| {
            let v = verifier
                .verify_borrowed::<Borrowed<'_>>(&token, &policy, &mut buf)
                .unwrap();
            assert_eq!(v.claims().custom.roles, ["admin", "billing"]);
            assert!(v.claims().custom.scope.starts_with("read"));
        });
        assert_eq!(info.count_total, 4 + 1, "{alg:?} Borrowed");
        // Nothing is kept once the result is dropped.
        assert_eq!(info.count_current, 0, "{alg:?}");
    }
}

#[test]
fn a_key_id_costs_one_string() {
    let key = SigningKey::symmetric(Algorithm::HS256, &[7; 32])
        .unwrap()
        .with_kid("2026-11");
    let verifier = Verifier::new(key.verifying_key());
    let token = token(&key);
    let policy = policy();
    verifier.verify::<()>(&token, &policy).unwrap();
    let info = measure(|| {
        let v = verifier.verify::<()>(&token, &policy).unwrap();
        assert_eq!(v.kid(), Some("2026-11"));
    });
    assert_eq!(info.count_total, 1 + 4 + 1);
}

#[test]
fn a_refused_token_allocates_nothing_beyond_the_payload_and_claims() {
    let key = SigningKey::symmetric(Algorithm::HS256, &[7; 32]).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    let token = token(&key);
    verifier.verify::<()>(&token, &policy()).unwrap();
    // A forged signature (the last character changed to another canonical one) fails
    // before the payload is even decoded.
    let (head, last) = token.split_at(token.len() - 1);
    let forged = format!("{head}{}", if last == "A" { "E" } else { "A" });
    let policy = policy();
    let info = measure(|| {
        assert!(verifier.verify::<()>(&forged, &policy).is_err());
    });
    assert_eq!(info.count_total, 0);
}
