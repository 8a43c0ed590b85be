//! The JOSE header (RFC 7515 4.1, RFC 7516 4.1, RFC 7518 4.6.1, 4.7.1, 4.8.1, RFC 7797 3).

use std::cell::Cell;

use serde::de::DeserializeSeed;

use crate::error::CritError;
use crate::json::{JsonError, JsonObject, ValueSeed};
use crate::{Algorithm, CompressionAlgorithm, EncryptionAlgorithm, Error, Limits, Segment};
use crate::{base64url, json};

/// Header parameter names registered by RFC 7515, RFC 7516 and RFC 7518, which `crit`
/// must not list (RFC 7515 4.1.11).
pub const REGISTERED_PARAMETERS: &[&str] = &[
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc",
    "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
];

/// A JOSE header: every registered parameter typed, extension parameters kept as JSON.
///
/// Parsing is strict: the header must be a JSON object, a parameter may appear once,
/// nesting is bounded, and binary parameters (`x5t`, `apu`, `iv`, ...) must be canonical
/// base64url. Extension parameters are kept in [`Header::extra`] and written back when the
/// header is serialized.
///
/// ```
/// use jwt_claims::{Algorithm, Header, Limits};
///
/// let header = Header::from_json(br#"{"alg":"HS256","typ":"JWT","x-trace":[1,2]}"#,
///     &Limits::default()).unwrap();
/// assert_eq!(header.alg, Some(Algorithm::HS256));
/// assert_eq!(header.typ.as_deref(), Some("JWT"));
/// assert_eq!(header.extra["x-trace"], serde_json::json!([1, 2]));
///
/// assert!(Header::from_json(br#"{"alg":"HS256","alg":"none"}"#, &Limits::default()).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Header {
    /// `alg`: the signature or key management algorithm.
    pub alg: Option<Algorithm>,
    /// `enc`: the content encryption algorithm (JWE).
    pub enc: Option<EncryptionAlgorithm>,
    /// `zip`: the compression applied before encryption (JWE).
    pub zip: Option<CompressionAlgorithm>,
    /// `jku`: a URL of a JWK Set. Never used to find a trusted key.
    pub jku: Option<String>,
    /// `jwk`: a public key. Never used to find a trusted key.
    pub jwk: Option<JsonObject>,
    /// `kid`: the key identifier.
    pub kid: Option<String>,
    /// `x5u`: a URL of an X.509 chain. Never used to find a trusted key.
    pub x5u: Option<String>,
    /// `x5c`: an X.509 chain, DER certificates (standard base64 in JSON).
    pub x5c: Option<Vec<Vec<u8>>>,
    /// `x5t`: SHA-1 thumbprint of an X.509 certificate.
    pub x5t: Option<Vec<u8>>,
    /// `x5t#S256`: SHA-256 thumbprint of an X.509 certificate.
    pub x5t_s256: Option<Vec<u8>>,
    /// `typ`: the media type of the whole object, e.g. `JWT` or `at+jwt`.
    pub typ: Option<String>,
    /// `cty`: the media type of the payload, `JWT` for a nested JWT.
    pub cty: Option<String>,
    /// `crit`: extensions the recipient must understand.
    pub crit: Option<Vec<String>>,
    /// `epk`: the ephemeral public key of ECDH-ES (JWE).
    pub epk: Option<JsonObject>,
    /// `apu`: agreement PartyUInfo of ECDH-ES (JWE).
    pub apu: Option<Vec<u8>>,
    /// `apv`: agreement PartyVInfo of ECDH-ES (JWE).
    pub apv: Option<Vec<u8>>,
    /// `iv`: the initialization vector of AES-GCM key wrapping (JWE).
    pub iv: Option<Vec<u8>>,
    /// `tag`: the authentication tag of AES-GCM key wrapping (JWE).
    pub tag: Option<Vec<u8>>,
    /// `p2s`: the PBES2 salt input (JWE).
    pub p2s: Option<Vec<u8>>,
    /// `p2c`: the PBES2 iteration count (JWE).
    pub p2c: Option<u64>,
    /// `b64`: whether the JWS payload is base64url-encoded (RFC 7797).
    pub b64: Option<bool>,
    /// Extension parameters, by name. Must not hold a registered name.
    pub extra: JsonObject,
}

impl Header {
    /// A header with this `alg` and nothing else.
    #[must_use]
    pub fn new(alg: Algorithm) -> Self {
        Self {
            alg: Some(alg),
            ..Self::default()
        }
    }

    /// This header with a `typ`.
    #[must_use]
    pub fn with_typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// This header with a `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// This header with a `cty`.
    #[must_use]
    pub fn with_cty(mut self, cty: impl Into<String>) -> Self {
        self.cty = Some(cty.into());
        self
    }

    /// Parses a header from strict JSON.
    ///
    /// # Errors
    /// [`JsonError`] when the JSON is not an object, repeats a parameter, nests deeper
    /// than the limit, or gives a parameter a value of the wrong type.
    pub fn from_json(json: &[u8], limits: &Limits) -> Result<Self, JsonError> {
        let detail = Cell::new(None);
        let mut de = serde_json::Deserializer::from_slice(json);
        let result = deserialize::HeaderSeed {
            value: ValueSeed {
                depth_left: limits.max_json_depth.saturating_sub(1),
                detail: &detail,
            },
        }
        .deserialize(&mut de)
        .and_then(|h| de.end().map(|()| h));
        result.map_err(|e| {
            detail.take().map_or(JsonError::Syntax(e), |d| {
                json::with_limit(d, limits.max_json_depth)
            })
        })
    }

    /// Parses a header from its base64url segment of a compact token.
    ///
    /// # Errors
    /// [`Error::Base64`] or [`Error::Json`], naming [`Segment::Header`].
    pub fn from_segment(segment: &str, limits: &Limits) -> Result<Self, Error> {
        // Headers are short: decode on the stack when they fit.
        let (mut stack, mut heap) = ([0u8; 512], Vec::new());
        let json = base64url::decode_in(segment, &mut stack, &mut heap).map_err(|source| {
            Error::Base64 {
                segment: Segment::Header,
                source,
            }
        })?;
        Self::from_json(json, limits).map_err(|source| Error::Json {
            segment: Segment::Header,
            source,
        })
    }

    /// The header as compact JSON.
    ///
    /// # Errors
    /// [`Error::Serialize`] when [`Header::extra`] holds a registered parameter name.
    pub fn to_json(&self) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(self).map_err(Error::Serialize)
    }

    /// The header as the base64url segment of a compact token.
    ///
    /// # Errors
    /// As [`Header::to_json`].
    pub fn to_segment(&self) -> Result<String, Error> {
        Ok(base64url::encode(self.to_json()?))
    }

    /// Whether `typ` matches `expected` as RFC 7515 4.1.9 compares media types: ignoring
    /// ASCII case and an `application/` prefix on either side.
    #[must_use]
    pub fn typ_matches(&self, expected: &str) -> bool {
        self.typ
            .as_deref()
            .is_some_and(|typ| media_type(typ).eq_ignore_ascii_case(media_type(expected)))
    }

    /// Checks the `crit` parameter: when present it must be a non-empty list of distinct
    /// extension names, none registered by RFC 7515/7516/7518, each present in this header
    /// and each in `understood`.
    ///
    /// # Errors
    /// [`CritError`] naming the first offending entry.
    pub fn check_crit(&self, understood: &[&str]) -> Result<(), CritError> {
        let Some(crit) = &self.crit else {
            return Ok(());
        };
        if crit.is_empty() {
            return Err(CritError::Empty);
        }
        for (i, name) in crit.iter().enumerate() {
            let cut = || json::truncate(name);
            if crit.iter().take(i).any(|earlier| earlier == name) {
                return Err(CritError::Duplicate(cut()));
            }
            if REGISTERED_PARAMETERS.contains(&name.as_str()) {
                return Err(CritError::Registered(cut()));
            }
            let present = if name == "b64" {
                self.b64.is_some()
            } else {
                self.extra.contains_key(name)
            };
            if !present {
                return Err(CritError::Absent(cut()));
            }
            if !understood.contains(&name.as_str()) {
                return Err(CritError::NotUnderstood(cut()));
            }
        }
        Ok(())
    }
}

fn media_type(typ: &str) -> &str {
    match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => typ.get(12..).unwrap_or(typ),
        _ => typ,
    }
}

// ---------------------------------------------------------------------------------------
// Serialization

mod deserialize;
mod serialize;

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Result<Header, JsonError> {
        Header::from_json(s.as_bytes(), &Limits::default())
    }

    #[test]
    fn every_registered_parameter_is_typed_and_round_trips() {
        let doc = json!({
            "alg": "ECDH-ES+A128KW", "enc": "A128GCM", "zip": "DEF",
            "jku": "https://example.com/jwks", "jwk": {"kty": "EC", "crv": "P-256"},
            "kid": "k1", "x5u": "https://example.com/x5u", "x5c": ["MIIB", "AQID"],
            "x5t": "AQID", "x5t#S256": "BAUG", "typ": "JWT", "cty": "JWT",
            "crit": ["exp-ext"], "exp-ext": 5,
            "epk": {"kty": "OKP", "crv": "X25519", "x": "AAAA"},
            "apu": "QWxpY2U", "apv": "Qm9i", "iv": "AAEC", "tag": "AwQF",
            "p2s": "AAECAwQFBgc", "p2c": 4096, "b64": false
        });
        let h = parse(&doc.to_string()).unwrap();
        assert_eq!(h.alg, Some(Algorithm::ECDH_ES_A128KW));
        assert_eq!(h.enc, Some(EncryptionAlgorithm::A128GCM));
        assert_eq!(h.zip, Some(CompressionAlgorithm::Deflate));
        assert_eq!(h.x5c.as_ref().unwrap()[1], vec![1, 2, 3]);
        assert_eq!(h.x5t.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(h.apu.as_deref(), Some(&b"Alice"[..]));
        assert_eq!(h.p2c, Some(4096));
        assert_eq!(h.b64, Some(false));
        assert_eq!(h.extra.len(), 1);
        let back: Value = serde_json::from_slice(&h.to_json().unwrap()).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn duplicates_are_rejected_for_registered_and_extension_names() {
        for doc in [
            r#"{"alg":"HS256","alg":"none"}"#,
            r#"{"alg":"HS256","kid":"a","kid":"b"}"#,
            r#"{"alg":"HS256","x":1,"x":1}"#,
            r#"{"alg":"HS256","jwk":{"kty":"oct","kty":"RSA"}}"#,
            r#"{"alg":"HS256","\u0061lg":"none"}"#,
        ] {
            let err = parse(doc).unwrap_err();
            assert!(
                matches!(err, JsonError::DuplicateMember { .. }),
                "{doc}: {err}"
            );
        }
    }

    #[test]
    fn wrong_types_name_the_parameter() {
        for (doc, name) in [
            (r#"{"alg":5}"#, "alg"),
            (r#"{"alg":"HS256","kid":7}"#, "kid"),
            (r#"{"alg":"HS256","crit":[]}"#, "crit"),
            (r#"{"alg":"HS256","crit":"b64"}"#, "crit"),
            (r#"{"alg":"HS256","b64":"false"}"#, "b64"),
            (r#"{"alg":"HS256","p2c":-1}"#, "p2c"),
            (r#"{"alg":"HS256","iv":"AA=="}"#, "iv"),
            (r#"{"alg":"HS256","x5t":"AAF"}"#, "x5t"),
            (r#"{"alg":"HS256","x5c":[]}"#, "x5c"),
            (r#"{"alg":"HS256","x5c":["AQI"]}"#, "x5c"),
            (r#"{"alg":"HS256","jwk":[1]}"#, "jwk"),
            (r#"{"alg":null}"#, "alg"),
        ] {
            match parse(doc) {
                Err(JsonError::InvalidMember { name: n, .. }) => assert_eq!(n, name, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
        }
    }

    #[test]
    fn not_an_object_and_depth() {
        assert!(matches!(parse("[]"), Err(JsonError::Syntax(_))));
        assert!(matches!(parse("\"alg\""), Err(JsonError::Syntax(_))));
        let deep = format!(
            r#"{{"alg":"HS256","x":{}1{}}}"#,
            "[".repeat(20),
            "]".repeat(20)
        );
        assert!(matches!(
            parse(&deep),
            Err(JsonError::TooDeep { limit: 16 })
        ));
        let limits = Limits::default().with_max_json_depth(30);
        assert!(Header::from_json(deep.as_bytes(), &limits).is_ok());
    }

    #[test]
    fn extension_with_registered_name_cannot_be_serialized() {
        let mut h = Header::new(Algorithm::HS256);
        h.extra.insert("alg".into(), json!("none"));
        assert!(h.to_json().is_err());
    }

    #[test]
    fn crit_rules() {
        let h = parse(r#"{"alg":"HS256","crit":["b64"],"b64":false}"#).unwrap();
        assert_eq!(h.check_crit(&["b64"]), Ok(()));
        assert_eq!(
            h.check_crit(&[]),
            Err(CritError::NotUnderstood("b64".into()))
        );
        let h = parse(r#"{"alg":"HS256","crit":["exp"]}"#).unwrap();
        assert_eq!(h.check_crit(&["exp"]), Err(CritError::Absent("exp".into())));
        let h = parse(r#"{"alg":"HS256","crit":["kid"],"kid":"x"}"#).unwrap();
        assert_eq!(
            h.check_crit(&["kid"]),
            Err(CritError::Registered("kid".into()))
        );
        let h = parse(r#"{"alg":"HS256","crit":["x","x"],"x":1}"#).unwrap();
        assert_eq!(h.check_crit(&["x"]), Err(CritError::Duplicate("x".into())));
        let mut h = Header::new(Algorithm::HS256);
        assert_eq!(h.check_crit(&[]), Ok(()));
        h.crit = Some(vec![]);
        assert_eq!(h.check_crit(&[]), Err(CritError::Empty));
    }

    #[test]
    fn typ_comparison_follows_rfc7515() {
        let h = Header::new(Algorithm::HS256).with_typ("application/AT+JWT");
        assert!(h.typ_matches("at+jwt"));
        assert!(h.typ_matches("Application/at+jwt"));
        assert!(!h.typ_matches("JWT"));
        assert!(!Header::new(Algorithm::HS256).typ_matches("JWT"));
    }

    #[test]
    fn segment_decoding() {
        let seg = base64url::encode(br#"{"alg":"HS256"}"#);
        assert_eq!(
            Header::from_segment(&seg, &Limits::default()).unwrap().alg,
            Some(Algorithm::HS256)
        );
        let long = base64url::encode(format!(r#"{{"alg":"HS256","x":"{}"}}"#, "a".repeat(2000)));
        assert!(Header::from_segment(&long, &Limits::default()).is_ok());
        assert!(matches!(
            Header::from_segment("eyJ=", &Limits::default()),
            Err(Error::Base64 {
                segment: Segment::Header,
                ..
            })
        ));
    }
}
