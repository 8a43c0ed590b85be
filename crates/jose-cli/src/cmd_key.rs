//! `jose key ...` and `jose jwks`.

use std::path::{Path, PathBuf};

use jwe::{DecryptionKey, EncryptionKey, KeySpec};
use jws::{Algorithm, Jwk, JwkSet, KeyError, SigningKey};

use crate::GenerateArgs;
use crate::error::{CliError, Result};
use crate::io::write_line;
use crate::keys::KeyFile;

/// The curve a JWS algorithm fixes, if any.
fn jws_curve(alg: &Algorithm) -> Option<&'static str> {
    match alg {
        Algorithm::EdDSA | Algorithm::Ed25519 => Some("Ed25519"),
        Algorithm::ES256 => Some("P-256"),
        Algorithm::ES384 => Some("P-384"),
        Algorithm::ES512 => Some("P-521"),
        Algorithm::ES256K => Some("secp256k1"),
        _ => None,
    }
}

/// A refusal from `jwe` while building a key: the key (exit 3), or the algorithm (usage).
pub(crate) fn jwe_key_error(e: jwe::Error) -> CliError {
    match e {
        jwe::Error::AlgorithmNotAllowed(_) | jwe::Error::EncryptionNotAllowed(_) => {
            CliError::usage(e)
        }
        other => CliError::key(other),
    }
}

fn private_json(jwk: &Jwk) -> Result<()> {
    let json = jwk
        .to_private_json()
        .map_err(|e| CliError::key(format!("cannot write the JWK: {e}")))?;
    write_line(&json)
}

fn public_json(jwk: &Jwk) -> Result<()> {
    let json = jwk
        .to_public_json()
        .map_err(|e| CliError::key(format!("cannot write the JWK: {e}")))?;
    write_line(&json)
}

/// `jose key generate`.
pub(crate) fn generate(args: &GenerateArgs) -> Result<()> {
    let alg = &args.alg;
    let jwk = if alg.is_signature() {
        if args.enc.is_some() {
            return Err(CliError::usage("--enc sizes dir keys only"));
        }
        if let Some(crv) = &args.curve
            && jws_curve(alg) != Some(crv.as_str())
        {
            return Err(CliError::usage(match jws_curve(alg) {
                Some(own) => format!("{alg} keys are on curve {own}, not {crv}"),
                None => format!("{alg} keys have no curve"),
            }));
        }
        let key = SigningKey::generate_with(alg.clone(), &KeySpec::new().with_rsa_bits(args.bits))
            .map_err(|e| match e {
                KeyError::UnsupportedAlgorithm(_) => CliError::usage(e),
                other => CliError::from(other),
            })?;
        key.to_jwk()
    } else {
        if *alg == Algorithm::Dir && args.enc.is_none() {
            return Err(CliError::usage(
                "dir keys are sized by their content encryption: add --enc ENC",
            ));
        }
        let mut spec = KeySpec::new().with_rsa_bits(args.bits);
        if let Some(enc) = &args.enc {
            spec = spec.with_enc(enc.clone());
        }
        if let Some(crv) = &args.curve {
            let curve = jws::Curve::from_name(crv)
                .ok_or_else(|| CliError::usage(format!("unknown curve {crv}")))?;
            spec = spec.with_curve(curve);
        }
        DecryptionKey::generate_with(alg.clone(), &spec)
            .map_err(|e| match e {
                jwe::Error::Key(_) if args.curve.is_some() || args.enc.is_some() => {
                    CliError::usage(e)
                }
                other => jwe_key_error(other),
            })?
            .to_jwk()
    };
    let jwk = match &args.kid {
        Some(kid) => jwk.with_kid(kid.clone()),
        None => jwk.with_thumbprint_kid(),
    };
    private_json(&jwk)
}

/// The public part of a key; a secret key is refused, with `hint` added to the message.
fn public_of(file: &KeyFile, jwk: &Jwk, hint: &str) -> Result<Jwk> {
    jwk.to_public().ok_or_else(|| {
        file.refuse(format!(
            "a secret (oct) key has no public part; it must never be published{hint}"
        ))
    })
}

/// `jose key public`.
pub(crate) fn public(path: Option<&Path>) -> Result<()> {
    let file = KeyFile::load(path)?;
    let keys = file
        .keys
        .iter()
        .map(|k| public_of(&file, k, ""))
        .collect::<Result<Vec<_>>>()?;
    if file.is_set {
        write_set(&JwkSet::from_keys(keys))
    } else {
        keys.iter().try_for_each(public_json)
    }
}

fn write_set(set: &JwkSet) -> Result<()> {
    let json = serde_json::to_string(set)
        .map_err(|e| CliError::key(format!("cannot write the JWK Set: {e}")))?;
    write_line(&json)
}

/// `jose key thumbprint`.
pub(crate) fn thumbprint(path: Option<&Path>) -> Result<()> {
    let file = KeyFile::load(path)?;
    file.keys
        .iter()
        .try_for_each(|k| write_line(&k.thumbprint()))
}

/// Checks that `jwk` can serve `alg` on the side its material allows.
fn check_fits(file: &KeyFile, jwk: &Jwk, alg: &Algorithm) -> Result<()> {
    if alg.is_signature() {
        if jwk.is_private() {
            jwk.signing_key(Some(alg.clone())).map(drop)
        } else {
            jwk.verifying_key(Some(alg.clone())).map(drop)
        }
        .map_err(|e| file.refuse(e))
    } else if jwk.is_private() {
        DecryptionKey::from_jwk(jwk, Some(alg.clone()))
            .map(drop)
            .map_err(|e| file.refuse(e))
    } else {
        EncryptionKey::from_jwk(jwk, Some(alg.clone()))
            .map(drop)
            .map_err(|e| file.refuse(e))
    }
}

/// `jose key import`.
pub(crate) fn import(alg: &Algorithm, kid: Option<&str>, path: Option<&Path>) -> Result<()> {
    let file = KeyFile::load(path)?;
    let jwk = file.single("import reads one PEM key")?.clone();
    if file.is_set || jwk.alg.is_some() {
        return Err(CliError::usage(format!(
            "{} is a JWK, not PEM: nothing to import",
            file.name
        )));
    }
    let mut jwk = jwk.with_alg(alg.clone());
    if alg.is_key_management() {
        jwk.key_use = Some(jws::KeyUse::Encryption);
    }
    check_fits(&file, &jwk, alg)?;
    let jwk = match kid {
        Some(kid) => jwk.with_kid(kid),
        None => jwk.with_thumbprint_kid(),
    };
    if jwk.is_private() {
        private_json(&jwk)
    } else {
        public_json(&jwk)
    }
}

/// `jose key export --pem`.
pub(crate) fn export(public_only: bool, path: Option<&Path>) -> Result<()> {
    let file = KeyFile::load(path)?;
    let jwk = file.single("export one key at a time")?;
    let jwk = if public_only {
        public_of(&file, jwk, "")?
    } else {
        jwk.clone()
    };
    let pem = jwe::jwk_to_pem(&jwk).map_err(|e| file.refuse(e))?;
    crate::io::write_bytes(pem.as_bytes())
}

/// `jose jwks`: the public set, or with `private` the whole keys.
pub(crate) fn jwks(paths: &[PathBuf], private: bool) -> Result<()> {
    let mut keys = Vec::new();
    for path in paths {
        let file = KeyFile::load(Some(path))?;
        for jwk in &file.keys {
            keys.push(if private {
                jwk.clone()
            } else {
                public_of(
                    &file,
                    jwk,
                    " (jose jwks --private writes a private set, for your own verifiers)",
                )?
            });
        }
    }
    let set = JwkSet::from_keys(keys);
    set.check_unique_kids()
        .map_err(|e| CliError::key(format!("the keys cannot form one set: {e}")))?;
    if private {
        let json = set
            .to_private_json()
            .map_err(|e| CliError::key(format!("cannot write the JWK Set: {e}")))?;
        return write_line(&json);
    }
    write_set(&set)
}
