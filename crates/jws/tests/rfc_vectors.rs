//! RFC 7515 Appendix A, RFC 7520 section 4 (the JOSE cookbook), RFC 8037 A.4/A.5,
//! RFC 7638 3.1 and RFC 7797 4, reproduced exactly where the algorithm is deterministic.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use jws::{Algorithm, Error, Header, Jwk, JwkSet, SignOptions, Verifier, base64url, jwt_claims};
use serde_json::Value;

fn data(name: &str) -> Value {
    jose_test_vectors::data(env!("CARGO_MANIFEST_DIR"), name)
}

fn jwk(v: &Value) -> Jwk {
    Jwk::from_json(v.to_string().as_bytes()).unwrap()
}

fn alg(v: &Value) -> Algorithm {
    Algorithm::from_name(v.as_str().unwrap())
}

/// Signs the exact signing input of a vector and, when deterministic, compares.
fn check_signature(
    key: &Jwk,
    alg: Algorithm,
    signing_input: &[u8],
    expected_sig: &str,
    deterministic: bool,
) {
    let signer = key.signing_key(Some(alg.clone())).unwrap();
    let verifier = key.verifying_key(Some(alg)).unwrap();
    let expected = base64url::decode(expected_sig).unwrap();
    verifier.verify(signing_input, &expected).unwrap();
    let ours = signer.sign(signing_input).unwrap();
    if deterministic {
        assert_eq!(base64url::encode(&ours), expected_sig);
    }
    verifier.verify(signing_input, &ours).unwrap();
}

#[test]
fn rfc7515_appendix_a_1_to_a_4() {
    let vectors = data("rfc7515-appendix-a.json");
    for name in ["A.1", "A.2", "A.3", "A.4"] {
        let v = &vectors[name];
        let key = jwk(&v["key"]);
        let alg = alg(&v["alg"]);
        let compact = v["compact"].as_str().unwrap();
        let (input, sig) = compact.rsplit_once('.').unwrap();
        check_signature(
            &key,
            alg.clone(),
            input.as_bytes(),
            sig,
            v["deterministic"].as_bool().unwrap(),
        );

        let verifier = Verifier::from_jwk_set(
            &JwkSet::from(key.to_public().unwrap_or_else(|| key.clone())),
            &[alg],
        )
        .unwrap();
        let verified = verifier.verify_payload(compact).unwrap();
        let payload = base64url::decode(compact.split('.').nth(1).unwrap()).unwrap();
        assert_eq!(verified.payload(), payload, "{name}");
    }
}

#[test]
fn rfc7515_a_5_unsecured_is_never_verified() {
    let vectors = data("rfc7515-appendix-a.json");
    let token = vectors["A.5"]["compact"].as_str().unwrap();
    let key = jwk(&vectors["A.1"]["key"]);
    let verifier = Verifier::from_jwk_set(&JwkSet::from(key.clone()), &[Algorithm::HS256]).unwrap();
    assert!(matches!(
        verifier.verify_payload(token),
        Err(Error::AlgorithmNotAllowed(Algorithm::None))
    ));
    // `none` cannot even be configured.
    assert!(matches!(
        Verifier::from_jwk_set(&JwkSet::from(key), &[Algorithm::None]),
        Err(Error::Key(jws::KeyError::UnsupportedAlgorithm(
            Algorithm::None
        )))
    ));
    // It is a representation: jwt-claims reads it, as unverified.
    let read =
        jwt_claims::unsecured::insecure_decode::<Value>(token, &jws::Limits::default()).unwrap();
    assert_eq!(read.claims().iss.as_deref(), Some("joe"));
}

#[test]
fn rfc7520_section_4_signatures() {
    let dir = format!("{}/tests/data/cookbook-jws", env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let payload = v["input"]["payload"].as_str().unwrap().as_bytes();
        let Some(signing) = v["signing"].as_object() else {
            // 4.8: several signatures, each with its own key.
            continue;
        };
        let key = jwk(&v["input"]["key"]);
        let alg = alg(&v["input"]["alg"]);
        let deterministic = v["reproducible"].as_bool() == Some(true);
        check_signature(
            &key,
            alg.clone(),
            signing["sig-input"].as_str().unwrap().as_bytes(),
            signing["sig"].as_str().unwrap(),
            deterministic,
        );
        if let Some(compact) = v["output"]["compact"].as_str() {
            let verifier = Verifier::from_jwk_set(
                &JwkSet::from(key.to_public().unwrap_or_else(|| key.clone())),
                &[alg],
            )
            .unwrap();
            let verified = if name.starts_with("4_5") {
                verifier.verify_detached(compact, payload).unwrap()
            } else {
                verifier.verify_payload(compact).unwrap()
            };
            assert_eq!(verified.payload(), payload, "{name}");
            assert_eq!(verified.kid(), key.kid.as_deref());
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}

#[test]
fn rfc7520_4_1_reproduced_through_the_signing_api() {
    let v = data("cookbook-jws/4_1.rsa_v15_signature.json");
    let key = jwk(&v["input"]["key"])
        .signing_key(Some(Algorithm::RS256))
        .unwrap();
    let mut header = Header::default();
    header.kid = Some("bilbo.baggins@hobbiton.example".into());
    let token = jws::sign_payload(
        &key,
        v["input"]["payload"].as_str().unwrap().as_bytes(),
        &SignOptions::new().with_header(header),
    )
    .unwrap();
    assert_eq!(token, v["output"]["compact"].as_str().unwrap());
}

#[test]
fn rfc8037_a_4_and_a_5_ed25519() {
    let v = data("rfc8037-jws.json");
    let key = jwk(&v["input"]["key"]);
    let signer = key.signing_key(Some(Algorithm::EdDSA)).unwrap();
    let token = jws::sign_payload(
        &signer,
        v["input"]["payload"].as_str().unwrap().as_bytes(),
        &SignOptions::new(),
    )
    .unwrap();
    assert_eq!(token, v["output"]["compact"].as_str().unwrap());
    let verifier =
        Verifier::from_jwk_set(&JwkSet::from(key.to_public().unwrap()), &[Algorithm::EdDSA])
            .unwrap();
    assert_eq!(
        verifier.verify_payload(&token).unwrap().payload(),
        b"Example of Ed25519 signing"
    );
    // A.5: flipping the payload breaks the signature.
    let mut bad = token.into_bytes();
    bad[25] ^= 1;
    assert!(
        verifier
            .verify_payload(std::str::from_utf8(&bad).unwrap())
            .is_err()
    );
}

#[test]
fn rfc8037_a_3_and_rfc7638_thumbprints() {
    let v = data("rfc8037-jws.json");
    let key = jwk(&v["input"]["key"]);
    assert_eq!(
        key.thumbprint(),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
    let rsa = Jwk::from_json(br#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#).unwrap();
    assert_eq!(
        rsa.thumbprint(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    // The thumbprint covers only the required members.
    assert_eq!(rsa.clone().with_kid("other").thumbprint(), rsa.thumbprint());
    // And serves as a kid: the same for the private key and its public part.
    let private = jwk(&v["input"]["key"]).with_thumbprint_kid();
    assert_eq!(
        private.kid.as_deref(),
        Some("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    );
    let signer = private.signing_key(Some(Algorithm::EdDSA)).unwrap();
    assert_eq!(
        signer.kid(),
        Some("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    );
    let fresh = jws::SigningKey::ed25519(&[7; 32])
        .unwrap()
        .with_thumbprint_kid();
    assert_eq!(
        fresh.kid(),
        Some(fresh.verifying_key().to_jwk().thumbprint().as_str())
    );
}

#[test]
fn rfc7797_section_4_unencoded_payload() {
    let key = jwk(&data("rfc7515-appendix-a.json")["A.1"]["key"]);
    let signer = key.signing_key(Some(Algorithm::HS256)).unwrap();
    // 4.2: {"alg":"HS256","b64":false,"crit":["b64"]}, payload "$.02", detached.
    let token =
        jws::sign_payload(&signer, b"$.02", &SignOptions::new().unencoded().detached()).unwrap();
    assert_eq!(
        token,
        "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY"
    );
    let verifier = Verifier::from_jwk_set(&JwkSet::from(key), &[Algorithm::HS256]).unwrap();
    // Refused unless the caller enables it.
    assert!(matches!(
        verifier.verify_detached(&token, b"$.02"),
        Err(Error::UnencodedPayloadNotAllowed)
    ));
    let verifier = verifier.allow_unencoded_payload();
    assert_eq!(
        verifier.verify_detached(&token, b"$.02").unwrap().payload(),
        b"$.02"
    );
    assert!(verifier.verify_detached(&token, b"$.03").is_err());

    // 4.1 with b64 (the encoded form): {"alg":"HS256"} over the same payload.
    let encoded = jws::sign_payload(&signer, b"$.02", &SignOptions::new().detached()).unwrap();
    assert_eq!(
        encoded,
        "eyJhbGciOiJIUzI1NiJ9..5mvfOroL-g7HyqJoozehmsaqmvTYGEq5jTI1gVvoEoQ"
    );
}

#[test]
fn rfc7797_cookbook_examples() {
    let key = jwk(&data("rfc7515-appendix-a.json")["A.1"]["key"]);
    let verifier = Verifier::from_jwk_set(&JwkSet::from(key), &[Algorithm::HS256])
        .unwrap()
        .allow_unencoded_payload();
    // Attached unencoded payload in the compact form.
    let v = data("hmac-sha2_b64_false.json");
    let compact = v["output"]["compact"].as_str().unwrap();
    assert_eq!(
        verifier.verify_payload(compact).unwrap().payload(),
        b"This is the payload string!"
    );
    // This file's header has "b64": false without "crit": RFC 7797 6 requires "crit", so
    // the signature, although correct over its input, is refused.
    let v = data("4.2.hmac-sha2_b64_false.json");
    let flat = &v["output"]["json_flat"];
    let token = format!(
        "{}..{}",
        flat["protected"].as_str().unwrap(),
        flat["signature"].as_str().unwrap()
    );
    assert!(matches!(
        verifier.verify_detached(&token, b"$.02"),
        Err(Error::UnencodedPayloadNotAllowed)
    ));
}

#[test]
fn rfc7520_section_3_jwks_parse_and_round_trip() {
    let dir = format!("{}/tests/data/cookbook-jwk", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let original: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let key = Jwk::from_json(original.to_string().as_bytes()).unwrap();
        let private: Value = serde_json::from_str(&key.to_private_json().unwrap()).unwrap();
        assert_eq!(private, original, "{}", path.display());
        if let Some(public) = key.to_public() {
            let text = public.to_public_json().unwrap();
            for secret in [
                "\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\"", "\"k\"",
            ] {
                assert!(!text.contains(secret), "{text}");
            }
        } else {
            assert_eq!(key.kty(), "oct");
            assert!(key.to_public_json().is_err());
        }
        n += 1;
    }
    assert_eq!(n, 6);
    let set = JwkSet::from_json(
        format!(
            r#"{{"keys":[{},{}]}}"#,
            data("cookbook-jwk/3_2.ec_private_key.json"),
            data("cookbook-jwk/3_4.rsa_private_key.json")
        )
        .as_bytes(),
    )
    .unwrap();
    let published = serde_json::to_string(&set).unwrap();
    assert!(!published.contains("\"d\""));
    assert_eq!(
        JwkSet::from_json(published.as_bytes()).unwrap(),
        set.to_public()
    );
}

fn verifier_for(keys: &[Jwk], algs: &[Algorithm]) -> Verifier {
    let set = JwkSet::from_keys(
        keys.iter()
            .map(|k| k.to_public().unwrap_or(k.clone()))
            .collect(),
    );
    Verifier::from_jwk_set(&set, algs).unwrap()
}

#[test]
fn rfc7520_section_4_json_serializations() {
    use jws::json::SignaturePolicy;
    let dir = format!("{}/tests/data/cookbook-jws", env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let payload = v["input"]["payload"].as_str().unwrap().as_bytes();
        let (keys, algs): (Vec<Jwk>, Vec<Algorithm>) = match &v["input"]["key"] {
            Value::Array(list) => {
                let keys: Vec<Jwk> = list.iter().map(jwk).collect();
                let algs = v["signing"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        let p = s["protected"].as_object().map(|p| p["alg"].clone());
                        alg(&p.unwrap_or_else(|| s["unprotected"]["alg"].clone()))
                    })
                    .collect();
                (keys, algs)
            }
            key => (vec![jwk(key)], vec![alg(&v["input"]["alg"])]),
        };
        let verifier = verifier_for(&keys, &algs);
        for form in ["json", "json_flat"] {
            let Some(doc) = v["output"].get(form) else {
                continue;
            };
            let text = doc.to_string();
            let verified = if name.starts_with("4_5") {
                verifier
                    .verify_json_detached(&text, payload, SignaturePolicy::All)
                    .unwrap()
            } else {
                verifier.verify_json(&text, SignaturePolicy::All).unwrap()
            };
            assert_eq!(verified.payload(), payload, "{name} {form}");
            checked += 1;
        }
    }
    assert_eq!(checked, 15);
}

#[test]
fn rfc7520_4_6_json_reproduced_through_the_json_signer() {
    use jws::json::JsonSigner;
    let v = data("cookbook-jws/4_6.protecting_specific_header_fields.json");
    let unprotected = v["signing"]["unprotected"].as_object().unwrap().clone();
    // The protected header is {"alg":"HS256"}: the kid goes unprotected, so the key signs
    // without one (its own kid would land in the protected header).
    let key_without_kid = jwk(&{
        let mut k = v["input"]["key"].clone();
        k.as_object_mut().unwrap().remove("kid");
        k
    })
    .signing_key(Some(Algorithm::HS256))
    .unwrap();
    assert_eq!(key_without_kid.kid(), None);
    assert_eq!(
        unprotected.get("kid"),
        v["input"]["key"].get("kid"),
        "the unprotected kid is the key's"
    );
    let out = JsonSigner::new(v["input"]["payload"].as_str().unwrap().as_bytes())
        .sign(&key_without_kid, Header::default(), Some(unprotected))
        .unwrap()
        .flattened()
        .unwrap();
    let ours: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ours, v["output"]["json_flat"]);
}
