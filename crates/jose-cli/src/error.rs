//! What a command's failure means to a script: the exit status.

use std::fmt;

/// Exit status 1: the token or input was rejected.
pub(crate) const REJECTED: u8 = 1;
/// Exit status 2: usage error (bad arguments, unreadable file).
pub(crate) const USAGE: u8 = 2;
/// Exit status 3: the key or key set was refused.
pub(crate) const KEY: u8 = 3;

/// A failure with its exit status and the message written to standard error.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl CliError {
    /// The token or input was rejected (exit 1).
    pub(crate) fn rejected(message: impl fmt::Display) -> Self {
        Self {
            code: REJECTED,
            message: message.to_string(),
        }
    }

    /// A usage error (exit 2).
    pub(crate) fn usage(message: impl fmt::Display) -> Self {
        Self {
            code: USAGE,
            message: message.to_string(),
        }
    }

    /// The key was refused (exit 3).
    pub(crate) fn key(message: impl fmt::Display) -> Self {
        Self {
            code: KEY,
            message: message.to_string(),
        }
    }
}

/// A `jws` error: key problems are exit 3, the rest is about the token (exit 1).
impl From<jws::Error> for CliError {
    fn from(e: jws::Error) -> Self {
        match e {
            jws::Error::Key(_) | jws::Error::Jwk(_) => Self::key(e),
            jws::Error::Validation(jws::ValidationError::InvalidAudience) => {
                Self::rejected(format!("{e} (name an accepted audience with --aud)"))
            }
            jws::Error::UnencodedPayloadNotAllowed => {
                Self::rejected(format!("{e} (pass --allow-b64-false to accept it)"))
            }
            other => Self::rejected(other),
        }
    }
}

impl From<jws::KeyError> for CliError {
    fn from(e: jws::KeyError) -> Self {
        Self::key(e)
    }
}

pub(crate) type Result<T, E = CliError> = std::result::Result<T, E>;
