//! Signing and verifying keys, each bound to exactly one algorithm when it is built.
//!
//! The algorithm of a key is chosen by whoever builds it, never by a token: a verifier
//! holding an RS256 key cannot be made to run HS256 with the RSA public key as the secret,
//! because the key refuses every algorithm but its own.

use std::borrow::Cow;
use std::fmt;

use jwt_claims::Algorithm;
use rsa::traits::PublicKeyParts;

use crate::hash::HashAlg;
use crate::{Curve, KeyError};

/// The smallest RSA modulus accepted, in bits (RFC 7518 3.3 and 3.5).
pub const MIN_RSA_BITS: usize = 2048;

/// What a key must be to serve an algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Hmac(HashAlg),
    Ed25519,
    P256,
    K256,
    P384,
    P521,
    RsaPkcs1(HashAlg),
    RsaPss(HashAlg),
}

impl Family {
    pub(crate) fn of(alg: &Algorithm) -> Result<Self, KeyError> {
        Ok(match alg {
            Algorithm::HS256 => Self::Hmac(HashAlg::Sha256),
            Algorithm::HS384 => Self::Hmac(HashAlg::Sha384),
            Algorithm::HS512 => Self::Hmac(HashAlg::Sha512),
            Algorithm::EdDSA | Algorithm::Ed25519 => Self::Ed25519,
            Algorithm::ES256 => Self::P256,
            Algorithm::ES256K => Self::K256,
            Algorithm::ES384 => Self::P384,
            Algorithm::ES512 => Self::P521,
            Algorithm::RS256 => Self::RsaPkcs1(HashAlg::Sha256),
            Algorithm::RS384 => Self::RsaPkcs1(HashAlg::Sha384),
            Algorithm::RS512 => Self::RsaPkcs1(HashAlg::Sha512),
            Algorithm::PS256 => Self::RsaPss(HashAlg::Sha256),
            Algorithm::PS384 => Self::RsaPss(HashAlg::Sha384),
            Algorithm::PS512 => Self::RsaPss(HashAlg::Sha512),
            other => return Err(KeyError::UnsupportedAlgorithm(other.clone())),
        })
    }

    pub(crate) const fn kind(self) -> KeyKind {
        match self {
            Self::Hmac(_) => KeyKind::Hmac,
            Self::Ed25519 => KeyKind::Ed25519,
            Self::P256 => KeyKind::P256,
            Self::K256 => KeyKind::K256,
            Self::P384 => KeyKind::P384,
            Self::P521 => KeyKind::P521,
            Self::RsaPkcs1(_) | Self::RsaPss(_) => KeyKind::Rsa,
        }
    }
}

/// The kinds of signature key: what a JWK without `alg` can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Hmac,
    Ed25519,
    P256,
    K256,
    P384,
    P521,
    Rsa,
}

impl KeyKind {
    /// The name used in error messages.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Hmac => "HMAC secret",
            Self::Ed25519 => "Ed25519",
            Self::P256 => "P-256",
            Self::K256 => "secp256k1",
            Self::P384 => "P-384",
            Self::P521 => "P-521",
            Self::Rsa => "RSA",
        }
    }

    /// Every algorithm a key of this kind can serve.
    pub(crate) const fn algorithms(self) -> &'static [Algorithm] {
        match self {
            Self::Hmac => &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512],
            Self::Ed25519 => &[Algorithm::EdDSA, Algorithm::Ed25519],
            Self::P256 => &[Algorithm::ES256],
            Self::K256 => &[Algorithm::ES256K],
            Self::P384 => &[Algorithm::ES384],
            Self::P521 => &[Algorithm::ES512],
            Self::Rsa => &[
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::PS256,
                Algorithm::PS384,
                Algorithm::PS512,
            ],
        }
    }
}

fn wrong_type(alg: &Algorithm, key: &'static str) -> KeyError {
    KeyError::WrongKeyType {
        alg: alg.clone(),
        key,
    }
}

fn invalid(what: &str) -> impl Fn(&dyn fmt::Display) -> KeyError + '_ {
    move |e| KeyError::Invalid(format!("{what}: {e}"))
}

/// The number of significant bits of a big-endian unsigned integer.
fn bit_len(be: &[u8]) -> usize {
    let mut it = be.iter().skip_while(|&&b| b == 0);
    match it.next() {
        None => 0,
        Some(&first) => (8 - first.leading_zeros() as usize) + 8 * it.count(),
    }
}

/// Checks that an RSA public key may be used: a modulus of at least [`MIN_RSA_BITS`] bits
/// (RFC 7518 3.3, 4.2, 4.3), without the ROCA fingerprint (CVE-2017-15361). Every RSA key
/// this crate (and `jwe`) builds passes here.
///
/// # Errors
/// [`KeyError::TooWeak`] for a smaller modulus; [`KeyError::RocaVulnerable`].
pub fn check_rsa_size(public: &rsa::PublicKey) -> Result<(), KeyError> {
    let n = public.n_bytes();
    let bits = bit_len(&n);
    if bits < MIN_RSA_BITS {
        return Err(KeyError::TooWeak(format!(
            "RSA modulus of {bits} bits is under {MIN_RSA_BITS} bits"
        )));
    }
    if crate::roca::has_fingerprint(&n) {
        return Err(KeyError::RocaVulnerable);
    }
    Ok(())
}

/// Joins the parts of a message, borrowing when there is only one.
fn joined<'a>(parts: &[&'a [u8]]) -> Cow<'a, [u8]> {
    match parts {
        [one] => Cow::Borrowed(one),
        many => Cow::Owned(many.concat()),
    }
}

pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), KeyError> {
    use rand_core::TryRng as _;
    getrandom::SysRng
        .try_fill_bytes(buf)
        .map_err(|_| KeyError::Random)
}

/// What a new key is made of beyond its algorithm: the RSA modulus size (both crates),
/// the content encryption a JWE `dir` key serves, the curve of a JWE `ECDH-ES*` key.
/// One shape for `jws::SigningKey::generate_with` and `jwe::DecryptionKey::generate_with`.
///
/// ```
/// use jws::{Algorithm, KeySpec, SigningKey};
///
/// let key = SigningKey::generate_with(Algorithm::PS256, &KeySpec::new().with_rsa_bits(3072))?;
/// assert_eq!(key.alg(), &Algorithm::PS256);
/// # Ok::<(), jws::KeyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    rsa_bits: usize,
    curve: Option<Curve>,
    enc: Option<jwt_claims::EncryptionAlgorithm>,
}

impl Default for KeySpec {
    fn default() -> Self {
        Self {
            rsa_bits: MIN_RSA_BITS,
            curve: None,
            enc: None,
        }
    }
}

impl KeySpec {
    /// The defaults: RSA keys of [`MIN_RSA_BITS`], no curve (P-256 for ECDH-ES), no `enc`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The modulus size of an RSA key (at least [`MIN_RSA_BITS`]).
    #[must_use]
    pub const fn with_rsa_bits(mut self, bits: usize) -> Self {
        self.rsa_bits = bits;
        self
    }

    /// The curve of a JWE `ECDH-ES*` key: P-256 (default), P-384, P-521 or X25519.
    #[must_use]
    pub const fn with_curve(mut self, crv: Curve) -> Self {
        self.curve = Some(crv);
        self
    }

    /// The content encryption a JWE `dir` key is for (it sets the key's length).
    #[must_use]
    pub fn with_enc(mut self, enc: jwt_claims::EncryptionAlgorithm) -> Self {
        self.enc = Some(enc);
        self
    }

    /// The RSA modulus size.
    #[must_use]
    pub const fn rsa_bits(&self) -> usize {
        self.rsa_bits
    }

    /// The curve, if one was chosen.
    #[must_use]
    pub const fn curve(&self) -> Option<Curve> {
        self.curve
    }

    /// The content encryption, if one was chosen.
    #[must_use]
    pub const fn enc(&self) -> Option<&jwt_claims::EncryptionAlgorithm> {
        self.enc.as_ref()
    }
}

impl KeyError {
    /// Names the kind of key given rather than the kind the algorithm wants.
    fn swap_kind(self, given: &'static str) -> Self {
        match self {
            Self::WrongKeyType { alg, .. } => Self::WrongKeyType { alg, key: given },
            other => other,
        }
    }
}

mod signing;
mod verifying;

pub(crate) use signing::SecretParts;
pub use signing::SigningKey;
pub(crate) use verifying::PublicParts;
pub use verifying::VerifyingKey;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length() {
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[0, 0]), 0);
        assert_eq!(bit_len(&[0, 1]), 1);
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(bit_len(&[0, 0x7f, 0xff]), 15);
    }

    #[test]
    fn every_signature_algorithm_has_a_family_and_others_do_not() {
        for alg in Algorithm::ALL {
            let family = Family::of(alg);
            assert_eq!(family.is_ok(), alg.is_signature(), "{alg}");
        }
    }

    #[test]
    fn keys_refuse_other_algorithms() {
        let secret = [7u8; 64];
        assert!(matches!(
            SigningKey::symmetric(Algorithm::RS256, &secret),
            Err(KeyError::WrongKeyType { .. })
        ));
        assert!(matches!(
            SigningKey::symmetric(Algorithm::None, &secret),
            Err(KeyError::UnsupportedAlgorithm(Algorithm::None))
        ));
        assert!(SigningKey::ecdsa(Algorithm::HS256, &[1; 32]).is_err());
        assert!(SigningKey::ecdsa(Algorithm::ES384, &[1; 32]).is_err());
        assert!(VerifyingKey::ecdsa_sec1(Algorithm::EdDSA, &[4; 65]).is_err());
    }

    #[test]
    fn hmac_secret_lengths() {
        assert!(SigningKey::symmetric(Algorithm::HS256, &[1; 31]).is_err());
        assert!(SigningKey::symmetric(Algorithm::HS256, &[1; 32]).is_ok());
        assert!(SigningKey::symmetric(Algorithm::HS384, &[1; 47]).is_err());
        assert!(SigningKey::symmetric(Algorithm::HS512, &[1; 63]).is_err());
        assert!(SigningKey::symmetric(Algorithm::HS512, &[1; 64]).is_ok());
        assert!(SigningKey::symmetric(Algorithm::HS256, b"").is_err());
    }

    #[test]
    fn hmac_refuses_pem_armoured_secrets() {
        let pem = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n";
        assert_eq!(
            SigningKey::symmetric(Algorithm::HS256, pem).unwrap_err(),
            KeyError::PublicKeyAsSecret
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let key =
            SigningKey::symmetric(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap();
        let shown = format!("{key:?} {:?}", key.verifying_key());
        assert!(!shown.contains("0123456789"), "{shown}");
        let ed = SigningKey::ed25519(&[9; 32]).unwrap();
        assert!(format!("{ed:?}").contains("redacted"));
    }

    #[test]
    fn sign_verify_each_kind_and_reject_wrong_lengths() {
        let keys = [
            SigningKey::symmetric(Algorithm::HS384, &[3; 48]).unwrap(),
            SigningKey::ed25519(&[4; 32]).unwrap(),
            SigningKey::ecdsa(Algorithm::ES256, &[5; 32]).unwrap(),
            SigningKey::ecdsa(Algorithm::ES384, &[5; 48]).unwrap(),
            SigningKey::ecdsa(Algorithm::ES512, &[[0, 1].as_slice(), &[5; 64]].concat()).unwrap(),
        ];
        for key in keys {
            let sig = key.sign(b"message").unwrap();
            let vk = key.verifying_key();
            assert!(vk.verify(b"message", &sig).is_ok(), "{:?}", key.alg());
            assert!(vk.verify(b"messagf", &sig).is_err());
            assert!(vk.verify(b"message", &sig[..sig.len() - 1]).is_err());
            let mut longer = sig.clone();
            longer.push(0);
            assert!(vk.verify(b"message", &longer).is_err());
            assert!(vk.verify(b"message", &[]).is_err());
        }
    }
}
