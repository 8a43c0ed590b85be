//! Signing keys: private (or secret) keys bound to one algorithm.

use std::fmt;

use jwt_claims::Algorithm;
// The signature traits come re-exported by the curve crates: `jws` takes no direct
// dependency on `signature` (its keys are bound to one algorithm, which a generic
// `Signer` would not carry).
use p256::ecdsa::signature::Signer as _;
use rsa::{Pkcs1v15Sign, Pss};
use sha2::{Sha256, Sha384, Sha512};

use super::verifying::VerifyInner;
use super::{
    Family, KeySpec, MIN_RSA_BITS, check_rsa_size, invalid, joined, random_bytes, wrong_type,
};
use crate::hash::{HashAlg, SigBuf};
use crate::hmac_key::HmacKey;
use crate::{Error, KeyError, VerifyingKey};

// The keyed HMAC state stays inline: it is the hot path, and boxing it costs a pointer chase.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum SignInner {
    Hmac(HmacKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
    P256(Box<p256::ecdsa::SigningKey>),
    K256(Box<k256::ecdsa::SigningKey>),
    P384(Box<p384::ecdsa::SigningKey>),
    P521(Box<p521::ecdsa::SigningKey>),
    Rsa(Box<rsa::PrivateKey>),
}

/// A private (or secret) key that signs with exactly one algorithm.
///
/// Secret material is zeroized on drop and never shown by `Debug`.
///
/// ```
/// use jws::{Algorithm, SigningKey};
///
/// let key = SigningKey::symmetric(Algorithm::HS256, b"a secret of at least 32 bytes!!!").unwrap();
/// assert_eq!(key.alg(), &Algorithm::HS256);
/// assert!(SigningKey::symmetric(Algorithm::HS256, b"too short").is_err());
/// assert!(format!("{key:?}").contains("redacted"));
/// ```
#[derive(Clone)]
pub struct SigningKey {
    alg: Algorithm,
    kid: Option<String>,
    inner: SignInner,
    /// The base64url JWT header `{"alg":...,"typ":"JWT","kid":...}`, built once.
    jwt_header: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    fn bind(alg: Algorithm, inner: SignInner) -> Self {
        let mut key = Self {
            alg,
            kid: None,
            inner,
            jwt_header: String::new(),
        };
        key.jwt_header = key.encode_jwt_header();
        key
    }

    fn encode_jwt_header(&self) -> String {
        let mut header = jwt_claims::Header::new(self.alg.clone()).with_typ("JWT");
        header.kid.clone_from(&self.kid);
        // A header of registered names only always serializes.
        header.to_segment().unwrap_or_default()
    }

    /// The base64url segment of the default JWT header of this key.
    pub(crate) fn jwt_header_segment(&self) -> &str {
        &self.jwt_header
    }

    /// An HMAC key (`HS256`, `HS384`, `HS512`) from a shared secret at least as long as
    /// the hash output.
    ///
    /// # Errors
    /// [`KeyError`] for another algorithm, a short secret, or public-key material.
    pub fn symmetric(alg: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        match Family::of(&alg)? {
            Family::Hmac(hash) => Ok(Self::bind(
                alg,
                SignInner::Hmac(HmacKey::new(hash, secret)?),
            )),
            f => Err(wrong_type(&alg, f.kind().name()).swap_kind("HMAC secret")),
        }
    }

    /// An Ed25519 key bound to `EdDSA` from its 32-byte seed (RFC 8032 secret key). For
    /// the fully-specified name of RFC 9864, see [`SigningKey::ed25519_for`].
    ///
    /// # Errors
    /// [`KeyError::Invalid`] when the seed is not 32 bytes.
    pub fn ed25519(seed: &[u8]) -> Result<Self, KeyError> {
        Self::ed25519_for(Algorithm::EdDSA, seed)
    }

    /// An Ed25519 key from its 32-byte seed, bound to `alg`: `EdDSA` (RFC 8037) or
    /// `Ed25519` (RFC 9864). The two names mean the same signature; a key answers to the
    /// one it is bound to (see [`VerifyingKey::ed25519_for`] for the policy).
    ///
    /// # Errors
    /// [`KeyError::Invalid`] when the seed is not 32 bytes; [`KeyError::WrongKeyType`] or
    /// [`KeyError::UnsupportedAlgorithm`] for another algorithm.
    pub fn ed25519_for(alg: Algorithm, seed: &[u8]) -> Result<Self, KeyError> {
        if Family::of(&alg)? != Family::Ed25519 {
            return Err(wrong_type(&alg, "Ed25519"));
        }
        let seed: &[u8; 32] = seed
            .try_into()
            .map_err(|_| KeyError::Invalid("an Ed25519 seed is 32 bytes".into()))?;
        Ok(Self::bind(
            alg,
            SignInner::Ed25519(Box::new(ed25519_dalek::SigningKey::from_bytes(seed))),
        ))
    }

    /// An ECDSA key (`ES256`, `ES256K`, `ES384`, `ES512`) from its private scalar,
    /// big-endian, of the curve's full length (32, 32, 48 or 66 bytes).
    ///
    /// # Errors
    /// [`KeyError`] for another algorithm or an invalid scalar.
    pub fn ecdsa(alg: Algorithm, scalar: &[u8]) -> Result<Self, KeyError> {
        let family = Family::of(&alg)?;
        let expected = match family {
            Family::P256 | Family::K256 => 32,
            Family::P384 => 48,
            Family::P521 => 66,
            f => return Err(wrong_type(&alg, f.kind().name()).swap_kind("EC")),
        };
        if scalar.len() != expected {
            return Err(KeyError::Invalid(format!(
                "an {alg} private scalar is {expected} bytes, not {}",
                scalar.len()
            )));
        }
        let e = invalid("EC private key");
        let inner = match family {
            Family::P256 => SignInner::P256(Box::new(
                p256::ecdsa::SigningKey::from_slice(scalar).map_err(|x| e(&x))?,
            )),
            Family::K256 => SignInner::K256(Box::new(
                k256::ecdsa::SigningKey::from_slice(scalar).map_err(|x| e(&x))?,
            )),
            Family::P384 => SignInner::P384(Box::new(
                p384::ecdsa::SigningKey::from_slice(scalar).map_err(|x| e(&x))?,
            )),
            _ => SignInner::P521(Box::new(
                p521::ecdsa::SigningKey::from_slice(scalar).map_err(|x| e(&x))?,
            )),
        };
        Ok(Self::bind(alg, inner))
    }

    /// An RSA key (`RS*`, `PS*`) from an `rsa` private key of at least 2048 bits.
    ///
    /// Signing uses `rsa` 0.10: constant-time arithmetic (crypto-bigint), and base,
    /// exponent and modulus blinding with fresh randomness on every private-key operation,
    /// as draft-irtf-cfrg-rsa-guidance recommends. The "Marvin" timing advisory
    /// (RUSTSEC-2023-0071) concerns `rsa` before 0.10 (variable-time bignums), which some
    /// other JWT crates still use. Blinding about doubles the cost of a signature (some
    /// 4 ms for RSA-2048 on a small server core); EdDSA signs a hundred times faster.
    ///
    /// # Errors
    /// [`KeyError`] for a non-RSA algorithm or a key under 2048 bits.
    pub fn rsa(alg: Algorithm, key: rsa::PrivateKey) -> Result<Self, KeyError> {
        match Family::of(&alg)? {
            Family::RsaPkcs1(_) | Family::RsaPss(_) => {
                check_rsa_size(key.as_public_key())?;
                Ok(Self::bind(alg, SignInner::Rsa(Box::new(key))))
            }
            f => Err(wrong_type(&alg, f.kind().name()).swap_kind("RSA")),
        }
    }

    /// A new random key for `alg`, from the operating system's generator: a secret of the
    /// hash's length for HMAC, a fresh Ed25519 or EC key, an RSA key of
    /// [`MIN_RSA_BITS`] (see [`SigningKey::generate_with`] for another size).
    ///
    /// # Errors
    /// [`KeyError::UnsupportedAlgorithm`]; [`KeyError::Random`] when the generator fails.
    pub fn generate(alg: Algorithm) -> Result<Self, KeyError> {
        Self::generate_with(alg, &KeySpec::new())
    }

    /// As [`SigningKey::generate`], with the RSA modulus size of `spec` (the other members
    /// of a [`KeySpec`] are for JWE keys and ignored here).
    ///
    /// # Errors
    /// As [`SigningKey::generate`]; [`KeyError::TooWeak`] for an RSA size under
    /// [`MIN_RSA_BITS`].
    pub fn generate_with(alg: Algorithm, spec: &KeySpec) -> Result<Self, KeyError> {
        let rsa_bits = spec.rsa_bits();
        match Family::of(&alg)? {
            Family::Hmac(hash) => {
                let mut secret = zeroize::Zeroizing::new(vec![0u8; hash.output_len()]);
                random_bytes(&mut secret)?;
                Self::symmetric(alg, &secret)
            }
            Family::Ed25519 => {
                let mut seed = zeroize::Zeroizing::new([0u8; 32]);
                random_bytes(seed.as_mut())?;
                Self::ed25519_for(alg, seed.as_ref())
            }
            Family::P256 => Ok(Self::bind(
                alg,
                SignInner::P256(Box::new(
                    <p256::ecdsa::SigningKey as rsa::Generate>::try_generate_from_rng(
                        &mut getrandom::SysRng,
                    )
                    .map_err(|_| KeyError::Random)?,
                )),
            )),
            Family::K256 => Ok(Self::bind(
                alg,
                SignInner::K256(Box::new(
                    <k256::ecdsa::SigningKey as rsa::Generate>::try_generate_from_rng(
                        &mut getrandom::SysRng,
                    )
                    .map_err(|_| KeyError::Random)?,
                )),
            )),
            Family::P384 => Ok(Self::bind(
                alg,
                SignInner::P384(Box::new(
                    <p384::ecdsa::SigningKey as rsa::Generate>::try_generate_from_rng(
                        &mut getrandom::SysRng,
                    )
                    .map_err(|_| KeyError::Random)?,
                )),
            )),
            Family::P521 => Ok(Self::bind(
                alg,
                SignInner::P521(Box::new(
                    <p521::ecdsa::SigningKey as rsa::Generate>::try_generate_from_rng(
                        &mut getrandom::SysRng,
                    )
                    .map_err(|_| KeyError::Random)?,
                )),
            )),
            Family::RsaPkcs1(_) | Family::RsaPss(_) => {
                if rsa_bits < MIN_RSA_BITS {
                    return Err(KeyError::TooWeak(format!(
                        "RSA keys of {rsa_bits} bits are under {MIN_RSA_BITS} bits"
                    )));
                }
                let key = rsa::PrivateKey::new(&mut getrandom::SysRng, rsa_bits)
                    .map_err(|e| KeyError::Invalid(format!("RSA key generation: {e}")))?;
                Self::rsa(alg, key)
            }
        }
    }

    /// This key with a key ID, written as `kid` in the headers it signs.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self.jwt_header = self.encode_jwt_header();
        self
    }

    /// The algorithm this key signs with.
    #[must_use]
    pub const fn alg(&self) -> &Algorithm {
        &self.alg
    }

    /// The key ID, if any.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key that verifies this key's signatures (for HMAC, the same secret), with the
    /// same algorithm and key ID.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        let inner = match &self.inner {
            SignInner::Hmac(k) => VerifyInner::Hmac(k.clone()),
            SignInner::Ed25519(k) => VerifyInner::Ed25519(k.verifying_key()),
            SignInner::P256(k) => VerifyInner::P256(*k.verifying_key()),
            SignInner::K256(k) => VerifyInner::K256(*k.verifying_key()),
            SignInner::P384(k) => VerifyInner::P384(*k.verifying_key()),
            SignInner::P521(k) => VerifyInner::P521(Box::new(*k.verifying_key())),
            SignInner::Rsa(k) => VerifyInner::Rsa(Box::new(k.to_public_key())),
        };
        let key = VerifyingKey::bind(self.alg.clone(), inner);
        match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        }
    }

    /// Signs the concatenation of `parts` (the JWS signing input).
    pub(crate) fn sign_parts(&self, parts: &[&[u8]]) -> Result<SigBuf, Error> {
        Ok(match &self.inner {
            SignInner::Hmac(k) => SigBuf::inline(k.mac(parts).as_slice()),
            SignInner::Ed25519(k) => SigBuf::inline(&k.sign(&joined(parts)).to_bytes()),
            SignInner::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(&joined(parts));
                SigBuf::inline(&s.to_bytes())
            }
            SignInner::K256(k) => {
                let s: k256::ecdsa::Signature = k.sign(&joined(parts));
                SigBuf::inline(&s.to_bytes())
            }
            SignInner::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(&joined(parts));
                SigBuf::inline(&s.to_bytes())
            }
            SignInner::P521(k) => {
                let s: p521::ecdsa::Signature = k.sign(&joined(parts));
                SigBuf::inline(&s.to_bytes())
            }
            SignInner::Rsa(k) => {
                let (hash, pss) = match Family::of(&self.alg)? {
                    Family::RsaPkcs1(h) => (h, false),
                    Family::RsaPss(h) => (h, true),
                    f => return Err(wrong_type(&self.alg, f.kind().name()).into()),
                };
                let digest = hash.digest(parts);
                let mut rng = getrandom::SysRng;
                let result = match (hash, pss) {
                    (HashAlg::Sha256, false) => {
                        k.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha256>(), digest.as_slice())
                    }
                    (HashAlg::Sha384, false) => {
                        k.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha384>(), digest.as_slice())
                    }
                    (HashAlg::Sha512, false) => {
                        k.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha512>(), digest.as_slice())
                    }
                    (HashAlg::Sha256, true) => {
                        k.sign_with_rng(&mut rng, Pss::<Sha256>::new(), digest.as_slice())
                    }
                    (HashAlg::Sha384, true) => {
                        k.sign_with_rng(&mut rng, Pss::<Sha384>::new(), digest.as_slice())
                    }
                    (HashAlg::Sha512, true) => {
                        k.sign_with_rng(&mut rng, Pss::<Sha512>::new(), digest.as_slice())
                    }
                };
                SigBuf::Heap(result.map_err(Error::Signing)?)
            }
        })
    }

    pub(crate) fn secret_parts(&self) -> SecretParts<'_> {
        match &self.inner {
            SignInner::Hmac(_) => SecretParts::Hmac,
            SignInner::Ed25519(k) => SecretParts::Ed25519(k.as_ref()),
            SignInner::P256(k) => SecretParts::P256(k.as_ref()),
            SignInner::K256(k) => SecretParts::K256(k.as_ref()),
            SignInner::P384(k) => SecretParts::P384(k.as_ref()),
            SignInner::P521(k) => SecretParts::P521(k.as_ref()),
            SignInner::Rsa(k) => SecretParts::Rsa(k.as_ref()),
        }
    }
}

/// Borrowed access to a signing key's material, for JWK export.
pub(crate) enum SecretParts<'a> {
    Hmac,
    Ed25519(&'a ed25519_dalek::SigningKey),
    P256(&'a p256::ecdsa::SigningKey),
    K256(&'a k256::ecdsa::SigningKey),
    P384(&'a p384::ecdsa::SigningKey),
    P521(&'a p521::ecdsa::SigningKey),
    Rsa(&'a rsa::PrivateKey),
}

impl SigningKey {
    /// Signs `message` with this key's algorithm (a bare JWS signature, e.g. over a
    /// signing input you built).
    ///
    /// # Errors
    /// [`Error::Random`] or an RSA failure.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign_parts(&[message]).map(|s| s.as_slice().to_vec())
    }
}
