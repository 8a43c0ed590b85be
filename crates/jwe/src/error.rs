//! Errors. What a decryption failure tells the party that sent the token is one message;
//! the reason is kept for the receiver's logs.

use std::fmt;

use jws::KeyError;
use jws::jwt_claims::{Algorithm, EncryptionAlgorithm, JsonError};

/// Why a JWE header was refused, or cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// A parameter the algorithm needs is absent (`enc`; `iv`/`tag` for AES-GCM key wrap;
    /// `p2s`/`p2c` for PBES2; `epk` for ECDH-ES).
    Missing(&'static str),
    /// The PBES2 iteration count `p2c` is outside the accepted range.
    P2cOutOfRange {
        /// The count given.
        p2c: u64,
        /// The smallest accepted.
        min: u64,
        /// The largest accepted.
        max: u64,
    },
    /// The PBES2 salt input `p2s` is shorter than the minimum.
    P2sTooShort {
        /// The smallest accepted length, in bytes.
        min: usize,
    },
    /// Compressed content (`zip`) is not allowed by this decrypter.
    CompressionNotAllowed,
    /// The `zip` value is not `DEF`.
    UnknownCompression(String),
    /// The header's `alg` is not the key's.
    AlgorithmConflict {
        /// The header's `alg`.
        header: Algorithm,
        /// The key's `alg`.
        key: Algorithm,
    },
    /// A parameter that the key management sets itself (`epk`, `iv`, `tag`, `p2s`, `p2c`)
    /// was given by the caller.
    SetByKeyManagement(&'static str),
    /// A header parameter appears twice across the protected, shared unprotected and
    /// per-recipient headers (RFC 7516 7.2.1).
    Duplicate(String),
    /// A nested JWT was expected, but `cty` is not `JWT`.
    NotNestedJwt,
    /// The nested JWT is not UTF-8.
    NestedNotUtf8,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cut = jws::jwt_claims::json::truncate;
        match self {
            Self::Missing(name) => write!(f, "missing \"{name}\""),
            Self::P2cOutOfRange { p2c, min, max } => {
                write!(f, "\"p2c\" of {p2c} is outside {min}..={max}")
            }
            Self::P2sTooShort { min } => write!(f, "\"p2s\" is shorter than {min} bytes"),
            Self::CompressionNotAllowed => f.write_str("compressed content (zip) is not allowed"),
            Self::UnknownCompression(zip) => write!(f, "unknown compression \"{}\"", cut(zip)),
            Self::AlgorithmConflict { header, key } => write!(
                f,
                "the header's alg \"{}\" is not the key's \"{key}\"",
                cut(header.as_str())
            ),
            Self::SetByKeyManagement(name) => {
                write!(f, "\"{name}\" is set by the key management")
            }
            Self::Duplicate(name) => {
                write!(f, "header parameter \"{}\" appears twice", cut(name))
            }
            Self::NotNestedJwt => f.write_str("not a nested JWT: \"cty\" must be \"JWT\""),
            Self::NestedNotUtf8 => f.write_str("the nested JWT is not UTF-8"),
        }
    }
}

impl std::error::Error for HeaderError {}

/// The precise reason a decryption failed, for logs only: never send it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The key could not be unwrapped (AES-KW integrity check, AES-GCM key wrap tag,
    /// RSA-OAEP decoding).
    Unwrap,
    /// The content's authentication tag, or its padding, did not check.
    Decrypt,
    /// A key or content key has the wrong length for the algorithm.
    KeyLength,
    /// The ephemeral public key (`epk`) is invalid: not on the curve, the wrong curve, or
    /// a low-order X25519 point giving an all-zero secret.
    EphemeralKey,
    /// Content encryption failed.
    Encrypt,
    /// The content encryption algorithm is not supported.
    UnsupportedEncryption,
    /// The decompressed content exceeds the limit.
    Inflate,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unwrap => "content key unwrap failed",
            Self::Decrypt => "authentication tag or padding check failed",
            Self::KeyLength => "key of the wrong length for the algorithm",
            Self::EphemeralKey => "invalid ephemeral public key (epk)",
            Self::Encrypt => "content encryption failed",
            Self::UnsupportedEncryption => "unsupported content encryption algorithm",
            Self::Inflate => "decompressed content exceeds the limit or is not valid DEFLATE",
        })
    }
}

/// Why encrypting or decrypting failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The token is malformed: size, segments, base64url, header JSON, `crit`.
    Token(jws::jwt_claims::Error),
    /// The JWE JSON serialization is malformed, or its headers collide.
    Json(JsonError),
    /// The `alg` is not allowed here (this includes `RSA1_5`, refused by design, and
    /// unknown names).
    AlgorithmNotAllowed(Algorithm),
    /// The `enc` is not allowed here.
    EncryptionNotAllowed(EncryptionAlgorithm),
    /// No trusted key matches the token's `kid` and `alg`.
    NoMatchingKey,
    /// `RSA1_5` was asked for. It is refused: its padding oracle (Bleichenbacher) and that
    /// oracle's timing variants (Marvin; RUSTSEC-2023-0071 for `rsa` before 0.10) make it
    /// unsafe to decrypt.
    Rsa1_5Refused,
    /// A header parameter breaks a limit or rule.
    Header(HeaderError),
    /// Decryption failed. `Display` says only that; [`Failure`] says why, for logs.
    Decryption(Failure),
    /// Encryption failed (never with valid keys in practice); the [`Failure`] says why.
    Encryption(Failure),
    /// A key was refused, or cannot serve this algorithm or content encryption.
    Key(KeyError),
    /// The operating system's random generator failed.
    Random,
    /// A header could not be serialized as JSON. Kept as `source()`.
    Serialize(serde_json::Error),
    /// DEFLATE compression failed. Kept as `source()`.
    Compress(std::io::Error),
    /// A JSON serialization needs at least one recipient, the flattened one exactly one,
    /// and `dir`/`ECDH-ES` (whose key management determines the content key) allow one.
    RecipientCount {
        /// The number of recipients added (or being added, for `dir`/`ECDH-ES`).
        recipients: usize,
    },
    /// A content key was supplied to `dir` or `ECDH-ES`, which derive their own.
    ContentKeyNotAccepted(Algorithm),
    /// Signing or verifying the nested JWT failed.
    Jws(jws::Error),
}

impl Error {
    /// The precise reason of a decryption failure, for the receiver's logs.
    #[must_use]
    pub const fn failure(&self) -> Option<Failure> {
        match self {
            Self::Decryption(f) => Some(*f),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(e) => write!(f, "malformed token: {e}"),
            Self::Json(e) => write!(f, "malformed JWE JSON serialization: {e}"),
            Self::AlgorithmNotAllowed(alg) => write!(
                f,
                "key management algorithm \"{}\" is not allowed",
                jws::jwt_claims::json::truncate(alg.as_str())
            ),
            Self::EncryptionNotAllowed(enc) => write!(
                f,
                "content encryption algorithm \"{}\" is not allowed",
                jws::jwt_claims::json::truncate(enc.as_str())
            ),
            Self::NoMatchingKey => f.write_str("no trusted key for this token"),
            Self::Rsa1_5Refused => f.write_str(
                "RSA1_5 is refused: its padding oracle (Bleichenbacher) and timing side \
                 channel (Marvin) make it unsafe; use RSA-OAEP-256 or ECDH-ES",
            ),
            Self::Header(e) => write!(f, "header refused: {e}"),
            Self::Decryption(_) => f.write_str("decryption failed"),
            Self::Encryption(why) => write!(f, "encryption failed: {why}"),
            Self::Key(e) => write!(f, "key refused: {e}"),
            Self::Random => f.write_str("the operating system's random generator failed"),
            Self::Serialize(e) => write!(f, "cannot serialize the header: {e}"),
            Self::Compress(e) => write!(f, "DEFLATE compression failed: {e}"),
            Self::RecipientCount { recipients: 0 } => f.write_str("no recipient was added"),
            Self::RecipientCount { recipients } => write!(
                f,
                "{recipients} recipients where one is allowed (flattened serialization, \
                 or dir/ECDH-ES, which determine the content key)"
            ),
            Self::ContentKeyNotAccepted(alg) => {
                write!(f, "{alg} determines the content key itself")
            }
            Self::Jws(e) => write!(f, "nested JWT: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Token(e) => Some(e),
            Self::Json(e) => Some(e),
            Self::Jws(e) => Some(e),
            Self::Header(e) => Some(e),
            Self::Key(e) => Some(e),
            Self::Serialize(e) => Some(e),
            Self::Compress(e) => Some(e),
            _ => None,
        }
    }
}

impl From<jws::jwt_claims::Error> for Error {
    fn from(e: jws::jwt_claims::Error) -> Self {
        Self::Token(e)
    }
}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Self {
        Self::Key(e)
    }
}

impl From<HeaderError> for Error {
    fn from(e: HeaderError) -> Self {
        Self::Header(e)
    }
}
