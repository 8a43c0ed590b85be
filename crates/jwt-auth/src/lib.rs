//! Token-based authentication on JOSE, the way careful teams run it in production:
//!
//! - **Access tokens** are short-lived (30 minutes by default) RFC 9068 JWTs (`typ: at+jwt`,
//!   `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `client_id`, `scope`, the session id `sid`
//!   and the application's own claims), signed with EdDSA by default and checked by an
//!   [`Authenticator`] without any lookup. Optionally they are nested JWTs, encrypted so
//!   that a browser or proxy cannot read their claims.
//! - **Refresh tokens** are opaque random strings ([`RefreshToken`]: a lookup id and a
//!   256-bit secret, never a JWT). The [`Store`] keeps only the secret's SHA-256, with the
//!   user, the session (family), issue time, absolute and idle expiry and client metadata.
//! - **Rotation and reuse detection**: every refresh consumes the token and returns a new
//!   pair in the same session; presenting a consumed token revokes the whole session
//!   (RFC 9700 4.14.2) and says so ([`AuthError::RefreshTokenReused`]). Within a short
//!   grace period (10 s by default) a repeat of the latest rotation gets the same successor,
//!   so that two tabs refreshing at once never fork the session nor log the user out. The
//!   rule is one pure function ([`store::rotation::decide`]) that every store applies.
//! - **Logout** revokes the session, **logout everywhere** every session of the user; an
//!   optional bounded, in-process [`DenyList`] lets resource servers refuse the access
//!   tokens of a logged-out session before they expire (and fails closed when full).
//! - **Key rotation**: a [`KeyRing`] of signing keys by `kid` (`next`, `active`,
//!   `retiring`, `revoked`), sealed at rest under the application's
//!   [`KeyEncryptionKey`] (confidential and tamper-evident: states, kids and keys are all
//!   authenticated, and a rolled-back ring is refused), published as a JWK Set for
//!   resource servers.
//! - **Cookies**: the refresh token lives in an `HttpOnly; Secure; SameSite=Strict`
//!   `__Host-` cookie ([`cookie`]), the access token in memory.
//!
//! Nothing can recall a leaked token; the design makes leaks worthless instead: short
//! access-token lifetimes, refresh tokens that die on their second use, keys that rotate
//! and can be revoked.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cookie;
pub mod store;

mod authenticator;
mod authority;
mod clock;
mod deny;
mod error;
mod keyring;
mod party;
mod token;

pub use authenticator::Authenticator;
pub use authority::{
    Authority, AuthorityConfig, DEFAULT_ACCESS_TTL, DEFAULT_GRACE, DEFAULT_REFRESH_IDLE,
    DEFAULT_REFRESH_TTL, DEFAULT_REVOKED_KEY_RETENTION, LoginOptions, TokenPair,
};
pub use clock::ManualClock;
pub use cookie::CookieError;
pub use deny::{DenyList, Revocations, RevokeFuture};
#[cfg(feature = "redis")]
pub use deny::{RedisDenyList, RedisDenyListOptions};
pub use error::{AuthError, TokenError};
pub use keyring::{KeyEncryptionKey, KeyRing, KeyRingError, KeyState};
pub use party::{Audience, Issuer};
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{MemoryStore, Store, StoreError};
#[cfg(feature = "postgres")]
pub use store::{PostgresOptions, PostgresStore};
pub use token::{FamilyId, REFRESH_TOKEN_LEN, RefreshToken, SecretHash, TokenId};

pub use jwe;
pub use jws;

use serde::{Deserialize, Serialize};

/// The claims of an access token beyond the registered ones (RFC 9068 2.2): `client_id`,
/// `scope`, the session id `sid`, and the application's own claims `T`, flattened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims<T> {
    /// The client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Space-separated scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The session (refresh-token family) the token belongs to.
    pub sid: String,
    /// The application's claims.
    #[serde(flatten)]
    pub custom: T,
}

/// The crate README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
