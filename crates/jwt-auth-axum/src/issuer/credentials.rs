//! What the application supplies to the issuer router: the credential check.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use zeroize::Zeroizing;

/// A password as the login request carried it: zeroized on drop, redacted in `Debug`.
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password.
    #[must_use]
    pub fn new(password: String) -> Self {
        Self(Zeroizing::new(password))
    }

    /// The password, for the credential check.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A login attempt: what the request said, and who sent it.
#[derive(Debug)]
#[non_exhaustive]
pub struct LoginAttempt {
    /// The user name as given.
    pub username: String,
    /// The password.
    pub password: Password,
    /// The peer's address, when the server was started with
    /// `into_make_service_with_connect_info::<SocketAddr>()` (or the application put a
    /// `ConnectInfo<SocketAddr>` in the request's extensions, say from a trusted proxy
    /// header).
    pub client_ip: Option<IpAddr>,
    /// The `User-Agent` header, cut to 256 bytes.
    pub user_agent: Option<String>,
}

/// What a successful credential check grants: the session's subject, claims and scopes.
#[derive(Debug, Clone)]
pub struct Grant<T> {
    /// The subject (`sub`) of the session's access tokens: a stable user id, not the name
    /// typed in.
    pub subject: String,
    /// The application's claims, carried by every access token of the session.
    pub claims: T,
    /// The session's scopes (space-separated), if any.
    pub scope: Option<String>,
}

impl<T> Grant<T> {
    /// A grant for `subject` with `claims` and no scope.
    pub fn new(subject: impl Into<String>, claims: T) -> Self {
        Self {
            subject: subject.into(),
            claims,
            scope: None,
        }
    }

    /// With these space-separated scopes.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }
}

/// Why a credential check refused a login.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginError {
    /// Unknown user or wrong password (the client is not told which): 401
    /// `invalid_grant`.
    InvalidCredentials,
    /// Too many attempts for this account or address: 429 with `Retry-After`.
    Throttled {
        /// When to try again.
        retry_after: Duration,
    },
    /// The user directory cannot be reached: 503.
    Unavailable,
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidCredentials => f.write_str("invalid credentials"),
            Self::Throttled { retry_after } => {
                write!(f, "too many attempts; retry in {} s", retry_after.as_secs())
            }
            Self::Unavailable => f.write_str("the user directory is unavailable"),
        }
    }
}

impl std::error::Error for LoginError {}

/// The application's credential check. Implemented for closures
/// `Fn(LoginAttempt) -> impl Future<Output = Result<Grant<T>, LoginError>>`.
///
/// It should take the same time whether or not the user exists (hash a dummy password
/// for unknown users) and throttle by account and by address; the router does the rest
/// (origin, body, session, cookie, token).
pub trait CredentialCheck<T>: Send + Sync + 'static {
    /// Checks the attempt.
    fn check(
        &self,
        attempt: LoginAttempt,
    ) -> impl Future<Output = Result<Grant<T>, LoginError>> + Send;
}

impl<T, F, Fut> CredentialCheck<T> for F
where
    F: Fn(LoginAttempt) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Grant<T>, LoginError>> + Send,
{
    fn check(
        &self,
        attempt: LoginAttempt,
    ) -> impl Future<Output = Result<Grant<T>, LoginError>> + Send {
        self(attempt)
    }
}
