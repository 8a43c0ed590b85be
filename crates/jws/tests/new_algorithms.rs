//! RFC 9864's fully-specified `Ed25519` and RFC 8812's `ES256K` (secp256k1): keys, JWKs,
//! PEM, signing and verifying, and the label policy between `EdDSA` and `Ed25519`.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use jws::{
    Algorithm, Claims, Error, Jwk, JwkSet, KeyError, NumericDate, SigningKey, Validation, Verifier,
    VerifyingKey,
};
use std::time::Duration;

fn header(token: &str) -> serde_json::Value {
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(&jws::base64url::decode(h).unwrap()).unwrap()
}

fn claims() -> Claims<()> {
    Claims::new(())
        .with_subject("ann")
        .with_lifetime(NumericDate::now(), Duration::from_secs(60))
}

/// RFC 8037 A.1's key.
const RFC8037_SEED: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

#[test]
fn ed25519_signs_and_verifies_under_its_own_label() {
    let key = SigningKey::generate(Algorithm::Ed25519).unwrap();
    assert_eq!(key.alg(), &Algorithm::Ed25519);
    let token = jws::sign(&key, &claims()).unwrap();
    assert_eq!(header(&token)["alg"], "Ed25519");
    let verifier = Verifier::new(key.verifying_key());
    assert!(verifier.verify::<()>(&token, &Validation::new()).is_ok());
    // The JWK says what it is for.
    let jwk = key.to_jwk();
    assert_eq!(jwk.alg, Some(Algorithm::Ed25519));
    let json = jwk.to_public_json().unwrap();
    assert!(json.contains(r#""alg":"Ed25519""#), "{json}");
    let back = Jwk::from_json(json.as_bytes()).unwrap();
    assert!(
        Verifier::from_jwk_set(&JwkSet::from(back), &[Algorithm::Ed25519])
            .unwrap()
            .verify::<()>(&token, &Validation::new())
            .is_ok()
    );
}

/// The policy: a key answers to the label it is bound to; a JWK without `alg` serves the
/// labels the verifier allows.
#[test]
fn eddsa_and_ed25519_labels_follow_the_key() {
    let seed = jws::base64url::decode(RFC8037_SEED).unwrap();
    let eddsa = SigningKey::ed25519(&seed).unwrap();
    let ed25519 = SigningKey::ed25519_for(Algorithm::Ed25519, &seed).unwrap();
    let eddsa_token = jws::sign(&eddsa, &claims()).unwrap();
    let ed25519_token = jws::sign(&ed25519, &claims()).unwrap();
    assert_eq!(header(&eddsa_token)["alg"], "EdDSA");
    assert_eq!(header(&ed25519_token)["alg"], "Ed25519");

    let x = jws::base64url::decode(RFC8037_X).unwrap();
    let bound_eddsa = Verifier::new(VerifyingKey::ed25519(&x).unwrap());
    let bound_ed25519 = Verifier::new(VerifyingKey::ed25519_for(Algorithm::Ed25519, &x).unwrap());
    let v = Validation::new();
    assert!(bound_eddsa.verify::<()>(&eddsa_token, &v).is_ok());
    assert!(bound_ed25519.verify::<()>(&ed25519_token, &v).is_ok());
    for (verifier, token, label) in [
        (&bound_eddsa, &ed25519_token, Algorithm::Ed25519),
        (&bound_ed25519, &eddsa_token, Algorithm::EdDSA),
    ] {
        match verifier.verify::<()>(token, &v) {
            Err(Error::AlgorithmNotAllowed(alg)) => assert_eq!(alg, label),
            other => panic!("{other:?}"),
        }
    }

    // A JWK without "alg": each label the verifier allows.
    let set = JwkSet::from_json(
        format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}"}}]}}"#).as_bytes(),
    )
    .unwrap();
    let both = Verifier::from_jwk_set(&set, &[Algorithm::EdDSA, Algorithm::Ed25519]).unwrap();
    assert!(both.verify::<()>(&eddsa_token, &v).is_ok());
    assert!(both.verify::<()>(&ed25519_token, &v).is_ok());
    let only_new = Verifier::from_jwk_set(&set, &[Algorithm::Ed25519]).unwrap();
    assert!(matches!(
        only_new.verify::<()>(&eddsa_token, &v),
        Err(Error::AlgorithmNotAllowed(_))
    ));
    // A JWK naming one label refuses to serve the other.
    let named = Jwk::from_json(
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}","alg":"Ed25519"}}"#).as_bytes(),
    )
    .unwrap();
    assert!(matches!(
        named.verifying_key(Some(Algorithm::EdDSA)),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
    // Neither label fits another kind of key.
    assert!(matches!(
        SigningKey::ed25519_for(Algorithm::ES256, &seed),
        Err(KeyError::WrongKeyType { .. })
    ));
    assert!(VerifyingKey::ed25519_for(Algorithm::HS256, &x).is_err());
}

#[test]
fn es256k_signs_verifies_and_converts() {
    let key = SigningKey::generate(Algorithm::ES256K).unwrap();
    let token = jws::sign(&key, &claims()).unwrap();
    assert_eq!(header(&token)["alg"], "ES256K");
    let v = Validation::new();
    assert!(
        Verifier::new(key.verifying_key())
            .verify::<()>(&token, &v)
            .is_ok()
    );

    // JWK: crv secp256k1, 32-byte coordinates, round trip, thumbprint over crv/kty/x/y.
    let jwk = key.to_jwk();
    let public: serde_json::Value = serde_json::from_str(&jwk.to_public_json().unwrap()).unwrap();
    assert_eq!(public["crv"], "secp256k1");
    assert_eq!(public["kty"], "EC");
    assert_eq!(
        jws::base64url::decode(public["x"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    let private = Jwk::from_json(jwk.to_private_json().unwrap().as_bytes()).unwrap();
    let again = private.signing_key(None).unwrap();
    let token2 = jws::sign(&again, &claims()).unwrap();
    assert!(
        Verifier::new(key.verifying_key())
            .verify::<()>(&token2, &v)
            .is_ok()
    );
    assert_eq!(
        private.thumbprint(),
        key.verifying_key().to_jwk().thumbprint()
    );

    // PEM, both ways (PKCS#8 and SubjectPublicKeyInfo).
    let pem = private.to_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let from_pem = Jwk::from_pem(&pem).unwrap();
    assert_eq!(from_pem.thumbprint(), private.thumbprint());
    let public_jwk = key.verifying_key().to_jwk();
    let public_pem = public_jwk.to_pem().unwrap();
    let vk = VerifyingKey::from_pem(Algorithm::ES256K, &public_pem).unwrap();
    assert!(Verifier::new(vk).verify::<()>(&token, &v).is_ok());

    // A P-256 key is no ES256K key, and the reverse.
    let p256 = SigningKey::generate(Algorithm::ES256).unwrap().to_jwk();
    assert!(p256.verifying_key(Some(Algorithm::ES256K)).is_err());
    assert!(public_jwk.verifying_key(Some(Algorithm::ES256)).is_err());
    assert!(matches!(
        VerifyingKey::from_pem(Algorithm::ES256, &public_pem),
        Err(KeyError::Invalid(_))
    ));
}

/// RFC 8812 does not require a low S: a signature with its S negated (the other valid
/// form) verifies; a changed one does not.
#[test]
fn es256k_accepts_both_forms_of_s() {
    let key = SigningKey::generate(Algorithm::ES256K).unwrap();
    let vk = key.verifying_key();
    let message = b"signing input";
    let signature = key.sign(message).unwrap();
    vk.verify(message, &signature).unwrap();
    let sig = k256::ecdsa::Signature::from_slice(&signature).unwrap();
    let (r, s) = sig.split_scalars();
    let high = k256::ecdsa::Signature::from_scalars(r, -s.as_ref()).unwrap();
    assert_ne!(high.to_bytes(), sig.to_bytes());
    vk.verify(message, &high.to_bytes()).unwrap();
    let mut bad = signature.clone();
    bad[40] ^= 1;
    assert!(vk.verify(message, &bad).is_err());
    assert!(vk.verify(message, &signature[..63]).is_err());
}
