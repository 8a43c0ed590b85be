//! # jwt-auth-axum
//!
//! [`jwt_auth`] in axum: extractors that give handlers the verified claims of the
//! request's access token ([`Authenticated`], [`MaybeAuthenticated`], [`Scoped`]), a
//! layer that protects a whole router ([`RequireAuthLayer`]), and refusals that follow
//! RFC 6750 ([`AuthRejection`]): 401 with `WWW-Authenticate` for a missing, invalid or
//! expired token, 403 `insufficient_scope`, 503 when the keys or the store cannot be had;
//! a JSON body `{"error": "...", "error_description": "..."}` that says nothing of keys,
//! claims or sessions; `Cache-Control: no-store`.
//!
//! The [`Authenticator`](jwt_auth::Authenticator) comes from the router's state
//! ([`Auth`]): on a static JWK Set, or (feature `remote`) on the issuer's remote one.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod extract;
pub mod issuer;
mod layer;
mod rejection;

pub use extract::{Auth, Authenticated, MaybeAuthenticated, Scope, Scoped};
pub use issuer::{IssuerConfig, issuer_router};
pub use layer::{RequireAuth, RequireAuthLayer};
pub use rejection::AuthRejection;

/// The crate README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
