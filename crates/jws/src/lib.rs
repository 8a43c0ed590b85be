//! # jws
//!
//! JSON Web Signature (RFC 7515) in pure Rust. A verified token proves that a key you
//! trust produced it; nothing more.
//!
//! - Keys are bound to exactly one algorithm when they are built ([`SigningKey`],
//!   [`VerifyingKey`]); a token's `alg` only has to agree with the key, it never chooses.
//! - HS256/384/512, EdDSA (Ed25519, strict verification), ES256/384/512 (P1363 `r || s`),
//!   RS256/384/512 and PS256/384/512 (RSA keys of 2048 bits or more).
//! - [`Jwk`] and [`JwkSet`] (RFC 7517, 7518, 8037), thumbprints (RFC 7638).
//! - [`Verifier`] picks the key by `kid`, verifies, then parses and validates the claims
//!   into [`Verified`], the only way to get one.
//! - Compact serialization, detached payloads and RFC 7797 unencoded payloads; JSON
//!   serialization (general and flattened) in [`json`].
//!
//! Everything a JWT user needs from [`jwt_claims`] is re-exported here.
//!
//! ```
//! use std::time::Duration;
//! use jws::{Algorithm, Claims, NumericDate, SigningKey, Validation, Verifier};
//!
//! let key = SigningKey::generate(Algorithm::EdDSA).unwrap().with_kid("2026-11");
//! let claims = Claims::new(())
//!     .with_issuer("https://auth.example")
//!     .with_subject("user-1")
//!     .with_audience("api")
//!     .with_lifetime(NumericDate::now(), Duration::from_secs(30 * 60));
//! let token = jws::sign(&key, &claims).unwrap();
//!
//! let verifier = Verifier::new(key.verifying_key());
//! let policy = Validation::new().with_issuer("https://auth.example").with_audience("api");
//! let verified = verifier.verify::<()>(&token, &policy).unwrap();
//! assert_eq!(verified.claims().sub.as_deref(), Some("user-1"));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod json;
pub mod select;

mod error;
mod hash;
mod hmac_key;
mod jwk;
mod jwk_set;
mod key;
mod pem;
mod roca;
mod sign;
mod verify;

pub use error::{Error, JwkError, KeyError};
pub use jwk::{Curve, Jwk, KeyMaterial, KeyOperation, KeyUse, RsaCrt, RsaPrivate, Secret};
pub use jwk_set::JwkSet;
pub use jwt_claims::{
    self, Algorithm, Audience, AudienceRef, Claims, ClaimsRef, Clock, FixedClock, Header, Limits,
    NumericDate, PolicyError, RegisteredClaim, RegisteredClaims, SystemClock, Unverified,
    Validation, ValidationError, base64url,
};
#[doc(hidden)]
pub use key::check_rsa_size;
pub use key::{KeySpec, MIN_RSA_BITS, SigningKey, VerifyingKey};
#[doc(hidden)]
pub use pem::{pem_document, pem_encode};
pub use sign::{SignOptions, sign, sign_payload, sign_with_header};
pub use verify::{Verified, VerifiedPayload, VerifiedRef, Verifier};

/// The crate README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The workspace README's Rust snippets (`jws` and `jwt-claims`), compiled and run as
/// doctests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct WorkspaceReadmeDoctests;
