//! What can go wrong, sorted by what the application must do about it.

use std::fmt;

use crate::cookie::CookieError;
use crate::keyring::KeyRingError;
use crate::store::StoreError;

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
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotBearer => f.write_str("not a Bearer token"),
            Self::Signature(e) => e.fmt(f),
            Self::Encryption(e) => write!(f, "nested token: {e}"),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::NotBearer => None,
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
    /// refresh cookie included), 503 when the store is unavailable, 500 for server-side
    /// faults (keys, the key ring, the random generator, encoding).
    #[must_use]
    pub const fn status(&self) -> u16 {
        match self {
            Self::StoreUnavailable(_) => 503,
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
            Self::Expired => format!(
                "Bearer realm={realm}, error=\"invalid_token\", error_description=\"The access token expired\""
            ),
            _ => format!(
                "Bearer realm={realm}, error=\"invalid_token\", error_description=\"The access token is invalid\""
            ),
        }
    }
}
