//! The key material of a JWK, by key type (RFC 7518 6, RFC 8037 2).

use std::fmt;

use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use zeroize::Zeroizing;

/// Secret key material: zeroized on drop, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps secret bytes.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The secret bytes. Handle with care.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The private members of an RSA JWK (RFC 7518 6.3.2). Multi-prime keys (`oth`) are not
/// supported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPrivate {
    /// Private exponent `d`.
    pub d: Secret,
    /// First prime factor `p`, second `q`, and the CRT values `dp`, `dq`, `qi`; either all
    /// present or none.
    pub crt: Option<RsaCrt>,
}

/// The CRT members of an RSA private JWK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaCrt {
    /// `p`.
    pub p: Secret,
    /// `q`.
    pub q: Secret,
    /// `dp`.
    pub dp: Secret,
    /// `dq`.
    pub dq: Secret,
    /// `qi`.
    pub qi: Secret,
}

/// A named curve (`crv`) of an `EC` or `OKP` JWK: the closed set this crate and `jwe`
/// implement (RFC 7518 6.2.1.1, RFC 8037 2, RFC 8812 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// `P-256` (ES256, ECDH-ES).
    P256,
    /// `secp256k1` (ES256K, RFC 8812).
    Secp256k1,
    /// `P-384` (ES384, ECDH-ES).
    P384,
    /// `P-521` (ES512, ECDH-ES).
    P521,
    /// `Ed25519` (EdDSA, an `OKP` key).
    Ed25519,
    /// `X25519` (ECDH-ES, an `OKP` key).
    X25519,
}

impl Curve {
    /// The registered `crv` name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::P256 => "P-256",
            Self::Secp256k1 => "secp256k1",
            Self::P384 => "P-384",
            Self::P521 => "P-521",
            Self::Ed25519 => "Ed25519",
            Self::X25519 => "X25519",
        }
    }

    /// The curve of a registered `crv` name, matched exactly.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "P-256" => Self::P256,
            "secp256k1" => Self::Secp256k1,
            "P-384" => Self::P384,
            "P-521" => Self::P521,
            "Ed25519" => Self::Ed25519,
            "X25519" => Self::X25519,
            _ => return None,
        })
    }

    /// Whether it is an `OKP` curve (RFC 8037) rather than an `EC` one.
    #[must_use]
    pub const fn is_okp(self) -> bool {
        matches!(self, Self::Ed25519 | Self::X25519)
    }

    /// The length in bytes of a coordinate, a scalar or an `OKP` key.
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Self::P256 | Self::Secp256k1 | Self::Ed25519 | Self::X25519 => 32,
            Self::P384 => 48,
            Self::P521 => 66,
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The key material of a JWK, by key type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyMaterial {
    /// `kty: oct`: a symmetric secret `k`.
    Oct {
        /// The secret.
        k: Secret,
    },
    /// `kty: OKP` (RFC 8037): `Ed25519` or `X25519`.
    Okp {
        /// `crv`: `Ed25519` or `X25519`.
        crv: Curve,
        /// The public key `x` (32 bytes).
        x: Vec<u8>,
        /// The private key `d` (32 bytes), if present.
        d: Option<Secret>,
    },
    /// `kty: EC`: `P-256`, `P-384` or `P-521`.
    Ec {
        /// `crv`: `P-256`, `secp256k1`, `P-384` or `P-521`.
        crv: Curve,
        /// The `x` coordinate, full length.
        x: Vec<u8>,
        /// The `y` coordinate, full length.
        y: Vec<u8>,
        /// The private scalar `d`, full length, if present.
        d: Option<Secret>,
    },
    /// `kty: RSA`.
    Rsa {
        /// Modulus `n`, big-endian, no leading zero.
        n: Vec<u8>,
        /// Public exponent `e`, big-endian, no leading zero.
        e: Vec<u8>,
        /// The private members, if present.
        private: Option<Box<RsaPrivate>>,
    },
}

impl KeyMaterial {
    /// `EC` material from an uncompressed SEC1 point (`04 || x || y`, as the RustCrypto
    /// curves write it) and an optional private scalar.
    #[must_use]
    pub fn ec_from_sec1(crv: Curve, point: &[u8], d: Option<Vec<u8>>) -> Self {
        let (x, y) = split_point(point);
        Self::Ec {
            crv,
            x,
            y,
            d: d.map(Secret::new),
        }
    }
}

pub(crate) fn rsa_public_material(key: &rsa::PublicKey) -> KeyMaterial {
    KeyMaterial::Rsa {
        n: strip_zeros(&key.n_bytes()),
        e: strip_zeros(&key.e_bytes()),
        private: None,
    }
}

pub(crate) fn rsa_private_material(key: &rsa::PrivateKey) -> KeyMaterial {
    let s = |b: Box<[u8]>| Secret::new(strip_zeros(&Zeroizing::new(b)));
    let crt = match (key.primes(), key.dp(), key.dq(), key.crt_coefficient()) {
        ([p, q], Some(dp), Some(dq), Some(qi)) => Some(RsaCrt {
            p: s(p.to_be_bytes()),
            q: s(q.to_be_bytes()),
            dp: s(dp.to_be_bytes()),
            dq: s(dq.to_be_bytes()),
            qi: s(qi.to_be_bytes()),
        }),
        _ => None,
    };
    let public = key.as_public_key();
    KeyMaterial::Rsa {
        n: strip_zeros(&public.n_bytes()),
        e: strip_zeros(&public.e_bytes()),
        private: Some(Box::new(RsaPrivate {
            d: s(key.d().to_be_bytes()),
            crt,
        })),
    }
}

pub(crate) fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let first = b
        .iter()
        .position(|&x| x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    b.get(first..).unwrap_or_default().to_vec()
}

fn split_point(point: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let coords = point.get(1..).unwrap_or_default();
    let (x, y) = coords.split_at(coords.len() / 2);
    (x.to_vec(), y.to_vec())
}
