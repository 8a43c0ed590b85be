//! What can go wrong: fetching a set, reading discovery metadata, using the cache.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Why a fetch of the JWK Set (or of the discovery document) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not `https` (plain `http` is allowed only to a loopback host, and only
    /// with [`Options::allow_http_loopback`](crate::Options::allow_http_loopback)).
    InsecureUrl {
        /// The URL's scheme.
        scheme: String,
    },
    /// The URL could not be parsed or has no host.
    InvalidUrl(String),
    /// No response within the timeout.
    Timeout(Duration),
    /// The connection or the exchange failed (DNS, TCP, TLS, HTTP).
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// The server answered with a redirect, which is not followed (or too many of them).
    Redirect {
        /// The status code.
        status: u16,
    },
    /// The server answered with a status other than 200.
    Status(u16),
    /// The response is not JSON (`application/json`, `application/jwk-set+json` or another
    /// `+json` type).
    ContentType(Option<String>),
    /// The body is larger than the cap.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The body is not a valid JWK Set (strict parse), or holds a key the policy refuses.
    InvalidSet(jws::JwkError),
    /// A key of the set is unusable and the policy refuses the whole set.
    InvalidKey {
        /// The key's `kid` (escaped, shortened), if it has one.
        kid: Option<String>,
        /// Why.
        source: jws::Error,
    },
    /// The set carries private or secret key material (`d`, RSA primes, or an `oct` key):
    /// a published set must hold public keys only, so the whole set is refused.
    PrivateKey {
        /// The key's `kid` (escaped, shortened), if it has one.
        kid: Option<String>,
    },
    /// No key of the set can verify any allowed algorithm.
    NoUsableKey,
    /// The discovery document is invalid.
    Discovery(DiscoveryError),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsecureUrl { scheme } => write!(
                f,
                "refused {scheme:?} URL: JWK Sets are fetched over https (plain http only to a loopback host, when allowed)"
            ),
            Self::InvalidUrl(reason) => write!(f, "invalid URL: {reason}"),
            Self::Timeout(t) => write!(f, "no response within {} ms", t.as_millis()),
            Self::Transport(e) => write!(f, "request failed: {e}"),
            Self::Redirect { status } => write!(f, "redirect ({status}) not followed"),
            Self::Status(status) => write!(f, "HTTP status {status}, expected 200"),
            Self::ContentType(Some(t)) => write!(f, "content type {t:?} is not JSON"),
            Self::ContentType(None) => f.write_str("no content type, expected JSON"),
            Self::TooLarge { limit } => write!(f, "body larger than {limit} bytes"),
            Self::InvalidSet(e) => write!(f, "invalid JWK Set: {e}"),
            Self::InvalidKey { kid, source } => {
                write!(
                    f,
                    "unusable key {}: {source}",
                    kid.as_deref().unwrap_or("(no kid)")
                )
            }
            Self::PrivateKey { kid } => write!(
                f,
                "the set publishes private or secret key material (key {}); refused",
                kid.as_deref().unwrap_or("(no kid)")
            ),
            Self::NoUsableKey => f.write_str("no key of the set verifies an allowed algorithm"),
            Self::Discovery(e) => write!(f, "discovery: {e}"),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(e) => Some(e.as_ref()),
            Self::InvalidSet(e) => Some(e),
            Self::InvalidKey { source, .. } => Some(source),
            Self::Discovery(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a discovery document (RFC 8414 or OpenID Connect Discovery) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The document is not a JSON object (or has duplicate members, or is too deep).
    Json(String),
    /// A required member is missing or not a string.
    Missing(&'static str),
    /// The document's `issuer` is not exactly the configured issuer (RFC 8414 3.3,
    /// OpenID Connect Discovery 4.3).
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The document's, escaped and shortened.
        found: String,
    },
    /// The issuer is not a valid issuer identifier (https URL without query or fragment).
    InvalidIssuer(String),
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(e) => write!(f, "the document is not a valid JSON object: {e}"),
            Self::Missing(name) => write!(f, "member {name:?} missing or not a string"),
            Self::IssuerMismatch { expected, found } => write!(
                f,
                "the document's issuer {found} is not the configured issuer {expected:?}"
            ),
            Self::InvalidIssuer(reason) => write!(f, "invalid issuer identifier: {reason}"),
        }
    }
}

impl std::error::Error for DiscoveryError {}

/// An error of [`RemoteJwkSet`](crate::RemoteJwkSet).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The token was checked against the set and refused (signature, format, claims...).
    Jws(jws::Error),
    /// No set has been fetched successfully yet.
    Unavailable {
        /// The last failure, if a fetch was tried.
        last_error: Option<Arc<FetchError>>,
    },
    /// The last good set expired more than the stale-if-error bound ago and every refresh
    /// since failed: verification fails closed.
    Stale {
        /// How long the last good set has been expired.
        expired_for: Duration,
        /// The last failure, if a fetch was tried.
        last_error: Option<Arc<FetchError>>,
    },
    /// The URL or the discovery document was refused when the set was set up.
    Setup(FetchError),
    /// [`Options::with_allowed_algorithms`](crate::Options::with_allowed_algorithms)
    /// names an algorithm that does not sign (`none`, or a JWE algorithm).
    NotSignatureAlgorithm(jws::Algorithm),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jws(e) => write!(f, "{e}"),
            Self::Unavailable {
                last_error: Some(e),
            } => {
                write!(f, "no JWK Set available yet: {e}")
            }
            Self::Unavailable { last_error: None } => f.write_str("no JWK Set available yet"),
            Self::Stale {
                expired_for,
                last_error,
            } => {
                write!(
                    f,
                    "the JWK Set expired {} s ago and could not be refreshed; failing closed",
                    expired_for.as_secs()
                )?;
                if let Some(e) = last_error {
                    write!(f, " (last error: {e})")?;
                }
                Ok(())
            }
            Self::Setup(e) => write!(f, "{e}"),
            Self::NotSignatureAlgorithm(alg) => {
                write!(f, "\"{alg}\" is not a signature algorithm")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Jws(e) => Some(e),
            Self::Unavailable {
                last_error: Some(e),
            }
            | Self::Stale {
                last_error: Some(e),
                ..
            } => Some(e.as_ref()),
            Self::Setup(e) => Some(e),
            Self::Unavailable { last_error: None }
            | Self::Stale { .. }
            | Self::NotSignatureAlgorithm(_) => None,
        }
    }
}

impl From<jws::Error> for Error {
    fn from(e: jws::Error) -> Self {
        Self::Jws(e)
    }
}

impl Error {
    /// Whether the failure is on the key source's side (no set, or a set that could not be
    /// refreshed) rather than the token's: a server answers 503, not 401.
    #[must_use]
    pub const fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Stale { .. })
    }
}
