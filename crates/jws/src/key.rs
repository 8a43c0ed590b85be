//! Signing and verifying keys, each bound to exactly one algorithm when it is built.
//!
//! The algorithm of a key is chosen by whoever builds it, never by a token: a verifier
//! holding an RS256 key cannot be made to run HS256 with the RSA public key as the secret,
//! because the key refuses every algorithm but its own.

use std::borrow::Cow;
use std::fmt;

use ed25519_dalek::Verifier as _;
use jwt_claims::Algorithm;
use pkcs8::DecodePrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss};
use sha2::{Sha256, Sha384, Sha512};
use signature::Signer as _;
use spki::DecodePublicKey;

use crate::hash::{HashAlg, SigBuf};
use crate::hmac_key::HmacKey;
use crate::{Error, KeyError};

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

    const fn kind(self) -> &'static str {
        match self {
            Self::Hmac(_) => "HMAC secret",
            Self::Ed25519 => "Ed25519",
            Self::P256 => "P-256",
            Self::K256 => "secp256k1",
            Self::P384 => "P-384",
            Self::P521 => "P-521",
            Self::RsaPkcs1(_) | Self::RsaPss(_) => "RSA",
        }
    }
}

/// Every algorithm a key of this kind can serve, for keys that do not name one.
pub(crate) fn algorithms_for(kind: &str) -> &'static [Algorithm] {
    match kind {
        "HMAC secret" => &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512],
        "Ed25519" => &[Algorithm::EdDSA, Algorithm::Ed25519],
        "P-256" => &[Algorithm::ES256],
        "secp256k1" => &[Algorithm::ES256K],
        "P-384" => &[Algorithm::ES384],
        "P-521" => &[Algorithm::ES512],
        "RSA" => &[
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        _ => &[],
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

pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), Error> {
    use rand_core::TryRng as _;
    getrandom::SysRng
        .try_fill_bytes(buf)
        .map_err(|_| Error::Random)
}

// ---------------------------------------------------------------------------------------

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
/// let key = SigningKey::hmac(Algorithm::HS256, b"a secret of at least 32 bytes!!!").unwrap();
/// assert_eq!(key.alg(), &Algorithm::HS256);
/// assert!(SigningKey::hmac(Algorithm::HS256, b"too short").is_err());
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
    pub fn hmac(alg: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        match Family::of(&alg)? {
            Family::Hmac(hash) => Ok(Self::bind(
                alg,
                SignInner::Hmac(HmacKey::new(hash, secret)?),
            )),
            f => Err(wrong_type(&alg, f.kind()).swap_kind("HMAC secret")),
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
            f => return Err(wrong_type(&alg, f.kind()).swap_kind("EC")),
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
            f => Err(wrong_type(&alg, f.kind()).swap_kind("RSA")),
        }
    }

    /// A key from PKCS#8 DER (`PRIVATE KEY`) for EdDSA, ECDSA or RSA.
    ///
    /// # Errors
    /// [`KeyError`] when the DER is not a private key of the algorithm's kind.
    pub fn from_pkcs8_der(alg: Algorithm, der: &[u8]) -> Result<Self, KeyError> {
        let e = invalid("PKCS#8 private key");
        let inner = match Family::of(&alg)? {
            Family::Hmac(_) => return Err(wrong_type(&alg, "PKCS#8")),
            Family::Ed25519 => SignInner::Ed25519(Box::new(
                ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|x| e(&x))?,
            )),
            Family::P256 => SignInner::P256(Box::new(
                p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|x| e(&x))?,
            )),
            Family::K256 => SignInner::K256(Box::new(
                k256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|x| e(&x))?,
            )),
            Family::P384 => SignInner::P384(Box::new(
                p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|x| e(&x))?,
            )),
            Family::P521 => SignInner::P521(Box::new(
                p521::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|x| e(&x))?,
            )),
            Family::RsaPkcs1(_) | Family::RsaPss(_) => {
                return Self::rsa(
                    alg,
                    rsa::PrivateKey::from_pkcs8_der(der).map_err(|x| e(&x))?,
                );
            }
        };
        Ok(Self::bind(alg, inner))
    }

    /// A key from PEM: PKCS#8 (`PRIVATE KEY`), or PKCS#1 (`RSA PRIVATE KEY`) for RSA.
    ///
    /// # Errors
    /// [`KeyError`] when the PEM is not a private key of the algorithm's kind.
    pub fn from_pem(alg: Algorithm, pem: &str) -> Result<Self, KeyError> {
        if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
            let key = rsa::PrivateKey::from_pkcs1_pem(pem)
                .map_err(|x| invalid("PKCS#1 private key")(&x))?;
            return Self::rsa(alg, key);
        }
        let (label, doc) = pkcs8::SecretDocument::from_pem(pem).map_err(|x| invalid("PEM")(&x))?;
        if label != "PRIVATE KEY" {
            return Err(KeyError::Invalid(format!(
                "PEM label \"{label}\" is not PRIVATE KEY"
            )));
        }
        Self::from_pkcs8_der(alg, doc.as_bytes())
    }

    /// A new random key for `alg`, from the operating system's generator: a secret of the
    /// hash's length for HMAC, a fresh Ed25519 or EC key, or an RSA key of `rsa_bits`
    /// (at least 2048; ignored for other algorithms).
    ///
    /// # Errors
    /// [`KeyError`] for an unsupported algorithm or too few RSA bits;
    /// [`Error::Random`] when the generator fails.
    pub fn generate(alg: Algorithm, rsa_bits: usize) -> Result<Self, Error> {
        match Family::of(&alg)? {
            Family::Hmac(hash) => {
                let mut secret = zeroize::Zeroizing::new(vec![0u8; hash.output_len()]);
                random_bytes(&mut secret)?;
                Ok(Self::hmac(alg, &secret)?)
            }
            Family::Ed25519 => {
                let mut seed = zeroize::Zeroizing::new([0u8; 32]);
                random_bytes(seed.as_mut())?;
                Ok(Self::ed25519_for(alg, seed.as_ref())?)
            }
            Family::P256 => Ok(Self::bind(
                alg,
                SignInner::P256(Box::new(
                    <p256::ecdsa::SigningKey as rsa::Generate>::try_generate_from_rng(
                        &mut getrandom::SysRng,
                    )
                    .map_err(|_| Error::Random)?,
                )),
            )),
            Family::K256 => Ok(Self::bind(
                alg,
                SignInner::K256(Box::new(
                    <k256::ecdsa::SigningKey as rsa::Generate>::try_generate_from_rng(
                        &mut getrandom::SysRng,
                    )
                    .map_err(|_| Error::Random)?,
                )),
            )),
            Family::P384 => Ok(Self::bind(
                alg,
                SignInner::P384(Box::new(
                    <p384::ecdsa::SigningKey as rsa::Generate>::try_generate_from_rng(
                        &mut getrandom::SysRng,
                    )
                    .map_err(|_| Error::Random)?,
                )),
            )),
            Family::P521 => Ok(Self::bind(
                alg,
                SignInner::P521(Box::new(
                    <p521::ecdsa::SigningKey as rsa::Generate>::try_generate_from_rng(
                        &mut getrandom::SysRng,
                    )
                    .map_err(|_| Error::Random)?,
                )),
            )),
            Family::RsaPkcs1(_) | Family::RsaPss(_) => {
                if rsa_bits < MIN_RSA_BITS {
                    return Err(KeyError::TooWeak(format!(
                        "RSA keys of {rsa_bits} bits are under {MIN_RSA_BITS} bits"
                    ))
                    .into());
                }
                let key = rsa::PrivateKey::new(&mut getrandom::SysRng, rsa_bits)
                    .map_err(|e| KeyError::Invalid(format!("RSA key generation: {e}")))?;
                Ok(Self::rsa(alg, key)?)
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
        VerifyingKey {
            alg: self.alg.clone(),
            kid: self.kid.clone(),
            inner,
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
                    f => return Err(wrong_type(&self.alg, f.kind()).into()),
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
                SigBuf::Heap(result.map_err(|e| Error::Encode(format!("RSA signing failed: {e}")))?)
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

impl KeyError {
    /// Names the kind of key given rather than the kind the algorithm wants.
    fn swap_kind(self, given: &'static str) -> Self {
        match self {
            Self::WrongKeyType { alg, .. } => Self::WrongKeyType { alg, key: given },
            other => other,
        }
    }
}

// ---------------------------------------------------------------------------------------

#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum VerifyInner {
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
    kid: Option<String>,
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
    fn bind(alg: Algorithm, inner: VerifyInner) -> Self {
        Self {
            alg,
            kid: None,
            inner,
        }
    }

    /// An HMAC key (`HS256`, `HS384`, `HS512`) from the shared secret.
    ///
    /// # Errors
    /// As [`SigningKey::hmac`].
    pub fn hmac(alg: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        SigningKey::hmac(alg, secret).map(|k| k.verifying_key())
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
            f => return Err(wrong_type(&alg, f.kind()).swap_kind("EC")),
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
            f => Err(wrong_type(&alg, f.kind()).swap_kind("RSA")),
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

    /// A key from SubjectPublicKeyInfo DER (`PUBLIC KEY`) for EdDSA, ECDSA or RSA.
    ///
    /// # Errors
    /// [`KeyError`] when the DER is not a public key of the algorithm's kind.
    pub fn from_public_key_der(alg: Algorithm, der: &[u8]) -> Result<Self, KeyError> {
        let e = invalid("SubjectPublicKeyInfo");
        let inner = match Family::of(&alg)? {
            Family::Hmac(_) => return Err(wrong_type(&alg, "SubjectPublicKeyInfo")),
            Family::Ed25519 => {
                let key =
                    ed25519_dalek::VerifyingKey::from_public_key_der(der).map_err(|x| e(&x))?;
                return Self::ed25519(key.as_bytes());
            }
            Family::P256 => VerifyInner::P256(
                p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|x| e(&x))?,
            ),
            Family::K256 => VerifyInner::K256(
                k256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|x| e(&x))?,
            ),
            Family::P384 => VerifyInner::P384(
                p384::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|x| e(&x))?,
            ),
            Family::P521 => VerifyInner::P521(Box::new(
                p521::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|x| e(&x))?,
            )),
            Family::RsaPkcs1(_) | Family::RsaPss(_) => {
                return Self::rsa(
                    alg,
                    rsa::PublicKey::from_public_key_der(der).map_err(|x| e(&x))?,
                );
            }
        };
        Ok(Self::bind(alg, inner))
    }

    /// A key from PEM: SubjectPublicKeyInfo (`PUBLIC KEY`), or PKCS#1 (`RSA PUBLIC KEY`)
    /// for RSA.
    ///
    /// # Errors
    /// [`KeyError`] when the PEM is not a public key of the algorithm's kind.
    pub fn from_pem(alg: Algorithm, pem: &str) -> Result<Self, KeyError> {
        if pem.contains("-----BEGIN RSA PUBLIC KEY-----") {
            let key = rsa::PublicKey::from_pkcs1_pem(pem)
                .map_err(|x| invalid("PKCS#1 public key")(&x))?;
            return Self::rsa(alg, key);
        }
        let (label, doc) = pkcs8::Document::from_pem(pem).map_err(|x| invalid("PEM")(&x))?;
        if label != "PUBLIC KEY" {
            return Err(KeyError::Invalid(format!(
                "PEM label \"{label}\" is not PUBLIC KEY"
            )));
        }
        Self::from_public_key_der(alg, doc.as_bytes())
    }

    /// This key with a key ID, matched against the `kid` of tokens.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
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
            VerifyInner::P256(k) => PublicParts::Ec("P-256", k.to_sec1_bytes()),
            // secp256k1 points are written compressed by default: ask for the full point.
            VerifyInner::K256(k) => {
                PublicParts::Ec("secp256k1", k.to_sec1_point(false).as_bytes().into())
            }
            VerifyInner::P384(k) => PublicParts::Ec("P-384", k.to_sec1_bytes()),
            VerifyInner::P521(k) => PublicParts::Ec("P-521", k.to_sec1_bytes()),
            VerifyInner::Rsa(k) => PublicParts::Rsa(k.n_bytes(), k.e_bytes()),
        }
    }
}

/// A verifying key's material, for JWK export.
pub(crate) enum PublicParts<'a> {
    Hmac(&'a [u8]),
    Ed25519(&'a [u8; 32]),
    /// Curve name and uncompressed SEC1 point.
    Ec(&'static str, Box<[u8]>),
    /// Modulus and exponent, big-endian.
    Rsa(Box<[u8]>, Box<[u8]>),
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
            SigningKey::hmac(Algorithm::RS256, &secret),
            Err(KeyError::WrongKeyType { .. })
        ));
        assert!(matches!(
            SigningKey::hmac(Algorithm::None, &secret),
            Err(KeyError::UnsupportedAlgorithm(Algorithm::None))
        ));
        assert!(SigningKey::ecdsa(Algorithm::HS256, &[1; 32]).is_err());
        assert!(SigningKey::ecdsa(Algorithm::ES384, &[1; 32]).is_err());
        assert!(VerifyingKey::ecdsa_sec1(Algorithm::EdDSA, &[4; 65]).is_err());
    }

    #[test]
    fn hmac_secret_lengths() {
        assert!(SigningKey::hmac(Algorithm::HS256, &[1; 31]).is_err());
        assert!(SigningKey::hmac(Algorithm::HS256, &[1; 32]).is_ok());
        assert!(SigningKey::hmac(Algorithm::HS384, &[1; 47]).is_err());
        assert!(SigningKey::hmac(Algorithm::HS512, &[1; 63]).is_err());
        assert!(SigningKey::hmac(Algorithm::HS512, &[1; 64]).is_ok());
        assert!(SigningKey::hmac(Algorithm::HS256, b"").is_err());
    }

    #[test]
    fn hmac_refuses_pem_armoured_secrets() {
        let pem = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n";
        assert_eq!(
            SigningKey::hmac(Algorithm::HS256, pem).unwrap_err(),
            KeyError::PublicKeyAsSecret
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let key = SigningKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap();
        let shown = format!("{key:?} {:?}", key.verifying_key());
        assert!(!shown.contains("0123456789"), "{shown}");
        let ed = SigningKey::ed25519(&[9; 32]).unwrap();
        assert!(format!("{ed:?}").contains("redacted"));
    }

    #[test]
    fn sign_verify_each_kind_and_reject_wrong_lengths() {
        let keys = [
            SigningKey::hmac(Algorithm::HS384, &[3; 48]).unwrap(),
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
