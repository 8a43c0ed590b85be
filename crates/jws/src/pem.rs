//! PEM and DER forms of JWKs: PKCS#8 and SubjectPublicKeyInfo for the signature key types
//! (RSA, P-256, secp256k1, P-384, P-521, Ed25519), PKCS#1 for RSA and SEC1 for EC on input.
//!
//! This is the one PEM/DER parser of the workspace: [`SigningKey::from_pem`],
//! [`VerifyingKey::from_pem`] and `jwe`'s keys are built from the JWK it reads. X25519, a
//! JWE key, is read and written by `jwe` (around this parser), so that `jws` compiles no
//! key-agreement arithmetic.

use pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use spki::{DecodePublicKey, EncodePublicKey};
use zeroize::Zeroizing;

use crate::jwk::{rsa_private_material, rsa_public_material};
use crate::{Algorithm, Curve, Jwk, KeyError, KeyMaterial, Secret, SigningKey, VerifyingKey};

/// RFC 8410 PKCS#8 for Ed25519, in the version 1 form of RFC 8410 7 (no public key), which
/// every reader accepts (some refuse the version 2 form that carries the public key).
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
fn invalid(what: &str) -> impl Fn(&dyn std::fmt::Display) -> KeyError + '_ {
    move |e| KeyError::Invalid(format!("{what}: {e}"))
}

/// Tries each curve in turn; the first that parses wins.
macro_rules! ec_private_pkcs8 {
    ($der:expr, $($curve:ident => $name:ident),+) => {{
        let mut found = None;
        $(
            if found.is_none() {
                if let Ok(k) = $curve::SecretKey::from_pkcs8_der($der) {
                    let d = k.to_bytes().to_vec();
                    let point = $curve::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&k.public_key(), false);
                    found = Some(KeyMaterial::ec_from_sec1(Curve::$name, point.as_bytes(), Some(d)));
                }
            }
        )+
        found
    }};
}

macro_rules! ec_private_sec1 {
    ($pem:expr, $($curve:ident => $name:ident),+) => {{
        let mut found = None;
        $(
            if found.is_none() {
                if let Ok(k) = $curve::SecretKey::from_sec1_pem($pem) {
                    let d = k.to_bytes().to_vec();
                    let point = $curve::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&k.public_key(), false);
                    found = Some(KeyMaterial::ec_from_sec1(Curve::$name, point.as_bytes(), Some(d)));
                }
            }
        )+
        found
    }};
}

macro_rules! ec_public_spki {
    ($der:expr, $($curve:ident => $name:ident),+) => {{
        let mut found = None;
        $(
            if found.is_none() {
                if let Ok(k) = $curve::PublicKey::from_public_key_der($der) {
                    let point = $curve::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&k, false);
                    found = Some(KeyMaterial::ec_from_sec1(Curve::$name, point.as_bytes(), None));
                }
            }
        )+
        found
    }};
}

impl Jwk {
    /// The JWK of an RSA private key, with its CRT members.
    #[must_use]
    pub fn from_rsa_private_key(key: &rsa::PrivateKey) -> Self {
        Self::new(rsa_private_material(key))
    }

    /// The JWK of an RSA public key.
    #[must_use]
    pub fn from_rsa_public_key(key: &rsa::PublicKey) -> Self {
        Self::new(rsa_public_material(key))
    }

    /// A JWK from a PEM document: PKCS#8 `PRIVATE KEY` or SubjectPublicKeyInfo `PUBLIC KEY`
    /// (RSA, EC P-256/384/521, Ed25519, X25519), PKCS#1 `RSA PRIVATE KEY` / `RSA PUBLIC
    /// KEY`, or SEC1 `EC PRIVATE KEY`.
    ///
    /// The JWK has no `alg`, `kid` or `use`: the caller says what the key is for. Its size is
    /// not checked here; building a key for an algorithm checks it.
    ///
    /// # Errors
    /// [`KeyError::Invalid`] for another label, malformed DER or an unsupported key type;
    /// [`KeyError::RocaVulnerable`] for an RSA key with the ROCA fingerprint.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        let label = pem
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.split_once("-----"))
            .map(|(label, _)| label)
            .ok_or_else(|| KeyError::Invalid("not a PEM document".into()))?;
        let material = match label {
            "RSA PRIVATE KEY" => rsa_private_material(
                &rsa::PrivateKey::from_pkcs1_pem(pem).map_err(|e| invalid("PKCS#1")(&e))?,
            ),
            "RSA PUBLIC KEY" => rsa_public_material(
                &rsa::PublicKey::from_pkcs1_pem(pem).map_err(|e| invalid("PKCS#1")(&e))?,
            ),
            "EC PRIVATE KEY" => {
                ec_private_sec1!(pem, p256 => P256, k256 => Secp256k1, p384 => P384, p521 => P521)
                    .ok_or_else(|| {
                    KeyError::Invalid("SEC1: not a P-256, secp256k1, P-384 or P-521 key".into())
                })?
            }
            "PRIVATE KEY" => {
                let (_, doc) =
                    pkcs8::SecretDocument::from_pem(pem).map_err(|e| invalid("PEM")(&e))?;
                Self::pkcs8_material(doc.as_bytes())?
            }
            "PUBLIC KEY" => {
                let (_, doc) = spki::Document::from_pem(pem).map_err(|e| invalid("PEM")(&e))?;
                Self::spki_material(doc.as_bytes())?
            }
            other => {
                return Err(KeyError::Invalid(format!(
                    "PEM label \"{}\" is not a key this crate reads",
                    jwt_claims::json::truncate(other)
                )));
            }
        };
        if let KeyMaterial::Rsa { n, .. } = &material
            && crate::roca::has_fingerprint(n)
        {
            return Err(KeyError::RocaVulnerable);
        }
        Ok(Self::new(material))
    }

    fn pkcs8_material(der: &[u8]) -> Result<KeyMaterial, KeyError> {
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(der) {
            return Ok(KeyMaterial::Okp {
                crv: Curve::Ed25519,
                x: k.verifying_key().as_bytes().to_vec(),
                d: Some(Secret::new(k.to_bytes().to_vec())),
            });
        }
        if let Some(m) =
            ec_private_pkcs8!(der, p256 => P256, k256 => Secp256k1, p384 => P384, p521 => P521)
        {
            return Ok(m);
        }
        rsa::PrivateKey::from_pkcs8_der(der)
            .map(|k| rsa_private_material(&k))
            .map_err(|_| {
                KeyError::Invalid(
                    "PKCS#8: not an RSA, P-256, secp256k1, P-384, P-521, or Ed25519 private key (X25519: see jwe::jwk_from_pem)".into(),
                )
            })
    }

    fn spki_material(der: &[u8]) -> Result<KeyMaterial, KeyError> {
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(KeyMaterial::Okp {
                crv: Curve::Ed25519,
                x: k.as_bytes().to_vec(),
                d: None,
            });
        }
        if let Some(m) =
            ec_public_spki!(der, p256 => P256, k256 => Secp256k1, p384 => P384, p521 => P521)
        {
            return Ok(m);
        }
        rsa::PublicKey::from_public_key_der(der)
            .map(|k| rsa_public_material(&k))
            .map_err(|_| {
                KeyError::Invalid(
                    "SubjectPublicKeyInfo: not an RSA, P-256, secp256k1, P-384, P-521, or Ed25519 public key \
                     (X25519: see jwe::jwk_from_pem)"
                        .into(),
                )
            })
    }

    /// The key as PEM: PKCS#8 `PRIVATE KEY` for a private JWK, SubjectPublicKeyInfo `PUBLIC
    /// KEY` for a public one (use [`Jwk::to_public`] first to export only the public part).
    ///
    /// # Errors
    /// [`KeyError::Invalid`] for `oct` keys (a shared secret has no PEM form) and for
    /// members that do not form a valid key.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let enc = invalid("PEM encoding");
        let bad = |what: &str| KeyError::Invalid(format!("not a valid {what} key"));
        let lf = LineEnding::LF;
        macro_rules! ec {
            ($curve:ident, $x:expr, $y:expr, $d:expr) => {
                match $d {
                    Some(d) => {
                        let k = $curve::SecretKey::from_slice(d.expose())
                            .map_err(|_| bad(stringify!($curve)))?;
                        k.to_pkcs8_pem(lf).map_err(|e| enc(&e))
                    }
                    None => {
                        let point = [&[4u8][..], $x, $y].concat();
                        let k = $curve::PublicKey::from_sec1_bytes(&point)
                            .map_err(|_| bad(stringify!($curve)))?;
                        k.to_public_key_pem(lf)
                            .map(Zeroizing::new)
                            .map_err(|e| enc(&e))
                    }
                }
            };
        }
        match self.material() {
            KeyMaterial::Oct { .. } => Err(KeyError::Invalid(
                "an oct (shared secret) key has no PEM form".into(),
            )),
            KeyMaterial::Ec { crv, x, y, d } => match crv {
                Curve::P256 => ec!(p256, x, y, d),
                Curve::Secp256k1 => ec!(k256, x, y, d),
                Curve::P384 => ec!(p384, x, y, d),
                Curve::P521 => ec!(p521, x, y, d),
                other => Err(KeyError::Invalid(format!("{other} is not an EC curve"))),
            },
            KeyMaterial::Okp { crv, x, d } => match (crv, d) {
                (Curve::Ed25519, Some(d)) => {
                    if d.expose().len() != 32 {
                        return Err(bad("Ed25519"));
                    }
                    let mut der = Zeroizing::new(ED25519_PKCS8_PREFIX.to_vec());
                    der.extend_from_slice(d.expose());
                    pkcs8::der::pem::encode_string("PRIVATE KEY", lf, &der)
                        .map(Zeroizing::new)
                        .map_err(|e| enc(&e))
                }
                (Curve::Ed25519, None) => {
                    let x: [u8; 32] = x.as_slice().try_into().map_err(|_| bad("Ed25519"))?;
                    ed25519_dalek::VerifyingKey::from_bytes(&x)
                        .map_err(|_| bad("Ed25519"))?
                        .to_public_key_pem(lf)
                        .map(Zeroizing::new)
                        .map_err(|e| enc(&e))
                }
                (other, _) => Err(KeyError::Invalid(format!(
                    "{other} keys are written by jwe::jwk_to_pem"
                ))),
            },
            KeyMaterial::Rsa {
                private: Some(_), ..
            } => self
                .rsa_private_key()?
                .to_pkcs8_pem(lf)
                .map_err(|e| enc(&e)),
            KeyMaterial::Rsa { private: None, .. } => self
                .rsa_public_key()?
                .to_public_key_pem(lf)
                .map(Zeroizing::new)
                .map_err(|e| enc(&e)),
        }
    }
}

/// The label and DER content of a PEM document, for readers that look at the DER
/// themselves before handing the PEM to [`Jwk::from_pem`] (`jwe` does, for X25519).
///
/// # Errors
/// [`KeyError::Invalid`] when the text is not one PEM document.
#[doc(hidden)]
pub fn pem_document(pem: &str) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let (label, der) =
        pkcs8::der::pem::decode_vec(pem.trim().as_bytes()).map_err(|e| invalid("PEM")(&e))?;
    Ok((label.to_owned(), Zeroizing::new(der)))
}

/// DER content as a PEM document with `label` and LF line endings.
///
/// # Errors
/// [`KeyError::Invalid`] when the encoder fails.
#[doc(hidden)]
pub fn pem_encode(label: &str, der: &[u8]) -> Result<Zeroizing<String>, KeyError> {
    pkcs8::der::pem::encode_string(label, LineEnding::LF, der)
        .map(Zeroizing::new)
        .map_err(|e| invalid("PEM encoding")(&e))
}

impl SigningKey {
    /// A key for `alg` from PEM (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC
    /// PRIVATE KEY`), read by [`Jwk::from_pem`].
    ///
    /// # Errors
    /// [`KeyError`] when the PEM is not a private key fit for `alg`.
    pub fn from_pem(alg: Algorithm, pem: &str) -> Result<Self, KeyError> {
        let jwk = Jwk::from_pem(pem)?;
        if !jwk.is_private() {
            return Err(KeyError::Invalid(
                "a public key where a private key is expected".into(),
            ));
        }
        jwk.signing_key(Some(alg))
    }
}

impl VerifyingKey {
    /// A key for `alg` from PEM (SubjectPublicKeyInfo `PUBLIC KEY`, PKCS#1 `RSA PUBLIC
    /// KEY`), read by [`Jwk::from_pem`]. A private key is refused: a verifier has no use
    /// for it, and should not hold it.
    ///
    /// # Errors
    /// [`KeyError`] when the PEM is not a public key fit for `alg`.
    pub fn from_pem(alg: Algorithm, pem: &str) -> Result<Self, KeyError> {
        let jwk = Jwk::from_pem(pem)?;
        if jwk.is_private() {
            return Err(KeyError::Invalid(
                "a private key where a public key is expected".into(),
            ));
        }
        jwk.verifying_key(Some(alg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, SigningKey};

    fn round_trip(jwk: &Jwk) {
        let pem = jwk.to_pem().unwrap();
        let back = Jwk::from_pem(&pem).unwrap();
        assert_eq!(back.material(), jwk.material(), "{}", jwk.kty());
        let public = jwk.to_public().unwrap();
        let pem = public.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(Jwk::from_pem(&pem).unwrap().material(), public.material());
    }

    #[test]
    fn every_asymmetric_key_type_round_trips() {
        for alg in [
            Algorithm::EdDSA,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::ES512,
            Algorithm::RS256,
        ] {
            let jwk = SigningKey::generate(alg).unwrap().to_jwk();
            let mut bare = Jwk::new(jwk.material().clone());
            bare.alg = None;
            round_trip(&bare);
            assert!(
                jwk.to_pem()
                    .unwrap()
                    .starts_with("-----BEGIN PRIVATE KEY-----")
            );
        }
    }

    #[test]
    fn x25519_is_left_to_jwe() {
        // RFC 8410 10.1's X25519 SubjectPublicKeyInfo: a JWE key, which jws does not read.
        let spki = "-----BEGIN PUBLIC KEY-----\n\
                    MCowBQYDK2VuAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                    -----END PUBLIC KEY-----\n";
        let err = Jwk::from_pem(spki).unwrap_err();
        assert!(err.to_string().contains("jwe::jwk_from_pem"), "{err}");
    }

    #[test]
    fn rfc_8410_ed25519_private_key() {
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
        let jwk = Jwk::from_pem(pem).unwrap();
        assert!(jwk.is_private());
        assert!(matches!(jwk.material(), KeyMaterial::Okp { crv, .. } if *crv == Curve::Ed25519));
        assert!(jwk.signing_key(Some(Algorithm::EdDSA)).is_ok());
        // Written back byte for byte in the same (version 1) form.
        assert_eq!(jwk.to_pem().unwrap().as_str(), pem);
    }

    #[test]
    fn pkcs1_and_sec1_inputs() {
        use pkcs8::der::pem::encode_string;
        let key = SigningKey::generate(Algorithm::ES256).unwrap().to_jwk();
        let KeyMaterial::Ec { d: Some(d), .. } = key.material() else {
            panic!("EC key expected")
        };
        let sk = p256::SecretKey::from_slice(d.expose()).unwrap();
        let sec1 = sk.to_sec1_pem(LineEnding::LF).unwrap();
        assert_eq!(Jwk::from_pem(&sec1).unwrap().material(), key.material());

        let rsa = SigningKey::generate(Algorithm::RS256).unwrap().to_jwk();
        let private = rsa.rsa_private_key().unwrap();
        let pkcs1 =
            rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&private, LineEnding::LF).unwrap();
        assert_eq!(Jwk::from_pem(&pkcs1).unwrap().material(), rsa.material());
        let public =
            rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_pem(private.as_public_key(), LineEnding::LF)
                .unwrap();
        assert_eq!(
            Jwk::from_pem(&public).unwrap().material(),
            rsa.to_public().unwrap().material()
        );
        // Unknown labels, garbage and a truncated X25519 key are refused.
        assert!(
            Jwk::from_pem(&encode_string("CERTIFICATE", LineEnding::LF, b"x").unwrap()).is_err()
        );
        assert!(Jwk::from_pem("not pem").is_err());
        let short = encode_string("PRIVATE KEY", LineEnding::LF, &ED25519_PKCS8_PREFIX).unwrap();
        assert!(Jwk::from_pem(&short).is_err());
    }

    #[test]
    fn oct_keys_have_no_pem() {
        let jwk = SigningKey::generate(Algorithm::HS256).unwrap().to_jwk();
        assert!(matches!(jwk.to_pem(), Err(KeyError::Invalid(_))));
    }
}
