//! One test per attack or limit of the issue; each asserts rejection without panic.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use jwe::{
    Algorithm, Decrypter, DecryptionKey, EncryptOptions, EncryptionAlgorithm, Error, Failure,
    Header,
};
use jws::base64url;
use serde_json::{Value, json};

const A128GCM: EncryptionAlgorithm = EncryptionAlgorithm::A128GCM;

fn header_of(token: &str) -> Value {
    let seg = token.split('.').next().unwrap();
    serde_json::from_slice(&base64url::decode(seg).unwrap()).unwrap()
}

/// The token with its protected header replaced (the tag no longer holds, but checks that
/// come first must fire before it is looked at).
fn with_header(token: &str, header: &Value) -> String {
    let rest = token.split_once('.').unwrap().1;
    format!("{}.{rest}", base64url::encode(header.to_string()))
}

fn p256_key() -> DecryptionKey {
    let jwk = jws::SigningKey::ecdsa(Algorithm::ES256, &[3; 32])
        .unwrap()
        .to_jwk();
    let mut v = serde_json::from_str::<Value>(&jwk.to_private_json().unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("alg");
    DecryptionKey::from_jwk(
        &jws::Jwk::from_json(v.to_string().as_bytes()).unwrap(),
        Some(Algorithm::ECDH_ES),
    )
    .unwrap()
}

#[test]
fn ecdh_invalid_curve_infinity_and_wrong_curve_epk() {
    let key = p256_key();
    let token = jwe::encrypt(&key.encryption_key(), A128GCM, b"x", &EncryptOptions::new()).unwrap();
    let d = Decrypter::new(key);
    assert_eq!(d.decrypt(&token).unwrap().plaintext(), b"x");
    let mut header = header_of(&token);
    let x = header["epk"]["x"].clone();
    // A point off the curve (y changed), the all-zero "point at infinity", and a P-384
    // point sent to a P-256 key.
    let p384 = jws::SigningKey::ecdsa(Algorithm::ES384, &[4; 48])
        .unwrap()
        .verifying_key()
        .to_jwk();
    let p384: Value = serde_json::from_str(&p384.to_public_json().unwrap()).unwrap();
    for epk in [
        json!({"kty": "EC", "crv": "P-256", "x": x, "y": base64url::encode([7u8; 32])}),
        json!({"kty": "EC", "crv": "P-256", "x": base64url::encode([0u8; 32]), "y": base64url::encode([0u8; 32])}),
        json!({"kty": "EC", "crv": "P-384", "x": p384["x"], "y": p384["y"]}),
        json!({"kty": "OKP", "crv": "X25519", "x": base64url::encode([9u8; 32])}),
        json!({"kty": "oct", "k": "AAAA"}),
    ] {
        header["epk"] = epk;
        let err = d.decrypt(&with_header(&token, &header)).unwrap_err();
        assert_eq!(err.failure(), Some(Failure::EphemeralKey), "{err:?}");
        assert_eq!(err.to_string(), "decryption failed");
    }
    header.as_object_mut().unwrap().remove("epk");
    assert!(matches!(
        d.decrypt(&with_header(&token, &header)),
        Err(Error::Header(_))
    ));
}

#[test]
fn x25519_low_order_points() {
    let key = DecryptionKey::x25519(Algorithm::ECDH_ES_A128KW, &[5; 32]).unwrap();
    let token = jwe::encrypt(&key.encryption_key(), A128GCM, b"x", &EncryptOptions::new()).unwrap();
    let d = Decrypter::new(key);
    let mut header = header_of(&token);
    let mut order8 = [0u8; 32];
    order8[..8].copy_from_slice(&[0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae]);
    order8[8..].copy_from_slice(&[
        0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1,
        0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00,
    ]);
    let mut one = [0u8; 32];
    one[0] = 1;
    for point in [[0u8; 32], one, order8] {
        header["epk"]["x"] = json!(base64url::encode(point));
        let err = d.decrypt(&with_header(&token, &header)).unwrap_err();
        assert_eq!(err.failure(), Some(Failure::EphemeralKey), "{err:?}");
    }
    // And a sender refuses to encrypt to a low-order key.
    let bad = jwe::EncryptionKey::x25519(Algorithm::ECDH_ES, &[0u8; 32]).unwrap();
    assert!(matches!(
        jwe::encrypt(&bad, A128GCM, b"x", &EncryptOptions::new()),
        Err(Error::Key(jws::KeyError::Invalid(_)))
    ));
}

#[test]
fn pbes2_limits() {
    let key = DecryptionKey::symmetric(Algorithm::PBES2_HS256_A128KW, b"correct horse").unwrap();
    let enc_key = key.encryption_key();
    let token = jwe::encrypt(
        &enc_key,
        A128GCM,
        b"x",
        &EncryptOptions::new().with_p2c(1000),
    )
    .unwrap();
    let d = Decrypter::new(key.clone());
    assert_eq!(d.decrypt(&token).unwrap().plaintext(), b"x");
    // Above the cap (default 310,000; here lowered to keep the test fast).
    let capped = Decrypter::new(key).with_max_p2c(999_999);
    let big = jwe::encrypt(
        &enc_key,
        A128GCM,
        b"x",
        &EncryptOptions::new().with_p2c(1_000_000),
    )
    .unwrap();
    assert!(matches!(capped.decrypt(&big), Err(Error::Header(_))));
    assert!(matches!(d.decrypt(&big), Err(Error::Header(_))));
    // Below 1000, a short salt, missing parameters.
    for (name, value) in [
        ("p2c", json!(999)),
        ("p2c", json!(0)),
        ("p2s", json!(base64url::encode([1u8; 7]))),
    ] {
        let mut header = header_of(&token);
        header[name] = value;
        assert!(
            matches!(
                d.decrypt(&with_header(&token, &header)),
                Err(Error::Header(_))
            ),
            "{name}"
        );
    }
    let mut header = header_of(&token);
    header.as_object_mut().unwrap().remove("p2c");
    assert!(matches!(
        d.decrypt(&with_header(&token, &header)),
        Err(Error::Header(_))
    ));
    // Encryption refuses counts under 1000 too.
    assert!(matches!(
        jwe::encrypt(&enc_key, A128GCM, b"x", &EncryptOptions::new().with_p2c(10)),
        Err(Error::Header(jwe::HeaderError::P2cOutOfRange {
            p2c: 10,
            ..
        }))
    ));
}

#[test]
fn zip_bomb_and_compression_policy() {
    let key = DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16]).unwrap();
    let bomb = vec![0u8; 4 * 1024 * 1024];
    let token = jwe::encrypt(
        &key.encryption_key(),
        A128GCM,
        &bomb,
        &EncryptOptions::new().compress(),
    )
    .unwrap();
    assert!(token.len() < 16 * 1024, "{}", token.len());
    let refuses = Decrypter::new(key.clone());
    assert!(matches!(refuses.decrypt(&token), Err(Error::Header(_))));
    let capped = Decrypter::new(key.clone()).allow_default_compression();
    let err = capped.decrypt(&token).unwrap_err();
    assert_eq!(err.failure(), Some(Failure::Inflate));
    let roomy = Decrypter::new(key).allow_compression(bomb.len());
    assert_eq!(roomy.decrypt(&token).unwrap().plaintext().len(), bomb.len());
}

#[test]
fn json_compression_follows_the_same_policy() {
    let key = DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16]).unwrap();
    let bomb = vec![0u8; 4 * 1024 * 1024];
    let doc = jwe::json::JsonEncrypter::new(A128GCM, &bomb)
        .compress()
        .recipient(&key.encryption_key(), None)
        .unwrap()
        .general()
        .unwrap();
    assert!(doc.len() < 16 * 1024, "{}", doc.len());
    let protected: Value = serde_json::from_str(&doc).unwrap();
    let protected = base64url::decode(protected["protected"].as_str().unwrap()).unwrap();
    assert!(
        String::from_utf8(protected)
            .unwrap()
            .contains(r#""zip":"DEF""#)
    );
    let refuses = Decrypter::new(key.clone());
    assert!(matches!(refuses.decrypt_json(&doc), Err(Error::Header(_))));
    let capped = Decrypter::new(key.clone()).allow_default_compression();
    assert_eq!(
        capped.decrypt_json(&doc).unwrap_err().failure(),
        Some(Failure::Inflate)
    );
    let roomy = Decrypter::new(key).allow_compression(bomb.len());
    assert_eq!(
        roomy.decrypt_json(&doc).unwrap().plaintext(),
        bomb.as_slice()
    );
}

#[test]
fn tampering_anywhere_fails_with_one_opaque_error() {
    let cases: Vec<(DecryptionKey, EncryptionAlgorithm)> = vec![
        (
            DecryptionKey::symmetric(Algorithm::Dir, &[1; 32]).unwrap(),
            EncryptionAlgorithm::A256GCM,
        ),
        (
            DecryptionKey::symmetric(Algorithm::A128KW, &[2; 16]).unwrap(),
            EncryptionAlgorithm::A128CBC_HS256,
        ),
        (
            DecryptionKey::symmetric(Algorithm::A256GCMKW, &[3; 32]).unwrap(),
            EncryptionAlgorithm::A192GCM,
        ),
        (
            DecryptionKey::x25519(Algorithm::ECDH_ES_A256KW, &[4; 32]).unwrap(),
            EncryptionAlgorithm::A256CBC_HS512,
        ),
    ];
    for (key, enc) in cases {
        let token = jwe::encrypt(
            &key.encryption_key(),
            enc.clone(),
            b"the plaintext",
            &EncryptOptions::new(),
        )
        .unwrap();
        let d = Decrypter::new(key.clone());
        assert_eq!(d.decrypt(&token).unwrap().plaintext(), b"the plaintext");
        let parts: Vec<&str> = token.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() {
                continue;
            }
            let mut bytes = base64url::decode(part).unwrap();
            let mut variants = vec![];
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x01;
            variants.push(base64url::encode(&bytes));
            bytes[mid] ^= 0x01;
            if i == 4 {
                variants.push(base64url::encode(&bytes[..bytes.len() - 1])); // truncated tag
                variants.push(base64url::encode(&bytes[..8]));
            }
            for v in variants {
                let mut p = parts.clone();
                p[i] = &v;
                let forged = p.join(".");
                match d.decrypt(&forged) {
                    Err(Error::Decryption(_)) => {}
                    // A flipped header byte may also break its JSON or base64url first.
                    Err(
                        Error::Token(_)
                        | Error::Header(_)
                        | Error::EncryptionNotAllowed(_)
                        | Error::AlgorithmNotAllowed(_)
                        | Error::NoMatchingKey,
                    ) if i == 0 => {}
                    other => panic!("{enc} segment {i}: {other:?}"),
                }
                if let Err(e) = d.decrypt(&forged)
                    && e.failure().is_some()
                {
                    assert_eq!(e.to_string(), "decryption failed");
                }
            }
        }
    }
}

#[test]
fn wrong_key_wrong_enc_wrong_sizes_and_alg_mismatch() {
    let key = DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16]).unwrap();
    let token = jwe::encrypt(&key.encryption_key(), A128GCM, b"x", &EncryptOptions::new()).unwrap();
    // Another key of the same algorithm: unwrap fails, opaquely.
    let other = Decrypter::new(DecryptionKey::symmetric(Algorithm::A128KW, &[2; 16]).unwrap());
    assert_eq!(
        other.decrypt(&token).unwrap_err().to_string(),
        "decryption failed"
    );
    // The same secret bound to another algorithm: not allowed.
    let mismatch =
        Decrypter::new(DecryptionKey::symmetric(Algorithm::A128GCMKW, &[1; 16]).unwrap());
    assert!(matches!(
        mismatch.decrypt(&token),
        Err(Error::AlgorithmNotAllowed(_))
    ));
    // enc changed to one with another key length: the unwrapped key does not fit.
    let mut header = header_of(&token);
    header["enc"] = json!("A256GCM");
    let err = Decrypter::new(key.clone())
        .decrypt(&with_header(&token, &header))
        .unwrap_err();
    assert_eq!(err.to_string(), "decryption failed");
    // An enc the decrypter does not allow.
    let strict = Decrypter::new(key)
        .with_allowed_encryption_algorithms(&[EncryptionAlgorithm::A256GCM])
        .unwrap();
    assert!(matches!(
        strict.decrypt(&token),
        Err(Error::EncryptionNotAllowed(_))
    ));
    // dir with a key of the wrong size for enc, on both sides.
    let dir = DecryptionKey::symmetric(Algorithm::Dir, &[1; 16]).unwrap();
    assert!(matches!(
        jwe::encrypt(
            &dir.encryption_key(),
            EncryptionAlgorithm::A256GCM,
            b"x",
            &EncryptOptions::new()
        ),
        Err(Error::Key(jws::KeyError::Length {
            expected: 32,
            actual: 16
        }))
    ));
    let dir32 = DecryptionKey::symmetric(Algorithm::Dir, &[1; 32]).unwrap();
    let t = jwe::encrypt(
        &dir32.encryption_key(),
        EncryptionAlgorithm::A256GCM,
        b"x",
        &EncryptOptions::new(),
    )
    .unwrap();
    assert_eq!(
        Decrypter::new(dir).decrypt(&t).unwrap_err().failure(),
        Some(Failure::KeyLength)
    );
}

#[test]
fn malformed_tokens() {
    let key = DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16]).unwrap();
    let token = jwe::encrypt(&key.encryption_key(), A128GCM, b"x", &EncryptOptions::new()).unwrap();
    let d = Decrypter::new(key);
    let parts: Vec<&str> = token.split('.').collect();
    let four = parts[..4].join(".");
    let six = format!("{token}.AAAA");
    assert!(matches!(d.decrypt(&four), Err(Error::Token(_))));
    assert!(matches!(d.decrypt(&six), Err(Error::Token(_))));
    // Unknown crit, duplicate members, no enc, RSA1_5, none.
    let refused = |header: &str| {
        let forged = format!("{}.{}", base64url::encode(header), parts[1..].join("."));
        let err = d.decrypt(&forged).unwrap_err();
        assert!(err.failure().is_none(), "{header}: {err:?}");
        err
    };
    let crit = refused(r#"{"alg":"A128KW","enc":"A128GCM","crit":["x"],"x":1}"#);
    assert!(matches!(
        crit,
        Error::Token(jws::jwt_claims::Error::Crit(_))
    ));
    let duplicate = refused(r#"{"alg":"A128KW","enc":"A128GCM","enc":"A128GCM"}"#);
    assert!(matches!(duplicate, Error::Token(_)), "{duplicate:?}");
    assert!(matches!(
        refused(r#"{"alg":"A128KW"}"#),
        Error::Header(jwe::HeaderError::Missing("enc"))
    ));
    assert!(matches!(
        refused(r#"{"alg":"RSA1_5","enc":"A128GCM"}"#),
        Error::Rsa1_5Refused
    ));
    assert!(matches!(
        refused(r#"{"alg":"none","enc":"A128GCM"}"#),
        Error::AlgorithmNotAllowed(Algorithm::None)
    ));
    assert!(matches!(
        refused(r#"{"alg":"A128KW","enc":"A128GCM","zip":"GZIP"}"#),
        Error::Header(jwe::HeaderError::UnknownCompression(_))
    ));
    // The protected header must not be chosen by the caller's options either.
    let mut h = Header::default();
    h.p2c = Some(5);
    let k = DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16])
        .unwrap()
        .encryption_key();
    assert!(matches!(
        jwe::encrypt(&k, A128GCM, b"x", &EncryptOptions::new().with_header(h)),
        Err(Error::Header(jwe::HeaderError::SetByKeyManagement("p2c")))
    ));
}

#[test]
fn json_with_many_recipients_is_bounded() {
    use jwe::json::JsonEncrypter;
    let key = DecryptionKey::symmetric(Algorithm::PBES2_HS256_A128KW, b"pw").unwrap();
    let doc = JsonEncrypter::new(A128GCM, b"x")
        .with_p2c(1000)
        .recipient(&key.encryption_key(), None)
        .unwrap()
        .general()
        .unwrap();
    let mut v: Value = serde_json::from_str(&doc).unwrap();
    // Fifty copies of a recipient the key fails to open, then the real one.
    let real = v["recipients"][0].clone();
    let mut fake = real.clone();
    fake["encrypted_key"] = json!(base64url::encode([0u8; 24]));
    let mut list = vec![fake; 50];
    list.push(real);
    v["recipients"] = Value::Array(list);
    let d = Decrypter::new(key).with_limits(jwe::Limits::default().with_max_token_len(1 << 20));
    // The real recipient is beyond the bound: the document is refused, quickly.
    let err = d.decrypt_json(&v.to_string()).unwrap_err();
    assert_eq!(err.to_string(), "decryption failed");
    let d = d.with_max_candidates(60);
    assert_eq!(d.decrypt_json(&v.to_string()).unwrap().plaintext(), b"x");
}

#[test]
fn debug_output_never_shows_plaintext_or_keys() {
    let key = DecryptionKey::symmetric(Algorithm::A128KW, b"0123456789abcdef").unwrap();
    let token = jwe::encrypt(
        &key.encryption_key(),
        A128GCM,
        b"top-secret-plaintext",
        &EncryptOptions::new(),
    )
    .unwrap();
    let out = Decrypter::new(key.clone()).decrypt(&token).unwrap();
    let shown = format!("{out:?} {key:?} {:?}", key.encryption_key());
    assert!(!shown.contains("top-secret"), "{shown}");
    assert!(!shown.contains("0123456789"), "{shown}");
    assert!(!shown.contains("48, 49, 50"), "{shown}");
}
