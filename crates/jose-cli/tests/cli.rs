//! The `jose` binary, run for real: every command, its exit status and its messages.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{Dir, json};
use serde_json::Value;

const JWS_ALGS: [&str; 15] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES256K", "ES384", "ES512", "EdDSA", "Ed25519",
];

const ENCS: [&str; 6] = [
    "A128CBC-HS256",
    "A192CBC-HS384",
    "A256CBC-HS512",
    "A128GCM",
    "A192GCM",
    "A256GCM",
];

/// A time inside the lifetime of tokens signed with `--now NOW`.
const NOW: &str = "1800000000";
const LATER: &str = "1800000600";

fn flip_last_signature_char(token: &str) -> String {
    let mut t = token.to_owned();
    let last = t.pop().unwrap();
    t.push(if last == 'A' { 'B' } else { 'A' });
    t
}

#[test]
fn generate_sign_verify_every_jws_algorithm_in_every_serialization() {
    let d = Dir::new("jws");
    for alg in JWS_ALGS {
        let jwk = d.jose(&["key", "generate", alg], b"").ok();
        let key = json(&jwk);
        assert_eq!(key["alg"], alg);
        assert!(key["kid"].as_str().is_some_and(|k| k.len() == 43), "{jwk}");
        let private = d.write(&format!("{alg}.jwk"), &jwk);
        // Public keys verify (for HMAC the key is the secret itself).
        let verify_with = if alg.starts_with("HS") {
            private.clone()
        } else {
            let public = d.jose(&["key", "public", &private], b"").ok();
            assert!(json(&public).get("d").is_none(), "{public}");
            d.write(&format!("{alg}.pub.jwk"), public)
        };
        let payload = b"payload \x00\xff bytes, exactly";
        for serialization in [None, Some("--json"), Some("--flattened")] {
            let mut args = vec!["sign", "--key", private.as_str()];
            args.extend(serialization);
            let token = d.jose(&args, payload).ok();
            assert_eq!(token.starts_with('{'), serialization.is_some());
            let out = d.jose(
                &["verify", "--key", &verify_with, "--alg", alg],
                token.as_bytes(),
            );
            assert_eq!(out.code, 0, "{alg} {serialization:?}: {}", out.stderr);
            assert_eq!(
                out.stdout, payload,
                "{alg}: payload bytes exactly, no newline"
            );
            // --alg may be left out: the key names its alg.
            assert_eq!(
                d.jose(&["verify", "--key", &verify_with], token.as_bytes())
                    .stdout,
                payload
            );
        }
        // Tampering is exit 1.
        let token = d.jose(&["sign", "--key", &private], payload).ok();
        let bad = flip_last_signature_char(&token);
        let err = d.jose(&["verify", "--key", &verify_with], bad.as_bytes());
        let msg = err.fails(1);
        assert!(
            msg.contains("invalid signature") || msg.contains("malformed"),
            "{alg}: {msg}"
        );
    }
}

#[test]
fn every_jwt_algorithm_signs_and_verifies_with_validation() {
    let d = Dir::new("jwt");
    for alg in JWS_ALGS {
        let key = d.write("k.jwk", d.jose(&["key", "generate", alg], b"").ok());
        let token = d
            .jose(
                &[
                    "jwt",
                    "sign",
                    "--key",
                    &key,
                    "--iss",
                    "https://issuer.example",
                    "--sub",
                    "ann",
                    "--aud",
                    "api",
                    "--jti",
                    "--now",
                    NOW,
                    "--claims",
                    r#"{"scope":"read write","n":1.5}"#,
                ],
                b"",
            )
            .ok();
        let out = d
            .jose(
                &[
                    "jwt",
                    "verify",
                    "--key",
                    &key,
                    "--alg",
                    alg,
                    "--iss",
                    "https://issuer.example",
                    "--aud",
                    "api",
                    "--sub",
                    "ann",
                    "--typ",
                    "JWT",
                    "--now",
                    LATER,
                ],
                token.as_bytes(),
            )
            .ok();
        let claims = json(&out);
        assert_eq!(claims["sub"], "ann", "{alg}");
        assert_eq!(claims["scope"], "read write");
        assert_eq!(claims["n"], 1.5);
        assert_eq!(claims["iat"], 1_800_000_000_u64);
        assert_eq!(
            claims["exp"],
            1_800_000_000_u64 + 1800,
            "default lifetime 30m"
        );
        assert!(claims["jti"].as_str().is_some_and(|j| j.len() == 22));
    }
}

#[test]
fn jwt_validation_failures_name_the_problem() {
    let d = Dir::new("jwtfail");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "ES256"], b"").ok());
    let sign = |extra: &[&str]| {
        let mut args = vec![
            "jwt",
            "sign",
            "--key",
            key.as_str(),
            "--now",
            NOW,
            "--aud",
            "api",
        ];
        args.extend_from_slice(extra);
        d.jose(&args, b"").ok()
    };
    let verify = |token: &str, extra: &[&str]| {
        let mut args = vec!["jwt", "verify", "--key", key.as_str(), "--aud", "api"];
        args.extend_from_slice(extra);
        d.jose(&args, token.as_bytes())
    };
    let token = sign(&["--exp", "90s", "--iss", "me"]);
    // 1800000000 + 90 = 2027-01-15T08:01:30Z.
    let expired = verify(&token, &["--now", "1800001000"]);
    assert_eq!(
        expired.fails(1).trim(),
        "jose: invalid claims: token expired at 2027-01-15T08:01:30Z, now is \
         2027-01-15T08:16:40Z"
    );
    // The leeway tolerates a little skew.
    verify(&token, &["--now", "1800000100"]).ok();
    assert_eq!(
        verify(&token, &["--now", "1800000100", "--leeway", "0"]).code,
        1
    );
    assert!(
        verify(&token, &["--now", "1800000010", "--iss", "other"])
            .fails(1)
            .contains("issuer")
    );
    assert!(
        verify(&token, &["--now", "1800000010", "--sub", "bob"])
            .fails(1)
            .contains("sub")
    );
    assert!(
        verify(&token, &["--now", "1800000010", "--typ", "at+jwt"])
            .fails(1)
            .contains("typ")
    );
    let no_aud = d.jose(
        &["jwt", "verify", "--key", &key, "--now", "1800000010"],
        token.as_bytes(),
    );
    assert!(no_aud.fails(1).contains("--aud"), "{}", no_aud.stderr);
    let wrong_aud = verify(&token, &["--now", "1800000010", "--aud", "x"]);
    assert_eq!(wrong_aud.code, 0, "one accepted audience is enough");
    let strict = d.jose(
        &[
            "jwt",
            "verify",
            "--key",
            &key,
            "--aud",
            "x",
            "--now",
            "1800000010",
        ],
        token.as_bytes(),
    );
    assert!(strict.fails(1).contains("audience"));
    // nbf in the future.
    let later = sign(&["--nbf", "1h", "--exp", "2h"]);
    assert!(
        verify(&later, &["--now", "1800000010"])
            .fails(1)
            .contains("not valid before")
    );
    verify(&later, &["--now", "1800003610"]).ok();
    // A token that is not a JWS at all.
    assert!(verify("abc", &[]).fails(1).contains("malformed"));
}

#[test]
fn generate_encrypt_decrypt_every_jwe_algorithm() {
    let d = Dir::new("jwe");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("A128KW", vec![]),
        ("A192KW", vec![]),
        ("A256KW", vec![]),
        ("A128GCMKW", vec![]),
        ("A192GCMKW", vec![]),
        ("A256GCMKW", vec![]),
        ("ECDH-ES", vec![]),
        ("ECDH-ES", vec!["--curve", "P-384"]),
        ("ECDH-ES", vec!["--curve", "P-521"]),
        ("ECDH-ES", vec!["--curve", "X25519"]),
        ("ECDH-ES+A128KW", vec![]),
        ("ECDH-ES+A192KW", vec!["--curve", "X25519"]),
        ("ECDH-ES+A256KW", vec!["--curve", "P-521"]),
        ("RSA-OAEP", vec![]),
        ("RSA-OAEP-256", vec!["--bits", "3072"]),
        ("PBES2-HS256+A128KW", vec![]),
        ("PBES2-HS384+A192KW", vec![]),
        ("PBES2-HS512+A256KW", vec![]),
    ];
    let plaintext = b"secret \x00\x01 plaintext\n";
    for (i, (alg, extra)) in cases.iter().enumerate() {
        let enc = ENCS[i % ENCS.len()];
        let mut args = vec!["key", "generate", alg];
        args.extend(extra);
        let private = d.write("k.jwk", d.jose(&args, b"").ok());
        let public = d.write("k.pub", {
            let out = d.jose(&["key", "public", &private], b"");
            if out.code == 0 {
                out.ok()
            } else {
                std::fs::read_to_string(&private).unwrap()
            }
        });
        for serialization in [None, Some("--json"), Some("--flattened")] {
            let mut args = vec![
                "encrypt",
                "--key",
                public.as_str(),
                "--enc",
                enc,
                "--p2c",
                "1000",
            ];
            args.extend(serialization);
            let token = d.jose(&args, plaintext).ok();
            let out = d.jose(
                &["decrypt", "--key", &private, "--alg", alg, "--enc", enc],
                token.as_bytes(),
            );
            assert_eq!(out.code, 0, "{alg} {enc} {serialization:?}: {}", out.stderr);
            assert_eq!(out.stdout, plaintext, "{alg}: plaintext bytes exactly");
        }
    }
    // dir with every content encryption, each key sized for it.
    for enc in ENCS {
        let key = d.write(
            "dir.jwk",
            d.jose(&["key", "generate", "dir", "--enc", enc], b"").ok(),
        );
        let token = d
            .jose(&["encrypt", "--key", &key, "--enc", enc], plaintext)
            .ok();
        let out = d.jose(&["decrypt", "--key", &key, "--enc", enc], token.as_bytes());
        assert_eq!(out.stdout, plaintext, "dir {enc}: {}", out.stderr);
    }
}

#[test]
fn decryption_failures_say_one_thing() {
    let d = Dir::new("jwefail");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "A256KW"], b"").ok());
    let other = d.write("o.jwk", d.jose(&["key", "generate", "A256KW"], b"").ok());
    let token = d
        .jose(&["encrypt", "--key", &key, "--enc", "A256GCM"], b"hi")
        .ok();
    let decrypt = |key: &str, token: &str, enc: &str| {
        d.jose(&["decrypt", "--key", key, "--enc", enc], token.as_bytes())
    };
    let mut failures = vec![
        decrypt(&other, &token, "A256GCM"),
        decrypt(&key, &flip_last_signature_char(&token), "A256GCM"),
        decrypt(&key, &token, "A128GCM"),
        decrypt(&key, "not.a.token.at.all", "A256GCM"),
        decrypt(&key, "garbage", "A256GCM"),
    ];
    let mut parts: Vec<&str> = token.split('.').collect();
    let iv = format!(
        "{}{}",
        if parts[2].starts_with('A') { 'B' } else { 'A' },
        &parts[2][1..]
    );
    parts[2] = &iv;
    failures.push(decrypt(&key, &parts.join("."), "A256GCM"));
    for f in &failures {
        assert_eq!(f.fails(1), "jose: decryption failed\n");
    }
    // Compression is refused unless allowed.
    let zipped = d
        .jose(
            &["encrypt", "--key", &key, "--enc", "A256GCM", "--zip"],
            &[b'a'; 4096],
        )
        .ok();
    assert_eq!(
        decrypt(&key, &zipped, "A256GCM").fails(1),
        "jose: decryption failed\n"
    );
    let ok = d.jose(
        &["decrypt", "--key", &key, "--enc", "A256GCM", "--allow-zip"],
        zipped.as_bytes(),
    );
    assert_eq!(ok.stdout, vec![b'a'; 4096]);
    let zipped_json = d
        .jose(
            &[
                "encrypt", "--key", &key, "--enc", "A256GCM", "--zip", "--json",
            ],
            b"zz",
        )
        .ok();
    let ok = d.jose(
        &["decrypt", "--key", &key, "--enc", "A256GCM", "--allow-zip"],
        zipped_json.as_bytes(),
    );
    assert_eq!(ok.stdout, b"zz");
}

#[test]
fn passwords_and_the_p2c_cap() {
    let d = Dir::new("pbes2");
    let pw = d.write("pw", "correct horse battery staple\n");
    let alg = "PBES2-HS256+A128KW";
    let token = d
        .jose(
            &[
                "encrypt",
                "--password-file",
                &pw,
                "--alg",
                alg,
                "--enc",
                "A128GCM",
                "--p2c",
                "2000",
            ],
            b"x",
        )
        .ok();
    let out = d.jose(
        &[
            "decrypt",
            "--password-file",
            &pw,
            "--alg",
            alg,
            "--enc",
            "A128GCM",
        ],
        token.as_bytes(),
    );
    assert_eq!(out.stdout, b"x", "{}", out.stderr);
    // The same password as an oct JWK.
    let jwk = format!(
        r#"{{"kty":"oct","k":"{}"}}"#,
        jws::base64url::encode("correct horse battery staple")
    );
    let jwk = d.write("pw.jwk", jwk);
    let out = d.jose(
        &["decrypt", "--key", &jwk, "--alg", alg, "--enc", "A128GCM"],
        token.as_bytes(),
    );
    assert_eq!(out.stdout, b"x", "{}", out.stderr);
    // An iteration count over the cap is refused with the same message.
    let capped = d.jose(
        &[
            "decrypt",
            "--password-file",
            &pw,
            "--alg",
            alg,
            "--enc",
            "A128GCM",
            "--max-p2c",
            "1000",
        ],
        token.as_bytes(),
    );
    assert_eq!(capped.fails(1), "jose: decryption failed\n");
    // A password file is for PBES2 only.
    let usage = d.jose(
        &[
            "encrypt",
            "--password-file",
            &pw,
            "--alg",
            "A128KW",
            "--enc",
            "A128GCM",
        ],
        b"x",
    );
    assert!(usage.fails(2).contains("PBES2"));
}

#[test]
fn nested_jwt_sign_encrypt_then_decrypt_verify() {
    let d = Dir::new("nested");
    let signer = d.write("s.jwk", d.jose(&["key", "generate", "EdDSA"], b"").ok());
    let signer_pub = d.write("s.pub", d.jose(&["key", "public", &signer], b"").ok());
    let rsa = d.write(
        "r.jwk",
        d.jose(&["key", "generate", "RSA-OAEP-256"], b"").ok(),
    );
    let rsa_pub = d.write("r.pub", d.jose(&["key", "public", &rsa], b"").ok());
    let token = d
        .jose(
            &[
                "jwt",
                "sign",
                "--key",
                &signer,
                "--sub",
                "ann",
                "--aud",
                "api",
                "--now",
                NOW,
                "--encrypt-to",
                &rsa_pub,
                "--enc",
                "A256GCM",
            ],
            b"",
        )
        .ok();
    assert_eq!(token.split('.').count(), 5, "a JWE");
    let inspect = json(&d.jose(&["inspect"], token.as_bytes()).ok());
    assert_eq!(inspect["type"], "JWE");
    assert_eq!(inspect["header"]["cty"], "JWT");
    assert!(!token.contains("ann"));
    let verify = |args: &[&str]| {
        let mut all = vec![
            "jwt",
            "verify",
            "--key",
            signer_pub.as_str(),
            "--aud",
            "api",
            "--now",
            LATER,
        ];
        all.extend_from_slice(args);
        d.jose(&all, token.as_bytes())
    };
    let claims = json(&verify(&["--decrypt-key", &rsa, "--enc", "A256GCM"]).ok());
    assert_eq!(claims["sub"], "ann");
    // Without decryption it is not a JWS; with the wrong enc it does not decrypt.
    assert_eq!(verify(&[]).code, 1);
    assert_eq!(
        verify(&["--decrypt-key", &rsa, "--enc", "A128GCM"]).fails(1),
        "jose: decryption failed\n"
    );
    // A signature by another key fails after decryption, saying so.
    let other = d.write("o.jwk", d.jose(&["key", "generate", "EdDSA"], b"").ok());
    let out = d.jose(
        &[
            "jwt",
            "verify",
            "--key",
            &other,
            "--aud",
            "api",
            "--now",
            LATER,
            "--decrypt-key",
            &rsa,
            "--enc",
            "A256GCM",
        ],
        token.as_bytes(),
    );
    let msg = out.fails(1);
    assert!(
        msg.contains("invalid signature") || msg.contains("no trusted key"),
        "{msg}"
    );
}

#[test]
fn keys_that_are_refused_exit_3() {
    let d = Dir::new("keys");
    let token = {
        let k = d.write("ok.jwk", d.jose(&["key", "generate", "HS256"], b"").ok());
        d.jose(&["sign", "--key", &k], b"x").ok()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("no kty", r#"{"k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}"#.into(), "missing \"kty\""),
        ("short HMAC", r#"{"kty":"oct","alg":"HS256","k":"c2hvcnQ"}"#.into(), "too weak"),
        (
            "use enc",
            r#"{"kty":"oct","alg":"HS256","use":"enc","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U"}"#.into(),
            "fits none",
        ),
        (
            "key_ops",
            r#"{"kty":"oct","alg":"HS256","key_ops":["sign"],"k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U"}"#.into(),
            "fits none",
        ),
        (
            "duplicate kid",
            r#"{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U"},{"kty":"oct","kid":"a","k":"b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVyb3Q"}]}"#.into(),
            "two keys of one type with kid",
        ),
        ("not JSON", "hello".into(), "neither a JWK"),
    ];
    for (what, content, expected) in cases {
        let path = d.write("bad.jwk", &content);
        let out = d.jose(
            &["verify", "--key", &path, "--alg", "HS256"],
            token.as_bytes(),
        );
        let msg = out.fails(3);
        assert!(msg.contains(expected), "{what}: {msg}");
        assert!(
            msg.contains("bad.jwk"),
            "{what}: the message names the file: {msg}"
        );
        // Secret material never appears in messages.
        assert!(!msg.contains("c2VjcmV0"), "{what}: {msg}");
    }
    // RSA under 2048 bits: generation and import are refused.
    assert!(
        d.jose(&["key", "generate", "RS256", "--bits", "1024"], b"")
            .fails(3)
            .contains("2048")
    );
    assert!(
        d.jose(&["key", "generate", "RSA-OAEP", "--bits", "1024"], b"")
            .fails(3)
            .contains("2048")
    );
    // A key whose alg differs from --alg.
    let es = d.write("es.jwk", d.jose(&["key", "generate", "ES256"], b"").ok());
    assert!(
        d.jose(&["sign", "--key", &es, "--alg", "ES384"], b"x")
            .fails(3)
            .contains("ES256")
    );
    // jwks refuses secret keys.
    let hs = d.write("hs.jwk", d.jose(&["key", "generate", "HS256"], b"").ok());
    let out = d.jose(&["jwks", &es, &hs], b"");
    assert!(out.fails(3).contains("secret"));
    assert!(
        !out.stderr.contains(
            &json(&std::fs::read_to_string(&hs).unwrap())["k"]
                .as_str()
                .unwrap()[..10]
        )
    );
}

#[test]
fn usage_errors_exit_2() {
    let d = Dir::new("usage");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "EdDSA"], b"").ok());
    let bare = d.write(
        "bare.jwk",
        r#"{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U"}"#,
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["verify", "--key", &key, "--unknown-flag"],
            "unexpected argument",
        ),
        (vec!["verify"], "--key"),
        (
            vec!["sign", "--key", "/nonexistent/key.jwk"],
            "cannot read /nonexistent/key.jwk",
        ),
        (
            vec!["verify", "--key", &key, "/nonexistent/token"],
            "cannot read",
        ),
        (vec!["verify", "--key", &bare], "--alg is required"),
        (vec!["sign", "--key", &bare], "--alg"),
        (vec!["key", "generate", "none"], "unknown algorithm"),
        (vec!["key", "generate", "XX512"], "unknown algorithm"),
        (vec!["key", "generate", "dir"], "--enc"),
        (
            vec!["key", "generate", "ES256", "--curve", "P-384"],
            "P-256",
        ),
        (
            vec!["key", "generate", "ECDH-ES", "--curve", "secp256k1"],
            "curve",
        ),
        (vec!["decrypt", "--key", &key], "--enc"),
        (vec!["jwt", "sign", "--key", &key, "--exp", "5w"], "--exp"),
        (
            vec!["jwt", "sign", "--key", &key, "--encrypt-to", &key],
            "--enc",
        ),
        (
            vec!["sign", "--key", &key, "--json", "--flattened"],
            "cannot be used with",
        ),
        (vec!["completions", "tcsh"], "invalid value"),
        (
            vec!["verify", "--key", &key, "--alg", "A128KW"],
            "not a signature algorithm",
        ),
    ];
    for (args, expected) in cases {
        let out = d.jose(&args, b"x.y.z");
        let msg = out.fails(2);
        assert!(msg.contains(expected), "{args:?}: {msg}");
    }
}

#[test]
fn key_public_thumbprint_import_export_and_jwks() {
    let d = Dir::new("keycmds");
    // RFC 7638 3.1.
    let rfc = d.write(
        "rfc7638.jwk",
        r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
    );
    assert_eq!(
        d.jose(&["key", "thumbprint", &rfc], b"").ok(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    // From standard input too.
    let rfc_text = std::fs::read(&rfc).unwrap();
    assert_eq!(
        d.jose(&["key", "thumbprint", "-"], &rfc_text).ok(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );

    // The generated kid is the thumbprint; --kid overrides it.
    let ec = d.jose(&["key", "generate", "ES384"], b"").ok();
    let ec_path = d.write("ec.jwk", &ec);
    assert_eq!(
        json(&ec)["kid"].as_str().unwrap(),
        d.jose(&["key", "thumbprint", &ec_path], b"").ok()
    );
    let named = json(
        &d.jose(&["key", "generate", "ES384", "--kid", "2026-11"], b"")
            .ok(),
    );
    assert_eq!(named["kid"], "2026-11");

    // public: no private member, same thumbprint.
    let public = json(&d.jose(&["key", "public", &ec_path], b"").ok());
    assert!(public.get("d").is_none());
    assert_eq!(public["kid"], json(&ec)["kid"]);
    let hs = d.write("hs.jwk", d.jose(&["key", "generate", "HS512"], b"").ok());
    assert!(
        d.jose(&["key", "public", &hs], b"")
            .fails(3)
            .contains("no public part")
    );

    // export --pem and import round trip, private and public, for every PEM-able kind.
    for alg in [
        "RS256", "PS384", "ES256", "ES384", "ES512", "EdDSA", "RSA-OAEP", "ECDH-ES",
    ] {
        let jwk = d.jose(&["key", "generate", alg], b"").ok();
        let path = d.write("x.jwk", &jwk);
        let pem = d.jose(&["key", "export", "--pem", &path], b"").text();
        assert!(
            pem.starts_with("-----BEGIN PRIVATE KEY-----\n"),
            "{alg}: {pem}"
        );
        let pem_path = d.write("x.pem", &pem);
        let back = json(
            &d.jose(&["key", "import", "--alg", alg, &pem_path], b"")
                .ok(),
        );
        let orig = json(&jwk);
        for member in [
            "kty", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "alg", "kid",
        ] {
            assert_eq!(back.get(member), orig.get(member), "{alg}: {member}");
        }
        let spki = d
            .jose(&["key", "export", "--pem", "--public", &path], b"")
            .text();
        assert!(spki.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{alg}");
        let spki_path = d.write("x.spki", &spki);
        let public = json(
            &d.jose(&["key", "import", "--alg", alg, &spki_path], b"")
                .ok(),
        );
        assert!(public.get("d").is_none());
        assert_eq!(
            public["kid"], orig["kid"],
            "{alg}: thumbprint kid of the public key"
        );
        // A PEM key serves --key directly.
        if alg == "ES256" {
            let token = d
                .jose(&["sign", "--key", &pem_path, "--alg", "ES256"], b"pem")
                .ok();
            let out = d.jose(
                &["verify", "--key", &spki_path, "--alg", "ES256"],
                token.as_bytes(),
            );
            assert_eq!(out.stdout, b"pem", "{}", out.stderr);
        }
    }
    // Import checks the key against the algorithm.
    let ed = d.write("ed.jwk", d.jose(&["key", "generate", "EdDSA"], b"").ok());
    let ed_pem = d.write(
        "ed.pem",
        d.jose(&["key", "export", "--pem", &ed], b"").text(),
    );
    assert_eq!(
        d.jose(&["key", "import", "--alg", "ES256", &ed_pem], b"")
            .code,
        3
    );
    assert_eq!(d.jose(&["key", "export", "--pem", &hs], b"").code, 3);

    // jwks: public parts of several files, in order; a repeated kid is refused.
    let ed_pub = d.write("ed.pub", d.jose(&["key", "public", &ed], b"").ok());
    let dup = d.jose(&["jwks", &ec_path, &ed, &ed_pub], b"");
    assert!(dup.fails(3).contains("two keys of one type with kid"));
    let set = json(&d.jose(&["jwks", &ec_path, &ed], b"").ok());
    let set_keys = set["keys"].as_array().unwrap();
    assert_eq!(set_keys.len(), 2);
    assert!(set_keys.iter().all(|k| k.get("d").is_none()));
    assert_eq!(set_keys[0]["kid"], json(&ec)["kid"]);
    assert_eq!(
        set_keys[1]["kid"],
        json(&std::fs::read_to_string(&ed).unwrap())["kid"]
    );
}

#[test]
fn json_serialization_with_key_sets() {
    let d = Dir::new("sets");
    let a = d
        .jose(&["key", "generate", "ES256", "--kid", "a"], b"")
        .ok();
    let b = d
        .jose(&["key", "generate", "EdDSA", "--kid", "b"], b"")
        .ok();
    let c = d
        .jose(&["key", "generate", "RS256", "--kid", "c"], b"")
        .ok();
    let private = d.write("ab.json", format!(r#"{{"keys":[{a},{b}]}}"#));
    let ab = d.write("ab.pub", d.jose(&["key", "public", &private], b"").ok());
    assert!(
        json(&std::fs::read_to_string(&ab).unwrap())["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k.get("d").is_none())
    );
    let c_path = d.write("c.jwk", &c);
    let abc = d.write("abc.pub", d.jose(&["jwks", &private, &c_path], b"").ok());
    // Every key of a set signs with --json; the compact form takes one key.
    let doc = d.jose(&["sign", "--key", &private, "--json"], b"both").ok();
    assert_eq!(json(&doc)["signatures"].as_array().unwrap().len(), 2);
    assert!(
        d.jose(&["sign", "--key", &private], b"x")
            .fails(2)
            .contains("--json")
    );
    let out = d.jose(&["verify", "--key", &ab], doc.as_bytes());
    assert_eq!(out.stdout, b"both", "{}", out.stderr);
    // A set with a key that signed nothing: every key must verify its own signature.
    let out = d.jose(&["verify", "--key", &abc], doc.as_bytes());
    assert!(out.fails(1).contains("\"c\""), "{}", out.stderr);
    // One trusted key is enough when it is given alone.
    let a_pub = d.write(
        "a.pub",
        d.jose(&["key", "public", &d.write("a.jwk", &a)], b"").ok(),
    );
    assert_eq!(
        d.jose(&["verify", "--key", &a_pub], doc.as_bytes()).stdout,
        b"both"
    );
    // A signature broken in the document fails the set.
    let mut broken = json(&doc);
    let sig = broken["signatures"][1]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    broken["signatures"][1]["signature"] = Value::from(flip_last_signature_char(&sig));
    assert_eq!(
        d.jose(&["verify", "--key", &ab], broken.to_string().as_bytes())
            .code,
        1
    );

    // Encryption to several recipients with --json; each decrypts.
    let r1 = d
        .jose(&["key", "generate", "ECDH-ES+A128KW", "--kid", "r1"], b"")
        .ok();
    let r2 = d
        .jose(&["key", "generate", "RSA-OAEP-256", "--kid", "r2"], b"")
        .ok();
    let recipients = d.write("r.json", format!(r#"{{"keys":[{r1},{r2}]}}"#));
    let recipients_pub = d.write("r.pub", d.jose(&["key", "public", &recipients], b"").ok());
    let doc = d
        .jose(
            &[
                "encrypt",
                "--key",
                &recipients_pub,
                "--enc",
                "A256GCM",
                "--json",
            ],
            b"to both",
        )
        .ok();
    assert_eq!(json(&doc)["recipients"].as_array().unwrap().len(), 2);
    for (name, key) in [("r1", &r1), ("r2", &r2)] {
        let path = d.write("one.jwk", key);
        let out = d.jose(
            &["decrypt", "--key", &path, "--enc", "A256GCM"],
            doc.as_bytes(),
        );
        assert_eq!(out.stdout, b"to both", "{name}: {}", out.stderr);
    }
    let out = d.jose(
        &["decrypt", "--key", &recipients, "--enc", "A256GCM"],
        doc.as_bytes(),
    );
    assert_eq!(out.stdout, b"to both", "{}", out.stderr);
}

#[test]
fn detached_and_unencoded_payloads() {
    let d = Dir::new("detached");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "HS256"], b"").ok());
    let payload = d.write("payload", "$.02");
    for serialization in [None, Some("--json"), Some("--flattened")] {
        // Detached.
        let mut args = vec![
            "sign",
            "--key",
            key.as_str(),
            "--detached",
            payload.as_str(),
        ];
        args.extend(serialization);
        let token = d.jose(&args, b"").ok();
        if serialization.is_none() {
            assert!(token.contains(".."), "{token}");
        }
        let out = d.jose(
            &["verify", "--key", &key, "--detached", &payload],
            token.as_bytes(),
        );
        assert_eq!(out.stdout, b"$.02", "{}", out.stderr);
        let other = d.write("other", "$.03");
        assert_eq!(
            d.jose(
                &["verify", "--key", &key, "--detached", &other],
                token.as_bytes()
            )
            .code,
            1
        );

        // RFC 7797 b64: false, detached (a compact attached payload may not hold '.').
        let mut args = vec![
            "sign",
            "--key",
            key.as_str(),
            "--b64-false",
            "--detached",
            payload.as_str(),
        ];
        args.extend(serialization);
        let token = d.jose(&args, b"").ok();
        let refused = d.jose(
            &["verify", "--key", &key, "--detached", &payload],
            token.as_bytes(),
        );
        assert!(
            refused.fails(1).contains("--allow-b64-false"),
            "{}",
            refused.stderr
        );
        let out = d.jose(
            &[
                "verify",
                "--key",
                &key,
                "--detached",
                &payload,
                "--allow-b64-false",
            ],
            token.as_bytes(),
        );
        assert_eq!(out.stdout, b"$.02", "{}", out.stderr);
    }
    // An unencoded attached JSON payload.
    let token = d
        .jose(&["sign", "--key", &key, "--b64-false", "--json"], b"$.02")
        .ok();
    assert_eq!(json(&token)["payload"], "$.02");
    let out = d.jose(
        &["verify", "--key", &key, "--allow-b64-false"],
        token.as_bytes(),
    );
    assert_eq!(out.stdout, b"$.02");
    // Extra protected header members are signed.
    let token = d
        .jose(
            &[
                "sign",
                "--key",
                &key,
                "--header",
                r#"{"typ":"example+jws","x-ref":7}"#,
            ],
            b"h",
        )
        .ok();
    let shown = json(&d.jose(&["inspect"], token.as_bytes()).ok());
    assert_eq!(shown["header"]["typ"], "example+jws");
    assert_eq!(shown["header"]["x-ref"], 7);
    assert_eq!(
        d.jose(&["sign", "--key", &key, "--header", "[1]"], b"h")
            .code,
        2
    );
}

#[test]
fn inspect_marks_everything_unverified_and_refuses_garbage() {
    let d = Dir::new("inspect");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "ES256"], b"").ok());
    let token = d
        .jose(
            &[
                "jwt", "sign", "--key", &key, "--sub", "ann", "--now", NOW, "--nbf",
            ],
            b"",
        )
        .ok();
    let out = d.jose(&["inspect", "-"], format!("{token}\n").as_bytes());
    assert!(out.stderr.contains("UNVERIFIED"));
    let shown = json(&out.ok());
    assert!(
        shown["UNVERIFIED"]
            .as_str()
            .unwrap()
            .starts_with("UNVERIFIED")
    );
    assert_eq!(shown["type"], "JWS");
    assert_eq!(shown["header"]["alg"], "ES256");
    assert_eq!(shown["payload"]["sub"], "ann");
    assert_eq!(shown["dates"]["iat"], "2027-01-15T08:00:00Z");
    assert_eq!(shown["dates"]["nbf"], "2027-01-15T08:00:00Z");
    assert_eq!(shown["dates"]["exp"], "2027-01-15T08:30:00Z");
    // A token with a wrong signature still inspects: nothing is checked.
    let (signed, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", jws::base64url::encode([0u8; 64]));
    assert_eq!(d.jose(&["inspect"], forged.as_bytes()).code, 0);
    // JSON serializations.
    let doc = d
        .jose(&["sign", "--key", &key, "--json"], b"{\"a\":1}")
        .ok();
    let shown = json(&d.jose(&["inspect"], doc.as_bytes()).ok());
    assert_eq!(shown["serialization"], "general JSON");
    assert_eq!(shown["signatures"][0]["protected"]["alg"], "ES256");
    assert_eq!(shown["payload"]["a"], 1);
    let kw = d.write("kw.jwk", d.jose(&["key", "generate", "A128KW"], b"").ok());
    let jwe = d
        .jose(
            &["encrypt", "--key", &kw, "--enc", "A128GCM", "--flattened"],
            b"s",
        )
        .ok();
    let shown = json(&d.jose(&["inspect"], jwe.as_bytes()).ok());
    assert_eq!(shown["type"], "JWE");
    assert_eq!(shown["recipients"][0]["alg"], "A128KW");
    // Garbage never exits 0.
    for bad in [
        "",
        "a.b",
        "a.b.c.d",
        "@@@.e30.",
        "e30.e30",
        "e30.!!.x",
        "W10.e30.",
        "{",
        "[]",
        r#"{"payload":"e30"}"#,
        r#"{"signatures":3,"payload":""}"#,
        "e30.e30.e30.e30.e30.e30",
    ] {
        let out = d.jose(&["inspect"], bad.as_bytes());
        assert_eq!(out.code, 1, "{bad:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("malformed"), "{bad:?}: {}", out.stderr);
    }
}

#[test]
fn help_version_and_completions() {
    let d = Dir::new("help");
    let version = d.jose(&["--version"], b"").ok();
    assert_eq!(version, format!("jose {}", env!("CARGO_PKG_VERSION")));
    let commands: [&[&str]; 16] = [
        &[],
        &["key", "generate"],
        &["key", "public"],
        &["key", "thumbprint"],
        &["key", "import"],
        &["key", "export"],
        &["jwks"],
        &["sign"],
        &["verify"],
        &["encrypt"],
        &["decrypt"],
        &["jwt", "sign"],
        &["jwt", "verify"],
        &["inspect"],
        &["completions"],
        &["key"],
    ];
    for cmd in commands {
        let mut args = cmd.to_vec();
        args.push("--help");
        let help = d.jose(&args, b"").ok();
        if cmd != ["key"] {
            assert!(
                help.contains("Example"),
                "{cmd:?} --help has no example:\n{help}"
            );
        }
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = d.jose(&["completions", shell], b"").ok();
        assert!(
            script.contains("jose") && script.contains("thumbprint"),
            "{shell}"
        );
    }
}

#[test]
fn pipes_chain_commands() {
    let d = Dir::new("pipes");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "EdDSA"], b"").ok());
    // The key itself from standard input.
    let token = d
        .jose(
            &["jwt", "sign", "--key", &key, "--sub", "ann", "--aud", "api"],
            b"",
        )
        .ok();
    let public = d
        .jose(&["key", "public"], std::fs::read(&key).unwrap().as_slice())
        .ok();
    let public = d.write("p.jwk", public);
    let claims = json(
        &d.jose(
            &["jwt", "verify", "--key", &public, "--aud", "api"],
            format!("{token}\n").as_bytes(),
        )
        .ok(),
    );
    assert_eq!(claims["sub"], "ann");
}

/// RFC 7517 4.5: keys of different types may share a `kid`, and a trusted set may mix
/// secret and public keys (RFC 7520 4.8 signs with such a set); two keys of one type under
/// one `kid` are still refused.
#[test]
fn key_sets_may_share_kids_across_types_and_mix_secret_and_public_keys() {
    let d = Dir::new("mixed-sets");
    let hs = d
        .jose(&["key", "generate", "HS256", "--kid", "k"], b"")
        .ok();
    let ed = d
        .jose(&["key", "generate", "Ed25519", "--kid", "k"], b"")
        .ok();
    let ed_path = d.write("ed.jwk", &ed);
    let ed_pub = d.jose(&["key", "public", &ed_path], b"").ok();
    let signers = d.write("signers.json", format!(r#"{{"keys":[{hs},{ed}]}}"#));
    let trusted = d.write("trusted.json", format!(r#"{{"keys":[{hs},{ed_pub}]}}"#));
    // A general JWS signed by both; the mixed set verifies it, under either policy.
    let doc = d.jose(&["sign", "--key", &signers, "--json"], b"both").ok();
    for extra in [None, Some("--all-signatures")] {
        let mut args = vec!["verify", "--key", trusted.as_str()];
        args.extend(extra);
        let out = d.jose(&args, doc.as_bytes());
        assert_eq!(out.stdout, b"both", "{extra:?}: {}", out.stderr);
    }
    // Compact tokens of either key verify with the one set.
    for key in [&hs, &ed] {
        let k = d.write("one.jwk", key);
        let token = d.jose(&["sign", "--key", &k], b"one").ok();
        let out = d.jose(&["verify", "--key", &trusted], token.as_bytes());
        assert_eq!(out.stdout, b"one", "{}", out.stderr);
    }
    // `jose jwks` publishes no secret key unless asked; with --private it writes the
    // mixed set whole.
    let hs_path = d.write("hs.jwk", &hs);
    assert!(
        d.jose(&["jwks", &hs_path, &ed_path], b"")
            .fails(3)
            .contains("--private")
    );
    let private = json(&d.jose(&["jwks", "--private", &hs_path, &ed_path], b"").ok());
    let keys = private["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].get("k").is_some() && keys[1].get("d").is_some());
    // Two keys of one type under one kid: ambiguous, refused.
    let ed2 = d
        .jose(&["key", "generate", "EdDSA", "--kid", "k"], b"")
        .ok();
    let ambiguous = d.write("amb.json", format!(r#"{{"keys":[{ed},{ed2}]}}"#));
    assert!(
        d.jose(&["verify", "--key", &ambiguous], doc.as_bytes())
            .fails(3)
            .contains("two keys of one type with kid \"k\"")
    );
}

/// The RFC 7520 4.8 keys as one JWK Set (an RSA and an EC key sharing a kid, and a
/// secret key) verify the cookbook's general JWS.
#[test]
fn the_rfc_7520_4_8_key_set_verifies_its_jws() {
    let d = Dir::new("cookbook-4-8");
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../jws/tests/data/cookbook-jws/4_8.multiple_signatures.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut keys = Vec::new();
    for (key, alg) in doc["input"]["key"]
        .as_array()
        .unwrap()
        .iter()
        .zip(doc["input"]["alg"].as_array().unwrap())
    {
        let mut key = key.clone();
        key["alg"] = alg.clone();
        keys.push(key);
    }
    let set = d.write("set.json", serde_json::json!({ "keys": keys }).to_string());
    let token = doc["output"]["json"].to_string();
    let out = d.jose(
        &["verify", "--key", &set, "--all-signatures"],
        token.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        doc["input"]["payload"].as_str().unwrap().as_bytes()
    );
}

/// `--all-signatures`: one good signature is not enough when another is bad or `none`.
#[test]
fn all_signatures_refuses_a_document_with_any_bad_signature() {
    let d = Dir::new("all-signatures");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "ES256"], b"").ok());
    let public = d.write("k.pub", d.jose(&["key", "public", &key], b"").ok());
    let good = json(&d.jose(&["sign", "--key", &key, "--json"], b"pay").ok());
    let entry = good["signatures"][0].clone();
    let mut bad = entry.clone();
    bad["signature"] = Value::from(flip_last_signature_char(
        entry["signature"].as_str().unwrap(),
    ));
    let none = serde_json::json!({
        "protected": jws::base64url::encode(br#"{"alg":"none"}"#),
        "signature": ""
    });
    for other in [bad, none] {
        for order in [
            [other.clone(), entry.clone()],
            [entry.clone(), other.clone()],
        ] {
            let doc =
                serde_json::json!({ "payload": good["payload"], "signatures": order }).to_string();
            let lenient = d.jose(&["verify", "--key", &public], doc.as_bytes());
            assert_eq!(
                lenient.stdout, b"pay",
                "RFC 7515 7.2: one is enough: {}",
                lenient.stderr
            );
            let strict = d.jose(
                &["verify", "--key", &public, "--all-signatures"],
                doc.as_bytes(),
            );
            assert_eq!(strict.code, 1, "{doc}: {}", strict.stderr);
        }
    }
}

/// A `b64: false` header without --b64-false would make a token that `jose verify`
/// refuses: it is a usage error instead.
#[test]
fn an_unencoded_header_needs_the_flag() {
    let d = Dir::new("b64-header");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "HS256"], b"").ok());
    for form in [None, Some("--json")] {
        let mut args = vec![
            "sign",
            "--key",
            key.as_str(),
            "--header",
            r#"{"b64":false}"#,
        ];
        args.extend(form);
        assert!(d.jose(&args, b"$02").fails(2).contains("--b64-false"));
    }
    let token = d.jose(&["sign", "--key", &key, "--b64-false"], b"$02").ok();
    let out = d.jose(
        &["verify", "--key", &key, "--allow-b64-false"],
        token.as_bytes(),
    );
    assert_eq!(out.stdout, b"$02", "{}", out.stderr);
}

/// Every command reads with one bounded reader: `inspect` accepts no larger token than
/// `verify` does, and says so without reading the rest.
#[test]
fn inspect_has_the_limits_of_verify() {
    let d = Dir::new("inspect-limits");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "HS256"], b"").ok());
    let big = vec![b'A'; 64 * 1024];
    let token = d.jose(&["sign", "--key", &key], &big).ok();
    assert!(token.len() > 16 * 1024);
    let verify = d.jose(&["verify", "--key", &key], token.as_bytes());
    assert_eq!(verify.code, 1, "{}", verify.stderr);
    let inspect = d.jose(&["inspect"], token.as_bytes());
    assert!(
        inspect.fails(1).contains("exceeds 20 KiB"),
        "{}",
        inspect.stderr
    );
    assert!(inspect.stdout.is_empty());
    // A token within the limit, surrounded by whitespace, is read.
    let small = d.jose(&["sign", "--key", &key], b"small").ok();
    let padded = format!("\n\n  {small}  \n");
    assert_eq!(d.jose(&["inspect"], padded.as_bytes()).code, 0);
    // Key files are bounded too.
    let huge = d.write("huge.jwk", " ".repeat(300 * 1024) + "{}");
    assert!(
        d.jose(&["verify", "--key", &huge], small.as_bytes())
            .fails(2)
            .contains("exceeds 256 KiB")
    );
}

/// Text from a token (a `kid`, an `alg`) is escaped in messages: no terminal escape or
/// forged line reaches standard error.
#[test]
fn untrusted_text_in_messages_is_escaped() {
    let d = Dir::new("escaping");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "HS256"], b"").ok());
    let hostile = "\u{1b}[2J\u{1b}[31mFAKE: signature OK\r\n";
    for header in [
        serde_json::json!({ "alg": "HS256", "kid": hostile }),
        serde_json::json!({ "alg": hostile }),
    ] {
        let h = jws::base64url::encode(header.to_string());
        let token = format!("{h}.{}.c2ln", jws::base64url::encode(b"{}"));
        let out = d.jose(
            &["verify", "--key", &key, "--alg", "HS256"],
            token.as_bytes(),
        );
        assert_eq!(out.code, 1);
        assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
        assert!(!out.stderr.contains('\r'), "{:?}", out.stderr);
        assert_eq!(out.stderr.trim_end().lines().count(), 1, "{:?}", out.stderr);
    }
}

/// The leeway is bounded: a huge one is a usage error, not a saturated addition that
/// accepts `exp: 1`.
#[test]
fn the_leeway_is_bounded() {
    let d = Dir::new("leeway");
    let key = d.write("k.jwk", d.jose(&["key", "generate", "HS256"], b"").ok());
    let token = d
        .jose(
            &["jwt", "sign", "--key", &key, "--claims", r#"{"exp":1}"#],
            b"",
        )
        .ok();
    let out = d.jose(
        &[
            "jwt",
            "verify",
            "--key",
            &key,
            "--leeway",
            "18446744073709551615",
        ],
        token.as_bytes(),
    );
    assert!(out.fails(2).contains("maximum of 600 s"), "{}", out.stderr);
    let out = d.jose(
        &["jwt", "verify", "--key", &key, "--leeway", "600"],
        token.as_bytes(),
    );
    assert!(out.fails(1).contains("expired"), "{}", out.stderr);
}
