//! One test per known attack on JWS verifiers; each asserts rejection.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use hmac::{Hmac, KeyInit, Mac};
use jws::json::{JsonSigner, SignaturePolicy};
use jws::jwt_claims::Error as ClaimsError;
use jws::{
    Algorithm, Claims, Error, Header, Jwk, JwkSet, Limits, NumericDate, SignOptions, SigningKey,
    Validation, Verifier, VerifyingKey, base64url,
};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;

fn data(name: &str) -> Value {
    jose_test_vectors::data(env!("CARGO_MANIFEST_DIR"), name)
}

fn rsa_jwk() -> Jwk {
    Jwk::from_json(
        data("rfc7515-appendix-a.json")["A.2"]["key"]
            .to_string()
            .as_bytes(),
    )
    .unwrap()
}

fn claims() -> Claims {
    Claims::new(())
        .with_subject("victim")
        .with_lifetime(NumericDate::now(), Duration::from_secs(600))
}

/// A compact token with this header JSON, payload and signature bytes.
fn forge(header: &Value, payload: &[u8], sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let input = format!(
        "{}.{}",
        base64url::encode(header.to_string()),
        base64url::encode(payload)
    );
    let sig = sign(input.as_bytes());
    format!("{input}.{}", base64url::encode(sig))
}

fn hs256(secret: &[u8]) -> impl Fn(&[u8]) -> Vec<u8> + '_ {
    move |input| {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    }
}

fn payload() -> Vec<u8> {
    claims().to_json().unwrap()
}

#[test]
fn alg_none_with_and_without_signature() {
    let key = SigningKey::ed25519(&[1; 32]).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    let bare = forge(&json!({"alg": "none"}), &payload(), |_| Vec::new());
    assert!(bare.ends_with('.'));
    assert!(matches!(
        verifier.verify::<()>(&bare, &Validation::new()),
        Err(Error::AlgorithmNotAllowed(Algorithm::None))
    ));
    let signed = forge(&json!({"alg": "none"}), &payload(), |i| {
        key.sign(i).unwrap()
    });
    assert!(matches!(
        verifier.verify::<()>(&signed, &Validation::new()),
        Err(Error::AlgorithmNotAllowed(Algorithm::None))
    ));
    for variant in ["None", "NONE", "nOnE"] {
        let t = forge(&json!({"alg": variant}), &payload(), |_| Vec::new());
        assert!(matches!(
            verifier.verify::<()>(&t, &Validation::new()),
            Err(Error::AlgorithmNotAllowed(_))
        ));
    }
}

#[test]
fn hs256_with_the_public_key_as_secret() {
    let ec = SigningKey::ecdsa(Algorithm::ES256, &[7; 32]).unwrap();
    let ed = SigningKey::ed25519(&[8; 32]).unwrap();
    let rsa = rsa_jwk().signing_key(Some(Algorithm::RS256)).unwrap();
    for signer in [ec, ed, rsa] {
        let public = signer.verifying_key();
        let jwk = public.to_jwk();
        // The bytes an attacker would use: the JWK JSON, the raw public point, and what
        // a PEM/DER-holding verifier would have (SPKI built from the same key).
        let mut secrets: Vec<Vec<u8>> = vec![jwk.to_public_json().unwrap().into_bytes()];
        match jwk.material() {
            jws::KeyMaterial::Ec { x, y, .. } => secrets.push([&[4u8][..], x, y].concat()),
            jws::KeyMaterial::Okp { x, .. } => secrets.push(x.clone()),
            jws::KeyMaterial::Rsa { n, .. } => secrets.push(n.clone()),
            _ => unreachable!(),
        }
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        );
        secrets.push(pem.into_bytes());
        let verifier = Verifier::new(public.clone());
        // Even a verifier configured with several algorithms never lets the token pick.
        let lenient = Verifier::from_jwk_set(
            &JwkSet::from_keys(vec![jwk.clone()]),
            &[
                Algorithm::RS256,
                Algorithm::ES256,
                Algorithm::EdDSA,
                Algorithm::HS256,
            ],
        )
        .unwrap();
        for secret in &secrets {
            let token = forge(&json!({"alg": "HS256"}), &payload(), hs256(secret));
            assert!(matches!(
                verifier.verify::<()>(&token, &Validation::new()),
                Err(Error::AlgorithmNotAllowed(Algorithm::HS256))
            ));
            assert!(matches!(
                lenient.verify::<()>(&token, &Validation::new()),
                Err(Error::NoMatchingKey { .. })
            ));
        }
    }
    // And an HMAC key cannot be made from PEM or DER public-key material at all.
    let pem = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n";
    assert_eq!(
        SigningKey::symmetric(Algorithm::HS256, pem).unwrap_err(),
        jws::KeyError::PublicKeyAsSecret
    );
    let der =
        base64url::decode("MCowBQYDK2VwAyEA11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
    assert!(
        VerifyingKey::symmetric(Algorithm::HS256, &[der.as_slice(), &[0; 32]].concat()).is_ok()
    );
    assert_eq!(
        VerifyingKey::symmetric(Algorithm::HS256, &[der.as_slice(), &[0; 20]].concat()[..44])
            .unwrap_err(),
        jws::KeyError::PublicKeyAsSecret
    );
}

#[test]
fn alg_changed_within_the_family() {
    let jwk = rsa_jwk();
    let signer = jwk.signing_key(Some(Algorithm::RS256)).unwrap();
    let token = jws::sign(&signer, &claims()).unwrap();
    let verifier = Verifier::from_jwk_set(
        &JwkSet::from(jwk.to_public().unwrap()),
        &[Algorithm::RS256, Algorithm::PS256, Algorithm::RS512],
    )
    .unwrap();
    assert!(verifier.verify::<()>(&token, &Validation::new()).is_ok());
    let (_, rest) = token.split_once('.').unwrap();
    let swap = |alg: &str| {
        let header = base64url::encode(json!({"alg": alg, "typ": "JWT"}).to_string());
        format!("{header}.{rest}")
    };
    // Not allowed: refused before any key is tried.
    assert!(matches!(
        verifier.verify::<()>(&swap("RS384"), &Validation::new()),
        Err(Error::AlgorithmNotAllowed(Algorithm::RS384))
    ));
    // Allowed, and the key serves it: the key is tried with that algorithm and fails.
    for alg in ["RS512", "PS256"] {
        assert!(
            matches!(
                verifier.verify::<()>(&swap(alg), &Validation::new()),
                Err(Error::InvalidSignature)
            ),
            "{alg}"
        );
    }
    // The same for RS384 once allowed.
    let wider = Verifier::from_jwk_set(
        &JwkSet::from(jwk.to_public().unwrap()),
        &[Algorithm::RS256, Algorithm::RS384],
    )
    .unwrap();
    assert!(matches!(
        wider.verify::<()>(&swap("RS384"), &Validation::new()),
        Err(Error::InvalidSignature)
    ));
    let es = SigningKey::ecdsa(Algorithm::ES256, &[3; 32]).unwrap();
    let token = jws::sign(&es, &claims()).unwrap();
    let (_, rest) = token.split_once('.').unwrap();
    let swapped = format!("{}.{rest}", base64url::encode(r#"{"alg":"ES384"}"#));
    assert!(matches!(
        Verifier::new(es.verifying_key()).verify::<()>(&swapped, &Validation::new()),
        Err(Error::AlgorithmNotAllowed(Algorithm::ES384))
    ));
}

#[test]
fn header_jwk_and_jku_bring_no_trust() {
    let trusted = SigningKey::ed25519(&[1; 32]).unwrap();
    let attacker = SigningKey::ed25519(&[2; 32]).unwrap();
    let verifier = Verifier::new(trusted.verifying_key());
    let attacker_jwk = serde_json::to_value(attacker.verifying_key().to_jwk()).unwrap();
    for header in [
        json!({"alg": "EdDSA", "jwk": attacker_jwk}),
        json!({"alg": "EdDSA", "jku": "https://attacker.example/jwks.json"}),
        json!({"alg": "EdDSA", "x5u": "https://attacker.example/cert.pem"}),
        json!({"alg": "EdDSA", "x5c": ["MIIB"]}),
    ] {
        let token = forge(&header, &payload(), |i| attacker.sign(i).unwrap());
        assert!(matches!(
            verifier.verify::<()>(&token, &Validation::new()),
            Err(Error::InvalidSignature)
        ));
    }
}

#[test]
fn kid_with_path_traversal_or_sql() {
    let trusted = SigningKey::ed25519(&[1; 32]).unwrap().with_kid("k1");
    let attacker = SigningKey::ed25519(&[2; 32]).unwrap();
    let verifier = Verifier::new(trusted.verifying_key());
    let anonymous = Verifier::new(SigningKey::ed25519(&[1; 32]).unwrap().verifying_key());
    for kid in [
        "../../../../dev/null",
        "/etc/passwd",
        "' OR '1'='1",
        "k1'; DROP TABLE keys; --",
        "k1\u{0000}",
        &"k".repeat(10_000),
    ] {
        let token = forge(&json!({"alg": "EdDSA", "kid": kid}), &payload(), |i| {
            attacker.sign(i).unwrap()
        });
        match verifier.verify::<()>(&token, &Validation::new()) {
            Err(Error::NoMatchingKey { kid: Some(shown) }) => assert!(shown.len() <= 70),
            Err(Error::Token(_)) => {}
            other => panic!("{kid:.20}: {other:?}"),
        }
        // The key without kid stands in for an unknown kid, and the signature is not its.
        match anonymous.verify::<()>(&token, &Validation::new()) {
            Err(Error::InvalidSignature | Error::Token(_)) => {}
            other => panic!("{kid:.20}: {other:?}"),
        }
    }
}

#[test]
fn ecdsa_zero_and_out_of_range_scalars() {
    // The order n of P-256.
    let n = base64url::decode("_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE").unwrap();
    assert_eq!(n.len(), 32);
    let key = SigningKey::ecdsa(Algorithm::ES256, &[5; 32]).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    let good = jws::sign(&key, &claims()).unwrap();
    let (input, sig) = good.rsplit_once('.').unwrap();
    let sig = base64url::decode(sig).unwrap();
    let mut n_plus_r = n.clone();
    n_plus_r[31] = n_plus_r[31].wrapping_add(1);
    let cases: Vec<Vec<u8>> = vec![
        vec![0; 64],                                // r = s = 0 ("psychic signature")
        [&[0u8; 32][..], &sig[32..]].concat(),      // r = 0
        [&sig[..32], &[0u8; 32][..]].concat(),      // s = 0
        [n.as_slice(), n.as_slice()].concat(),      // r = s = n
        [n.as_slice(), &sig[32..]].concat(),        // r = n
        [&sig[..32], n.as_slice()].concat(),        // s = n
        [n_plus_r.as_slice(), &sig[32..]].concat(), // r > n
        vec![0xff; 64],                             // r, s > n
    ];
    for forged in cases {
        let token = format!("{input}.{}", base64url::encode(forged));
        assert!(matches!(
            verifier.verify::<()>(&token, &Validation::new()),
            Err(Error::InvalidSignature)
        ));
    }
}

#[test]
fn ed25519_non_canonical_s_and_small_order_keys() {
    // L, the order of the Ed25519 base point, little-endian.
    let l: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let key = SigningKey::ed25519(&[9; 32]).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    let good = jws::sign(&key, &claims()).unwrap();
    let (input, sig) = good.rsplit_once('.').unwrap();
    let sig = base64url::decode(sig).unwrap();
    // S + L: the same point equation holds, but S is not reduced (malleability).
    let mut s_plus_l = sig;
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(s_plus_l[32 + i]) + u16::from(l[i]) + carry;
        s_plus_l[32 + i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    let token = format!("{input}.{}", base64url::encode(&s_plus_l));
    assert!(matches!(
        verifier.verify::<()>(&token, &Validation::new()),
        Err(Error::InvalidSignature)
    ));

    // Small-order public keys are refused when the key is built.
    let identity = {
        let mut p = [0u8; 32];
        p[0] = 1;
        p
    };
    let order_two = {
        let mut p = [0u8; 32];
        p[0] = 0xec;
        p[1..31].fill(0xff);
        p[31] = 0x7f;
        p
    };
    for point in [identity, order_two, [0u8; 32]] {
        assert!(matches!(
            VerifyingKey::ed25519(&point),
            Err(jws::KeyError::Invalid(_))
        ));
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": base64url::encode(point)});
        let jwk = Jwk::from_json(jwk.to_string().as_bytes()).unwrap();
        assert!(matches!(
            Verifier::from_jwk_set(&JwkSet::from(jwk.clone()), &[Algorithm::EdDSA]),
            Err(Error::Key(jws::KeyError::Invalid(_)))
        ));
    }
}

#[test]
fn signatures_of_the_wrong_length() {
    let keys = [
        SigningKey::symmetric(Algorithm::HS256, &[1; 32]).unwrap(),
        SigningKey::ed25519(&[1; 32]).unwrap(),
        SigningKey::ecdsa(Algorithm::ES256, &[1; 32]).unwrap(),
        rsa_jwk().signing_key(Some(Algorithm::PS256)).unwrap(),
    ];
    for key in keys {
        let verifier = Verifier::new(key.verifying_key());
        let token = jws::sign(&key, &claims()).unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig = base64url::decode(sig).unwrap();
        for forged in [
            sig[..sig.len() - 1].to_vec(),
            [sig.as_slice(), &[0]].concat(),
            sig[..1].to_vec(),
            [&[0u8][..], sig.as_slice()].concat(),
            // Either side of the stack buffer (132 bytes, ES512) and of the limit (1024).
            vec![0; 132],
            vec![0; 133],
            vec![0; 1024],
            vec![0; 1025],
            vec![0; 2048],
        ] {
            let t = format!("{input}.{}", base64url::encode(&forged));
            assert!(
                matches!(
                    verifier.verify::<()>(&t, &Validation::new()),
                    Err(Error::InvalidSignature)
                ),
                "{:?} {}",
                key.alg(),
                forged.len()
            );
        }
        let empty = format!("{input}.");
        assert!(matches!(
            verifier.verify::<()>(&empty, &Validation::new()),
            Err(Error::InvalidSignature)
        ));
    }
}

#[test]
fn malformed_tokens() {
    let key = SigningKey::symmetric(Algorithm::HS256, &[1; 32]).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    let token = jws::sign(&key, &claims()).unwrap();
    let (h, rest) = token.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    // The format, the header or the payload segment is broken: a token error.
    let malformed = [
        format!("{token}.x"),
        format!("{token}."),
        format!("{h}.{p}"),
        format!(" {token}"),
        format!("{h}=.{p}.{s}"),
        String::new(),
        "..".to_owned(),
    ];
    for bad in &malformed {
        let result = verifier.verify::<()>(bad, &Validation::new());
        assert!(
            matches!(result, Err(Error::Token(_))),
            "{bad:?}: {result:?}"
        );
    }
    // The signature segment is broken (padding, another alphabet, a trailing newline), or
    // the payload segment is not what was signed: the signature check fails, before the
    // payload is ever decoded.
    let bad_signature = [
        format!("{h}.{p} .{s}"),
        format!("{token}\n"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p}.+{}", &s[1..]),
        format!("{h}.{p}.{}/", &s[..s.len() - 1]),
        format!("{h}.{p}=.{s}"),
    ];
    for bad in &bad_signature {
        let result = verifier.verify::<()>(bad, &Validation::new());
        assert!(
            matches!(result, Err(Error::InvalidSignature)),
            "{bad:?}: {result:?}"
        );
    }
    // Duplicate header members and unknown crit, correctly signed.
    let signer = hs256(&[1; 32]);
    let dup = {
        let input = format!(
            "{}.{p}",
            base64url::encode(r#"{"alg":"HS256","alg":"HS256"}"#)
        );
        let sig = signer(input.as_bytes());
        format!("{input}.{}", base64url::encode(sig))
    };
    assert!(matches!(
        verifier.verify::<()>(&dup, &Validation::new()),
        Err(Error::Token(_))
    ));
    let crit = forge(
        &json!({"alg": "HS256", "crit": ["exp-2030"], "exp-2030": 1}),
        &payload(),
        hs256(&[1; 32]),
    );
    assert!(matches!(
        verifier.verify::<()>(&crit, &Validation::new()),
        Err(Error::Token(ClaimsError::Crit(_)))
    ));
    // Duplicate claims, correctly signed.
    let dup_claims = forge(
        &json!({"alg": "HS256"}),
        br#"{"sub":"a","sub":"b","exp":9999999999}"#,
        hs256(&[1; 32]),
    );
    assert!(matches!(
        verifier.verify::<()>(&dup_claims, &Validation::new()),
        Err(Error::Token(_))
    ));
}

#[test]
fn size_limit() {
    let key = SigningKey::symmetric(Algorithm::HS256, &[1; 32]).unwrap();
    let big = Claims::new(json!({"blob": "x".repeat(20_000)}))
        .with_lifetime(NumericDate::now(), Duration::from_secs(60));
    let token = jws::sign(&key, &big).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    assert!(matches!(
        verifier.verify::<Value>(&token, &Validation::new()),
        Err(Error::Token(ClaimsError::TokenTooLong { .. }))
    ));
    let roomy = verifier.with_limits(Limits::default().with_max_token_len(64 * 1024));
    assert!(roomy.verify::<Value>(&token, &Validation::new()).is_ok());
}

#[test]
fn general_json_with_one_good_and_one_bad_signature() {
    let good = SigningKey::ed25519(&[1; 32]).unwrap().with_kid("good");
    let bad = SigningKey::ed25519(&[2; 32]).unwrap().with_kid("good2");
    let doc = JsonSigner::new(b"pay")
        .sign(&good, Header::default(), None)
        .unwrap()
        .sign(&bad, Header::default(), None)
        .unwrap()
        .general()
        .unwrap();
    // The verifier trusts both kids, but "good2" is really another key.
    let impostor = SigningKey::ed25519(&[3; 32]).unwrap().with_kid("good2");
    let verifier = Verifier::from_keys([good.verifying_key(), impostor.verifying_key()]);
    let result = verifier
        .verify_json(&doc, SignaturePolicy::AtLeastOne)
        .unwrap();
    assert_eq!(result.verified_kids(), vec!["good"]);
    assert!(!result.signatures()[1].verified);
    assert!(matches!(
        verifier.verify_json(&doc, SignaturePolicy::All),
        Err(Error::InvalidSignature)
    ));
    // Tampering with the good signature's protected header breaks it too.
    let mut v: Value = serde_json::from_str(&doc).unwrap();
    v["signatures"][0]["protected"] =
        json!(base64url::encode(r#"{"alg":"EdDSA","kid":"good","x":1}"#));
    assert!(matches!(
        verifier.verify_json(&v.to_string(), SignaturePolicy::AtLeastOne),
        Err(Error::InvalidSignature)
    ));
    // A name both protected and unprotected is refused.
    let mut v: Value = serde_json::from_str(&doc).unwrap();
    v["signatures"][0]["header"] = json!({"kid": "good"});
    assert!(matches!(
        verifier.verify_json(&v.to_string(), SignaturePolicy::AtLeastOne),
        Err(Error::Json(_))
    ));
}

#[test]
fn detached_and_unencoded_misuse() {
    let key = SigningKey::symmetric(Algorithm::HS256, &[1; 32]).unwrap();
    let verifier = Verifier::new(key.verifying_key());
    let attached = jws::sign_payload(&key, b"abc", &SignOptions::new()).unwrap();
    assert!(matches!(
        verifier.verify_detached(&attached, b"abc"),
        Err(Error::NotDetached)
    ));
    let unencoded = jws::sign_payload(&key, b"abc", &SignOptions::new().unencoded()).unwrap();
    assert!(matches!(
        verifier.verify_payload(&unencoded),
        Err(Error::UnencodedPayloadNotAllowed)
    ));
    assert!(matches!(
        jws::sign_payload(&key, b"a.b", &SignOptions::new().unencoded()),
        Err(Error::UnencodedPayloadHasDot)
    ));
}

#[test]
fn json_with_too_many_signatures_is_refused() {
    let key = SigningKey::ed25519(&[1; 32]).unwrap();
    let mut signer = JsonSigner::new(b"p");
    for _ in 0..=jws::json::MAX_SIGNATURES {
        signer = signer.sign(&key, Header::default(), None).unwrap();
    }
    let doc = signer.general().unwrap();
    let verifier = Verifier::new(key.verifying_key())
        .with_limits(Limits::default().with_max_token_len(1 << 20));
    assert!(matches!(
        verifier.verify_json(&doc, SignaturePolicy::AtLeastOne),
        Err(Error::Json(_))
    ));
}
