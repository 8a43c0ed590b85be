//! `jose encrypt` and `jose decrypt`.

use std::path::Path;

use jwe::json::JsonEncrypter;
use jwe::{
    Algorithm, Decrypter, DecryptionKey, EncryptOptions, EncryptionAlgorithm, EncryptionKey,
};
use jws::Jwk;
use zeroize::Zeroizing;

use crate::cmd_key::jwe_key_error;
use crate::error::{CliError, Result};
use crate::io::{Input, read_bounded, read_input, read_token, write_bytes, write_line};
use crate::keys::KeyFile;
use crate::{DecryptArgs, EncryptArgs};

/// The one message of every decryption failure: which step failed stays unsaid.
pub(crate) const DECRYPTION_FAILED: &str = "decryption failed";

/// A password file's content, one trailing newline removed.
fn read_password(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let mut bytes = read_bounded(Some(path), Input::Key)?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    if bytes.is_empty() {
        return Err(CliError::key(format!(
            "password file {}: the password is empty",
            path.display()
        )));
    }
    Ok(bytes)
}

fn check_pbes2(alg: &Algorithm) -> Result<()> {
    if alg.as_str().starts_with("PBES2-") {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--password-file is for PBES2 algorithms, not {alg}"
        )))
    }
}

/// A JWK's own key management algorithm (`dir` when it names a content encryption).
fn own_alg(jwk: &Jwk) -> Option<Algorithm> {
    jwk.alg.as_ref().map(|a| {
        if EncryptionAlgorithm::from_name(a.as_str()).is_known() {
            Algorithm::Dir
        } else {
            a.clone()
        }
    })
}

/// The error, its message prefixed with the key file's name.
fn in_file(file: &KeyFile, e: CliError) -> CliError {
    CliError {
        code: e.code,
        message: format!("key file {}: {}", file.name, e.message),
    }
}

/// Maps an encryption error: the key (exit 3), the arguments (exit 2), or else exit 1.
fn encrypt_error(e: jwe::Error) -> CliError {
    match e {
        jwe::Error::Key(_) | jwe::Error::Rsa1_5Refused => CliError::key(e),
        jwe::Error::Header(_)
        | jwe::Error::RecipientCount { .. }
        | jwe::Error::ContentKeyNotAccepted(_)
        | jwe::Error::EncryptionNotAllowed(_)
        | jwe::Error::AlgorithmNotAllowed(_) => CliError::usage(e),
        other => CliError::rejected(other),
    }
}

/// The encryption keys of `file`, for `alg` or each key's own.
pub(crate) fn encryption_keys(
    file: &KeyFile,
    alg: Option<&Algorithm>,
) -> Result<Vec<EncryptionKey>> {
    file.keys
        .iter()
        .map(|jwk| {
            let alg = alg.cloned().or_else(|| own_alg(jwk)).ok_or_else(|| {
                CliError::usage(format!(
                    "key file {}: the key has no \"alg\"; name one with --alg",
                    file.name
                ))
            })?;
            EncryptionKey::from_jwk(jwk, Some(alg)).map_err(|e| in_file(file, jwe_key_error(e)))
        })
        .collect()
}

/// `jose encrypt`.
pub(crate) fn encrypt(args: &EncryptArgs) -> Result<()> {
    let keys = match (&args.password_file, &args.key) {
        (Some(path), _) => {
            let alg = args.alg.as_ref().ok_or_else(|| {
                CliError::usage("--password-file needs --alg PBES2-HS256+A128KW (or another PBES2)")
            })?;
            check_pbes2(alg)?;
            vec![
                EncryptionKey::symmetric(alg.clone(), &read_password(path)?)
                    .map_err(jwe_key_error)?,
            ]
        }
        (None, key) => {
            let file = KeyFile::load(key.as_deref())?;
            encryption_keys(&file, args.alg.as_ref())?
        }
    };
    let payload = read_input(args.payload.as_deref())?;
    let token = if args.serialization.json || args.serialization.flattened {
        let mut encrypter = JsonEncrypter::new(args.enc.clone(), &payload).with_p2c(args.p2c);
        if args.zip {
            encrypter = encrypter.compress();
        }
        for key in &keys {
            encrypter = encrypter.recipient(key, None).map_err(encrypt_error)?;
        }
        if args.serialization.json {
            encrypter.general()
        } else {
            encrypter.flattened()
        }
        .map_err(encrypt_error)?
    } else {
        let [key] = keys.as_slice() else {
            return Err(CliError::usage(format!(
                "{} keys given; the compact serialization has one recipient (use --json)",
                keys.len()
            )));
        };
        let mut options = EncryptOptions::new().with_p2c(args.p2c);
        if args.zip {
            options = options.compress();
        }
        jwe::encrypt(key, args.enc.clone(), &payload, &options).map_err(encrypt_error)?
    };
    write_line(&token)
}

/// The decryption keys of `file`: each key for its own `alg` when the allowed list has it
/// (or is empty), or for every allowed algorithm it fits when it names none.
pub(crate) fn decryption_keys(file: &KeyFile, given: &[Algorithm]) -> Result<Vec<DecryptionKey>> {
    let mut keys = Vec::new();
    let mut first_error = None;
    for jwk in &file.keys {
        let algs = match own_alg(jwk) {
            Some(own) if given.is_empty() || given.contains(&own) => vec![own],
            Some(_) => Vec::new(),
            None if given.is_empty() => {
                return Err(CliError::usage(format!(
                    "--alg is required: a key of {} names no \"alg\"",
                    file.name
                )));
            }
            None => given.to_vec(),
        };
        for alg in algs {
            match DecryptionKey::from_jwk(jwk, Some(alg)) {
                Ok(k) => keys.push(k),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    if keys.is_empty() {
        return Err(match first_error {
            Some(e) => in_file(file, jwe_key_error(e)),
            None => file.refuse("no key fits the allowed algorithms"),
        });
    }
    Ok(keys)
}

/// A decrypter for these keys and content encryptions.
pub(crate) fn decrypter(
    keys: Vec<DecryptionKey>,
    encs: &[EncryptionAlgorithm],
) -> Result<Decrypter> {
    Decrypter::from_keys(keys)
        .with_allowed_encryption_algorithms(encs)
        .map_err(CliError::usage)
}

/// `jose decrypt`.
pub(crate) fn decrypt(args: &DecryptArgs) -> Result<()> {
    let keys = match (&args.password_file, &args.key) {
        (Some(path), _) => {
            if args.alg.is_empty() {
                return Err(CliError::usage(
                    "--password-file needs --alg PBES2-HS256+A128KW (or another PBES2)",
                ));
            }
            let password = read_password(path)?;
            args.alg
                .iter()
                .map(|alg| {
                    check_pbes2(alg)?;
                    DecryptionKey::symmetric(alg.clone(), &password).map_err(jwe_key_error)
                })
                .collect::<Result<Vec<_>>>()?
        }
        (None, key) => decryption_keys(&KeyFile::load(key.as_deref())?, &args.alg)?,
    };
    let mut decrypter = decrypter(keys, &args.enc)?.with_max_p2c(args.max_p2c);
    if args.allow_zip {
        decrypter = decrypter.allow_default_compression();
    }
    let token = read_token(args.token.as_ref()).map_err(|e| {
        if e.code == crate::error::REJECTED {
            CliError::rejected(DECRYPTION_FAILED)
        } else {
            e
        }
    })?;
    let decrypted = if token.starts_with('{') {
        decrypter.decrypt_json(&token)
    } else {
        decrypter.decrypt(&token)
    }
    .map_err(|_| CliError::rejected(DECRYPTION_FAILED))?;
    write_bytes(decrypted.plaintext())
}
