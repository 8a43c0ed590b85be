//! Interoperability with an independent implementation, Python's jwcrypto: tokens it makes
//! verify and decrypt with `jose`, tokens `jose` makes verify and decrypt with it, and keys
//! convert the same way (PEM, thumbprints).
//!
//! `.ci/run` installs jwcrypto. Elsewhere the tests say they skip when it is missing; with
//! `CI` set, a missing jwcrypto fails them.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Dir, Run, json};
use jws::base64url;

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether jwcrypto can be used; fails under CI when it cannot.
fn peer_available() -> bool {
    let found = Command::new(python())
        .args(["-c", "import jwcrypto"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "jwcrypto is missing: `pip install jwcrypto` (.ci/run does)"
        );
        eprintln!("SKIPPED: Python jwcrypto is not installed (pip install jwcrypto)");
    }
    found
}

/// Calls to jwcrypto, run in one Python process.
#[derive(Default)]
struct Peer {
    calls: Vec<serde_json::Value>,
}

impl Peer {
    /// Queues a call; its result is at the returned index.
    fn call(&mut self, args: &[&str], stdin: &[u8]) -> usize {
        let (cmd, rest) = args.split_first().unwrap();
        self.calls
            .push(serde_json::json!([cmd, rest, base64url::encode(stdin)]));
        self.calls.len() - 1
    }

    fn run(self, dir: &Dir) -> Vec<Run> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/jwcrypto_peer.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg("batch")
            .current_dir(&dir.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let input = serde_json::Value::Array(self.calls).to_string();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        results
            .into_iter()
            .map(|r| Run {
                code: i32::try_from(r["code"].as_i64().unwrap()).unwrap(),
                stdout: base64url::decode(r["out"].as_str().unwrap()).unwrap(),
                stderr: r["err"].as_str().unwrap().to_owned(),
            })
            .collect()
    }
}

/// Every JWS algorithm, RFC 9864's `Ed25519` and RFC 8812's `ES256K` included.
const JWS_ALGS: [&str; 15] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES256K", "ES384", "ES512", "EdDSA", "Ed25519",
];

/// A private key file and the file a counterpart uses (the same for secret keys).
fn key_pair(d: &Dir, name: &str, generate: &[&str]) -> (String, String) {
    let mut args = vec!["key", "generate"];
    args.extend_from_slice(generate);
    let private = d.write(&format!("{name}.jwk"), d.jose(&args, b"").ok());
    let public = match d.jose(&["key", "public", &private], b"") {
        out if out.code == 0 => d.write(&format!("{name}.pub"), out.ok()),
        _ => private.clone(),
    };
    (private, public)
}

#[test]
fn signatures_verify_both_ways() {
    if !peer_available() {
        return;
    }
    let d = Dir::new("interop-jws");
    let payload = b"{\"iss\":\"joe\",\r\n \"exp\":1300819380} \x00\xff";
    let mut peer = Peer::default();
    let mut checks = Vec::new();
    for alg in JWS_ALGS {
        let (private, public) = key_pair(&d, alg, &[alg]);
        // jwcrypto signs (compact and JSON); jose verifies below.
        let theirs = [
            peer.call(&["sign", &private, alg], payload),
            peer.call(&["sign", &private, alg, "--json"], payload),
        ];
        // jose signs in every serialization; jwcrypto verifies, and refuses a tampered copy.
        let mut ours = Vec::new();
        for form in [None, Some("--json"), Some("--flattened")] {
            let mut args = vec!["sign", "--key", private.as_str()];
            args.extend(form);
            let token = d.jose(&args, payload).ok();
            let tampered = token.replacen('e', "f", 1);
            ours.push((
                form,
                peer.call(&["verify", &public, alg], token.as_bytes()),
                peer.call(&["verify", &public, alg], tampered.as_bytes()),
            ));
        }
        checks.push((alg, public, theirs, ours));
    }
    let results = peer.run(&d);
    for (alg, public, theirs, ours) in checks {
        for i in theirs {
            let token = results[i].ok();
            let out = d.jose(
                &["verify", "--key", &public, "--alg", alg],
                token.as_bytes(),
            );
            assert_eq!(
                out.stdout, payload,
                "{alg}: jose verifies jwcrypto: {}",
                out.stderr
            );
        }
        for (form, good, bad) in ours {
            assert_eq!(
                results[good].stdout, payload,
                "{alg} {form:?}: {}",
                results[good].stderr
            );
            assert_eq!(results[good].code, 0);
            assert_ne!(
                results[bad].code, 0,
                "{alg} {form:?}: tampered token accepted"
            );
        }
    }
}

#[test]
fn encryption_decrypts_both_ways() {
    if !peer_available() {
        return;
    }
    let d = Dir::new("interop-jwe");
    let cases: [(&str, &[&str], &str); 13] = [
        ("A128KW", &[], "A128GCM"),
        ("A192KW", &[], "A192CBC-HS384"),
        ("A256KW", &[], "A256CBC-HS512"),
        ("A128GCMKW", &[], "A128CBC-HS256"),
        ("A256GCMKW", &[], "A256GCM"),
        ("ECDH-ES", &[], "A128GCM"),
        ("ECDH-ES", &["--curve", "X25519"], "A256GCM"),
        ("ECDH-ES+A128KW", &["--curve", "P-384"], "A192GCM"),
        ("ECDH-ES+A256KW", &["--curve", "P-521"], "A256CBC-HS512"),
        ("ECDH-ES+A192KW", &["--curve", "X25519"], "A128CBC-HS256"),
        ("RSA-OAEP", &[], "A128GCM"),
        ("RSA-OAEP-256", &[], "A256GCM"),
        ("PBES2-HS256+A128KW", &[], "A128CBC-HS256"),
    ];
    let plaintext = b"The true sign of intelligence is not knowledge but imagination.\x00";
    let long = vec![b'z'; 5000];
    let mut peer = Peer::default();
    let mut checks = Vec::new();
    for (i, (alg, extra, enc)) in cases.iter().enumerate() {
        let mut args = vec![*alg];
        args.extend_from_slice(extra);
        let (private, public) = key_pair(&d, &format!("k{i}"), &args);
        // jose encrypts (jwcrypto caps PBES2 at 16384 iterations by default).
        let ours = d
            .jose(
                &["encrypt", "--key", &public, "--enc", enc, "--p2c", "10000"],
                plaintext,
            )
            .ok();
        let decrypted = peer.call(&["decrypt", &private, alg, enc], ours.as_bytes());
        let theirs = peer.call(&["encrypt", &public, alg, enc], plaintext);
        checks.push((*alg, *enc, private, decrypted, theirs));
    }
    // dir, with compression both ways.
    let dir = d.write(
        "dir.jwk",
        d.jose(&["key", "generate", "dir", "--enc", "A256GCM"], b"")
            .ok(),
    );
    let zipped = d
        .jose(
            &["encrypt", "--key", &dir, "--enc", "A256GCM", "--zip"],
            &long,
        )
        .ok();
    let unzipped = peer.call(&["decrypt", &dir, "dir", "A256GCM"], zipped.as_bytes());
    let their_zip = peer.call(&["encrypt", &dir, "dir", "A256GCM", "--zip"], &long);

    let results = peer.run(&d);
    for (alg, enc, private, decrypted, theirs) in checks {
        let r = &results[decrypted];
        assert_eq!(
            r.stdout, plaintext,
            "{alg} {enc}: jwcrypto decrypts jose: {}",
            r.stderr
        );
        let token = results[theirs].ok();
        let out = d.jose(
            &["decrypt", "--key", &private, "--alg", alg, "--enc", enc],
            token.as_bytes(),
        );
        assert_eq!(
            out.stdout, plaintext,
            "{alg} {enc}: jose decrypts jwcrypto: {}",
            out.stderr
        );
    }
    assert_eq!(
        results[unzipped].stdout, long,
        "{}",
        results[unzipped].stderr
    );
    let token = results[their_zip].ok();
    let out = d.jose(
        &["decrypt", "--key", &dir, "--enc", "A256GCM", "--allow-zip"],
        token.as_bytes(),
    );
    assert_eq!(out.stdout, long, "{}", out.stderr);
}

#[test]
fn jwts_verify_both_ways() {
    if !peer_available() {
        return;
    }
    let d = Dir::new("interop-jwt");
    let claims = r#"{"iss":"https://py.example","sub":"ann","aud":"api","exp":1800001800,"iat":1800000000,"scope":"read"}"#;
    let mut peer = Peer::default();
    let mut checks = Vec::new();
    for alg in ["ES256", "EdDSA", "PS256", "HS512"] {
        let (private, public) = key_pair(&d, alg, &[alg]);
        let theirs = peer.call(&["jwt-sign", &private, alg, claims], b"");
        let ours = d
            .jose(
                &[
                    "jwt",
                    "sign",
                    "--key",
                    &private,
                    "--sub",
                    "bob",
                    "--aud",
                    "api",
                    "--claims",
                    r#"{"n":[1,2]}"#,
                ],
                b"",
            )
            .ok();
        let verified = peer.call(&["jwt-verify", &public, alg], ours.as_bytes());
        checks.push((alg, public, theirs, verified));
    }
    let results = peer.run(&d);
    for (alg, public, theirs, verified) in checks {
        let token = results[theirs].ok();
        let out = d.jose(
            &[
                "jwt",
                "verify",
                "--key",
                &public,
                "--iss",
                "https://py.example",
                "--aud",
                "api",
                "--now",
                "1800000100",
            ],
            token.as_bytes(),
        );
        assert_eq!(json(&out.ok()), json(claims), "{alg}");
        let got = json(&results[verified].ok());
        assert_eq!(got["sub"], "bob", "{alg}");
        assert_eq!(got["n"], json("[1,2]"));
    }
}

#[test]
fn keys_convert_the_same_way() {
    if !peer_available() {
        return;
    }
    let d = Dir::new("interop-keys");
    let mut peer = Peer::default();
    let mut checks = Vec::new();
    for (alg, extra) in [
        ("RS256", &[][..]),
        ("ES256", &[]),
        ("ES384", &[]),
        ("ES512", &[]),
        ("EdDSA", &[]),
        ("ECDH-ES", &["--curve", "X25519"][..]),
        ("HS256", &[]),
    ] {
        let mut args = vec![alg];
        args.extend_from_slice(extra);
        let (private, _) = key_pair(&d, alg, &args);
        let ours = d.jose(&["key", "thumbprint", &private], b"").ok();
        let thumb = peer.call(&["thumbprint", &private], b"");
        let mut pems = Vec::new();
        if alg != "HS256" {
            for public in [false, true] {
                let mut args = vec!["key", "export", "--pem", private.as_str()];
                let mut theirs = vec!["jwk-to-pem", private.as_str()];
                if public {
                    args.push("--public");
                    theirs.push("--public");
                }
                let pem = d.jose(&args, b"").text();
                let pem_file = d.write(&format!("{alg}-{public}.pem"), &pem);
                pems.push((
                    public,
                    peer.call(&["pem-to-jwk", &pem_file], b""),
                    peer.call(&theirs, b""),
                ));
            }
        }
        checks.push((alg, ours, thumb, pems));
    }
    let results = peer.run(&d);
    for (alg, ours, thumb, pems) in checks {
        // RFC 7638 thumbprints agree.
        assert_eq!(results[thumb].ok(), ours, "{alg}");
        for (public, read_ours, their_pem) in pems {
            // Our PEM reads there as the same key...
            let theirs = d.write("theirs.jwk", results[read_ours].ok());
            assert_eq!(
                d.jose(&["key", "thumbprint", &theirs], b"").ok(),
                ours,
                "{alg} public={public}"
            );
            assert_eq!(
                json(&results[read_ours].ok()).get("d").is_some(),
                !public,
                "{alg}"
            );
            // ...and theirs here.
            let pem = d.write("theirs.pem", &results[their_pem].stdout);
            let imported = d.jose(&["key", "import", "--alg", alg, &pem], b"").ok();
            let imported_file = d.write("imported.jwk", &imported);
            assert_eq!(
                d.jose(&["key", "thumbprint", &imported_file], b"").ok(),
                ours,
                "{alg}"
            );
            assert_eq!(json(&imported).get("d").is_some(), !public, "{alg}");
        }
    }
}
