//! Key files: a JWK, a JWK Set, or PEM.

use std::path::Path;

use jws::jwt_claims::EncryptionAlgorithm;
use jws::{Algorithm, Jwk, JwkSet, SigningKey};

use crate::error::{CliError, Result};
use crate::io::{Input, read_bounded};

/// The keys of one `--key` file.
#[derive(Debug)]
pub(crate) struct KeyFile {
    /// The file name, for messages.
    pub(crate) name: String,
    /// Its keys, in order (one for a JWK or PEM file).
    pub(crate) keys: Vec<Jwk>,
    /// Whether the file is a JWK Set.
    pub(crate) is_set: bool,
}

impl KeyFile {
    /// Reads and checks a key file: a JWK Set must not repeat a `kid` within one key type
    /// (keys of different types may share one, and secret and public keys may be mixed).
    pub(crate) fn load(path: Option<&Path>) -> Result<Self> {
        let name = match path {
            Some(p) if p.as_os_str() != "-" => p.display().to_string(),
            _ => "standard input".to_owned(),
        };
        let bytes = read_bounded(path, Input::Key)?;
        let refuse = |e: &dyn std::fmt::Display| CliError::key(format!("key file {name}: {e}"));
        let text = std::str::from_utf8(&bytes).map_err(|_| refuse(&"not UTF-8 text"))?;
        let trimmed = text.trim_start();
        if trimmed.starts_with("-----BEGIN") {
            let jwk = jwe::jwk_from_pem(trimmed).map_err(|e| refuse(&e))?;
            return Ok(Self {
                name,
                keys: vec![jwk],
                is_set: false,
            });
        }
        if !trimmed.starts_with('{') {
            return Err(refuse(&"neither a JWK, a JWK Set (JSON) nor PEM"));
        }
        let value = jws::jwt_claims::json::value_from_slice(&bytes, 16)
            .map_err(|e| refuse(&format!("not a JWK: {e}")))?;
        if value.get("keys").is_some() {
            let set = JwkSet::from_json(&bytes).map_err(|e| refuse(&e))?;
            set.check_unique_kids().map_err(|e| refuse(&e))?;
            if set.keys().is_empty() {
                return Err(refuse(&"the JWK Set holds no key of a supported type"));
            }
            return Ok(Self {
                name,
                keys: set.keys().to_vec(),
                is_set: true,
            });
        }
        let jwk = Jwk::from_json(&bytes).map_err(|e| refuse(&e))?;
        Ok(Self {
            name,
            keys: vec![jwk],
            is_set: false,
        })
    }

    /// A refusal of this file's key, exit 3.
    pub(crate) fn refuse(&self, e: impl std::fmt::Display) -> CliError {
        CliError::key(format!("key file {}: {e}", self.name))
    }

    /// The file as a JWK Set.
    pub(crate) fn to_set(&self) -> JwkSet {
        JwkSet::from_keys(self.keys.clone())
    }

    /// The only key of the file; a set of several keys is a usage error.
    pub(crate) fn single(&self, why: &str) -> Result<&Jwk> {
        match self.keys.as_slice() {
            [one] => Ok(one),
            _ => Err(CliError::usage(format!(
                "key file {} holds {} keys; {why}",
                self.name,
                self.keys.len()
            ))),
        }
    }

    /// The signing keys of this file, for `alg` or each key's own `alg`.
    pub(crate) fn signing_keys(&self, alg: Option<&Algorithm>) -> Result<Vec<SigningKey>> {
        self.keys
            .iter()
            .map(|jwk| {
                if alg.is_none() && jwk.alg.is_none() {
                    return Err(CliError::usage(format!(
                        "key file {}: the key has no \"alg\"; name one with --alg",
                        self.name
                    )));
                }
                jwk.signing_key(alg.cloned()).map_err(|e| self.refuse(e))
            })
            .collect()
    }

    /// The algorithms to allow: those given, or else every key's own `alg`.
    pub(crate) fn allowed(&self, given: &[Algorithm]) -> Result<Vec<Algorithm>> {
        if !given.is_empty() {
            return Ok(given.to_vec());
        }
        let mut out: Vec<Algorithm> = Vec::new();
        for jwk in &self.keys {
            let Some(alg) = &jwk.alg else {
                return Err(CliError::usage(format!(
                    "--alg is required: a key of {} names no \"alg\"",
                    self.name
                )));
            };
            if !out.contains(alg) {
                out.push(alg.clone());
            }
        }
        Ok(out)
    }
}

/// Parses an `alg` name; unknown names and `none` are usage errors.
pub(crate) fn parse_alg(name: &str) -> std::result::Result<Algorithm, String> {
    let alg = Algorithm::from_name(name);
    if !alg.is_known() || alg == Algorithm::None {
        return Err(format!(
            "unknown algorithm \"{name}\" (one of: {})",
            Algorithm::ALL
                .iter()
                .filter(|a| **a != Algorithm::None)
                .map(Algorithm::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(alg)
}

/// Parses an `enc` name.
pub(crate) fn parse_enc(name: &str) -> std::result::Result<EncryptionAlgorithm, String> {
    let enc = EncryptionAlgorithm::from_name(name);
    if !enc.is_known() {
        return Err(format!(
            "unknown content encryption \"{name}\" (one of: {})",
            EncryptionAlgorithm::ALL
                .iter()
                .map(EncryptionAlgorithm::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(enc)
}
