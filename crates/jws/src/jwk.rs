//! JSON Web Key (RFC 7517, RFC 7518 6, RFC 8037) and thumbprints (RFC 7638).

use std::fmt;

use jwt_claims::json::{self, JsonObject};
use jwt_claims::{Algorithm, base64url};
use serde::ser::{Error as _, SerializeMap};
use serde::{Serialize, Serializer};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::key::{PublicParts, SecretParts};
use crate::{JwkError, KeyError, SigningKey, VerifyingKey};

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
        crv: String,
        /// The public key `x` (32 bytes).
        x: Vec<u8>,
        /// The private key `d` (32 bytes), if present.
        d: Option<Secret>,
    },
    /// `kty: EC`: `P-256`, `P-384` or `P-521`.
    Ec {
        /// `crv`.
        crv: String,
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
    pub fn ec_from_sec1(crv: &str, point: &[u8], d: Option<Vec<u8>>) -> Self {
        let (x, y) = split_point(point);
        Self::Ec {
            crv: crv.into(),
            x,
            y,
            d: d.map(Secret::new),
        }
    }
}

/// A JSON Web Key.
///
/// Parsing is strict (duplicate members, non-canonical base64url and coordinates of the
/// wrong length are refused); unknown members are ignored as RFC 7517 4 asks. `Serialize`
/// writes the public part only; [`Jwk::to_private_json`] must be asked for by name.
///
/// ```
/// use jws::Jwk;
///
/// // RFC 7638 3.1.
/// let jwk = Jwk::from_json(br#"{"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}"#).unwrap();
/// assert_eq!(jwk.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    material: KeyMaterial,
    /// `kid`.
    pub kid: Option<String>,
    /// `alg`: the algorithm the key is meant for.
    pub alg: Option<Algorithm>,
    /// `use`: `sig` or `enc`.
    pub key_use: Option<String>,
    /// `key_ops`: the operations the key is meant for.
    pub key_ops: Option<Vec<String>>,
    /// `x5u`.
    pub x5u: Option<String>,
    /// `x5c`: standard base64 DER certificates, as given.
    pub x5c: Option<Vec<String>>,
    /// `x5t`, as given.
    pub x5t: Option<String>,
    /// `x5t#S256`, as given.
    pub x5t_s256: Option<String>,
}

/// The default JSON depth accepted for a JWK.
const JWK_DEPTH: usize = 8;

fn invalid(name: &str, reason: impl Into<String>) -> JwkError {
    JwkError::InvalidParameter {
        name: json::truncate(name),
        reason: reason.into(),
    }
}

fn take_string(map: &mut JsonObject, name: &str) -> Result<Option<String>, JwkError> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(name, "must be a string")),
    }
}

fn take_strings(map: &mut JsonObject, name: &str) -> Result<Option<Vec<String>>, JwkError> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(invalid(name, "must be an array of strings")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(invalid(name, "must be an array of strings")),
    }
}

fn take_bytes(map: &mut JsonObject, name: &'static str) -> Result<Option<Vec<u8>>, JwkError> {
    take_string(map, name)?
        .map(|s| base64url::decode(&s).map_err(|e| invalid(name, e.to_string())))
        .transpose()
}

fn require_bytes(map: &mut JsonObject, name: &'static str) -> Result<Vec<u8>, JwkError> {
    take_bytes(map, name)?.ok_or(JwkError::MissingParameter(name))
}

/// Takes a private member, keeping its text and bytes only in zeroizing buffers.
fn take_secret(map: &mut JsonObject, name: &'static str) -> Result<Option<Secret>, JwkError> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => {
            let s = Zeroizing::new(s);
            base64url::decode(s.as_bytes())
                .map(|b| Some(Secret::new(b)))
                .map_err(|e| invalid(name, e.to_string()))
        }
        Some(_) => Err(invalid(name, "must be a string")),
    }
}

fn require_secret(map: &mut JsonObject, name: &'static str) -> Result<Secret, JwkError> {
    take_secret(map, name)?.ok_or(JwkError::MissingParameter(name))
}

/// The length of a coordinate or scalar of an EC curve, for the curves supported.
fn ec_len(crv: &str) -> Option<usize> {
    match crv {
        "P-256" | "secp256k1" => Some(32),
        "P-384" => Some(48),
        "P-521" => Some(66),
        _ => None,
    }
}

fn check_len(name: &str, bytes: &[u8], expected: usize) -> Result<(), JwkError> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(invalid(
            name,
            format!("must be {expected} bytes, not {}", bytes.len()),
        ))
    }
}

fn check_integer(name: &str, bytes: &[u8]) -> Result<(), JwkError> {
    match bytes.first() {
        None => Err(invalid(name, "must not be empty")),
        Some(0) => Err(invalid(
            name,
            "must not have a leading zero octet (RFC 7518 6.3.1)",
        )),
        Some(_) => Ok(()),
    }
}

const SIG_OPS: &[&str] = &["sign", "verify"];
const ENC_OPS: &[&str] = &[
    "encrypt",
    "decrypt",
    "wrapKey",
    "unwrapKey",
    "deriveKey",
    "deriveBits",
];

impl Jwk {
    /// Parses a JWK from strict JSON.
    ///
    /// # Errors
    /// [`JwkError`] naming the first problem; values are never repeated in the message.
    pub fn from_json(json: &[u8]) -> Result<Self, JwkError> {
        let map = json::object_from_slice(json, JWK_DEPTH)?;
        Self::from_object(map)
    }

    /// Builds a JWK from an already parsed JSON object (e.g. a header's `jwk` or `epk`).
    ///
    /// # Errors
    /// As [`Jwk::from_json`].
    pub fn from_object(mut map: JsonObject) -> Result<Self, JwkError> {
        let kty = take_string(&mut map, "kty")?.ok_or(JwkError::MissingParameter("kty"))?;
        let material = match kty.as_str() {
            "oct" => {
                let k = require_secret(&mut map, "k")?;
                if k.expose().is_empty() {
                    return Err(invalid("k", "must not be empty"));
                }
                KeyMaterial::Oct { k }
            }
            "OKP" => {
                let crv = take_string(&mut map, "crv")?.ok_or(JwkError::MissingParameter("crv"))?;
                if crv != "Ed25519" && crv != "X25519" {
                    return Err(JwkError::UnsupportedCurve(json::truncate(&crv)));
                }
                let x = require_bytes(&mut map, "x")?;
                check_len("x", &x, 32)?;
                let d = take_secret(&mut map, "d")?;
                if let Some(d) = &d {
                    check_len("d", d.expose(), 32)?;
                }
                KeyMaterial::Okp { crv, x, d }
            }
            "EC" => {
                let crv = take_string(&mut map, "crv")?.ok_or(JwkError::MissingParameter("crv"))?;
                let len =
                    ec_len(&crv).ok_or_else(|| JwkError::UnsupportedCurve(json::truncate(&crv)))?;
                let x = require_bytes(&mut map, "x")?;
                check_len("x", &x, len)?;
                let y = require_bytes(&mut map, "y")?;
                check_len("y", &y, len)?;
                let d = take_secret(&mut map, "d")?;
                if let Some(d) = &d {
                    check_len("d", d.expose(), len)?;
                }
                KeyMaterial::Ec { crv, x, y, d }
            }
            "RSA" => {
                let n = require_bytes(&mut map, "n")?;
                check_integer("n", &n)?;
                if crate::roca::has_fingerprint(&n) {
                    return Err(JwkError::RocaVulnerable);
                }
                let e = require_bytes(&mut map, "e")?;
                check_integer("e", &e)?;
                if map.contains_key("oth") {
                    return Err(invalid("oth", "multi-prime RSA keys are not supported"));
                }
                let private = match take_secret(&mut map, "d")? {
                    None => None,
                    Some(d) => {
                        let names = ["p", "q", "dp", "dq", "qi"];
                        let present = names.iter().filter(|n| map.contains_key(**n)).count();
                        let crt = match present {
                            0 => None,
                            5 => Some(RsaCrt {
                                p: require_secret(&mut map, "p")?,
                                q: require_secret(&mut map, "q")?,
                                dp: require_secret(&mut map, "dp")?,
                                dq: require_secret(&mut map, "dq")?,
                                qi: require_secret(&mut map, "qi")?,
                            }),
                            _ => {
                                return Err(invalid(
                                    "p",
                                    "p, q, dp, dq and qi must be all present or all absent",
                                ));
                            }
                        };
                        Some(Box::new(RsaPrivate { d, crt }))
                    }
                };
                KeyMaterial::Rsa { n, e, private }
            }
            other => return Err(JwkError::UnsupportedKeyType(json::truncate(other))),
        };
        let jwk = Self {
            material,
            kid: take_string(&mut map, "kid")?,
            alg: take_string(&mut map, "alg")?.map(|a| Algorithm::from_name(&a)),
            key_use: take_string(&mut map, "use")?,
            key_ops: take_strings(&mut map, "key_ops")?,
            x5u: take_string(&mut map, "x5u")?,
            x5c: take_strings(&mut map, "x5c")?,
            x5t: take_string(&mut map, "x5t")?,
            x5t_s256: take_string(&mut map, "x5t#S256")?,
        };
        jwk.check_usage_members()?;
        Ok(jwk)
    }

    fn check_usage_members(&self) -> Result<(), JwkError> {
        if let Some(ops) = &self.key_ops {
            for (i, op) in ops.iter().enumerate() {
                if ops.iter().take(i).any(|o| o == op) {
                    return Err(invalid("key_ops", "lists an operation twice"));
                }
            }
            if let Some(key_use) = &self.key_use {
                let allowed = match key_use.as_str() {
                    "sig" => SIG_OPS,
                    "enc" => ENC_OPS,
                    _ => &[][..],
                };
                if ops.iter().any(|op| !allowed.contains(&op.as_str())) {
                    return Err(invalid("key_ops", "is inconsistent with \"use\""));
                }
            }
        }
        Ok(())
    }

    /// A JWK of this material with no other member.
    #[must_use]
    pub const fn new(material: KeyMaterial) -> Self {
        Self {
            material,
            kid: None,
            alg: None,
            key_use: None,
            key_ops: None,
            x5u: None,
            x5c: None,
            x5t: None,
            x5t_s256: None,
        }
    }

    /// The key material.
    #[must_use]
    pub const fn material(&self) -> &KeyMaterial {
        &self.material
    }

    /// `kty`: `oct`, `OKP`, `EC` or `RSA`.
    #[must_use]
    pub const fn kty(&self) -> &'static str {
        match self.material {
            KeyMaterial::Oct { .. } => "oct",
            KeyMaterial::Okp { .. } => "OKP",
            KeyMaterial::Ec { .. } => "EC",
            KeyMaterial::Rsa { .. } => "RSA",
        }
    }

    /// Whether the JWK holds private or secret material (`oct` keys always do).
    #[must_use]
    pub const fn is_private(&self) -> bool {
        match &self.material {
            KeyMaterial::Oct { .. } => true,
            KeyMaterial::Okp { d, .. } | KeyMaterial::Ec { d, .. } => d.is_some(),
            KeyMaterial::Rsa { private, .. } => private.is_some(),
        }
    }

    /// This JWK with a `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// This JWK with an `alg`.
    #[must_use]
    pub fn with_alg(mut self, alg: Algorithm) -> Self {
        self.alg = Some(alg);
        self
    }

    /// The public part: the same JWK without private members, or `None` for an `oct` key,
    /// which has no public part.
    #[must_use]
    pub fn to_public(&self) -> Option<Self> {
        let material = match &self.material {
            KeyMaterial::Oct { .. } => return None,
            KeyMaterial::Okp { crv, x, .. } => KeyMaterial::Okp {
                crv: crv.clone(),
                x: x.clone(),
                d: None,
            },
            KeyMaterial::Ec { crv, x, y, .. } => KeyMaterial::Ec {
                crv: crv.clone(),
                x: x.clone(),
                y: y.clone(),
                d: None,
            },
            KeyMaterial::Rsa { n, e, .. } => KeyMaterial::Rsa {
                n: n.clone(),
                e: e.clone(),
                private: None,
            },
        };
        Some(Self {
            material,
            ..self.clone()
        })
    }

    /// The RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order,
    /// base64url-encoded. Often used as the `kid`.
    #[must_use]
    pub fn thumbprint(&self) -> String {
        base64url::encode(self.thumbprint_sha256())
    }

    /// This JWK with its `kid` set to its RFC 7638 thumbprint.
    #[must_use]
    pub fn with_thumbprint_kid(mut self) -> Self {
        self.kid = Some(self.thumbprint());
        self
    }

    /// The RFC 7638 SHA-256 thumbprint as bytes.
    #[must_use]
    pub fn thumbprint_sha256(&self) -> [u8; 32] {
        let b = |bytes: &[u8]| base64url::encode(bytes);
        // Every value is base64url or a fixed name: no JSON escaping is ever needed.
        let input = match &self.material {
            KeyMaterial::Oct { k } => format!(r#"{{"k":"{}","kty":"oct"}}"#, b(k.expose())),
            KeyMaterial::Okp { crv, x, .. } => {
                format!(r#"{{"crv":"{crv}","kty":"OKP","x":"{}"}}"#, b(x))
            }
            KeyMaterial::Ec { crv, x, y, .. } => format!(
                r#"{{"crv":"{crv}","kty":"EC","x":"{}","y":"{}"}}"#,
                b(x),
                b(y)
            ),
            KeyMaterial::Rsa { n, e, .. } => {
                format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, b(e), b(n))
            }
        };
        let input = Zeroizing::new(input);
        Sha256::digest(input.as_bytes()).into()
    }

    /// The JWK as JSON including private members. Keep the result secret.
    ///
    /// # Errors
    /// Never in practice; the signature leaves room for serializer errors.
    pub fn to_private_json(&self) -> Result<Zeroizing<String>, serde_json::Error> {
        serde_json::to_string(&Export {
            jwk: self,
            private: true,
        })
        .map(Zeroizing::new)
    }

    /// The public JWK as JSON (see [`Jwk::to_public`]).
    ///
    /// # Errors
    /// For an `oct` key, which has no public part.
    pub fn to_public_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// Checks that `use` and `key_ops` permit `op` (`sign`, `verify`, `encrypt`, ...).
    ///
    /// # Errors
    /// [`KeyError::UsageNotPermitted`].
    pub fn check_operation(&self, op: &str) -> Result<(), KeyError> {
        if let Some(key_use) = &self.key_use {
            let wanted = if SIG_OPS.contains(&op) { "sig" } else { "enc" };
            if key_use != wanted {
                return Err(KeyError::UsageNotPermitted(format!(
                    "\"use\" is \"{}\", operation \"{op}\" needs \"{wanted}\"",
                    json::truncate(key_use)
                )));
            }
        }
        if let Some(ops) = &self.key_ops {
            if !ops.iter().any(|o| o == op) {
                return Err(KeyError::UsageNotPermitted(format!(
                    "\"key_ops\" does not list \"{op}\""
                )));
            }
        }
        Ok(())
    }

    /// The algorithm to bind: the caller's, which must agree with the JWK's `alg` when
    /// both are given.
    fn resolve_alg(&self, requested: Option<Algorithm>) -> Result<Algorithm, KeyError> {
        match (requested, &self.alg) {
            (Some(requested), Some(jwk)) if requested != *jwk => Err(KeyError::AlgorithmMismatch {
                requested,
                jwk: jwk.clone(),
            }),
            (Some(alg), _) => Ok(alg),
            (None, Some(alg)) => Ok(alg.clone()),
            (None, None) => Err(KeyError::Invalid(
                "the JWK has no \"alg\": name the algorithm to use it with".into(),
            )),
        }
    }

    /// A signing key for `alg` (or the JWK's own `alg` when `None`); the JWK must be
    /// private, its `use`/`key_ops` must permit signing.
    ///
    /// # Errors
    /// [`KeyError`] when the JWK cannot serve the algorithm.
    pub fn signing_key(&self, alg: Option<Algorithm>) -> Result<SigningKey, KeyError> {
        let alg = self.resolve_alg(alg)?;
        self.check_operation("sign")?;
        let key = match &self.material {
            KeyMaterial::Oct { k } => SigningKey::hmac(alg, k.expose())?,
            KeyMaterial::Okp { crv, d: Some(d), x } if crv == "Ed25519" => {
                let key = SigningKey::ed25519_for(alg, d.expose())?;
                if let PublicParts::Ed25519(public) = key.verifying_key().public_parts() {
                    if public.as_slice() != x.as_slice() {
                        return Err(KeyError::Invalid(
                            "\"x\" is not the public key of \"d\"".into(),
                        ));
                    }
                }
                key
            }
            KeyMaterial::Ec { d: Some(d), .. } => {
                let key = SigningKey::ecdsa(alg, d.expose())?;
                let expected = self.verifying_key(Some(key.alg().clone())).ok();
                if expected.is_none_or(|v| !same_public(&v, &key.verifying_key())) {
                    return Err(KeyError::Invalid(
                        "\"x\"/\"y\" are not the public key of \"d\"".into(),
                    ));
                }
                key
            }
            KeyMaterial::Rsa {
                private: Some(_), ..
            } => SigningKey::rsa(alg, self.rsa_private_key()?)?,
            KeyMaterial::Okp { crv, .. } if crv != "Ed25519" => {
                return Err(KeyError::WrongKeyType { alg, key: "X25519" });
            }
            _ => return Err(KeyError::Invalid("the JWK has no private key".into())),
        };
        Ok(match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        })
    }

    /// A verifying key for `alg` (or the JWK's own `alg` when `None`); its `use`/`key_ops`
    /// must permit verifying. Private members, if any, are not used.
    ///
    /// # Errors
    /// [`KeyError`] when the JWK cannot serve the algorithm.
    pub fn verifying_key(&self, alg: Option<Algorithm>) -> Result<VerifyingKey, KeyError> {
        let alg = self.resolve_alg(alg)?;
        self.check_operation("verify")?;
        let key = match &self.material {
            KeyMaterial::Oct { k } => VerifyingKey::hmac(alg, k.expose())?,
            KeyMaterial::Okp { crv, x, .. } => {
                if crv != "Ed25519" {
                    return Err(KeyError::WrongKeyType { alg, key: "X25519" });
                }
                VerifyingKey::ed25519_for(alg, x)?
            }
            KeyMaterial::Ec { crv, x, y, .. } => {
                let wanted = match alg {
                    Algorithm::ES256 => "P-256",
                    Algorithm::ES256K => "secp256k1",
                    Algorithm::ES384 => "P-384",
                    Algorithm::ES512 => "P-521",
                    _ => return Err(KeyError::WrongKeyType { alg, key: "EC" }),
                };
                if crv != wanted {
                    return Err(KeyError::Invalid(format!(
                        "{alg} needs a {wanted} key, not {crv}"
                    )));
                }
                let point = [&[4u8][..], x, y].concat();
                VerifyingKey::ecdsa_sec1(alg, &point)?
            }
            KeyMaterial::Rsa { n, e, .. } => VerifyingKey::rsa_components(alg, n, e)?,
        };
        Ok(match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        })
    }

    /// The RSA private key of an `RSA` JWK with private members (the CRT members are
    /// recomputed and checked by the `rsa` crate).
    ///
    /// # Errors
    /// [`KeyError::Invalid`] for another key type, a public JWK or inconsistent members.
    pub fn rsa_private_key(&self) -> Result<rsa::PrivateKey, KeyError> {
        let KeyMaterial::Rsa {
            n,
            e,
            private: Some(p),
        } = &self.material
        else {
            return Err(KeyError::Invalid("not a private RSA JWK".into()));
        };
        let big = |b: &[u8]| rsa::BoxedUint::from_be_slice_vartime(b);
        let primes = p
            .crt
            .as_ref()
            .map(|c| vec![big(c.p.expose()), big(c.q.expose())])
            .unwrap_or_default();
        rsa::PrivateKey::from_components(big(n), big(e), big(p.d.expose()), primes)
            .map_err(|x| KeyError::Invalid(format!("RSA private key: {x}")))
    }

    /// The RSA public key of an `RSA` JWK.
    ///
    /// # Errors
    /// [`KeyError::Invalid`] for another key type or invalid members.
    pub fn rsa_public_key(&self) -> Result<rsa::PublicKey, KeyError> {
        let KeyMaterial::Rsa { n, e, .. } = &self.material else {
            return Err(KeyError::Invalid("not an RSA JWK".into()));
        };
        rsa::PublicKey::new(
            rsa::BoxedUint::from_be_slice_vartime(n),
            rsa::BoxedUint::from_be_slice_vartime(e),
        )
        .map_err(|x| KeyError::Invalid(format!("RSA public key: {x}")))
    }

    /// The algorithms this JWK could serve for signatures: its `alg` if it names one,
    /// else every algorithm of its kind.
    #[must_use]
    pub fn signature_algorithms(&self) -> Vec<Algorithm> {
        if let Some(alg) = &self.alg {
            return vec![alg.clone()];
        }
        let kind = match &self.material {
            KeyMaterial::Oct { .. } => "HMAC secret",
            KeyMaterial::Okp { crv, .. } if crv == "Ed25519" => "Ed25519",
            KeyMaterial::Ec { crv, .. } => match crv.as_str() {
                "P-256" => "P-256",
                "secp256k1" => "secp256k1",
                "P-384" => "P-384",
                _ => "P-521",
            },
            KeyMaterial::Rsa { .. } => "RSA",
            KeyMaterial::Okp { .. } => "",
        };
        crate::key::algorithms_for(kind).to_vec()
    }
}

fn same_public(a: &VerifyingKey, b: &VerifyingKey) -> bool {
    match (a.public_parts(), b.public_parts()) {
        (PublicParts::Ec(c1, p1), PublicParts::Ec(c2, p2)) => c1 == c2 && p1 == p2,
        _ => false,
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

impl VerifyingKey {
    /// The key as a JWK with `kty`, its material, `alg` and `kid`. For an HMAC key the JWK
    /// is the secret (`oct`).
    #[must_use]
    pub fn to_jwk(&self) -> Jwk {
        let material = match self.public_parts() {
            PublicParts::Hmac(k) => KeyMaterial::Oct {
                k: Secret::new(k.to_vec()),
            },
            PublicParts::Ed25519(x) => KeyMaterial::Okp {
                crv: "Ed25519".into(),
                x: x.to_vec(),
                d: None,
            },
            PublicParts::Ec(crv, point) => KeyMaterial::ec_from_sec1(crv, &point, None),
            PublicParts::Rsa(n, e) => KeyMaterial::Rsa {
                n: strip_zeros(&n),
                e: strip_zeros(&e),
                private: None,
            },
        };
        let mut jwk = Jwk::new(material).with_alg(self.alg().clone());
        jwk.kid = self.kid().map(str::to_owned);
        jwk
    }
}

impl SigningKey {
    /// This key with its `kid` set to the RFC 7638 thumbprint of its public JWK (of the
    /// secret, for HMAC keys).
    #[must_use]
    pub fn with_thumbprint_kid(self) -> Self {
        let kid = self.verifying_key().to_jwk().thumbprint();
        self.with_kid(kid)
    }

    /// The key as a private JWK (`d`, and the CRT members for RSA), with `alg` and `kid`.
    #[must_use]
    pub fn to_jwk(&self) -> Jwk {
        let public = self.verifying_key().to_jwk();
        let material = match (self.secret_parts(), public.material) {
            (SecretParts::Hmac, m) => m,
            (SecretParts::Ed25519(k), KeyMaterial::Okp { crv, x, .. }) => KeyMaterial::Okp {
                crv,
                x,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::P256(k), KeyMaterial::Ec { crv, x, y, .. }) => KeyMaterial::Ec {
                crv,
                x,
                y,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::K256(k), KeyMaterial::Ec { crv, x, y, .. }) => KeyMaterial::Ec {
                crv,
                x,
                y,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::P384(k), KeyMaterial::Ec { crv, x, y, .. }) => KeyMaterial::Ec {
                crv,
                x,
                y,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::P521(k), KeyMaterial::Ec { crv, x, y, .. }) => KeyMaterial::Ec {
                crv,
                x,
                y,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::Rsa(k), KeyMaterial::Rsa { .. }) => crate::pem::rsa_private_material(k),
            (_, m) => m,
        };
        Jwk { material, ..public }
    }
}

struct Export<'a> {
    jwk: &'a Jwk,
    private: bool,
}

struct B64<'a>(&'a [u8]);

impl Serialize for B64<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = Zeroizing::new(base64url::encode(self.0));
        s.serialize_str(&text)
    }
}

impl Serialize for Export<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let jwk = self.jwk;
        if !self.private && matches!(jwk.material, KeyMaterial::Oct { .. }) {
            return Err(S::Error::custom(
                "an oct key has no public part; export it with Jwk::to_private_json",
            ));
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kty", jwk.kty())?;
        if let Some(kid) = &jwk.kid {
            map.serialize_entry("kid", kid)?;
        }
        if let Some(u) = &jwk.key_use {
            map.serialize_entry("use", u)?;
        }
        if let Some(ops) = &jwk.key_ops {
            map.serialize_entry("key_ops", ops)?;
        }
        if let Some(alg) = &jwk.alg {
            map.serialize_entry("alg", alg)?;
        }
        let private = self.private;
        match &jwk.material {
            KeyMaterial::Oct { k } => map.serialize_entry("k", &B64(k.expose()))?,
            KeyMaterial::Okp { crv, x, d } => {
                map.serialize_entry("crv", crv)?;
                map.serialize_entry("x", &B64(x))?;
                if let (true, Some(d)) = (private, d) {
                    map.serialize_entry("d", &B64(d.expose()))?;
                }
            }
            KeyMaterial::Ec { crv, x, y, d } => {
                map.serialize_entry("crv", crv)?;
                map.serialize_entry("x", &B64(x))?;
                map.serialize_entry("y", &B64(y))?;
                if let (true, Some(d)) = (private, d) {
                    map.serialize_entry("d", &B64(d.expose()))?;
                }
            }
            KeyMaterial::Rsa { n, e, private: p } => {
                map.serialize_entry("n", &B64(n))?;
                map.serialize_entry("e", &B64(e))?;
                if let (true, Some(p)) = (private, p) {
                    map.serialize_entry("d", &B64(p.d.expose()))?;
                    if let Some(c) = &p.crt {
                        map.serialize_entry("p", &B64(c.p.expose()))?;
                        map.serialize_entry("q", &B64(c.q.expose()))?;
                        map.serialize_entry("dp", &B64(c.dp.expose()))?;
                        map.serialize_entry("dq", &B64(c.dq.expose()))?;
                        map.serialize_entry("qi", &B64(c.qi.expose()))?;
                    }
                }
            }
        }
        if let Some(v) = &jwk.x5u {
            map.serialize_entry("x5u", v)?;
        }
        if let Some(v) = &jwk.x5c {
            map.serialize_entry("x5c", v)?;
        }
        if let Some(v) = &jwk.x5t {
            map.serialize_entry("x5t", v)?;
        }
        if let Some(v) = &jwk.x5t_s256 {
            map.serialize_entry("x5t#S256", v)?;
        }
        map.end()
    }
}

/// Writes the public part only; fails for `oct` keys.
impl Serialize for Jwk {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Export {
            jwk: self,
            private: false,
        }
        .serialize(serializer)
    }
}
