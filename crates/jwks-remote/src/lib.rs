//! # jwks-remote
//!
//! A JWK Set fetched over HTTPS and kept fresh, as the source of trusted keys of a
//! [`jws::Verifier`]: resource servers follow the issuer's key rotation (and revocation)
//! by themselves.
//!
//! - [`RemoteJwkSet::new`] takes the set's URL; [`RemoteJwkSet::from_discovery`] finds it
//!   in the issuer's RFC 8414 or OpenID Connect metadata, whose `issuer` must be the
//!   configured one exactly.
//! - [`RemoteJwkSet::verify`] reads like [`jws::Verifier::verify`]; the cache-hit path
//!   takes no lock. `Cache-Control: max-age` is honoured within [1 min, 24 h].
//! - An unknown `kid` makes one refetch; fetches are at least a cooldown apart (30 s)
//!   and shared by all waiters, so random `kid`s cannot make a server hammer its issuer.
//! - Failed refreshes serve the last good set for a bounded time (24 h), then fail closed.
//! - `https` only (loopback `http` by opt-in), no redirects, 5 s timeout, 256 KiB cap,
//!   status 200 and JSON, the strict JWK Set parser, no private keys. All in [`Options`].
//! - The HTTP client is behind [`Fetcher`]; the default [`HttpFetcher`] (feature
//!   `reqwest`) is reqwest on rustls.
//! - `tracing` events for fetches and failures; counters in [`RemoteJwkSet::stats`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache_control;
mod discovery;
mod error;
mod fetch;
mod negative;
mod options;
mod remote;
#[cfg(feature = "reqwest")]
mod reqwest_fetcher;
mod set;
mod state;
mod stats;
mod url_policy;

pub use cache_control::freshness;
pub use discovery::DiscoveryDocument;
pub use error::{DiscoveryError, Error, FetchError};
pub use fetch::{BoxFuture, FetchRequest, Fetcher, FixedFetcher};
pub use options::{KeyPolicy, Options};
pub use remote::{KeyMiss, RemoteJwkSet};
#[cfg(feature = "reqwest")]
pub use reqwest_fetcher::HttpFetcher;
pub use stats::Stats;

/// Parses a fetched JWK Set document as a refresh does (strict parse, private keys
/// refused, the key policy) and returns the number of usable verifying keys: the entry
/// point of the fuzz target.
///
/// # Errors
/// [`FetchError`] naming why the set is refused.
#[doc(hidden)]
pub fn parse_set(json: &[u8], options: &Options) -> Result<usize, FetchError> {
    set::parse(json, options).map(|p| p.verifier.keys().len())
}

/// The crate README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
