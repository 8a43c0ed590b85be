//! RFC 7516 Appendix A.1, A.3, A.4, RFC 7520 section 5 (the JOSE cookbook) and RFC 8037
//! A.6: every output decrypts to the RFC's plaintext; RSA1_5 is refused.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jwe::{Algorithm, Decrypter, DecryptionKey, Error};
use jws::Jwk;
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

#[test]
fn rfc7516_appendix_a() {
    let v = data("rfc7516-appendix-a.json");
    for name in ["A.1", "A.3"] {
        let case = &v[name];
        let key = DecryptionKey::from_jwk(&jwk(&case["key"]), Some(alg(&case["alg"]))).unwrap();
        let out = Decrypter::new(key)
            .decrypt(case["compact"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            out.plaintext(),
            case["plaintext"].as_str().unwrap().as_bytes(),
            "{name}"
        );
    }
    // A.4: general JSON, an RSA1_5 recipient (refused, skipped) and an A128KW one.
    let case = &v["A.4"];
    let key = DecryptionKey::from_jwk(&jwk(&case["key"]), Some(Algorithm::A128KW)).unwrap();
    let out = Decrypter::new(key)
        .decrypt_json(&case["json"].to_string())
        .unwrap();
    assert_eq!(out.plaintext(), b"Live long and prosper.");
    assert_eq!(out.header().kid.as_deref(), Some("7"));
    assert_eq!(
        out.header().jku.as_deref(),
        Some("https://server.example.com/keys.jwks")
    );
}

fn decrypter_for(input: &Value) -> Option<Decrypter> {
    let mut keys = Vec::new();
    match (&input["key"], &input["alg"]) {
        (Value::Array(list), Value::Array(algs)) => {
            for (k, a) in list.iter().zip(algs) {
                match DecryptionKey::from_jwk(&jwk(k), Some(alg(a))) {
                    Ok(key) => keys.push(key),
                    Err(Error::Rsa1_5Refused) => {}
                    Err(e) => panic!("{e}"),
                }
            }
        }
        (Value::Null, a) => {
            let pwd = input["pwd"].as_str().unwrap();
            keys.push(DecryptionKey::symmetric(alg(a), pwd.as_bytes()).unwrap());
        }
        (k, a) => match DecryptionKey::from_jwk(&jwk(k), Some(alg(a))) {
            Ok(key) => keys.push(key),
            Err(Error::Rsa1_5Refused) => return None,
            Err(e) => panic!("{e}"),
        },
    }
    Some(Decrypter::from_keys(keys).allow_default_compression())
}

#[test]
fn rfc7520_section_5_and_rfc8037_a6() {
    let dir = format!("{}/tests/data/cookbook-jwe", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| format!("cookbook-jwe/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    files.push("rfc8037-ecdh-es.json".into());
    let mut decrypted = 0;
    let mut refused = 0;
    for file in files {
        let v = data(&file);
        let plaintext = v["input"]["plaintext"].as_str().unwrap().as_bytes();
        let Some(decrypter) = decrypter_for(&v["input"]) else {
            // 5.1 uses RSA1_5: refused by design, with the reason.
            assert!(file.contains("5_1."), "{file}");
            let key = jwk(&v["input"]["key"]);
            let err = DecryptionKey::from_jwk(&key, Some(Algorithm::RSA1_5)).unwrap_err();
            assert!(err.to_string().contains("Bleichenbacher"), "{err}");
            refused += 1;
            continue;
        };
        let out = &v["output"];
        if let Some(compact) = out["compact"].as_str() {
            assert_eq!(
                decrypter.decrypt(compact).unwrap().plaintext(),
                plaintext,
                "{file} compact"
            );
            decrypted += 1;
        }
        for form in ["json", "json_flat"] {
            if let Some(doc) = out.get(form) {
                let result = decrypter.decrypt_json(&doc.to_string());
                assert_eq!(result.unwrap().plaintext(), plaintext, "{file} {form}");
                decrypted += 1;
            }
        }
    }
    assert_eq!(refused, 1);
    assert!(decrypted >= 30, "{decrypted}");
}

#[test]
fn rsa1_5_tokens_are_refused_even_with_a_key_for_another_algorithm() {
    let v = data("cookbook-jwe/5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2.json");
    let key = DecryptionKey::from_jwk(&jwk(&v["input"]["key"]), Some(Algorithm::RSA_OAEP)).unwrap();
    let err = Decrypter::new(key)
        .decrypt(v["output"]["compact"].as_str().unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Rsa1_5Refused), "{err}");
}
