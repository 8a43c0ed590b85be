//! What can go wrong, sorted by what the application must do about it.

use std::fmt;

/// Why an access token was refused: the underlying error, kept whole (and as `source()`)
/// for the application's logs. Never send it to the client.
#[derive(Debug)]
#[non_exhaustive]
pub enum TokenError {
    /// The `Authorization` value has a scheme other than `Bearer`.
    NotBearer,
    /// The signed token was refused: malformed, bad signature, unknown key, claims.
    Signature(jws::Error),
    /// The encrypted (nested) token was refused before its signature was checked.
    Encryption(jwe::Error),
    /// The token was signed by a key that has been revoked (it is on the deny-list).
    KeyRevoked,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotBearer => f.write_str("not a Bearer token"),
            Self::Signature(e) => e.fmt(f),
            Self::Encryption(e) => write!(f, "nested token: {e}"),
            Self::KeyRevoked => f.write_str("signed by a revoked key"),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::NotBearer | Self::KeyRevoked => None,
            Self::Signature(e) => Some(e),
            Self::Encryption(e) => Some(e),
        }
    }
}

/// Why authentication, a refresh or a logout failed.
///
/// The variants say what to do: [`AuthError::Expired`] means "refresh, then retry";
/// [`AuthError::RefreshTokenReused`] means "a token leaked: the session is gone, log the
/// user in again and alert"; [`AuthError::StoreUnavailable`] means "retry later, it is not
/// the client's fault". What the client is told is only
/// [`AuthError::www_authenticate`], which leaks none of the details.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// No access token was presented.
    MissingToken,
    /// The access token has expired: the client should refresh.
    Expired,
    /// The access token is invalid: malformed, bad signature, unknown or revoked key,
    /// wrong issuer, audience or type. The reason is for logs only.
    InvalidToken(TokenError),
    /// The access token's session was logged out (its `sid` is on the deny-list).
    SessionRevoked,
    /// The refresh token is malformed, unknown, or its secret does not match.
    InvalidRefreshToken,
    /// The refresh token has expired (absolute lifetime or idle time).
    RefreshTokenExpired,
    /// The refresh token had already been used: a copy is in someone else's hands. Its whole
    /// family (the session) is now revoked.
    RefreshTokenReused,
    /// The refresh token's session was revoked (logout, logout everywhere, an earlier
    /// reuse).
    Revoked,
    /// The store could not be reached or failed.
    StoreUnavailable(StoreError),
    /// The refresh cookie is missing, malformed, or present twice (cookie tossing).
    Cookie(CookieError),
    /// The key ring cannot be opened, was tampered with or rolled back, or cannot make the
    /// change asked of it.
    KeyRing(KeyRingError),
    /// The JWK Set given to an [`Authenticator`](crate::Authenticator) was refused.
    Key(jws::Error),
    /// The JWK Set holds no signature key with an `alg`.
    NoUsableKey,
    /// Signing an access token failed.
    Sign(jws::Error),
    /// Encrypting an access token (nested JWT) failed.
    Encrypt(jwe::Error),
    /// The operating system's random generator failed.
    Random,
    /// Claims or session data could not be written or read as JSON.
    Serialize(serde_json::Error),
    /// The remote JWK Set of an [`Authenticator`](crate::Authenticator) has no keys to
    /// verify with: never fetched, or expired past its stale-if-error bound (feature
    /// `remote`). The server answers 503: the token was not judged.
    #[cfg(feature = "remote")]
    KeysUnavailable(jwks_remote::Error),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingToken => f.write_str("no access token was presented"),
            Self::Expired => f.write_str("the access token has expired"),
            Self::InvalidToken(why) => write!(f, "invalid access token: {why}"),
            Self::SessionRevoked => f.write_str("the access token's session was revoked"),
            Self::InvalidRefreshToken => f.write_str("invalid refresh token"),
            Self::RefreshTokenExpired => f.write_str("the refresh token has expired"),
            Self::RefreshTokenReused => f.write_str(
                "the refresh token was already used: its session is revoked (a copy leaked)",
            ),
            Self::Revoked => f.write_str("the session was revoked"),
            Self::StoreUnavailable(e) => e.fmt(f),
            Self::Cookie(e) => e.fmt(f),
            Self::KeyRing(e) => write!(f, "key ring: {e}"),
            Self::Key(e) => write!(f, "JWK Set refused: {e}"),
            Self::NoUsableKey => f.write_str("the JWK Set holds no signature key with an \"alg\""),
            Self::Sign(e) => write!(f, "cannot sign the access token: {e}"),
            Self::Encrypt(e) => write!(f, "cannot encrypt the access token: {e}"),
            Self::Random => f.write_str("the operating system's random generator failed"),
            Self::Serialize(e) => write!(f, "cannot write or read JSON: {e}"),
            #[cfg(feature = "remote")]
            Self::KeysUnavailable(e) => write!(f, "no keys to verify with: {e}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::StoreUnavailable(e) => Some(e),
            Self::Cookie(e) => Some(e),
            Self::KeyRing(e) => Some(e),
            Self::InvalidToken(e) => Some(e),
            Self::Key(e) | Self::Sign(e) => Some(e),
            Self::Encrypt(e) => Some(e),
            Self::Serialize(e) => Some(e),
            #[cfg(feature = "remote")]
            Self::KeysUnavailable(e) => Some(e),
            _ => None,
        }
    }
}

impl From<KeyRingError> for AuthError {
    fn from(e: KeyRingError) -> Self {
        Self::KeyRing(e)
    }
}

impl From<CookieError> for AuthError {
    fn from(e: CookieError) -> Self {
        Self::Cookie(e)
    }
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        Self::StoreUnavailable(e)
    }
}

/// Escapes a quoted-string value of an HTTP header parameter (RFC 9110 5.6.4).
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl AuthError {
    /// The HTTP status to answer with: 401 for anything about the client's tokens (the
    /// refresh cookie included), 503 when the store (or a remote JWK Set) is unavailable,
    /// 500 for server-side faults (keys, the key ring, the random generator, encoding).
    #[must_use]
    pub const fn status(&self) -> u16 {
        match self {
            Self::StoreUnavailable(_) => 503,
            #[cfg(feature = "remote")]
            Self::KeysUnavailable(_) => 503,
            Self::KeyRing(_)
            | Self::Key(_)
            | Self::NoUsableKey
            | Self::Sign(_)
            | Self::Encrypt(_)
            | Self::Random
            | Self::Serialize(_) => 500,
            Self::MissingToken
            | Self::Expired
            | Self::InvalidToken(_)
            | Self::SessionRevoked
            | Self::InvalidRefreshToken
            | Self::RefreshTokenExpired
            | Self::RefreshTokenReused
            | Self::Revoked
            | Self::Cookie(_) => 401,
        }
    }

    /// The RFC 6750 `WWW-Authenticate` value for this failure. It says only what a client
    /// may act on (no token; expired; invalid) and nothing of keys, claims or sessions.
    ///
    /// ```
    /// use jwt_auth::AuthError;
    /// assert_eq!(AuthError::MissingToken.www_authenticate("api"), r#"Bearer realm="api""#);
    /// assert_eq!(
    ///     AuthError::Expired.www_authenticate("api"),
    ///     r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#
    /// );
    /// ```
    #[must_use]
    pub fn www_authenticate(&self, realm: &str) -> String {
        let realm = quoted(realm);
        match self {
            Self::MissingToken
            | Self::StoreUnavailable(_)
            | Self::KeyRing(_)
            | Self::Key(_)
            | Self::NoUsableKey
            | Self::Sign(_)
            | Self::Encrypt(_)
            | Self::Random
            | Self::Serialize(_) => format!("Bearer realm={realm}"),
            #[cfg(feature = "remote")]
            Self::KeysUnavailable(_) => format!("Bearer realm={realm}"),
            Self::Expired => format!(
                "Bearer realm={realm}, error=\"invalid_token\", error_description=\"The access token expired\""
            ),
            _ => format!(
                "Bearer realm={realm}, error=\"invalid_token\", error_description=\"The access token is invalid\""
            ),
        }
    }
}

/// Why the refresh cookie cannot be read, or a cookie name cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieError {
    /// The `Cookie` header has no refresh cookie.
    Missing,
    /// The `Cookie` header carries the refresh cookie more than once (cookie tossing).
    Duplicate,
    /// The refresh cookie's value is not a refresh token.
    Malformed,
    /// A cookie name without the `__Host-` prefix (see
    /// [`CookieOptions::with_name_without_host_prefix`](crate::cookie::CookieOptions::with_name_without_host_prefix)).
    NameWithoutHostPrefix,
    /// A cookie name that is empty or holds characters a cookie name may not hold.
    InvalidName,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "no refresh cookie",
            Self::Duplicate => "the refresh cookie is present more than once",
            Self::Malformed => "the refresh cookie is not a refresh token",
            Self::NameWithoutHostPrefix => "the refresh cookie's name must start with __Host-",
            Self::InvalidName => "not a valid cookie name",
        })
    }
}

impl std::error::Error for CookieError {}

/// Why a stored key ring cannot be used, or a ring change cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyRingError {
    /// The key-encryption key is not 32 bytes.
    KeyEncryptionKeyLength,
    /// The ring does not open with the key-encryption key: a wrong key, or a document that
    /// was damaged or tampered with.
    Integrity,
    /// The stored ring is older than the one this issuer already holds (an old copy
    /// written back).
    Rollback {
        /// The version of the stored ring.
        stored: u64,
        /// The version already held.
        held: u64,
    },
    /// The document's format is not one this version of the crate reads (format 1, whose
    /// states were not integrity-protected, is refused: seal a new ring).
    UnsupportedFormat(u64),
    /// The store holds no key ring (it was deleted while the issuer ran).
    Missing,
    /// The ring has no active key.
    NoActiveKey,
    /// No key of the ring has this `kid`.
    UnknownKid,
    /// A key could not be generated, sealed or read back.
    Key(String),
}

impl fmt::Display for KeyRingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyEncryptionKeyLength => f.write_str("the key-encryption key must be 32 bytes"),
            Self::Integrity => f.write_str(
                "the key ring does not open: wrong key-encryption key, or a damaged or tampered document",
            ),
            Self::Rollback { stored, held } => write!(
                f,
                "the stored key ring (version {stored}) is older than the one held (version {held})"
            ),
            Self::UnsupportedFormat(n) => write!(f, "key ring format {n} is not supported"),
            Self::Missing => f.write_str("the store holds no key ring"),
            Self::NoActiveKey => f.write_str("the key ring has no active key"),
            Self::UnknownKid => f.write_str("no key of the ring has this kid"),
            Self::Key(why) => write!(f, "key error: {why}"),
        }
    }
}

impl std::error::Error for KeyRingError {}

/// A store failure, by what the caller can do about it. Messages are for logs; they never
/// hold a token's secret. The backend's own error is kept as `source()`.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend cannot be reached or has shut down (a stopped worker, a refused
    /// connection, a pool timeout): retrying later may succeed.
    Unavailable(String),
    /// The backend reported an error (kept as `source()`).
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// An id that must be unique exists already (a family, a token, a successor).
    Conflict(&'static str),
    /// The database schema is newer than this version of the crate understands.
    SchemaNewer {
        /// The schema version found.
        found: i64,
    },
    /// Stored data breaks an invariant of the store (a record vanished inside a
    /// transaction, a poisoned lock).
    Inconsistent(&'static str),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(why) => write!(f, "store unavailable: {why}"),
            Self::Backend(e) => write!(f, "store failed: {e}"),
            Self::Conflict(what) => write!(f, "store conflict: {what} already exists"),
            Self::SchemaNewer { found } => write!(
                f,
                "the database schema (version {found}) is newer than this version of jwt-auth"
            ),
            Self::Inconsistent(what) => write!(f, "store inconsistent: {what}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Backend(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}
