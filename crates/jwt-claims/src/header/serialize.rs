//! Writing a header: registered parameters in a fixed order, binary ones as base64url,
//! `x5c` as standard base64, extension parameters after them.

use base64::Engine as _;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{Header, REGISTERED_PARAMETERS};
use crate::{base64url, json};

struct B64<'a>(&'a [u8]);

impl Serialize for B64<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64url::encode(self.0))
    }
}

struct Certificates<'a>(&'a [Vec<u8>]);

impl Serialize for Certificates<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .iter()
                .map(|der| base64::engine::general_purpose::STANDARD.encode(der)),
        )
    }
}

impl Serialize for Header {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let mut map = serializer.serialize_map(None)?;
        macro_rules! put {
            ($name:literal, $field:expr) => {
                if let Some(v) = &$field {
                    map.serialize_entry($name, v)?;
                }
            };
            ($name:literal, $field:expr, $wrap:ident) => {
                if let Some(v) = &$field {
                    map.serialize_entry($name, &$wrap(v))?;
                }
            };
        }
        put!("alg", self.alg);
        put!("enc", self.enc);
        put!("zip", self.zip);
        put!("jku", self.jku);
        put!("jwk", self.jwk);
        put!("kid", self.kid);
        put!("x5u", self.x5u);
        put!("x5c", self.x5c, Certificates);
        put!("x5t", self.x5t, B64);
        put!("x5t#S256", self.x5t_s256, B64);
        put!("typ", self.typ);
        put!("cty", self.cty);
        put!("b64", self.b64);
        put!("crit", self.crit);
        put!("epk", self.epk);
        put!("apu", self.apu, B64);
        put!("apv", self.apv, B64);
        put!("iv", self.iv, B64);
        put!("tag", self.tag, B64);
        put!("p2s", self.p2s, B64);
        put!("p2c", self.p2c);
        for (name, value) in &self.extra {
            if REGISTERED_PARAMETERS.contains(&name.as_str()) || name == "b64" {
                return Err(S::Error::custom(format_args!(
                    "extension parameter \"{}\" has a registered name; use its field",
                    json::truncate(name)
                )));
            }
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}
