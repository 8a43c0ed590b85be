//! Verifying keys: public keys (or, for HMAC, shared secrets) bound to one algorithm.

use std::fmt;

use ed25519_dalek::Verifier as _;
use jwt_claims::Algorithm;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss};
use sha2::{Sha256, Sha384, Sha512};

use super::{Family, check_rsa_size, invalid, joined, wrong_type};
use crate::hash::HashAlg;
use crate::hmac_key::HmacKey;
use crate::{Curve, Error, KeyError};

#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(super) enum VerifyInner {
    Hmac(HmacKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    K256(k256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(Box<p521::ecdsa::VerifyingKey>),
    Rsa(Box<rsa::PublicKey>),
}

/// A public key (or, for HMAC, a shared secret) that verifies exactly one algorithm.
///
/// ```
/// use jws::{Algorithm, VerifyingKey};
///
/// // RFC 8037 A.2: an Ed25519 public key.
/// let x = jws::base64url::decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
/// let key = VerifyingKey::ed25519(&x).unwrap();
/// assert_eq!(key.alg(), &Algorithm::EdDSA);
/// ```
#[derive(Clone)]
pub struct VerifyingKey {
    alg: Algorithm,
    /// Shared, so that a verified token names its key without a copy.
    kid: Option<std::sync::Arc<str>>,
    inner: VerifyInner,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner {
            VerifyInner::Hmac(_) => "HMAC secret <redacted>",
            VerifyInner::Ed25519(_) => "Ed25519",
            VerifyInner::P256(_) => "P-256",
            VerifyInner::K256(_) => "secp256k1",
            VerifyInner::P384(_) => "P-384",
            VerifyInner::P521(_) => "P-521",
            VerifyInner::Rsa(_) => "RSA",
        };
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("key", &kind)
            .finish()
    }
}

impl VerifyingKey {
    pub(super) fn bind(alg: Algorithm, inner: VerifyInner) -> Self {
        Self {
            alg,
            kid: None,
            inner,
        }
    }

    /// An HMAC key (`HS256`, `HS384`, `HS512`) from the shared secret.
    ///
    /// # Errors
    /// As [`SigningKey::symmetric`](crate::SigningKey::symmetric).
    pub fn symmetric(alg: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        match Family::of(&alg)? {
            Family::Hmac(hash) => Ok(Self::bind(
                alg,
                VerifyInner::Hmac(HmacKey::new(hash, secret)?),
            )),
            f => Err(wrong_type(&alg, f.kind().name()).swap_kind("HMAC secret")),
        }
    }

    /// An Ed25519 public key (`EdDSA`) from its 32 bytes. Small-order (weak) keys are
    /// refused.
    ///
    /// # Errors
    /// [`KeyError::Invalid`] for a wrong length, a non-point or a small-order point.
    pub fn ed25519(public: &[u8]) -> Result<Self, KeyError> {
        Self::ed25519_for(Algorithm::EdDSA, public)
    }

    /// An Ed25519 public key bound to `alg`: `EdDSA` (RFC 8037) or `Ed25519` (RFC 9864).
    ///
    /// **Policy.** The two names denote the same signature scheme, but a key answers only
    /// to the name it is bound to: a key bound to `EdDSA` verifies tokens labelled
    /// `EdDSA`, one bound to `Ed25519` tokens labelled `Ed25519`, as for every other
    /// algorithm. A JWK that names neither (no `alg`) serves each of the two that the
    /// verifier allows ([`Verifier::from_jwk_set`](crate::Verifier::from_jwk_set)), so
    /// that a set of keys without `alg` accepts both labels when asked to.
    ///
    /// # Errors
    /// As [`VerifyingKey::ed25519`]; [`KeyError::WrongKeyType`] or
    /// [`KeyError::UnsupportedAlgorithm`] for another algorithm.
    pub fn ed25519_for(alg: Algorithm, public: &[u8]) -> Result<Self, KeyError> {
        if Family::of(&alg)? != Family::Ed25519 {
            return Err(wrong_type(&alg, "Ed25519"));
        }
        let bytes: &[u8; 32] = public
            .try_into()
            .map_err(|_| KeyError::Invalid("an Ed25519 public key is 32 bytes".into()))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::Invalid("not an Ed25519 point".into()))?;
        if key.is_weak() {
            return Err(KeyError::Invalid("small-order Ed25519 public key".into()));
        }
        Ok(Self::bind(alg, VerifyInner::Ed25519(key)))
    }

    /// An ECDSA public key (`ES256`, `ES256K`, `ES384`, `ES512`) from its SEC1 encoding
    /// (uncompressed `04 || x || y` or compressed). The point must be on the curve.
    ///
    /// # Errors
    /// [`KeyError`] for another algorithm or an invalid point.
    pub fn ecdsa_sec1(alg: Algorithm, sec1: &[u8]) -> Result<Self, KeyError> {
        let e = invalid("EC public key");
        let inner = match Family::of(&alg)? {
            Family::P256 => VerifyInner::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|x| e(&x))?,
            ),
            Family::K256 => VerifyInner::K256(
                k256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|x| e(&x))?,
            ),
            Family::P384 => VerifyInner::P384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|x| e(&x))?,
            ),
            Family::P521 => VerifyInner::P521(Box::new(
                p521::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|x| e(&x))?,
            )),
            f => return Err(wrong_type(&alg, f.kind().name()).swap_kind("EC")),
        };
        Ok(Self::bind(alg, inner))
    }

    /// An RSA public key (`RS*`, `PS*`) of at least 2048 bits.
    ///
    /// # Errors
    /// [`KeyError`] for a non-RSA algorithm or a key under 2048 bits.
    pub fn rsa(alg: Algorithm, key: rsa::PublicKey) -> Result<Self, KeyError> {
        match Family::of(&alg)? {
            Family::RsaPkcs1(_) | Family::RsaPss(_) => {
                check_rsa_size(&key)?;
                Ok(Self::bind(alg, VerifyInner::Rsa(Box::new(key))))
            }
            f => Err(wrong_type(&alg, f.kind().name()).swap_kind("RSA")),
        }
    }

    /// An RSA public key from its modulus and exponent, big-endian.
    ///
    /// # Errors
    /// As [`VerifyingKey::rsa`], or [`KeyError::Invalid`] for invalid components.
    pub fn rsa_components(alg: Algorithm, n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let key = rsa::PublicKey::new(
            rsa::BoxedUint::from_be_slice_vartime(n),
            rsa::BoxedUint::from_be_slice_vartime(e),
        )
        .map_err(|x| invalid("RSA public key")(&x))?;
        Self::rsa(alg, key)
    }

    /// This key with a key ID, matched against the `kid` of tokens.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(std::sync::Arc::from(kid.into()));
        self
    }

    /// The algorithm this key verifies.
    #[must_use]
    pub const fn alg(&self) -> &Algorithm {
        &self.alg
    }

    /// The key ID, if any.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key ID, shared.
    pub(crate) fn shared_kid(&self) -> Option<std::sync::Arc<str>> {
        self.kid.clone()
    }

    /// Whether this is a shared secret (HMAC) rather than a public key.
    #[must_use]
    pub const fn is_secret(&self) -> bool {
        matches!(self.inner, VerifyInner::Hmac(_))
    }

    /// Whether `signature` is a valid signature of the concatenation of `parts` under this
    /// key. Signatures of the wrong length are invalid; MACs are compared in constant time.
    pub(crate) fn verify_parts(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        match &self.inner {
            VerifyInner::Hmac(k) => k.verify(parts, signature),
            VerifyInner::Ed25519(k) => {
                let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                k.verify_strict(&joined(parts), &sig).is_ok()
            }
            VerifyInner::P256(k) => {
                signature.len() == 64
                    && p256::ecdsa::Signature::from_slice(signature)
                        .is_ok_and(|sig| k.verify(&joined(parts), &sig).is_ok())
            }
            VerifyInner::K256(k) => {
                // RFC 8812 does not ask for low-S signatures (Bitcoin's rule), and other
                // JOSE implementations make both: a high S is normalized, then verified.
                signature.len() == 64
                    && k256::ecdsa::Signature::from_slice(signature).is_ok_and(|sig| {
                        let sig = sig.normalize_s();
                        k.verify(&joined(parts), &sig).is_ok()
                    })
            }
            VerifyInner::P384(k) => {
                signature.len() == 96
                    && p384::ecdsa::Signature::from_slice(signature)
                        .is_ok_and(|sig| k.verify(&joined(parts), &sig).is_ok())
            }
            VerifyInner::P521(k) => {
                signature.len() == 132
                    && p521::ecdsa::Signature::from_slice(signature)
                        .is_ok_and(|sig| k.verify(&joined(parts), &sig).is_ok())
            }
            VerifyInner::Rsa(k) => {
                if signature.len() != k.size() {
                    return false;
                }
                let Ok(family) = Family::of(&self.alg) else {
                    return false;
                };
                let (hash, pss) = match family {
                    Family::RsaPkcs1(h) => (h, false),
                    Family::RsaPss(h) => (h, true),
                    _ => return false,
                };
                let digest = hash.digest(parts);
                let d = digest.as_slice();
                match (hash, pss) {
                    (HashAlg::Sha256, false) => {
                        k.verify(Pkcs1v15Sign::new::<Sha256>(), d, signature)
                    }
                    (HashAlg::Sha384, false) => {
                        k.verify(Pkcs1v15Sign::new::<Sha384>(), d, signature)
                    }
                    (HashAlg::Sha512, false) => {
                        k.verify(Pkcs1v15Sign::new::<Sha512>(), d, signature)
                    }
                    (HashAlg::Sha256, true) => k.verify(Pss::<Sha256>::new(), d, signature),
                    (HashAlg::Sha384, true) => k.verify(Pss::<Sha384>::new(), d, signature),
                    (HashAlg::Sha512, true) => k.verify(Pss::<Sha512>::new(), d, signature),
                }
                .is_ok()
            }
        }
    }

    /// Verifies `signature` over `message` with this key's algorithm.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] when it does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        if self.verify_parts(&[message], signature) {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    pub(crate) fn public_parts(&self) -> PublicParts<'_> {
        match &self.inner {
            VerifyInner::Hmac(k) => PublicParts::Hmac(k.secret()),
            VerifyInner::Ed25519(k) => PublicParts::Ed25519(k.as_bytes()),
            VerifyInner::P256(k) => PublicParts::Ec(Curve::P256, k.to_sec1_bytes()),
            // secp256k1 points are written compressed by default: ask for the full point.
            VerifyInner::K256(k) => {
                PublicParts::Ec(Curve::Secp256k1, k.to_sec1_point(false).as_bytes().into())
            }
            VerifyInner::P384(k) => PublicParts::Ec(Curve::P384, k.to_sec1_bytes()),
            VerifyInner::P521(k) => PublicParts::Ec(Curve::P521, k.to_sec1_bytes()),
            VerifyInner::Rsa(k) => PublicParts::Rsa(k.n_bytes(), k.e_bytes()),
        }
    }
}

/// A verifying key's material, for JWK export.
pub(crate) enum PublicParts<'a> {
    Hmac(&'a [u8]),
    Ed25519(&'a [u8; 32]),
    /// Curve and uncompressed SEC1 point.
    Ec(Curve, Box<[u8]>),
    /// Modulus and exponent, big-endian.
    Rsa(Box<[u8]>, Box<[u8]>),
}
