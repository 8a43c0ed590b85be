//! PEM and DER forms of JWKs: PKCS#8 and SubjectPublicKeyInfo for every asymmetric key type
//! (RSA, P-256/384/521, Ed25519, X25519), PKCS#1 for RSA and SEC1 for EC on input.

use pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use spki::{DecodePublicKey, EncodePublicKey};
use zeroize::Zeroizing;

use crate::KeyError;
use crate::jwk::{Jwk, KeyMaterial, RsaCrt, RsaPrivate, Secret, strip_zeros};

/// RFC 8410 PKCS#8 `OneAsymmetricKey` for X25519 (version 0, no attributes, no public key):
/// a fixed prefix followed by the 32-byte private key.
const X25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];
/// RFC 8410 PKCS#8 for Ed25519, in the version 1 form of RFC 8410 7 (no public key), which
/// every reader accepts (some refuse the version 2 form that carries the public key).
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// RFC 8410 SubjectPublicKeyInfo for X25519: a fixed prefix followed by the 32-byte key.
const X25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];

fn invalid(what: &str) -> impl Fn(&dyn std::fmt::Display) -> KeyError + '_ {
    move |e| KeyError::Invalid(format!("{what}: {e}"))
}

/// Tries each curve in turn; the first that parses wins.
macro_rules! ec_private_pkcs8 {
    ($der:expr, $($curve:ident => $name:literal),+) => {{
        let mut found = None;
        $(
            if found.is_none() {
                if let Ok(k) = $curve::SecretKey::from_pkcs8_der($der) {
                    let d = k.to_bytes().to_vec();
                    let point = $curve::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&k.public_key(), false);
                    found = Some(KeyMaterial::ec_from_sec1($name, point.as_bytes(), Some(d)));
                }
            }
        )+
        found
    }};
}

macro_rules! ec_private_sec1 {
    ($pem:expr, $($curve:ident => $name:literal),+) => {{
        let mut found = None;
        $(
            if found.is_none() {
                if let Ok(k) = $curve::SecretKey::from_sec1_pem($pem) {
                    let d = k.to_bytes().to_vec();
                    let point = $curve::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&k.public_key(), false);
                    found = Some(KeyMaterial::ec_from_sec1($name, point.as_bytes(), Some(d)));
                }
            }
        )+
        found
    }};
}

macro_rules! ec_public_spki {
    ($der:expr, $($curve:ident => $name:literal),+) => {{
        let mut found = None;
        $(
            if found.is_none() {
                if let Ok(k) = $curve::PublicKey::from_public_key_der($der) {
                    let point = $curve::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&k, false);
                    found = Some(KeyMaterial::ec_from_sec1($name, point.as_bytes(), None));
                }
            }
        )+
        found
    }};
}

fn rsa_public_material(key: &rsa::PublicKey) -> KeyMaterial {
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
                ec_private_sec1!(pem, p256 => "P-256", k256 => "secp256k1", p384 => "P-384", p521 => "P-521")
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
        if let Some(d) = der.strip_prefix(&X25519_PKCS8_PREFIX[..]) {
            let d: [u8; 32] = d
                .try_into()
                .map_err(|_| KeyError::Invalid("X25519 PKCS#8: wrong length".into()))?;
            let secret = Zeroizing::new(d);
            let public = x25519_public(&secret);
            return Ok(KeyMaterial::Okp {
                crv: "X25519".into(),
                x: public.to_vec(),
                d: Some(Secret::new(secret.to_vec())),
            });
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(der) {
            return Ok(KeyMaterial::Okp {
                crv: "Ed25519".into(),
                x: k.verifying_key().as_bytes().to_vec(),
                d: Some(Secret::new(k.to_bytes().to_vec())),
            });
        }
        if let Some(m) = ec_private_pkcs8!(der, p256 => "P-256", k256 => "secp256k1", p384 => "P-384", p521 => "P-521")
        {
            return Ok(m);
        }
        rsa::PrivateKey::from_pkcs8_der(der)
            .map(|k| rsa_private_material(&k))
            .map_err(|_| {
                KeyError::Invalid(
                    "PKCS#8: not an RSA, P-256, secp256k1, P-384, P-521, Ed25519 or X25519 private key".into(),
                )
            })
    }

    fn spki_material(der: &[u8]) -> Result<KeyMaterial, KeyError> {
        if let Some(x) = der.strip_prefix(&X25519_SPKI_PREFIX[..]) {
            if x.len() != 32 {
                return Err(KeyError::Invalid("X25519 public key: wrong length".into()));
            }
            return Ok(KeyMaterial::Okp {
                crv: "X25519".into(),
                x: x.to_vec(),
                d: None,
            });
        }
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(KeyMaterial::Okp {
                crv: "Ed25519".into(),
                x: k.as_bytes().to_vec(),
                d: None,
            });
        }
        if let Some(m) = ec_public_spki!(der, p256 => "P-256", k256 => "secp256k1", p384 => "P-384", p521 => "P-521")
        {
            return Ok(m);
        }
        rsa::PublicKey::from_public_key_der(der)
            .map(|k| rsa_public_material(&k))
            .map_err(|_| {
                KeyError::Invalid(
                    "SubjectPublicKeyInfo: not an RSA, P-256, secp256k1, P-384, P-521, Ed25519 or X25519 \
                     public key"
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
            KeyMaterial::Ec { crv, x, y, d } => match crv.as_str() {
                "P-256" => ec!(p256, x, y, d),
                "secp256k1" => ec!(k256, x, y, d),
                "P-384" => ec!(p384, x, y, d),
                "P-521" => ec!(p521, x, y, d),
                other => Err(KeyError::Invalid(format!(
                    "unsupported curve {}",
                    jwt_claims::json::truncate(other)
                ))),
            },
            KeyMaterial::Okp { crv, x, d } => match (crv.as_str(), d) {
                ("Ed25519", Some(d)) => {
                    if d.expose().len() != 32 {
                        return Err(bad("Ed25519"));
                    }
                    let mut der = Zeroizing::new(ED25519_PKCS8_PREFIX.to_vec());
                    der.extend_from_slice(d.expose());
                    pkcs8::der::pem::encode_string("PRIVATE KEY", lf, &der)
                        .map(Zeroizing::new)
                        .map_err(|e| enc(&e))
                }
                ("Ed25519", None) => {
                    let x: [u8; 32] = x.as_slice().try_into().map_err(|_| bad("Ed25519"))?;
                    ed25519_dalek::VerifyingKey::from_bytes(&x)
                        .map_err(|_| bad("Ed25519"))?
                        .to_public_key_pem(lf)
                        .map(Zeroizing::new)
                        .map_err(|e| enc(&e))
                }
                ("X25519", Some(d)) => {
                    let mut der = Zeroizing::new(X25519_PKCS8_PREFIX.to_vec());
                    der.extend_from_slice(d.expose());
                    pkcs8::der::pem::encode_string("PRIVATE KEY", lf, &der)
                        .map(Zeroizing::new)
                        .map_err(|e| enc(&e))
                }
                ("X25519", None) => {
                    let der = [&X25519_SPKI_PREFIX[..], x].concat();
                    pkcs8::der::pem::encode_string("PUBLIC KEY", lf, &der)
                        .map(Zeroizing::new)
                        .map_err(|e| enc(&e))
                }
                (other, _) => Err(KeyError::Invalid(format!(
                    "unsupported curve {}",
                    jwt_claims::json::truncate(other)
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

/// The X25519 public key of a private key (RFC 7748 5: scalar multiplication of the base
/// point), through x25519-dalek.
fn x25519_public(secret: &[u8; 32]) -> [u8; 32] {
    let secret = x25519_dalek::StaticSecret::from(*secret);
    x25519_dalek::PublicKey::from(&secret).to_bytes()
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
            let jwk = SigningKey::generate(alg, 2048).unwrap().to_jwk();
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
    fn x25519_matches_rfc_8410_and_rfc_7748() {
        // RFC 7748 6.1: Alice's private and public keys.
        let d = crate::base64url::decode("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo").unwrap();
        let x = crate::base64url::decode("hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo").unwrap();
        let jwk = Jwk::new(KeyMaterial::Okp {
            crv: "X25519".into(),
            x: x.clone(),
            d: Some(Secret::new(d)),
        });
        round_trip(&jwk);
        // The private PEM alone yields the public key.
        let back = Jwk::from_pem(&jwk.to_pem().unwrap()).unwrap();
        assert!(matches!(back.material(), KeyMaterial::Okp { x: bx, .. } if *bx == x));
        // RFC 8410 10.1's X25519 SubjectPublicKeyInfo reads as an X25519 key.
        let spki = "-----BEGIN PUBLIC KEY-----\n\
                    MCowBQYDK2VuAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                    -----END PUBLIC KEY-----\n";
        let k = Jwk::from_pem(spki).unwrap();
        assert!(matches!(k.material(), KeyMaterial::Okp { crv, d: None, .. } if crv == "X25519"));
    }

    #[test]
    fn rfc_8410_ed25519_private_key() {
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
        let jwk = Jwk::from_pem(pem).unwrap();
        assert!(jwk.is_private());
        assert!(matches!(jwk.material(), KeyMaterial::Okp { crv, .. } if crv == "Ed25519"));
        assert!(jwk.signing_key(Some(Algorithm::EdDSA)).is_ok());
        // Written back byte for byte in the same (version 1) form.
        assert_eq!(jwk.to_pem().unwrap().as_str(), pem);
    }

    #[test]
    fn pkcs1_and_sec1_inputs() {
        use pkcs8::der::pem::encode_string;
        let key = SigningKey::generate(Algorithm::ES256, 0).unwrap().to_jwk();
        let KeyMaterial::Ec { d: Some(d), .. } = key.material() else {
            panic!("EC key expected")
        };
        let sk = p256::SecretKey::from_slice(d.expose()).unwrap();
        let sec1 = sk.to_sec1_pem(LineEnding::LF).unwrap();
        assert_eq!(Jwk::from_pem(&sec1).unwrap().material(), key.material());

        let rsa = SigningKey::generate(Algorithm::RS256, 2048)
            .unwrap()
            .to_jwk();
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
        let short = encode_string("PRIVATE KEY", LineEnding::LF, &X25519_PKCS8_PREFIX).unwrap();
        assert!(Jwk::from_pem(&short).is_err());
    }

    #[test]
    fn oct_keys_have_no_pem() {
        let jwk = SigningKey::generate(Algorithm::HS256, 0).unwrap().to_jwk();
        assert!(matches!(jwk.to_pem(), Err(KeyError::Invalid(_))));
    }
}
