//! The registered algorithm names of RFC 7518, RFC 8037, RFC 8812 and RFC 9864, as types.
//!
//! A name that is not registered parses into the `Unknown` variant, so that a header can
//! be read and reported; no layer of this project ever signs, verifies, encrypts or
//! decrypts with an unknown algorithm.
//!
//! ```
//! use jwt_claims::Algorithm;
//!
//! assert_eq!("ES256".parse::<Algorithm>().unwrap(), Algorithm::ES256);
//! assert_eq!(Algorithm::PBES2_HS256_A128KW.as_str(), "PBES2-HS256+A128KW");
//! assert!(!Algorithm::from_name("HS257").is_known());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

macro_rules! registered_names {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $text, "`")] $variant, )*
            /// A name that is not registered; never accepted for a cryptographic operation.
            Unknown(String),
        }

        impl $name {
            /// Every registered name, in RFC order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The name as it appears in a JOSE header.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Unknown(name) => name,
                }
            }

            /// The value for a header name; an unregistered name gives `Unknown`.
            #[must_use]
            pub fn from_name(name: &str) -> Self {
                match name {
                    $( $text => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// Whether the name is registered (not `Unknown`).
            #[must_use]
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        /// The name; an unregistered one (which came from input) escaped and cut as
        /// [`crate::json::truncate`] does, since messages show it.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    Self::Unknown(name) => f.write_str(&crate::json::truncate(name)),
                    known => f.write_str(known.as_str()),
                }
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_name(s))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct NameVisitor;
                impl de::Visitor<'_> for NameVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_name(v))
                    }
                }
                deserializer.deserialize_str(NameVisitor)
            }
        }
    };
}

registered_names! {
    /// A `alg` header value: a JWS signature algorithm (RFC 7518 3, RFC 8037, RFC 8812) or
    /// a JWE key management algorithm (RFC 7518 4).
    pub enum Algorithm ("an algorithm name (string)") {
        HS256 => "HS256",
        HS384 => "HS384",
        HS512 => "HS512",
        RS256 => "RS256",
        RS384 => "RS384",
        RS512 => "RS512",
        ES256 => "ES256",
        ES384 => "ES384",
        ES512 => "ES512",
        ES256K => "ES256K",
        PS256 => "PS256",
        PS384 => "PS384",
        PS512 => "PS512",
        /// Deprecated by RFC 9864 in favour of the fully-specified `Ed25519`; still what
        /// most peers produce.
        EdDSA => "EdDSA",
        /// EdDSA over Ed25519, fully specified (RFC 9864).
        Ed25519 => "Ed25519",
        /// The unsecured JWS of RFC 7515 / RFC 7519 6: no signature at all.
        None => "none",
        RSA1_5 => "RSA1_5",
        RSA_OAEP => "RSA-OAEP",
        RSA_OAEP_256 => "RSA-OAEP-256",
        A128KW => "A128KW",
        A192KW => "A192KW",
        A256KW => "A256KW",
        Dir => "dir",
        ECDH_ES => "ECDH-ES",
        ECDH_ES_A128KW => "ECDH-ES+A128KW",
        ECDH_ES_A192KW => "ECDH-ES+A192KW",
        ECDH_ES_A256KW => "ECDH-ES+A256KW",
        A128GCMKW => "A128GCMKW",
        A192GCMKW => "A192GCMKW",
        A256GCMKW => "A256GCMKW",
        PBES2_HS256_A128KW => "PBES2-HS256+A128KW",
        PBES2_HS384_A192KW => "PBES2-HS384+A192KW",
        PBES2_HS512_A256KW => "PBES2-HS512+A256KW",
    }
}

impl Algorithm {
    /// Whether this is a JWS algorithm that produces a signature or MAC (`none` is not).
    #[must_use]
    pub fn is_signature(&self) -> bool {
        matches!(
            self,
            Self::HS256
                | Self::HS384
                | Self::HS512
                | Self::RS256
                | Self::RS384
                | Self::RS512
                | Self::ES256
                | Self::ES384
                | Self::ES512
                | Self::ES256K
                | Self::PS256
                | Self::PS384
                | Self::PS512
                | Self::EdDSA
                | Self::Ed25519
        )
    }

    /// Whether this is a JWE key management algorithm.
    #[must_use]
    pub fn is_key_management(&self) -> bool {
        self.is_known() && !self.is_signature() && *self != Self::None
    }
}

registered_names! {
    /// An `enc` header value: a JWE content encryption algorithm (RFC 7518 5).
    pub enum EncryptionAlgorithm ("a content encryption algorithm name (string)") {
        A128CBC_HS256 => "A128CBC-HS256",
        A192CBC_HS384 => "A192CBC-HS384",
        A256CBC_HS512 => "A256CBC-HS512",
        A128GCM => "A128GCM",
        A192GCM => "A192GCM",
        A256GCM => "A256GCM",
    }
}

registered_names! {
    /// A `zip` header value: a JWE compression algorithm (RFC 7516 4.1.3, RFC 7518 7.3).
    pub enum CompressionAlgorithm ("a compression algorithm name (string)") {
        /// DEFLATE (RFC 1951).
        Deflate => "DEF",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for alg in Algorithm::ALL {
            assert_eq!(&Algorithm::from_name(alg.as_str()), alg);
            let json = serde_json::to_string(alg).unwrap();
            assert_eq!(&serde_json::from_str::<Algorithm>(&json).unwrap(), alg);
        }
        for enc in EncryptionAlgorithm::ALL {
            assert_eq!(&EncryptionAlgorithm::from_name(enc.as_str()), enc);
        }
        assert_eq!(Algorithm::ALL.len(), 33);
    }

    #[test]
    fn unknown_names_are_kept_but_not_known() {
        let alg = Algorithm::from_name("hs256");
        assert_eq!(alg, Algorithm::Unknown("hs256".into()));
        assert!(!alg.is_known());
        assert!(!alg.is_signature());
        assert!(!alg.is_key_management());
        assert_eq!(alg.to_string(), "hs256");
        let hostile = Algorithm::from_name("\u{1b}[31mHS256\r\nok");
        assert_eq!(hostile.to_string(), "\\u{1b}[31mHS256\\r\\nok");
        assert_eq!(
            hostile.as_str(),
            "\u{1b}[31mHS256\r\nok",
            "the name itself is kept"
        );
    }

    #[test]
    fn classification() {
        assert!(Algorithm::EdDSA.is_signature());
        assert!(Algorithm::Ed25519.is_signature());
        assert!(!Algorithm::Ed25519.is_key_management());
        assert!(!Algorithm::None.is_signature());
        assert!(!Algorithm::None.is_key_management());
        assert!(Algorithm::Dir.is_key_management());
        assert!(Algorithm::ECDH_ES_A256KW.is_key_management());
    }

    #[test]
    fn non_string_is_an_error() {
        assert!(serde_json::from_str::<Algorithm>("256").is_err());
        assert!(serde_json::from_str::<Algorithm>("null").is_err());
    }
}
