//! Errors.

use std::fmt;

use jwt_claims::{Algorithm, JsonError, ValidationError};

/// Why a key could not be built or used.
///
/// Messages describe the key's shape, never its secret content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The algorithm is not one this crate signs or verifies with (`none`, unknown names,
    /// JWE key management algorithms).
    UnsupportedAlgorithm(Algorithm),
    /// The key is of a kind that cannot serve this algorithm (e.g. an RSA key for HS256).
    WrongKeyType {
        /// The algorithm asked for.
        alg: Algorithm,
        /// The kind of key given.
        key: &'static str,
    },
    /// The key is too weak for the algorithm (short HMAC secret, RSA under 2048 bits).
    TooWeak(String),
    /// The key material is malformed.
    Invalid(String),
    /// The key has the wrong length (in bytes) for its algorithm or content encryption.
    Length {
        /// The length needed.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The operating system's random generator failed while making a key.
    Random,
    /// The JWK's `alg` names another algorithm than the one asked for.
    AlgorithmMismatch {
        /// The algorithm asked for.
        requested: Algorithm,
        /// The JWK's `alg`.
        jwk: Algorithm,
    },
    /// The JWK's `use` or `key_ops` forbids this operation.
    UsageNotPermitted(String),
    /// The secret looks like public-key material (PEM or DER), which must never serve as
    /// an HMAC secret.
    PublicKeyAsSecret,
    /// The RSA modulus carries the ROCA fingerprint (CVE-2017-15361): it was made by a
    /// flawed generator (Infineon RSALib) and can be factored.
    RocaVulnerable,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedAlgorithm(alg) => {
                write!(f, "algorithm \"{alg}\" is not one this key type serves")
            }
            Self::WrongKeyType { alg, key } => write!(f, "a {key} key cannot be used with {alg}"),
            Self::TooWeak(why) => write!(f, "key too weak: {why}"),
            Self::Invalid(why) => write!(f, "invalid key: {why}"),
            Self::Length { expected, actual } => {
                write!(f, "a key of {actual} bytes where {expected} are needed")
            }
            Self::Random => f.write_str("the operating system's random generator failed"),
            Self::AlgorithmMismatch { requested, jwk } => {
                write!(f, "the JWK is for algorithm \"{jwk}\", not \"{requested}\"")
            }
            Self::UsageNotPermitted(why) => write!(f, "key usage not permitted: {why}"),
            Self::PublicKeyAsSecret => f.write_str(
                "the HMAC secret is public-key material (PEM or DER); refusing to use it",
            ),
            Self::RocaVulnerable => f.write_str(
                "the RSA key has the ROCA fingerprint (CVE-2017-15361): it can be factored; replace it",
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// Why a JWK or JWK Set was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum JwkError {
    /// The JSON is malformed (also: duplicate member names, excessive depth).
    Json(JsonError),
    /// A required member is absent.
    MissingParameter(&'static str),
    /// A member has a wrong type or value. The value itself is never shown.
    InvalidParameter {
        /// The member name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The `kty` is not one this crate knows.
    UnsupportedKeyType(String),
    /// The `crv` is not one this crate knows for the key type.
    UnsupportedCurve(String),
    /// The JWK Set holds more keys than the limit.
    TooManyKeys {
        /// The limit in force.
        limit: usize,
    },
    /// The JWK Set holds two keys of one `kty` with this `kid`.
    DuplicateKid(String),
    /// The RSA modulus carries the ROCA fingerprint (CVE-2017-15361).
    RocaVulnerable,
}

impl fmt::Display for JwkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(e) => write!(f, "not a JWK: {e}"),
            Self::MissingParameter(name) => write!(f, "not a JWK: missing \"{name}\""),
            Self::InvalidParameter { name, reason } => write!(f, "JWK member \"{name}\": {reason}"),
            Self::UnsupportedKeyType(kty) => write!(f, "unsupported JWK key type \"{kty}\""),
            Self::UnsupportedCurve(crv) => write!(f, "unsupported JWK curve \"{crv}\""),
            Self::TooManyKeys { limit } => write!(f, "JWK Set holds more than {limit} keys"),
            Self::DuplicateKid(kid) => {
                write!(f, "JWK Set holds two keys of one type with kid \"{kid}\"")
            }
            Self::RocaVulnerable => f.write_str(
                "the RSA key has the ROCA fingerprint (CVE-2017-15361): it can be factored",
            ),
        }
    }
}

impl std::error::Error for JwkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Json(e) => Some(e),
            _ => None,
        }
    }
}

impl From<JsonError> for JwkError {
    fn from(e: JsonError) -> Self {
        Self::Json(e)
    }
}

/// Why signing or verifying failed.
///
/// The variants are precise for the caller's logs; what a server tells a client about a
/// refused token should say less (e.g. only "invalid token").
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The token is malformed: size, segments, base64url, header or claims JSON, `crit`.
    Token(jwt_claims::Error),
    /// The claims are well-formed and signed, but fail validation.
    Validation(ValidationError),
    /// The token's `alg` is not among the verifier's allowed algorithms (this includes
    /// `none` and unknown names).
    AlgorithmNotAllowed(Algorithm),
    /// No trusted key matches the token's `kid` and `alg`.
    NoMatchingKey {
        /// The token's `kid`, if any (cut to 64 characters).
        kid: Option<String>,
    },
    /// The signature does not verify with any candidate key.
    InvalidSignature,
    /// The token uses an unencoded payload (RFC 7797 `b64: false`) and the verifier was
    /// not told to accept it.
    UnencodedPayloadNotAllowed,
    /// A detached-payload verification was asked for, but the token carries a payload.
    NotDetached,
    /// The JWS JSON serialization is malformed.
    Json(JsonError),
    /// A key was refused.
    Key(KeyError),
    /// A JWK was refused.
    Jwk(JwkError),
    /// The operating system's random generator failed.
    Random,
    /// The header, the claims or a JSON serialization could not be written as JSON (a
    /// `Serialize` implementation failed). Kept as `source()`.
    Serialize(serde_json::Error),
    /// A header parameter is given twice: JSON serialization headers share one namespace
    /// (RFC 7515 7.2.1).
    HeaderCollision(String),
    /// An unencoded payload (RFC 7797) that must be written as text is not UTF-8.
    UnencodedPayloadNotUtf8,
    /// An attached unencoded payload of the compact serialization contains `.`
    /// (RFC 7797 5.2).
    UnencodedPayloadHasDot,
    /// A JSON serialization needs at least one signature, the flattened one exactly one.
    SignatureCount {
        /// The number of signatures added.
        signatures: usize,
    },
    /// The RSA private-key operation of a signature failed. Kept as `source()`.
    Signing(rsa::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(e) => write!(f, "malformed token: {e}"),
            Self::Validation(e) => write!(f, "invalid claims: {e}"),
            Self::AlgorithmNotAllowed(alg) => write!(
                f,
                "algorithm \"{}\" is not allowed",
                jwt_claims::json::truncate(alg.as_str())
            ),
            Self::NoMatchingKey { kid: Some(kid) } => {
                write!(f, "no trusted key with kid \"{kid}\" for this algorithm")
            }
            Self::NoMatchingKey { kid: None } => f.write_str("no trusted key for this algorithm"),
            Self::InvalidSignature => f.write_str("invalid signature"),
            Self::UnencodedPayloadNotAllowed => {
                f.write_str("unencoded payload (b64: false) is not allowed by this verifier")
            }
            Self::NotDetached => f.write_str("the token carries a payload: it is not detached"),
            Self::Json(e) => write!(f, "malformed JWS JSON serialization: {e}"),
            Self::Key(e) => e.fmt(f),
            Self::Jwk(e) => e.fmt(f),
            Self::Random => f.write_str("the operating system's random generator failed"),
            Self::Serialize(e) => write!(f, "cannot serialize as JSON: {e}"),
            Self::HeaderCollision(name) => write!(
                f,
                "header parameter \"{}\" is given twice",
                jwt_claims::json::truncate(name)
            ),
            Self::UnencodedPayloadNotUtf8 => {
                f.write_str("an unencoded payload written as text must be UTF-8")
            }
            Self::UnencodedPayloadHasDot => {
                f.write_str("an attached unencoded payload must not contain '.' (RFC 7797 5.2)")
            }
            Self::SignatureCount { signatures: 0 } => f.write_str("no signature was added"),
            Self::SignatureCount { signatures } => write!(
                f,
                "the flattened serialization has exactly one signature, not {signatures}"
            ),
            Self::Signing(e) => write!(f, "RSA signing failed: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Token(e) => Some(e),
            Self::Validation(e) => Some(e),
            Self::Json(e) => Some(e),
            Self::Key(e) => Some(e),
            Self::Jwk(e) => Some(e),
            Self::Serialize(e) => Some(e),
            Self::Signing(e) => Some(e),
            _ => None,
        }
    }
}

impl From<jwt_claims::Error> for Error {
    fn from(e: jwt_claims::Error) -> Self {
        match e {
            jwt_claims::Error::Validation(v) => Self::Validation(v),
            other => Self::Token(other),
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Self::Validation(e)
    }
}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Self {
        Self::Key(e)
    }
}

impl From<JwkError> for Error {
    fn from(e: JwkError) -> Self {
        Self::Jwk(e)
    }
}
