//! The issuer's endpoints as a router: login, refresh, logout, logout everywhere, the
//! JWK Set and RFC 8414 metadata.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use jwt_auth::cookie::CookieOptions;
use jwt_auth::{Authority, Store};
use serde::Serialize;
use serde::de::DeserializeOwned;

mod credentials;
mod error;
mod handlers;
mod origin;

pub use credentials::{CredentialCheck, Grant, LoginAttempt, LoginError, Password};
pub use error::IssuerRejection;
pub use origin::OriginError;

/// The default bound on request bodies: 4 KiB, ample for a user name and a password.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024;

/// How the issuer router serves: the allowed origins, the refresh cookie, the body
/// bound, the JWK Set's cache lifetime.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    origins: origin::Origins,
    cookie: CookieOptions,
    body_limit: usize,
    jwks_max_age: Duration,
    jwks_uri: Option<String>,
}

impl IssuerConfig {
    /// The origins (`scheme://host[:port]`) whose pages may call the cookie endpoints
    /// (`/login`, `/refresh`, `/logout`, `/logout-all`). A request without an `Origin`
    /// header, or with another one, is refused with 403: browsers send `Origin` on every
    /// `POST`, so only a forged cross-site request (or a non-browser client, which has no
    /// business with a cookie) goes without.
    ///
    /// Defaults: the `__Host-refresh` cookie ([`CookieOptions::new`]), bodies of at most
    /// [`DEFAULT_BODY_LIMIT`], a JWK Set cached for 5 minutes, `jwks_uri` at
    /// `{issuer}/.well-known/jwks.json`.
    ///
    /// # Errors
    /// [`OriginError`] for anything that is not an `http`/`https` origin.
    pub fn new<'a>(
        allowed_origins: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, OriginError> {
        Ok(Self {
            origins: origin::Origins::new(allowed_origins)?,
            cookie: CookieOptions::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            jwks_max_age: Duration::from_secs(300),
            jwks_uri: None,
        })
    }

    /// How the refresh cookie is named and written.
    #[must_use]
    pub fn with_cookie(mut self, cookie: CookieOptions) -> Self {
        self.cookie = cookie;
        self
    }

    /// The largest request body accepted (413 beyond).
    #[must_use]
    pub const fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The schedule on which the application calls
    /// [`Authority::rotate_keys`]: the JWK Set is then cached for half of it (at least
    /// a minute, at most a day). A key is published as `next` one interval before it signs,
    /// so every resource server that honours `Cache-Control` has it before its first
    /// token, with half an interval to spare. (A revoked key is another matter: resource
    /// servers learn of it when their cache expires, so keep the interval short, or make
    /// them refetch on an unknown `kid`, which `jwks-remote` does.)
    #[must_use]
    pub fn with_key_rotation(mut self, interval: Duration) -> Self {
        self.jwks_max_age =
            (interval / 2).clamp(Duration::from_secs(60), Duration::from_secs(86_400));
        self
    }

    /// The `jwks_uri` the metadata names, when the router is not mounted at the
    /// issuer's root.
    #[must_use]
    pub fn with_jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
        self
    }

    /// The JWK Set's `Cache-Control: max-age`.
    #[must_use]
    pub const fn jwks_max_age(&self) -> Duration {
        self.jwks_max_age
    }
}

/// The issuer's endpoints, to mount at the issuer's root (`Router::merge`) or under a
/// prefix (`Router::nest`, then say where the JWK Set is with
/// [`IssuerConfig::with_jwks_uri`]):
///
/// | | |
/// |---|---|
/// | `POST /login` | JSON `{"username", "password"}` → `credentials` → a new session: the access token in JSON (`access_token`, `token_type`, `expires_in`, `expires_at`, `scope`), the refresh token in its cookie |
/// | `POST /refresh` | the refresh cookie, rotated: a new cookie and a new access token |
/// | `POST /logout` | the cookie's session revoked, the cookie cleared (204) |
/// | `POST /logout-all` | every session of the cookie's user revoked, the cookie cleared |
/// | `GET /.well-known/jwks.json` | the public keys, `Cache-Control: public, max-age` per [`IssuerConfig::with_key_rotation`] |
/// | `GET /.well-known/oauth-authorization-server` | RFC 8414 metadata: `issuer`, `jwks_uri`, the signing algorithms |
///
/// The cookie endpoints take `POST` only (405 otherwise), check `Origin` against the
/// allow-list (403 `invalid_origin`, a missing one too), bound the body (413), answer
/// `Cache-Control: no-store`, and refuse with `{"error": "...", "error_description":
/// "..."}` ([`IssuerRejection`]). A session that has ended (refresh token unknown,
/// expired, reused or revoked) gets 401 `invalid_grant` and its cookie cleared.
pub fn issuer_router<S, T, C>(
    authority: Arc<Authority<S, T>>,
    credentials: C,
    config: IssuerConfig,
) -> Router
where
    S: Store,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    C: CredentialCheck<T>,
{
    let state = Arc::new(handlers::State {
        authority,
        credentials,
        config,
    });
    Router::new()
        .route("/login", post(handlers::login::<S, T, C>))
        .route("/refresh", post(handlers::refresh::<S, T, C>))
        .route("/logout", post(handlers::logout::<S, T, C>))
        .route("/logout-all", post(handlers::logout_all::<S, T, C>))
        .route("/.well-known/jwks.json", get(handlers::jwks::<S, T, C>))
        .route(
            "/.well-known/oauth-authorization-server",
            get(handlers::metadata::<S, T, C>),
        )
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .with_state(state)
}
