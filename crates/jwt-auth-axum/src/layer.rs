//! A tower layer that refuses every request of a router without a valid access token.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::Request;
use jwt_auth::AccessClaims;
use jwt_auth::jws::Verified;
use serde::de::DeserializeOwned;
use tower::{Layer, Service};

use crate::Auth;

/// Protects every route of a router: a request without a valid access token is refused
/// (401/503, as the extractors do) before any handler runs; a valid one's
/// `Verified<AccessClaims<T>>` goes into the request's extensions, where
/// [`Authenticated<T>`](crate::Authenticated) takes it without verifying again.
///
/// ```
/// use axum::{Router, routing::get};
/// use jwt_auth_axum::{Auth, Authenticated, RequireAuthLayer};
///
/// async fn me(Authenticated(token): Authenticated<()>) -> String {
///     token.claims().sub.clone().unwrap_or_default()
/// }
///
/// fn api(auth: Auth) -> Router {
///     Router::new()
///         .route("/me", get(me))
///         .layer(RequireAuthLayer::<()>::new(auth.clone()))
///         .with_state(auth)
/// }
/// ```
#[derive(Debug)]
pub struct RequireAuthLayer<T> {
    auth: Auth,
    claims: PhantomData<fn() -> T>,
}

impl<T> RequireAuthLayer<T> {
    /// Checks tokens with `auth`; `T` is the application's claims.
    #[must_use]
    pub const fn new(auth: Auth) -> Self {
        Self {
            auth,
            claims: PhantomData,
        }
    }
}

impl<T> Clone for RequireAuthLayer<T> {
    fn clone(&self) -> Self {
        Self::new(self.auth.clone())
    }
}

impl<S, T> Layer<S> for RequireAuthLayer<T> {
    type Service = RequireAuth<S, T>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireAuth {
            inner,
            auth: self.auth.clone(),
            claims: PhantomData,
        }
    }
}

/// The service of [`RequireAuthLayer`].
#[derive(Debug)]
pub struct RequireAuth<S, T> {
    inner: S,
    auth: Auth,
    claims: PhantomData<fn() -> T>,
}

impl<S: Clone, T> Clone for RequireAuth<S, T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            auth: self.auth.clone(),
            claims: PhantomData,
        }
    }
}

impl<S, T> Service<Request<Body>> for RequireAuth<S, T>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        // The clone that was made ready is the one that serves (tower's rule).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            match auth.check::<T>(request.headers()).await {
                Ok(verified) => {
                    request
                        .extensions_mut()
                        .insert::<Verified<AccessClaims<T>>>(verified);
                    inner.call(request).await
                }
                Err(rejection) => Ok(rejection.into_response()),
            }
        })
    }
}
