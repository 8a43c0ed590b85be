//! Errors. What a decryption failure tells the party that sent the token is one message;
//! the reason is kept for the receiver's logs.

use std::fmt;

use jws::jwt_claims::{Algorithm, EncryptionAlgorithm, JsonError};

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
    /// A header parameter breaks a limit or rule: PBES2 `p2c` above the cap or under
    /// 1000, `p2s` under 8 bytes, a missing `epk`/`iv`/`tag`, compression not allowed.
    Header(String),
    /// Decryption failed. `Display` says only that; [`Failure`] says why, for logs.
    Decryption(Failure),
    /// A key was refused.
    Key(String),
    /// The operating system's random generator failed.
    Random,
    /// The header or payload could not be encoded, or the options contradict each other.
    Encode(String),
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
            Self::Header(why) => write!(f, "header refused: {why}"),
            Self::Decryption(_) => f.write_str("decryption failed"),
            Self::Key(why) => write!(f, "key refused: {why}"),
            Self::Random => f.write_str("the operating system's random generator failed"),
            Self::Encode(why) => write!(f, "cannot encode: {why}"),
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
            _ => None,
        }
    }
}

impl From<jws::jwt_claims::Error> for Error {
    fn from(e: jws::jwt_claims::Error) -> Self {
        Self::Token(e)
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        Self::Decryption(f)
    }
}
