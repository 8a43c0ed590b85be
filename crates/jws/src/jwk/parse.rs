//! The strict JWK parser (RFC 7517 4, RFC 7518 6): duplicate members, non-canonical
//! base64url, coordinates of the wrong length and inconsistent usage members are refused.

use jwt_claims::json::{self, JsonObject};
use jwt_claims::{Algorithm, base64url};
use serde_json::Value;
use zeroize::Zeroizing;

use super::{Curve, Jwk, KeyMaterial, KeyOperation, KeyUse, RsaCrt, RsaPrivate, Secret};
use crate::JwkError;

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

/// The `crv` member, which must name a curve of the key type.
fn take_curve(map: &mut JsonObject, okp: bool) -> Result<Curve, JwkError> {
    let name = take_string(map, "crv")?.ok_or(JwkError::MissingParameter("crv"))?;
    Curve::from_name(&name)
        .filter(|c| c.is_okp() == okp)
        .ok_or_else(|| JwkError::UnsupportedCurve(json::truncate(&name)))
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
                let crv = take_curve(&mut map, true)?;
                let x = require_bytes(&mut map, "x")?;
                check_len("x", &x, 32)?;
                let d = take_secret(&mut map, "d")?;
                if let Some(d) = &d {
                    check_len("d", d.expose(), 32)?;
                }
                KeyMaterial::Okp { crv, x, d }
            }
            "EC" => {
                let crv = take_curve(&mut map, false)?;
                let len = crv.key_len();
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
            key_use: take_string(&mut map, "use")?.map(|u| KeyUse::from_name(&u)),
            key_ops: take_strings(&mut map, "key_ops")?
                .map(|ops| ops.iter().map(|o| KeyOperation::from_name(o)).collect()),
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
            if let Some(key_use) = &self.key_use
                && ops.iter().any(|op| op.key_use().as_ref() != Some(key_use))
            {
                return Err(invalid("key_ops", "is inconsistent with \"use\""));
            }
        }
        Ok(())
    }
}
