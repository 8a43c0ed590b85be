//! # jwe
//!
//! JSON Web Encryption (RFC 7516) in pure Rust: a JWT is readable by anyone who holds it;
//! `jwe` is how its claims are hidden.
//!
//! - Key management (RFC 7518 4, RFC 8037): `dir`; `A128KW`, `A192KW`, `A256KW`;
//!   `A128GCMKW`, `A192GCMKW`, `A256GCMKW`; `ECDH-ES` and `ECDH-ES+A*KW` over P-256, P-384,
//!   P-521 and X25519; `RSA-OAEP`, `RSA-OAEP-256`; `PBES2-HS*+A*KW`. `RSA1_5` is refused
//!   (Bleichenbacher's padding oracle and its timing variant, the Marvin attack).
//! - Content encryption (RFC 7518 5): `A128GCM`, `A192GCM`, `A256GCM`, `A128CBC-HS256`,
//!   `A192CBC-HS384`, `A256CBC-HS512`, with a fresh random content key and IV per message.
//! - Keys bound to one algorithm ([`EncryptionKey`], [`DecryptionKey`]) from JWK, raw
//!   bytes or PEM.
//! - Compact serialization ([`encrypt`], [`Decrypter`]), JSON serializations ([`json`])
//!   and nested JWTs ([`nested`]).
//! - Optional `zip: DEF` compression with a cap on the inflated size.
//!
//! ```
//! use jwe::{Algorithm, Decrypter, DecryptionKey, EncryptOptions, EncryptionAlgorithm};
//!
//! let recipient = DecryptionKey::x25519(Algorithm::ECDH_ES, &[7u8; 32]).unwrap();
//! let token = jwe::encrypt(&recipient.encryption_key(), EncryptionAlgorithm::A256GCM,
//!     b"for your eyes only", &EncryptOptions::new()).unwrap();
//! assert_eq!(token.split('.').count(), 5);
//!
//! let decrypted = Decrypter::new(recipient).decrypt(&token).unwrap();
//! assert_eq!(decrypted.plaintext(), b"for your eyes only");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod json;
pub mod nested;

mod alg;
mod content;
mod decrypt;
mod encrypt;
mod error;
mod kdf;
mod key;
mod mgmt;
mod pem;
mod rng;
mod zip;

#[cfg(test)]
mod wycheproof_tests;

pub use decrypt::{DEFAULT_MAX_P2C, Decrypted, Decrypter};
pub use encrypt::{DEFAULT_P2C, EncryptOptions, encrypt};
pub use error::{Error, Failure, HeaderError};
pub use jws;
pub use jws::jwt_claims::{Algorithm, CompressionAlgorithm, EncryptionAlgorithm, Header, Limits};
pub use jws::{Curve, KeySpec};
pub use key::{DecryptionKey, EncryptionKey, MIN_RSA_BITS};
pub use pem::{jwk_from_pem, jwk_to_pem};
pub use zip::DEFAULT_MAX_INFLATED;

/// The crate README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
