//! ROCA (CVE-2017-15361): RSA moduli made by Infineon's RSALib are refused wherever a key
//! is built or imported (JWK, JWK Set, PEM, DER, components), with their own error.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use jws::{Algorithm, Jwk, JwkError, JwkSet, KeyError, SigningKey, VerifyingKey};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use spki::EncodePublicKey;

fn data() -> serde_json::Value {
    jose_test_vectors::data(env!("CARGO_MANIFEST_DIR"), "roca.json")
}

fn roca_public_key() -> rsa::PublicKey {
    rsa::PublicKey::from_pkcs1_pem(data()["badkeys_pkcs1_pem"].as_str().unwrap()).unwrap()
}

fn is_roca(e: &KeyError) -> bool {
    matches!(e, KeyError::RocaVulnerable)
}

/// Wycheproof `json_web_key_test.json` tcId 7: the key is refused, so its JWS cannot verify.
#[test]
fn wycheproof_jwk_tc7_is_refused() {
    let d = data();
    let jwk = serde_json::to_vec(&d["wycheproof_tc7"]["jwk"]).unwrap();
    assert!(matches!(
        Jwk::from_json(&jwk),
        Err(JwkError::RocaVulnerable)
    ));
    let set = format!(r#"{{"keys":[{}]}}"#, String::from_utf8(jwk).unwrap());
    assert!(matches!(
        JwkSet::from_json(set.as_bytes()),
        Err(JwkError::RocaVulnerable)
    ));
    // From its components, the key cannot be built either.
    let n = jws::base64url::decode(d["wycheproof_tc7"]["jwk"]["n"].as_str().unwrap()).unwrap();
    let err = VerifyingKey::rsa_components(Algorithm::RS256, &n, &[1, 0, 1]).unwrap_err();
    assert!(is_roca(&err), "{err}");
    assert!(err.to_string().contains("CVE-2017-15361"));
}

#[test]
fn an_rsalib_key_is_refused_from_every_form() {
    let key = roca_public_key();
    assert_eq!(key.n_bytes().len() * 8, 2048);
    let pkcs1_pem = data()["badkeys_pkcs1_pem"].as_str().unwrap().to_owned();
    let spki_pem = key.to_public_key_pem(Default::default()).unwrap();
    for alg in [Algorithm::RS256, Algorithm::PS512] {
        assert!(is_roca(
            &VerifyingKey::rsa(alg.clone(), key.clone()).unwrap_err()
        ));
        assert!(is_roca(
            &VerifyingKey::from_pem(alg.clone(), &pkcs1_pem).unwrap_err()
        ));
        assert!(is_roca(
            &VerifyingKey::from_pem(alg.clone(), &spki_pem).unwrap_err()
        ));
        assert!(is_roca(
            &VerifyingKey::rsa_components(alg.clone(), &key.n_bytes(), &key.e_bytes()).unwrap_err()
        ));
    }
    assert!(is_roca(&Jwk::from_pem(&pkcs1_pem).unwrap_err()));
    assert!(is_roca(&Jwk::from_pem(&spki_pem).unwrap_err()));
    // Built around the check (from an `rsa` key), the JWK still builds no verifying key.
    let jwk = Jwk::from_rsa_public_key(&key);
    assert!(is_roca(
        &jwk.verifying_key(Some(Algorithm::RS256)).unwrap_err()
    ));
}

#[test]
fn ordinary_keys_pass() {
    let signing = SigningKey::generate(Algorithm::RS256).unwrap();
    let public = signing.verifying_key();
    let jwk = public.to_jwk();
    let json = jwk.to_public_json().unwrap();
    assert!(Jwk::from_json(json.as_bytes()).is_ok());
    // The RFC 7515 A.2 key.
    let rfc = br#"{"kty":"RSA","e":"AQAB","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"}"#;
    assert!(Jwk::from_json(rfc).is_ok());
}
