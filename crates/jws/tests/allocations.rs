//! Allocations on the verify path. The borrowed path (`Verifier::verify_borrowed`, a
//! buffer kept across calls) makes none at all for a typical access token; a refused
//! forged token makes none either. The owned path makes a few (the payload buffer, the
//! registered and custom strings): an upper bound, not a count that a dependency update
//! would break.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::Duration;

use allocation_counter::measure;
use jws::{Algorithm, Claims, NumericDate, SigningKey, Validation, Verifier};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Owned {
    scope: String,
    client_id: String,
}

#[derive(Debug, Deserialize)]
struct Borrowed<'a> {
    scope: &'a str,
    client_id: &'a str,
}

fn token(key: &SigningKey) -> String {
    let claims = Claims::new(Owned {
        scope: "read:orders write:orders".into(),
        client_id: "web".into(),
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

fn keys() -> [SigningKey; 3] {
    [
        SigningKey::symmetric(Algorithm::HS256, &[7; 32]).unwrap(),
        SigningKey::ed25519(&[7; 32]).unwrap(),
        SigningKey::ecdsa(Algorithm::ES256, &[7; 32]).unwrap(),
    ]
    .map(|k| k.with_kid("2026-11"))
}

#[test]
fn the_borrowed_path_allocates_nothing() {
    for key in keys() {
        let alg = key.alg().clone();
        let verifier = Verifier::new(key.verifying_key());
        let token = token(&key);
        let policy = policy();
        let mut buf = Vec::new();
        // Warm up: the buffer grows to the payload's size; lazy statics (CPU feature
        // detection and the like) allocate once.
        verifier
            .verify_borrowed::<Borrowed<'_>>(&token, &policy, &mut buf)
            .unwrap();
        let info = measure(|| {
            let v = verifier
                .verify_borrowed::<Borrowed<'_>>(&token, &policy, &mut buf)
                .unwrap();
            assert_eq!(v.claims().custom.client_id, "web");
            assert!(v.claims().custom.scope.starts_with("read"));
            assert_eq!(v.claims().sub.as_deref(), Some("user-1"));
            assert_eq!(v.kid(), Some("2026-11"));
        });
        assert_eq!(info.count_total, 0, "{alg}");
    }
}

#[test]
fn the_owned_path_allocates_little_and_keeps_nothing() {
    for key in keys() {
        let alg = key.alg().clone();
        let verifier = Verifier::new(key.verifying_key());
        let token = token(&key);
        let policy = policy();
        verifier.verify::<Owned>(&token, &policy).unwrap();
        // The payload buffer, iss, sub, aud, jti, scope, client_id: seven; a few more
        // leave room for a dependency's change, not for a copy of the token per step.
        let info = measure(|| {
            let v = verifier.verify::<Owned>(&token, &policy).unwrap();
            assert_eq!(v.claims().custom.client_id, "web");
        });
        assert!(info.count_total <= 10, "{alg}: {}", info.count_total);
        assert_eq!(info.count_current, 0, "{alg}");
    }
}

#[test]
fn a_forged_token_allocates_nothing() {
    for key in keys() {
        let alg = key.alg().clone();
        let verifier = Verifier::new(key.verifying_key());
        let token = token(&key);
        verifier.verify::<()>(&token, &policy()).unwrap();
        // A forged signature (the first character changed to another canonical one) fails
        // before the payload is even decoded.
        let (body, signature) = token.rsplit_once('.').unwrap();
        let first = if signature.starts_with('A') { "B" } else { "A" };
        let forged = format!("{body}.{first}{}", &signature[1..]);
        let policy = policy();
        let mut buf = Vec::new();
        let info = measure(|| {
            assert!(matches!(
                verifier.verify::<()>(&forged, &policy),
                Err(jws::Error::InvalidSignature)
            ));
            assert!(matches!(
                verifier.verify_borrowed::<()>(&forged, &policy, &mut buf),
                Err(jws::Error::InvalidSignature)
            ));
        });
        // ed25519-dalek reports a failed equation as a `signature::Error`, which boxes its
        // cause when the `signature` crate's `std` feature is on (the other curves enable
        // it): two allocations that are not ours, and none of them holds the token.
        let theirs = if alg == Algorithm::EdDSA { 2 } else { 0 };
        assert!(info.count_total <= theirs, "{alg}: {}", info.count_total);
    }
}
