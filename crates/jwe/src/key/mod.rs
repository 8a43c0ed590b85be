//! Key management keys, each bound to exactly one key management algorithm (RFC 7518 4).

use std::fmt;
use std::sync::{Arc, OnceLock};

use jws::jwt_claims::{Algorithm, EncryptionAlgorithm};
use jws::{Curve, Jwk, KeyError, KeyMaterial, KeyOperation, KeyUse};
use zeroize::Zeroizing;

use crate::Error;
use crate::alg::Mgmt;
use crate::content::GcmCipher;

pub use jws::MIN_RSA_BITS;

/// What a key builds once and reuses for every message: for an [`EncryptionKey`], the protected
/// header segments (`{"alg":...,"enc":...,"kid":...}`) of plain messages (no header
/// options, no compression) under `dir`, `A*KW` or `RSA-OAEP*`, whose key management adds
/// nothing to the header; for a `dir` key on either side, its keyed AES-GCM ciphers.
#[derive(Clone, Default)]
pub(crate) struct KeyCache {
    headers: [OnceLock<Box<str>>; 6],
    gcm: [OnceLock<Option<Arc<GcmCipher>>>; 3],
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCache")
    }
}

impl KeyCache {
    /// The header segment cell for `enc`.
    pub(crate) fn header(&self, enc: &EncryptionAlgorithm) -> Option<&OnceLock<Box<str>>> {
        let i = match enc {
            EncryptionAlgorithm::A128GCM => 0,
            EncryptionAlgorithm::A192GCM => 1,
            EncryptionAlgorithm::A256GCM => 2,
            EncryptionAlgorithm::A128CBC_HS256 => 3,
            EncryptionAlgorithm::A192CBC_HS384 => 4,
            EncryptionAlgorithm::A256CBC_HS512 => 5,
            _ => return None,
        };
        self.headers.get(i)
    }

    /// The AES-GCM cipher for `enc` keyed with `dir_key`, built at the first message;
    /// `None` for another `enc` or a key of the wrong length.
    pub(crate) fn gcm(&self, enc: &EncryptionAlgorithm, dir_key: &[u8]) -> Option<&GcmCipher> {
        let i = match enc {
            EncryptionAlgorithm::A128GCM => 0,
            EncryptionAlgorithm::A192GCM => 1,
            EncryptionAlgorithm::A256GCM => 2,
            _ => return None,
        };
        self.gcm
            .get(i)?
            .get_or_init(|| GcmCipher::new(enc, dir_key).map(Arc::new))
            .as_deref()
    }
}

/// A public (or shared) key the sender uses.
#[derive(Clone)]
pub(crate) enum Public {
    Secret(Zeroizing<Vec<u8>>),
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
    X25519(x25519_dalek::PublicKey),
    Rsa(Box<rsa::PublicKey>),
}

/// A private (or shared) key the recipient uses.
#[derive(Clone)]
pub(crate) enum Private {
    Secret(Zeroizing<Vec<u8>>),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
    X25519(x25519_dalek::StaticSecret),
    Rsa(Box<rsa::PrivateKey>),
}

impl Public {
    /// The kind of key, for error messages.
    pub(crate) const fn kind(&self) -> &'static str {
        match self {
            Self::Secret(_) => "shared secret",
            Self::P256(_) => "P-256",
            Self::P384(_) => "P-384",
            Self::P521(_) => "P-521",
            Self::X25519(_) => "X25519",
            Self::Rsa(_) => "RSA",
        }
    }
}

impl Private {
    /// The kind of key, for error messages.
    pub(crate) const fn kind(&self) -> &'static str {
        match self {
            Self::Secret(_) => "shared secret",
            Self::P256(_) => "P-256",
            Self::P384(_) => "P-384",
            Self::P521(_) => "P-521",
            Self::X25519(_) => "X25519",
            Self::Rsa(_) => "RSA",
        }
    }
}

/// A key that encrypts content keys to a recipient with exactly one algorithm: a public
/// key for ECDH-ES and RSA-OAEP, a shared key or password otherwise.
#[derive(Clone)]
pub struct EncryptionKey {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
    pub(crate) key: Public,
    /// The protected header segments of plain messages, built once per `enc`.
    pub(crate) cache: KeyCache,
}

/// A key that recovers content keys with exactly one algorithm: a private key for ECDH-ES
/// and RSA-OAEP, a shared key or password otherwise. Secret material is zeroized on drop
/// and never shown by `Debug`.
#[derive(Clone)]
pub struct DecryptionKey {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
    pub(crate) key: Private,
    /// The keyed AES-GCM ciphers of a `dir` key, built once.
    pub(crate) cache: KeyCache,
}

impl jws::select::SelectableKey for DecryptionKey {
    fn alg(&self) -> &Algorithm {
        &self.alg
    }
    fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("key", &"<redacted>")
            .finish()
    }
}

fn key_err(why: impl fmt::Display) -> Error {
    Error::Key(KeyError::Invalid(why.to_string()))
}

fn wrong_type(alg: &Algorithm, key: &'static str) -> Error {
    Error::Key(KeyError::WrongKeyType {
        alg: alg.clone(),
        key,
    })
}

/// Checks a shared key's length for its algorithm.
fn check_symmetric(alg: &Algorithm, secret: &[u8]) -> Result<Mgmt, Error> {
    let mgmt = Mgmt::of(alg)?;
    match mgmt {
        Mgmt::AesKw(n) | Mgmt::AesGcmKw(n) if secret.len() != n => {
            Err(Error::Key(KeyError::Length {
                expected: n,
                actual: secret.len(),
            }))
        }
        Mgmt::Dir | Mgmt::Pbes2 { .. } if secret.is_empty() => {
            Err(key_err(format!("{alg} needs a non-empty key")))
        }
        m if m.is_symmetric() => Ok(m),
        _ => Err(wrong_type(alg, "shared secret")),
    }
}

fn check_rsa(alg: &Algorithm, key: &rsa::PublicKey) -> Result<(), Error> {
    if !matches!(Mgmt::of(alg)?, Mgmt::RsaOaep { .. }) {
        return Err(wrong_type(alg, "RSA"));
    }
    jws::check_rsa_size(key).map_err(Error::Key)
}

fn check_ecdh(alg: &Algorithm) -> Result<(), Error> {
    match Mgmt::of(alg)? {
        Mgmt::EcdhEs(_) => Ok(()),
        _ => Err(wrong_type(alg, "elliptic-curve")),
    }
}

/// The operations of RFC 7517 4.3 that fit an algorithm on each side.
const fn operations(mgmt: Mgmt, decrypt: bool) -> &'static [KeyOperation] {
    match (mgmt, decrypt) {
        (Mgmt::Dir, false) => &[KeyOperation::Encrypt],
        (Mgmt::Dir, true) => &[KeyOperation::Decrypt],
        (Mgmt::EcdhEs(_), _) => &[KeyOperation::DeriveKey, KeyOperation::DeriveBits],
        (_, false) => &[KeyOperation::WrapKey, KeyOperation::Encrypt],
        (_, true) => &[KeyOperation::UnwrapKey, KeyOperation::Decrypt],
    }
}

fn check_jwk_usage(jwk: &Jwk, mgmt: Mgmt, decrypt: bool) -> Result<(), Error> {
    if let Some(u) = &jwk.key_use
        && *u != KeyUse::Encryption
    {
        return Err(Error::Key(KeyError::UsageNotPermitted(
            "the JWK's \"use\" is not \"enc\"".into(),
        )));
    }
    if let Some(ops) = &jwk.key_ops {
        let fits = operations(mgmt, decrypt);
        if !ops.iter().any(|o| fits.contains(o)) {
            let names: Vec<&str> = fits.iter().map(KeyOperation::as_str).collect();
            return Err(Error::Key(KeyError::UsageNotPermitted(format!(
                "the JWK's \"key_ops\" list none of {}",
                names.join(", ")
            ))));
        }
    }
    Ok(())
}

fn resolve_alg(jwk: &Jwk, requested: Option<Algorithm>) -> Result<Algorithm, Error> {
    // A `dir` key's JWK may name the content encryption it is for (RFC 7518 4.5).
    let names_enc = jwk
        .alg
        .as_ref()
        .is_some_and(|a| EncryptionAlgorithm::from_name(a.as_str()).is_known());
    if names_enc && requested.as_ref().is_none_or(|r| *r == Algorithm::Dir) {
        return Ok(Algorithm::Dir);
    }
    match (requested, &jwk.alg) {
        (Some(r), Some(j)) if r != *j => Err(Error::Key(KeyError::AlgorithmMismatch {
            requested: r,
            jwk: j.clone(),
        })),
        (Some(a), _) => Ok(a),
        (None, Some(a)) => Ok(a.clone()),
        (None, None) => Err(key_err(
            "the JWK has no \"alg\": name the algorithm to use it with",
        )),
    }
}

fn sec1(x: &[u8], y: &[u8]) -> Vec<u8> {
    [&[4u8][..], x, y].concat()
}

macro_rules! ec_public {
    ($curve:ident, $variant:ident, $point:expr) => {
        Public::$variant(
            $curve::PublicKey::from_sec1_bytes($point)
                .map_err(|_| key_err("not a point of the curve"))?,
        )
    };
}

macro_rules! ec_private {
    ($curve:ident, $variant:ident, $d:expr) => {
        Private::$variant(
            $curve::SecretKey::from_slice($d).map_err(|_| key_err("invalid private scalar"))?,
        )
    };
}

impl EncryptionKey {
    /// A shared key for `dir`, `A*KW`, `A*GCMKW`, or a password for `PBES2-*`.
    ///
    /// # Errors
    /// [`Error::Key`] for a length that does not fit the algorithm;
    /// [`Error::AlgorithmNotAllowed`] for a non-JWE algorithm.
    pub fn symmetric(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        check_symmetric(&alg, secret)?;
        Ok(Self {
            alg,
            kid: None,
            key: Public::Secret(Zeroizing::new(secret.to_vec())),
            cache: KeyCache::default(),
        })
    }

    /// An X25519 public key (32 bytes) for `ECDH-ES*`.
    ///
    /// # Errors
    /// [`Error::Key`] for another algorithm or length.
    pub fn x25519(alg: Algorithm, public: &[u8]) -> Result<Self, Error> {
        check_ecdh(&alg)?;
        let bytes: [u8; 32] = public
            .try_into()
            .map_err(|_| key_err("an X25519 public key is 32 bytes"))?;
        Ok(Self {
            alg,
            kid: None,
            key: Public::X25519(x25519_dalek::PublicKey::from(bytes)),
            cache: KeyCache::default(),
        })
    }

    /// The key of a public (or shared) JWK, for `alg` or the JWK's own `alg`.
    ///
    /// # Errors
    /// [`Error::Key`] when the JWK cannot serve the algorithm.
    pub fn from_jwk(jwk: &Jwk, alg: Option<Algorithm>) -> Result<Self, Error> {
        let alg = resolve_alg(jwk, alg)?;
        let mgmt = Mgmt::of(&alg)?;
        check_jwk_usage(jwk, mgmt, false)?;
        let key = match jwk.material() {
            KeyMaterial::Oct { k } => {
                check_symmetric(&alg, k.expose())?;
                Public::Secret(Zeroizing::new(k.expose().to_vec()))
            }
            KeyMaterial::Ec { crv, x, y, .. } => {
                check_ecdh(&alg)?;
                let point = sec1(x, y);
                match crv {
                    Curve::P256 => ec_public!(p256, P256, &point),
                    Curve::P384 => ec_public!(p384, P384, &point),
                    Curve::P521 => ec_public!(p521, P521, &point),
                    other => return Err(key_err(format!("{other} is not an ECDH-ES curve"))),
                }
            }
            KeyMaterial::Okp {
                crv: Curve::X25519,
                x,
                ..
            } => {
                return Self::x25519(alg, x).map(|k| k.with_kid_opt(jwk.kid.clone()));
            }
            KeyMaterial::Rsa { .. } => {
                let key = jwk.rsa_public_key().map_err(Error::Key)?;
                check_rsa(&alg, &key)?;
                Public::Rsa(Box::new(key))
            }
            _ => {
                return Err(key_err(format!(
                    "a {} JWK cannot be used with {alg}",
                    jwk.kty()
                )));
            }
        };
        Ok(Self {
            alg,
            kid: jwk.kid.clone(),
            key,
            cache: KeyCache::default(),
        })
    }

    /// A public key from PEM (SubjectPublicKeyInfo `PUBLIC KEY`, or PKCS#1 `RSA PUBLIC
    /// KEY`) for RSA-OAEP or ECDH-ES (P-256, P-384, P-521, X25519), read by
    /// [`crate::jwk_from_pem`].
    ///
    /// # Errors
    /// [`Error::Key`] when the PEM is not a public key fit for `alg`.
    pub fn from_pem(alg: Algorithm, pem: &str) -> Result<Self, Error> {
        let jwk = crate::pem::jwk_from_pem(pem)?;
        if jwk.is_private() {
            return Err(key_err("a private key where a public key is expected"));
        }
        Self::from_jwk(&jwk, Some(alg))
    }

    /// This key with a key ID, written as `kid` in the headers it encrypts under.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self.cache = KeyCache::default();
        self
    }

    fn with_kid_opt(mut self, kid: Option<String>) -> Self {
        self.kid = kid;
        self.cache = KeyCache::default();
        self
    }

    /// The key management algorithm.
    #[must_use]
    pub const fn alg(&self) -> &Algorithm {
        &self.alg
    }

    /// The key ID, if any.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

impl DecryptionKey {
    /// A shared key for `dir`, `A*KW`, `A*GCMKW`, or a password for `PBES2-*`.
    ///
    /// # Errors
    /// As [`EncryptionKey::symmetric`].
    pub fn symmetric(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        check_symmetric(&alg, secret)?;
        Ok(Self {
            alg,
            kid: None,
            key: Private::Secret(Zeroizing::new(secret.to_vec())),
            cache: KeyCache::default(),
        })
    }

    /// An X25519 private key (32 bytes) for `ECDH-ES*`.
    ///
    /// # Errors
    /// [`Error::Key`] for another algorithm or length.
    pub fn x25519(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        check_ecdh(&alg)?;
        let bytes: [u8; 32] = secret
            .try_into()
            .map_err(|_| key_err("an X25519 private key is 32 bytes"))?;
        Ok(Self {
            alg,
            kid: None,
            key: Private::X25519(x25519_dalek::StaticSecret::from(bytes)),
            cache: KeyCache::default(),
        })
    }

    /// The key of a private (or shared) JWK, for `alg` or the JWK's own `alg`.
    ///
    /// # Errors
    /// [`Error::Key`] when the JWK cannot serve the algorithm.
    pub fn from_jwk(jwk: &Jwk, alg: Option<Algorithm>) -> Result<Self, Error> {
        let alg = resolve_alg(jwk, alg)?;
        let mgmt = Mgmt::of(&alg)?;
        check_jwk_usage(jwk, mgmt, true)?;
        let key = match jwk.material() {
            KeyMaterial::Oct { k } => {
                check_symmetric(&alg, k.expose())?;
                Private::Secret(Zeroizing::new(k.expose().to_vec()))
            }
            KeyMaterial::Ec {
                crv, d: Some(d), ..
            } => {
                check_ecdh(&alg)?;
                let key = match crv {
                    Curve::P256 => ec_private!(p256, P256, d.expose()),
                    Curve::P384 => ec_private!(p384, P384, d.expose()),
                    Curve::P521 => ec_private!(p521, P521, d.expose()),
                    other => return Err(key_err(format!("{other} is not an ECDH-ES curve"))),
                };
                // The public part must be the private key's.
                let derived = Self {
                    alg: alg.clone(),
                    kid: None,
                    key: key.clone(),
                    cache: KeyCache::default(),
                }
                .encryption_key();
                let given = EncryptionKey::from_jwk(jwk, Some(alg.clone()))?;
                if !same_public(&derived.key, &given.key) {
                    return Err(key_err("\"x\"/\"y\" are not the public key of \"d\""));
                }
                key
            }
            KeyMaterial::Okp {
                crv: Curve::X25519,
                d: Some(d),
                ..
            } => {
                return Self::x25519(alg, d.expose()).map(|k| k.with_kid_opt(jwk.kid.clone()));
            }
            KeyMaterial::Rsa {
                private: Some(_), ..
            } => {
                let key = jwk.rsa_private_key().map_err(Error::Key)?;
                check_rsa(&alg, key.as_public_key())?;
                Private::Rsa(Box::new(key))
            }
            _ => {
                return Err(key_err(format!(
                    "a {} JWK without private key cannot decrypt with {alg}",
                    jwk.kty()
                )));
            }
        };
        Ok(Self {
            alg,
            kid: jwk.kid.clone(),
            key,
            cache: KeyCache::default(),
        })
    }

    /// A private key from PEM (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY` or SEC1
    /// `EC PRIVATE KEY`) for RSA-OAEP or ECDH-ES (P-256, P-384, P-521, X25519), read by
    /// [`crate::jwk_from_pem`].
    ///
    /// # Errors
    /// [`Error::Key`] when the PEM is not a private key fit for `alg`.
    pub fn from_pem(alg: Algorithm, pem: &str) -> Result<Self, Error> {
        Self::from_jwk(&crate::pem::jwk_from_pem(pem)?, Some(alg))
    }

    /// This key with a key ID, matched against the `kid` of tokens.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    fn with_kid_opt(mut self, kid: Option<String>) -> Self {
        self.kid = kid;
        self
    }

    /// The key management algorithm.
    #[must_use]
    pub const fn alg(&self) -> &Algorithm {
        &self.alg
    }

    /// The key ID, if any.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key a sender uses to encrypt to this key (the same secret for shared keys).
    #[must_use]
    pub fn encryption_key(&self) -> EncryptionKey {
        let key = match &self.key {
            Private::Secret(s) => Public::Secret(s.clone()),
            Private::P256(k) => Public::P256(k.public_key()),
            Private::P384(k) => Public::P384(k.public_key()),
            Private::P521(k) => Public::P521(k.public_key()),
            Private::X25519(k) => Public::X25519(x25519_dalek::PublicKey::from(k)),
            Private::Rsa(k) => Public::Rsa(Box::new(k.to_public_key())),
        };
        EncryptionKey {
            alg: self.alg.clone(),
            kid: self.kid.clone(),
            key,
            cache: KeyCache::default(),
        }
    }
}

fn same_public(a: &Public, b: &Public) -> bool {
    match (a, b) {
        (Public::P256(x), Public::P256(y)) => x == y,
        (Public::P384(x), Public::P384(y)) => x == y,
        (Public::P521(x), Public::P521(y)) => x == y,
        _ => false,
    }
}

mod export;
mod generate;

#[cfg(test)]
mod tests {
    use jws::KeySpec;

    use super::*;

    #[test]
    fn algorithms_and_refusals() {
        assert!(matches!(
            Mgmt::of(&Algorithm::RSA1_5),
            Err(Error::Rsa1_5Refused)
        ));
        assert!(matches!(
            Mgmt::of(&Algorithm::HS256),
            Err(Error::AlgorithmNotAllowed(_))
        ));
        assert!(matches!(
            Mgmt::of(&Algorithm::None),
            Err(Error::AlgorithmNotAllowed(_))
        ));
        for alg in Algorithm::ALL {
            let ok = Mgmt::of(alg).is_ok();
            assert_eq!(
                ok,
                alg.is_key_management() && *alg != Algorithm::RSA1_5,
                "{alg}"
            );
        }
    }

    #[test]
    fn pem_round_trip() {
        use pkcs8::EncodePrivateKey;
        use spki::EncodePublicKey;
        let sk = p256::SecretKey::from_slice(&[7; 32]).unwrap();
        let pem = sk.to_pkcs8_pem(pkcs8::LineEnding::LF).unwrap();
        let a = DecryptionKey::from_pem(Algorithm::ECDH_ES, &pem).unwrap();
        let b = DecryptionKey::from_jwk(
            &crate::jwk_from_pem(&pem).unwrap(),
            Some(Algorithm::ECDH_ES),
        )
        .unwrap();
        let public_pem = sk
            .public_key()
            .to_public_key_pem(pkcs8::LineEnding::LF)
            .unwrap();
        let e = EncryptionKey::from_pem(Algorithm::ECDH_ES, &public_pem).unwrap();
        assert!(same_public(&a.encryption_key().key, &e.key));
        assert!(same_public(&b.encryption_key().key, &e.key));
        assert!(DecryptionKey::from_pem(Algorithm::A128KW, &pem).is_err());
        assert!(EncryptionKey::from_pem(Algorithm::ECDH_ES, &pem).is_err());
    }

    #[test]
    fn symmetric_lengths() {
        assert!(EncryptionKey::symmetric(Algorithm::A128KW, &[0; 16]).is_ok());
        assert!(EncryptionKey::symmetric(Algorithm::A128KW, &[0; 32]).is_err());
        assert!(EncryptionKey::symmetric(Algorithm::A256GCMKW, &[0; 31]).is_err());
        assert!(EncryptionKey::symmetric(Algorithm::Dir, &[]).is_err());
        assert!(EncryptionKey::symmetric(Algorithm::PBES2_HS256_A128KW, b"pw").is_ok());
        assert!(EncryptionKey::symmetric(Algorithm::RSA_OAEP, &[0; 16]).is_err());
        assert!(EncryptionKey::symmetric(Algorithm::ECDH_ES, &[0; 32]).is_err());
        let k = DecryptionKey::symmetric(Algorithm::Dir, &[5; 32]).unwrap();
        assert!(!format!("{k:?}").contains('5'));
    }

    #[test]
    fn generated_keys_export_and_serve_their_algorithm() {
        use crate::{Decrypter, EncryptOptions, encrypt};
        let cases: Vec<(Algorithm, KeySpec)> = vec![
            (
                Algorithm::Dir,
                KeySpec::new().with_enc(EncryptionAlgorithm::A128CBC_HS256),
            ),
            (Algorithm::A128KW, KeySpec::new()),
            (Algorithm::A256GCMKW, KeySpec::new()),
            (Algorithm::PBES2_HS256_A128KW, KeySpec::new()),
            (Algorithm::ECDH_ES, KeySpec::new()),
            (
                Algorithm::ECDH_ES_A128KW,
                KeySpec::new().with_curve(Curve::P384),
            ),
            (
                Algorithm::ECDH_ES_A256KW,
                KeySpec::new().with_curve(Curve::P521),
            ),
            (Algorithm::ECDH_ES, KeySpec::new().with_curve(Curve::X25519)),
            (Algorithm::RSA_OAEP_256, KeySpec::new()),
        ];
        for (alg, spec) in cases {
            let key = DecryptionKey::generate_with(alg.clone(), &spec)
                .unwrap()
                .with_kid("k1");
            let jwk = key.to_jwk();
            assert_eq!(jwk.alg.as_ref(), Some(&alg));
            assert_eq!(jwk.kid.as_deref(), Some("k1"));
            assert_eq!(jwk.key_use, Some(KeyUse::Encryption));
            let json = jwk.to_private_json().unwrap();
            let parsed = Jwk::from_json(json.as_bytes()).unwrap();
            let decrypter = Decrypter::new(DecryptionKey::from_jwk(&parsed, None).unwrap());
            // The public export is what a sender gets.
            let public = key.encryption_key().to_jwk();
            let sender = EncryptionKey::from_jwk(&public, None).unwrap();
            let token = encrypt(
                &sender,
                EncryptionAlgorithm::A128CBC_HS256,
                b"hello",
                &EncryptOptions::new().with_p2c(1000),
            )
            .unwrap();
            assert_eq!(
                decrypter.decrypt(&token).unwrap().plaintext(),
                b"hello",
                "{alg}"
            );
            if !jwk.is_private() || matches!(jwk.material(), KeyMaterial::Oct { .. }) {
                continue;
            }
            assert!(
                !public.is_private(),
                "{alg}: public export carries the private key"
            );
        }
    }

    #[test]
    fn generate_refuses_specs_that_do_not_fit() {
        assert!(DecryptionKey::generate(Algorithm::Dir).is_err());
        assert!(
            DecryptionKey::generate_with(
                Algorithm::A128KW,
                &KeySpec::new().with_curve(Curve::P256)
            )
            .is_err()
        );
        assert!(
            DecryptionKey::generate_with(
                Algorithm::ECDH_ES,
                &KeySpec::new().with_curve(Curve::Secp256k1)
            )
            .is_err()
        );
        assert!(
            DecryptionKey::generate_with(
                Algorithm::A128KW,
                &KeySpec::new().with_enc(EncryptionAlgorithm::A128GCM)
            )
            .is_err()
        );
        assert!(
            DecryptionKey::generate_with(Algorithm::RSA_OAEP, &KeySpec::new().with_rsa_bits(1024))
                .is_err()
        );
        assert!(matches!(
            DecryptionKey::generate(Algorithm::RSA1_5),
            Err(Error::Rsa1_5Refused)
        ));
        assert!(DecryptionKey::generate(Algorithm::HS256).is_err());
    }
}
