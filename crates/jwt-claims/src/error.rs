//! The crate's error type.

use std::fmt;

use crate::Algorithm;
use crate::base64url::Base64Error;
use crate::header::CritError;
use crate::json::JsonError;
use crate::validation::ValidationError;

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
