//! Extractors: the verified claims of the request's access token.

use std::marker::PhantomData;
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use http::{HeaderMap, header};
use jwt_auth::jws::Verified;
use jwt_auth::{AccessClaims, AuthError, Authenticator, TokenError};
use serde::de::DeserializeOwned;

use crate::AuthRejection;

/// The authenticator of a router, and the realm its refusals name: put it in the
/// router's state (or make it `FromRef` of the state).
///
/// ```
/// use std::sync::Arc;
/// use jwt_auth::{Audience, Authenticator, Issuer};
/// use jwt_auth::jws::JwkSet;
/// use jwt_auth_axum::Auth;
///
/// # fn build(jwks: &JwkSet) -> Result<(), jwt_auth::AuthError> {
/// let authenticator = Authenticator::new(jwks, &Issuer::new("https://auth.example"), &Audience::new("api"))?;
/// let auth = Auth::new(Arc::new(authenticator)).with_realm("api");
/// let app: axum::Router = axum::Router::new().with_state(auth);
/// # Ok(()) }
/// ```
///
/// Clones share the authenticator: [`Auth::replace`] on one (say, after the issuer's
/// keys rotated) changes it for every clone.
#[derive(Debug, Clone)]
pub struct Auth {
    authenticator: Arc<ArcSwap<Authenticator>>,
    realm: Arc<str>,
}

impl Auth {
    /// Checks tokens with this authenticator; the realm is `api`.
    #[must_use]
    pub fn new(authenticator: Arc<Authenticator>) -> Self {
        Self {
            authenticator: Arc::new(ArcSwap::new(authenticator)),
            realm: Arc::from("api"),
        }
    }

    /// Checks tokens with `authenticator` from now on, in this `Auth` and every clone of
    /// it: an issuer that verifies its own tokens replaces its authenticator after it
    /// rotates or revokes keys. Requests being checked finish with the one they started
    /// with.
    pub fn replace(&self, authenticator: Arc<Authenticator>) {
        self.authenticator.store(authenticator);
    }

    /// Names this realm in `WWW-Authenticate`.
    #[must_use]
    pub fn with_realm(mut self, realm: &str) -> Self {
        self.realm = Arc::from(realm);
        self
    }

    /// The authenticator in use.
    #[must_use]
    pub fn authenticator(&self) -> Arc<Authenticator> {
        self.authenticator.load_full()
    }

    /// Checks the request's `Authorization` header.
    ///
    /// # Errors
    /// [`AuthRejection`] (401, 503 or 500).
    pub async fn check<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
    ) -> Result<Verified<AccessClaims<T>>, AuthRejection> {
        let reject = |e| AuthRejection::auth(e, Arc::clone(&self.realm));
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let value = match (values.next(), values.next()) {
            (None, _) => return Err(reject(AuthError::MissingToken)),
            // Two credentials: which one counts would be a guess (RFC 6750 3.1).
            (Some(_), Some(_)) => {
                return Err(reject(AuthError::InvalidToken(TokenError::NotBearer)));
            }
            (Some(value), None) => value
                .to_str()
                .map_err(|_| reject(AuthError::InvalidToken(TokenError::NotBearer)))?,
        };
        self.authenticator
            .load_full()
            .authenticate_async::<T>(value)
            .await
            .map_err(reject)
    }

    pub(crate) fn realm(&self) -> Arc<str> {
        Arc::clone(&self.realm)
    }
}

/// The verified access token of the request; refuses the request (401 with RFC 6750
/// `WWW-Authenticate`) without one. `T` is the application's claims.
///
/// Behind [`RequireAuthLayer`](crate::RequireAuthLayer) with the same `T`, the token
/// the layer verified is taken, not verified again.
#[derive(Debug, Clone)]
pub struct Authenticated<T>(pub Verified<AccessClaims<T>>);

impl<T> Authenticated<T> {
    /// The claims.
    #[must_use]
    pub fn claims(&self) -> &jwt_auth::jws::Claims<AccessClaims<T>> {
        self.0.claims()
    }

    /// Whether the token grants `scope` (its space-separated `scope` claim holds it,
    /// compared exactly, RFC 6749 3.3).
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        has_scope(&self.0, scope)
    }
}

pub(crate) fn has_scope<T>(verified: &Verified<AccessClaims<T>>, scope: &str) -> bool {
    verified
        .claims()
        .custom
        .scope
        .as_deref()
        .is_some_and(|s| s.split(' ').any(|granted| granted == scope))
}

impl<S, T> FromRequestParts<S> for Authenticated<T>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(verified) = parts.extensions.remove::<Verified<AccessClaims<T>>>() {
            return Ok(Self(verified));
        }
        Auth::from_ref(state).check(&parts.headers).await.map(Self)
    }
}

/// The verified access token of the request, if it brings one: no `Authorization`
/// header gives `None`; a token that is present but refused still refuses the request
/// (a client with a bad token learns it, instead of being served as anonymous).
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated<T>(pub Option<Verified<AccessClaims<T>>>);

impl<S, T> FromRequestParts<S> for MaybeAuthenticated<T>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(Self(None));
        }
        Authenticated::<T>::from_request_parts(parts, state)
            .await
            .map(|Authenticated(v)| Self(Some(v)))
    }
}

/// A scope a route requires, as a type: `struct Admin; impl Scope for Admin { const NAME:
/// &'static str = "admin"; }`.
pub trait Scope {
    /// The scope's name, as in the token's `scope` claim.
    const NAME: &'static str;
}

/// The verified access token of the request, which must grant the scope `S`: a valid
/// token without it is refused with 403 `insufficient_scope` (fail closed).
#[derive(Debug, Clone)]
pub struct Scoped<S, T>(pub Verified<AccessClaims<T>>, PhantomData<S>);

impl<S, T> Scoped<S, T> {
    /// The claims.
    #[must_use]
    pub fn claims(&self) -> &jwt_auth::jws::Claims<AccessClaims<T>> {
        self.0.claims()
    }
}

impl<St, S, T> FromRequestParts<St> for Scoped<S, T>
where
    Auth: FromRef<St>,
    St: Send + Sync,
    S: Scope,
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let Authenticated(verified) = Authenticated::<T>::from_request_parts(parts, state).await?;
        if !has_scope(&verified, S::NAME) {
            return Err(AuthRejection::insufficient_scope(
                S::NAME,
                Auth::from_ref(state).realm(),
            ));
        }
        Ok(Self(verified, PhantomData))
    }
}
