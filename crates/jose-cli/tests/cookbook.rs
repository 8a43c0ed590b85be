//! Tokens of another implementation: every RFC 7520 example verifies or decrypts through
//! the `jose` binary (the files are the JOSE cookbook's, kept in the `jws` and `jwe` crates).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::{Path, PathBuf};

use common::Dir;
use serde_json::Value;

fn files(dir: &str) -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p: &PathBuf| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.file_name().unwrap().to_str().unwrap().to_owned(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 8,
        "cookbook files missing in {}",
        dir.display()
    );
    out
}

/// The outputs of an example: (form, token text).
fn outputs(doc: &Value) -> Vec<(String, String)> {
    doc["output"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(form, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (form.clone(), text)
        })
        .collect()
}

#[test]
fn every_rfc_7520_signature_verifies() {
    let d = Dir::new("cookbook-jws");
    let mut checked = 0;
    for (name, doc) in files("jws/tests/data/cookbook-jws") {
        let input = &doc["input"];
        let payload = input["payload"].as_str().unwrap();
        let signers: Vec<(Value, String)> = match (&input["key"], &input["alg"]) {
            (Value::Array(keys), Value::Array(algs)) => keys
                .iter()
                .cloned()
                .zip(algs.iter().map(|a| a.as_str().unwrap().to_owned()))
                .collect(),
            (key, alg) => vec![(key.clone(), alg.as_str().unwrap().to_owned())],
        };
        let detached = name.starts_with("4_5");
        let payload_file = d.write("payload", payload);
        for (key, alg) in &signers {
            let key_file = d.write("key.jwk", key.to_string());
            for (form, token) in outputs(&doc) {
                let mut args = vec!["verify", "--key", key_file.as_str(), "--alg", alg.as_str()];
                if detached {
                    args.extend(["--detached", payload_file.as_str()]);
                }
                let out = d.jose(&args, token.as_bytes());
                assert_eq!(out.code, 0, "{name} {form} {alg}: {}", out.stderr);
                assert_eq!(out.stdout, payload.as_bytes(), "{name} {form}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn every_rfc_7520_encryption_decrypts_but_rsa1_5_is_refused() {
    let d = Dir::new("cookbook-jwe");
    let mut checked = 0;
    for (name, doc) in files("jwe/tests/data/cookbook-jwe") {
        let input = &doc["input"];
        let plaintext = input["plaintext"].as_str().unwrap();
        // 5.13 has a typo in its "enc"; the tokens say A128CBC-HS256.
        let enc = if name.starts_with("5_13") {
            "A128CBC-HS256".to_owned()
        } else {
            input["enc"].as_str().unwrap().to_owned()
        };
        let recipients: Vec<(Option<Value>, String)> = match (&input["key"], &input["alg"]) {
            (Value::Array(keys), Value::Array(algs)) => keys
                .iter()
                .cloned()
                .map(Some)
                .zip(algs.iter().map(|a| a.as_str().unwrap().to_owned()))
                .collect(),
            (Value::Null, alg) => vec![(None, alg.as_str().unwrap().to_owned())],
            (key, alg) => vec![(Some(key.clone()), alg.as_str().unwrap().to_owned())],
        };
        for (key, alg) in &recipients {
            let key_args: Vec<String> = match key {
                Some(k) => vec!["--key".into(), d.write("key.jwk", k.to_string())],
                None => vec![
                    "--password-file".into(),
                    d.write("pwd", input["pwd"].as_str().unwrap()),
                ],
            };
            for (form, token) in outputs(&doc) {
                let mut args: Vec<&str> = vec!["decrypt"];
                args.extend(key_args.iter().map(String::as_str));
                args.extend(["--alg", alg.as_str(), "--enc", enc.as_str(), "--allow-zip"]);
                let out = d.jose(&args, token.as_bytes());
                if alg == "RSA1_5" {
                    assert_eq!(out.code, 3, "{name}: RSA1_5 is refused: {}", out.stderr);
                    assert!(out.stderr.contains("RSA1_5"), "{}", out.stderr);
                    continue;
                }
                assert_eq!(out.code, 0, "{name} {form} {alg}: {}", out.stderr);
                assert_eq!(out.stdout, plaintext.as_bytes(), "{name} {form}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 25, "{checked}");
}
