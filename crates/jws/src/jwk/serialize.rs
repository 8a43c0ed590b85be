//! Writing JWKs: the public part by `Serialize`, private members only when asked by name.

use jwt_claims::base64url;
use serde::ser::{Error as _, SerializeMap};
use serde::{Serialize, Serializer};
use zeroize::Zeroizing;

use super::{Jwk, KeyMaterial, KeyOperation};

impl Jwk {
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
            map.serialize_entry("use", u.as_str())?;
        }
        if let Some(ops) = &jwk.key_ops {
            let names: Vec<&str> = ops.iter().map(KeyOperation::as_str).collect();
            map.serialize_entry("key_ops", &names)?;
        }
        if let Some(alg) = &jwk.alg {
            map.serialize_entry("alg", alg)?;
        }
        let private = self.private;
        match &jwk.material {
            KeyMaterial::Oct { k } => map.serialize_entry("k", &B64(k.expose()))?,
            KeyMaterial::Okp { crv, x, d } => {
                map.serialize_entry("crv", crv.name())?;
                map.serialize_entry("x", &B64(x))?;
                if let (true, Some(d)) = (private, d) {
                    map.serialize_entry("d", &B64(d.expose()))?;
                }
            }
            KeyMaterial::Ec { crv, x, y, d } => {
                map.serialize_entry("crv", crv.name())?;
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
