//! The crate's error type.

use std::fmt;

use crate::base64url::Base64Error;
use crate::json::JsonError;
use crate::{Algorithm, NumericDate, RegisteredClaim};

/// A part of a compact token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segment {
    /// The protected header (JWS and JWE).
    Header,
    /// The JWS payload.
    Payload,
    /// The JWS signature.
    Signature,
    /// The JWE encrypted key.
    EncryptedKey,
    /// The JWE initialization vector.
    InitializationVector,
    /// The JWE ciphertext.
    Ciphertext,
    /// The JWE authentication tag.
    AuthenticationTag,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
            Self::EncryptedKey => "encrypted key",
            Self::InitializationVector => "initialization vector",
            Self::Ciphertext => "ciphertext",
            Self::AuthenticationTag => "authentication tag",
        })
    }
}

/// Why a token, header or claim set was refused, or could not be produced.
///
/// Messages name the rule that failed; they never repeat key material, and they repeat
/// token content only in short, cut form.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The token is longer than [`Limits::max_token_len`](crate::Limits).
    TokenTooLong {
        /// The token's length in bytes.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The token does not have the number of `.`-separated segments its format has.
    SegmentCount {
        /// Segments the format has (3 for JWS, 5 for JWE).
        expected: usize,
        /// Segments found.
        found: usize,
    },
    /// A segment that must not be empty is empty.
    EmptySegment(Segment),
    /// A segment is not strict base64url.
    Base64 {
        /// The segment.
        segment: Segment,
        /// What is wrong with it.
        source: Base64Error,
    },
    /// A segment is not the strict JSON it must be (header or claims).
    Json {
        /// The segment.
        segment: Segment,
        /// What is wrong with it.
        source: JsonError,
    },
    /// The header has no `alg`.
    MissingAlgorithm,
    /// The header's `crit` parameter is malformed or names an extension not understood.
    Crit(CritError),
    /// The claims failed validation.
    Validation(ValidationError),
    /// An unsecured JWT was expected, but the header's `alg` is another algorithm.
    NotUnsecured {
        /// The algorithm the header names.
        alg: Algorithm,
    },
    /// An unsecured JWT (`alg: none`) carries a signature; it must end with an empty one.
    UnexpectedSignature,
    /// The header or the claims could not be serialized.
    Serialize(serde_json::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TokenTooLong { len, limit } => {
                write!(
                    f,
                    "token of {len} bytes is longer than the limit of {limit}"
                )
            }
            Self::SegmentCount { expected, found } => write!(
                f,
                "token has {found} segments separated by '.', expected {expected}"
            ),
            Self::EmptySegment(segment) => write!(f, "token {segment} is empty"),
            Self::Base64 { segment, source } => write!(f, "token {segment}: {source}"),
            Self::Json { segment, source } => write!(f, "token {segment}: {source}"),
            Self::MissingAlgorithm => f.write_str("header has no \"alg\""),
            Self::Crit(e) => write!(f, "header \"crit\": {e}"),
            Self::Validation(e) => e.fmt(f),
            Self::NotUnsecured { alg } => write!(
                f,
                "expected an unsecured JWT (alg \"none\"), found alg \"{}\"",
                crate::json::truncate(alg.as_str())
            ),
            Self::UnexpectedSignature => {
                f.write_str("unsecured JWT (alg \"none\") must have an empty signature")
            }
            Self::Serialize(e) => write!(f, "cannot serialize: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Base64 { source, .. } => Some(source),
            Self::Json { source, .. } => Some(source),
            Self::Crit(e) => Some(e),
            Self::Validation(e) => Some(e),
            Self::Serialize(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Self::Validation(e)
    }
}

impl From<CritError> for Error {
    fn from(e: CritError) -> Self {
        Self::Crit(e)
    }
}

/// Why a header's `crit` parameter was refused (RFC 7515 4.1.11).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CritError {
    /// `crit` is an empty list.
    Empty,
    /// `crit` lists a name twice.
    Duplicate(String),
    /// `crit` lists a parameter that RFC 7515, 7516 or 7518 defines.
    Registered(String),
    /// `crit` lists a parameter that the header does not carry.
    Absent(String),
    /// `crit` lists an extension this recipient does not understand.
    NotUnderstood(String),
}

impl fmt::Display for CritError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty list"),
            Self::Duplicate(n) => write!(f, "\"{n}\" is listed twice"),
            Self::Registered(n) => {
                write!(
                    f,
                    "\"{n}\" is a registered parameter and must not be listed"
                )
            }
            Self::Absent(n) => write!(f, "\"{n}\" is listed but absent from the header"),
            Self::NotUnderstood(n) => write!(f, "extension \"{n}\" is not understood"),
        }
    }
}

impl std::error::Error for CritError {}

/// Why a claim set failed validation. Each variant names the claim it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// A claim the policy requires is absent.
    MissingClaim(RegisteredClaim),
    /// `exp` (plus leeway) is not after the current time.
    Expired {
        /// The token's `exp`.
        exp: NumericDate,
        /// The time of validation.
        now: NumericDate,
    },
    /// `nbf` is after the current time (plus leeway).
    NotYetValid {
        /// The token's `nbf`.
        nbf: NumericDate,
        /// The time of validation.
        now: NumericDate,
    },
    /// `iat` is after the current time (plus leeway).
    IssuedInFuture {
        /// The token's `iat`.
        iat: NumericDate,
        /// The time of validation.
        now: NumericDate,
    },
    /// `iat` is older than the policy's maximum age.
    TooOld {
        /// The token's `iat`.
        iat: NumericDate,
        /// The maximum age in seconds.
        max_age: u64,
        /// The time of validation.
        now: NumericDate,
    },
    /// `iss` is not one of the accepted issuers.
    InvalidIssuer {
        /// The token's issuer (cut to 64 characters).
        found: String,
    },
    /// `aud` contains none of the accepted audiences, or the token has an `aud` and the
    /// policy accepts none (RFC 7519 4.1.3).
    InvalidAudience,
    /// `sub` is not the expected subject.
    InvalidSubject,
    /// The header's `typ` is not the expected type (RFC 8725 3.11).
    InvalidType {
        /// The expected type.
        expected: String,
        /// The header's `typ`, if any (cut to 64 characters).
        found: Option<String>,
    },
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingClaim(c) => write!(f, "required claim \"{c}\" is missing"),
            Self::Expired { exp, now } => write!(f, "token expired at {exp}, now is {now}"),
            Self::NotYetValid { nbf, now } => {
                write!(f, "token is not valid before {nbf} (\"nbf\"), now is {now}")
            }
            Self::IssuedInFuture { iat, now } => {
                write!(
                    f,
                    "token is issued in the future (\"iat\" {iat}), now is {now}"
                )
            }
            Self::TooOld { iat, max_age, now } => write!(
                f,
                "token issued at {iat} is older than the maximum age of {max_age} s, now is {now}"
            ),
            Self::InvalidIssuer { found } => {
                write!(f, "issuer \"{found}\" (\"iss\") is not accepted")
            }
            Self::InvalidAudience => f.write_str("audience (\"aud\") is not accepted"),
            Self::InvalidSubject => f.write_str("subject (\"sub\") is not the expected one"),
            Self::InvalidType { expected, found } => match found {
                Some(found) => write!(
                    f,
                    "token type (\"typ\") is \"{found}\", expected \"{expected}\""
                ),
                None => write!(f, "token has no type (\"typ\"), expected \"{expected}\""),
            },
        }
    }
}

impl std::error::Error for ValidationError {}
