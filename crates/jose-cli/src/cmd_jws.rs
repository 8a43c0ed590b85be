//! `jose sign` and `jose verify`.

use std::path::Path;

use jws::json::{JsonSigner, SignaturePolicy};
use jws::{Header, KeyError, Limits, SignOptions, Verifier, sign_payload};

use crate::error::{CliError, Result};
use crate::io::{read_input, read_token, write_bytes, write_line};
use crate::keys::KeyFile;
use crate::{RemoteArgs, SignArgs, VerifyArgs};

/// A header given as JSON on the command line.
pub(crate) fn header_arg(json: Option<&str>) -> Result<Header> {
    json.map_or_else(
        || Ok(Header::default()),
        |json| {
            Header::from_json(json.as_bytes(), &Limits::default())
                .map_err(|e| CliError::usage(format!("--header: {e}")))
        },
    )
}

/// `jose sign`.
pub(crate) fn sign(args: &SignArgs) -> Result<()> {
    let file = KeyFile::load(Some(&args.key))?;
    let keys = file.signing_keys(args.alg.as_ref())?;
    let header = header_arg(args.header.as_deref())?;
    if header.b64 == Some(false) && !args.b64_false {
        return Err(CliError::usage(
            "--header sets \"b64\": false; sign unencoded payloads with --b64-false (it also \
             lists b64 in \"crit\", as RFC 7797 requires)",
        ));
    }
    let payload = read_input(args.payload.as_deref())?;
    let token = if args.serialization.json || args.serialization.flattened {
        if args.serialization.flattened && keys.len() != 1 {
            return Err(CliError::usage(format!(
                "key file {} holds {} keys; the flattened serialization takes one (use --json)",
                file.name,
                keys.len()
            )));
        }
        let mut signer = JsonSigner::new(&payload);
        if args.b64_false {
            signer = signer.unencoded();
        }
        if args.detached {
            signer = signer.detached();
        }
        for key in &keys {
            signer = signer.sign(key, header.clone(), None)?;
        }
        if args.serialization.json {
            signer.general()?
        } else {
            signer.flattened()?
        }
    } else {
        let [key] = keys.as_slice() else {
            return Err(CliError::usage(format!(
                "key file {} holds {} keys; the compact serialization takes one (use --json)",
                file.name,
                keys.len()
            )));
        };
        let mut options = SignOptions::new().with_header(header);
        if args.detached {
            options = options.detached();
        }
        if args.b64_false {
            options = options.unencoded();
        }
        sign_payload(key, &payload, &options)?
    };
    write_line(&token)
}

/// A verifier trusting every key of `file` for the allowed algorithms.
pub(crate) fn verifier(file: &KeyFile, allowed: &[jws::Algorithm]) -> Result<Verifier> {
    let built = if file.is_set {
        Verifier::from_jwk_set(&file.to_set(), allowed)
    } else {
        Verifier::from_jwk_set(
            &jws::JwkSet::from(file.single("one key expected")?.clone()),
            allowed,
        )
    };
    let verifier = built.map_err(|e| match e {
        jws::Error::Key(KeyError::UnsupportedAlgorithm(alg)) => {
            CliError::usage(format!("algorithm \"{alg}\" is not a signature algorithm"))
        }
        other => file.refuse(other),
    })?;
    if verifier.keys().is_empty() {
        return Err(file.refuse("no key of the set fits the allowed algorithms for verifying"));
    }
    Ok(verifier)
}

/// The verifier of `--key` (and its key file) or of `--jwks-url`.
pub(crate) fn trusted(
    key: Option<&Path>,
    remote: &RemoteArgs,
    alg: &[jws::Algorithm],
) -> Result<(Verifier, Option<KeyFile>)> {
    match (key, &remote.jwks_url) {
        (Some(path), _) => {
            let file = KeyFile::load(Some(path))?;
            let allowed = file.allowed(alg)?;
            Ok((verifier(&file, &allowed)?, Some(file)))
        }
        (None, Some(url)) => Ok((
            crate::remote::verifier(url, alg, remote.allow_http_loopback)?,
            None,
        )),
        (None, None) => Err(CliError::usage("--key or --jwks-url is required")),
    }
}

/// `jose verify`.
pub(crate) fn verify(args: &VerifyArgs) -> Result<()> {
    let (mut verifier, file) = trusted(args.key.as_deref(), &args.remote, &args.alg)?;
    if args.allow_b64_false {
        verifier = verifier.allow_unencoded_payload();
    }
    let token = read_token(args.token.as_ref())?;
    let detached = args
        .detached
        .as_deref()
        .map(|p| read_input(Some(p)))
        .transpose()?;
    if token.starts_with('{') {
        let policy = if args.all_signatures {
            SignaturePolicy::All
        } else {
            SignaturePolicy::AtLeastOne
        };
        let verified = match &detached {
            Some(payload) => verifier.verify_json_detached(&token, payload, policy)?,
            None => verifier.verify_json(&token, policy)?,
        };
        // With a key set file, every key must have verified a signature of its own (a
        // published set, from --jwks-url, holds keys that do not all sign everything).
        if let Some(file) = file.as_ref().filter(|f| f.is_set) {
            for jwk in &file.keys {
                let signed = verified.signatures().iter().any(|o| {
                    o.verified
                        && match (&jwk.kid, &o.kid) {
                            (Some(want), Some(got)) => want == got,
                            (None, None) => o
                                .header
                                .alg
                                .as_ref()
                                .is_some_and(|alg| jwk.signature_algorithms().contains(alg)),
                            _ => false,
                        }
                });
                if !signed {
                    return Err(CliError::rejected(format!(
                        "no valid signature by the key {} of {}",
                        jwk.kid.as_deref().map_or_else(
                            || format!("of type {}", jwk.kty()),
                            |k| format!("\"{}\"", jws::jwt_claims::json::truncate(k))
                        ),
                        file.name
                    )));
                }
            }
        }
        write_bytes(verified.payload())
    } else {
        let verified = match &detached {
            Some(payload) => verifier.verify_detached(&token, payload)?,
            None => verifier.verify_payload(&token)?,
        };
        write_bytes(verified.payload())
    }
}
