//! `--jwks-url`: `jose verify` and `jose jwt verify` trusting the keys of a JWK Set served
//! by a local HTTP server (a thread of this test, on 127.0.0.1).
#![allow(missing_docs, clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use common::{Dir, json};

const NOW: &str = "1800000000";

/// Serves `status` and `body` (as JSON) to every request, forever; returns the base URL.
fn serve(status: &'static str, body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(buf.get(..n).unwrap()),
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// A key, its public set served over HTTP, and a JWT it signed.
fn issuer(d: &Dir) -> (String, String, String) {
    let key = d.write(
        "k.jwk",
        d.jose(&["key", "generate", "EdDSA", "--kid", "2026-11"], b"")
            .ok(),
    );
    let set = d.jose(&["jwks", &key], b"").ok();
    let base = serve("200 OK", set);
    let token = d
        .jose(
            &[
                "jwt",
                "sign",
                "--key",
                &key,
                "--iss",
                "https://issuer.example",
                "--aud",
                "api",
                "--sub",
                "ann",
                "--now",
                NOW,
            ],
            b"",
        )
        .ok();
    (key, format!("{base}/.well-known/jwks.json"), token)
}

#[test]
fn jwt_verify_with_the_issuers_published_set() {
    let d = Dir::new("jwks-url");
    let (_, url, token) = issuer(&d);
    let claims = json(
        &d.jose(
            &[
                "jwt",
                "verify",
                "--jwks-url",
                &url,
                "--allow-http-loopback",
                "--iss",
                "https://issuer.example",
                "--aud",
                "api",
                "--now",
                NOW,
                "-",
            ],
            token.as_bytes(),
        )
        .ok(),
    );
    assert_eq!(claims["sub"], "ann");
    // `jose verify` prints the payload as signed.
    let payload = d
        .jose(
            &["verify", "--jwks-url", &url, "--allow-http-loopback"],
            token.as_bytes(),
        )
        .ok();
    assert_eq!(json(&payload)["iss"], "https://issuer.example");
    // --alg restricts: the set's EdDSA key serves no ES256 token.
    let err = d
        .jose(
            &[
                "verify",
                "--jwks-url",
                &url,
                "--allow-http-loopback",
                "--alg",
                "ES256",
            ],
            token.as_bytes(),
        )
        .fails(3)
        .to_owned();
    assert!(err.contains("no key of the set"), "{err}");
    // A token by a key the issuer did not publish is rejected.
    let other = d.write(
        "o.jwk",
        d.jose(&["key", "generate", "EdDSA", "--kid", "2026-11"], b"")
            .ok(),
    );
    let forged = d
        .jose(
            &[
                "jwt",
                "sign",
                "--key",
                &other,
                "--iss",
                "https://issuer.example",
                "--now",
                NOW,
            ],
            b"",
        )
        .ok();
    d.jose(
        &[
            "jwt",
            "verify",
            "--jwks-url",
            &url,
            "--allow-http-loopback",
            "--now",
            NOW,
            "-",
        ],
        forged.as_bytes(),
    )
    .fails(1);
}

#[test]
fn the_url_and_the_set_are_checked() {
    let d = Dir::new("jwks-url-refused");
    let (key, url, token) = issuer(&d);
    // Plain http needs the loopback opt-in (and is never allowed elsewhere).
    let err = d
        .jose(&["verify", "--jwks-url", &url], token.as_bytes())
        .fails(2)
        .to_owned();
    assert!(err.contains("--allow-http-loopback"), "{err}");
    d.jose(
        &[
            "verify",
            "--jwks-url",
            "http://issuer.example/jwks",
            "--allow-http-loopback",
        ],
        token.as_bytes(),
    )
    .fails(2);
    d.jose(&["verify", "--jwks-url", "not a url"], token.as_bytes())
        .fails(2);
    // --key and --jwks-url exclude each other; one of them is needed.
    d.jose(
        &["verify", "--key", &key, "--jwks-url", &url],
        token.as_bytes(),
    )
    .fails(2);
    d.jose(&["jwt", "verify", "-"], token.as_bytes()).fails(2);
    // A server error, and a set that publishes a private key: the key source is refused.
    let down = serve("500 Internal Server Error", "{}".into());
    let err = d
        .jose(
            &[
                "verify",
                "--jwks-url",
                &format!("{down}/jwks"),
                "--allow-http-loopback",
            ],
            token.as_bytes(),
        )
        .fails(3)
        .to_owned();
    assert!(err.contains("HTTP status 500"), "{err}");
    let private = d.jose(&["jwks", "--private", &key], b"").ok();
    let leak = serve("200 OK", private);
    let err = d
        .jose(
            &[
                "verify",
                "--jwks-url",
                &format!("{leak}/jwks"),
                "--allow-http-loopback",
            ],
            token.as_bytes(),
        )
        .fails(3)
        .to_owned();
    assert!(err.contains("private"), "{err}");
    assert!(!err.contains("\"d\""), "{err}");
}
