//! Reading a header strictly: a JSON object, each parameter once, bounded nesting,
//! canonical base64url for binary parameters, typed registered parameters.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::Header;
use crate::Limits;
use crate::base64url;
use crate::error::CritError;
use crate::json::{JsonError, JsonObject, KeySeed, ValueSeed};

impl<'de> Deserialize<'de> for Header {
    /// Strict parsing with the default depth limit. [`Header::from_json`] returns the same
    /// result with a typed error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let detail = Cell::new(None);
        HeaderSeed {
            value: ValueSeed {
                depth_left: Limits::DEFAULT.max_json_depth - 1,
                detail: &detail,
            },
        }
        .deserialize(deserializer)
    }
}

/// Reads base64url bytes from a JSON string.
struct B64Seed;

impl<'de> DeserializeSeed<'de> for B64Seed {
    type Value = Vec<u8>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for B64Seed {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a base64url string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
        base64url::decode(v).map_err(E::custom)
    }
}

/// Reads an `x5c` chain: a non-empty array of standard base64 DER certificates.
struct CertificatesSeed;

impl<'de> DeserializeSeed<'de> for CertificatesSeed {
    type Value = Vec<Vec<u8>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for CertificatesSeed {
    type Value = Vec<Vec<u8>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of base64 certificates")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut chain = Vec::new();
        while let Some(cert) = seq.next_element::<Cow<'de, str>>()? {
            let der = base64::engine::general_purpose::STANDARD
                .decode(cert.as_bytes())
                .map_err(|_| de::Error::custom("certificate is not canonical base64"))?;
            chain.push(der);
        }
        if chain.is_empty() {
            return Err(de::Error::custom("empty certificate chain"));
        }
        Ok(chain)
    }
}

/// Reads a non-empty `crit` list of strings.
struct CritSeed;

impl<'de> DeserializeSeed<'de> for CritSeed {
    type Value = Vec<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        if names.is_empty() {
            return Err(de::Error::custom(CritError::Empty));
        }
        Ok(names)
    }
}

pub(super) struct HeaderSeed<'a> {
    pub(super) value: ValueSeed<'a>,
}

impl<'de> DeserializeSeed<'de> for HeaderSeed<'_> {
    type Value = Header;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Header, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeaderSeed<'_> {
    type Value = Header;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header, A::Error> {
        let detail = self.value.detail;
        let fail = |error: JsonError| {
            let e = de::Error::custom(&error);
            detail.set(Some(error));
            e
        };
        let mut h = Header::default();
        while let Some(name) = map.next_key_seed(KeySeed)? {
            macro_rules! read {
                ($slot:expr, $seed:expr) => {{
                    if $slot.is_some() {
                        return Err(fail(JsonError::duplicate(&name)));
                    }
                    match map.next_value_seed($seed) {
                        Ok(v) => $slot = Some(v),
                        Err(e) => {
                            // A nested strict-JSON failure has already left its reason.
                            if let Some(inner) = detail.take() {
                                detail.set(Some(inner));
                                return Err(e);
                            }
                            return Err(fail(JsonError::invalid(&name, e)));
                        }
                    }
                }};
            }
            match &*name {
                "alg" => read!(h.alg, PhantomData),
                "enc" => read!(h.enc, PhantomData),
                "zip" => read!(h.zip, PhantomData),
                "jku" => read!(h.jku, PhantomData),
                "jwk" => read!(h.jwk, ObjectSeed(self.value)),
                "kid" => read!(h.kid, PhantomData),
                "x5u" => read!(h.x5u, PhantomData),
                "x5c" => read!(h.x5c, CertificatesSeed),
                "x5t" => read!(h.x5t, B64Seed),
                "x5t#S256" => read!(h.x5t_s256, B64Seed),
                "typ" => read!(h.typ, PhantomData),
                "cty" => read!(h.cty, PhantomData),
                "crit" => read!(h.crit, CritSeed),
                "epk" => read!(h.epk, ObjectSeed(self.value)),
                "apu" => read!(h.apu, B64Seed),
                "apv" => read!(h.apv, B64Seed),
                "iv" => read!(h.iv, B64Seed),
                "tag" => read!(h.tag, B64Seed),
                "p2s" => read!(h.p2s, B64Seed),
                "p2c" => read!(h.p2c, PhantomData),
                "b64" => read!(h.b64, PhantomData),
                _ => {
                    if h.extra.contains_key(&*name) {
                        return Err(fail(JsonError::duplicate(&name)));
                    }
                    let value = map.next_value_seed(self.value)?;
                    h.extra.insert(name.into_owned(), value);
                }
            }
        }
        Ok(h)
    }
}

/// Reads a strict JSON object (for `jwk` and `epk`).
struct ObjectSeed<'a>(ValueSeed<'a>);

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = JsonObject;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<JsonObject, D::Error> {
        match self.0.deserialize(d)? {
            Value::Object(map) => Ok(map),
            _ => Err(de::Error::custom("must be a JSON object")),
        }
    }
}
