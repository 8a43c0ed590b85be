//! # jwt-claims
//!
//! The JSON Web Token as what it is: a representation. A claim set is JSON, base64url
//! encoded; anyone can read it and anyone can change it. This crate models exactly that,
//! strictly, and nothing more: no cryptography is compiled in.
//!
//! - [`base64url`]: strict, canonical, unpadded base64url (RFC 7515 2).
//! - [`Header`]: every registered JOSE header parameter, typed, extensions kept.
//! - [`Claims`]: the registered claims of RFC 7519 with your own claims through serde.
//! - [`NumericDate`]: seconds since the epoch, strictly parsed.
//! - [`Validation`]: `exp`, `nbf`, `iat`, `iss`, `aud`, `sub`, `typ` against a policy and an
//!   injectable [`Clock`].
//! - [`JwsCompact`] / [`JweCompact`]: the compact format, split without copying.
//! - [`unsecured`]: reading a token without verification ([`Unverified`]) and the
//!   unsecured JWT (`alg: none`).
//!
//! Signatures are the `jws` crate's business, encryption the `jwe` crate's.
//!
//! ```
//! use std::time::Duration;
//! use jwt_claims::{Claims, FixedClock, Limits, NumericDate, Validation, unsecured};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Roles {
//!     roles: Vec<String>,
//! }
//!
//! let now = NumericDate::from_secs(1_800_000_000).unwrap();
//! let claims = Claims::new(Roles { roles: vec!["admin".into()] })
//!     .with_issuer("https://auth.example")
//!     .with_subject("user-42")
//!     .with_audience("api")
//!     .with_lifetime(now, Duration::from_secs(30 * 60));
//! let token = unsecured::encode(&claims).unwrap();
//!
//! let read = unsecured::insecure_decode::<Roles>(&token, &Limits::default()).unwrap();
//! let policy = Validation::new()
//!     .with_issuer("https://auth.example")
//!     .with_audience("api")
//!     .with_clock(FixedClock(now));
//! read.validate(&policy).unwrap();
//! assert_eq!(read.claims().custom.roles, ["admin"]);
//! ```
//!
//! Items hidden from this documentation (`KnownHeaders`, `base64url::decode_in` and
//! `decode_to_*`, `json::truncate`, `check_depth`, `value_from_slice` and their kin) are
//! plumbing shared with `jws` and `jwe` for speed. They are not part of the API: a
//! release may change them without a major version.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod base64url;
pub mod json;
pub mod unsecured;

mod algorithm;
mod claims;
mod compact;
mod error;
mod header;
mod known_headers;
mod limits;
mod numeric_date;
mod registered;
mod validation;

pub use algorithm::{Algorithm, CompressionAlgorithm, EncryptionAlgorithm};
pub use base64url::Base64Error;
pub use claims::{Audience, AudienceRef, Claims, ClaimsRef};
pub use compact::{JweCompact, JwsCompact};
pub use error::{CritError, Error, Segment, ValidationError};
pub use header::{Header, REGISTERED_PARAMETERS};
pub use json::{JsonError, JsonObject};
#[doc(hidden)]
pub use known_headers::KnownHeaders;
pub use limits::Limits;
pub use numeric_date::{NumericDate, NumericDateError};
pub use registered::RegisteredClaim;
pub use unsecured::Unverified;
pub use validation::{Clock, FixedClock, PolicyError, RegisteredClaims, SystemClock, Validation};

/// The crate README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
