//! JWK Set (RFC 7517 5).

use jwt_claims::json::{self, JsonObject};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::{Jwk, JwkError};

/// A JWK Set: `{"keys": [...]}`.
///
/// Keys whose `kty` or `crv` this crate does not know are skipped on parsing, as RFC 7517
/// 5 asks; malformed keys of a known type are errors. `Serialize` writes public parts only
/// (secret `oct` keys are left out): the document to publish at `/.well-known/jwks.json`.
///
/// ```
/// use jws::JwkSet;
///
/// let set = JwkSet::from_json(br#"{"keys":[
///   {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a"},
///   {"kty":"unknown-future-type","kid":"b"}
/// ]}"#).unwrap();
/// assert_eq!(set.keys().len(), 1);
/// assert!(set.get("a").is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    keys: Vec<Jwk>,
}

impl JwkSet {
    /// The largest JWK Set document accepted by [`JwkSet::from_json`], in bytes.
    pub const DEFAULT_MAX_BYTES: usize = 256 * 1024;
    /// The most keys accepted by [`JwkSet::from_json`].
    pub const DEFAULT_MAX_KEYS: usize = 100;

    /// An empty set.
    #[must_use]
    pub const fn new() -> Self {
        Self { keys: Vec::new() }
    }

    /// Parses a JWK Set with the default limits (256 KiB, 100 keys).
    ///
    /// # Errors
    /// [`JwkError`] for malformed JSON, a malformed key of a known type, or too many keys.
    pub fn from_json(json: &[u8]) -> Result<Self, JwkError> {
        Self::from_json_with_limits(json, Self::DEFAULT_MAX_BYTES, Self::DEFAULT_MAX_KEYS)
    }

    /// Parses a JWK Set with these limits.
    ///
    /// # Errors
    /// As [`JwkSet::from_json`].
    pub fn from_json_with_limits(
        json: &[u8],
        max_bytes: usize,
        max_keys: usize,
    ) -> Result<Self, JwkError> {
        if json.len() > max_bytes {
            return Err(JwkError::InvalidParameter {
                name: "keys".into(),
                reason: format!("document of {} bytes exceeds {max_bytes}", json.len()),
            });
        }
        // Secret members pass through this map; it is dropped right after.
        let mut doc: JsonObject = json::object_from_slice(json, 10)?;
        let Some(Value::Array(items)) = doc.remove("keys") else {
            return Err(JwkError::MissingParameter("keys"));
        };
        if items.len() > max_keys {
            return Err(JwkError::TooManyKeys { limit: max_keys });
        }
        let mut keys = Vec::with_capacity(items.len());
        for item in items {
            let Value::Object(map) = item else {
                return Err(JwkError::InvalidParameter {
                    name: "keys".into(),
                    reason: "every element must be a JSON object".into(),
                });
            };
            match Jwk::from_object(map) {
                Ok(jwk) => keys.push(jwk),
                Err(JwkError::UnsupportedKeyType(_) | JwkError::UnsupportedCurve(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Self { keys })
    }

    /// A set of these keys.
    #[must_use]
    pub const fn from_keys(keys: Vec<Jwk>) -> Self {
        Self { keys }
    }

    /// The keys, in document order.
    #[must_use]
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Adds a key.
    pub fn push(&mut self, jwk: Jwk) {
        self.keys.push(jwk);
    }

    /// The first key with this `kid`.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
    }

    /// Every key with this `kid`.
    pub fn find<'a>(&'a self, kid: &'a str) -> impl Iterator<Item = &'a Jwk> + 'a {
        self.keys
            .iter()
            .filter(move |k| k.kid.as_deref() == Some(kid))
    }

    /// The set of the public parts (secret `oct` keys left out).
    #[must_use]
    pub fn to_public(&self) -> Self {
        Self {
            keys: self.keys.iter().filter_map(Jwk::to_public).collect(),
        }
    }

    /// Checks that no two keys of the same `kty` share a `kid`: RFC 7517 4.5 allows one
    /// `kid` for keys of different types (equivalent alternatives, as RFC 7520 4.8 uses),
    /// which a verifier tells apart by the algorithm each key is bound to; two keys of one
    /// type under one `kid` are ambiguous.
    ///
    /// A set may mix secret (`oct`) and public keys: every key serves only its own
    /// algorithm family, so an HMAC key is never tried for an EdDSA token nor the reverse.
    ///
    /// # Errors
    /// [`JwkError::DuplicateKid`].
    pub fn check_unique_kids(&self) -> Result<(), JwkError> {
        for (i, key) in self.keys.iter().enumerate() {
            if let Some(kid) = &key.kid
                && self
                    .keys
                    .iter()
                    .take(i)
                    .any(|k| k.kid.as_ref() == Some(kid) && k.kty() == key.kty())
            {
                return Err(JwkError::DuplicateKid(json::truncate(kid)));
            }
        }
        Ok(())
    }

    /// The set as JSON including private members. Keep the result secret.
    ///
    /// # Errors
    /// Never in practice; the signature leaves room for serializer errors.
    pub fn to_private_json(&self) -> Result<Zeroizing<String>, serde_json::Error> {
        let mut out = Zeroizing::new(String::from("{\"keys\":["));
        for (i, key) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&key.to_private_json()?);
        }
        out.push_str("]}");
        Ok(out)
    }
}

impl Serialize for JwkSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let public = self.to_public();
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("keys", &public.keys)?;
        map.end()
    }
}

/// A set of one key.
impl From<Jwk> for JwkSet {
    fn from(jwk: Jwk) -> Self {
        Self::from_keys(vec![jwk])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"a"}"#;
    const HS: &str = r#"{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U","kid":"b"}"#;

    fn doc(keys: &[&str]) -> String {
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }

    #[test]
    fn limits_are_inclusive() {
        let two = doc(&[ED, HS]);
        assert_eq!(
            JwkSet::from_json_with_limits(two.as_bytes(), two.len(), 2)
                .unwrap()
                .keys()
                .len(),
            2
        );
        assert!(matches!(
            JwkSet::from_json_with_limits(two.as_bytes(), two.len() - 1, 2),
            Err(JwkError::InvalidParameter { .. })
        ));
        assert!(matches!(
            JwkSet::from_json_with_limits(two.as_bytes(), two.len(), 1),
            Err(JwkError::TooManyKeys { limit: 1 })
        ));
    }

    #[test]
    fn push_find_and_private_json() {
        let mut set = JwkSet::from_json(doc(&[ED]).as_bytes()).unwrap();
        set.push(Jwk::from_json(HS.as_bytes()).unwrap());
        assert_eq!(set.keys().len(), 2);
        assert_eq!(set.find("b").count(), 1);
        assert_eq!(
            set.find("a").next().and_then(|k| k.kid.as_deref()),
            Some("a")
        );
        assert_eq!(set.find("zz").count(), 0);
        assert_eq!(set.get("b").map(Jwk::kty), Some("oct"));
        // The private form holds both keys whole, and parses back to the same set.
        let private = set.to_private_json().unwrap();
        assert!(private.starts_with(r#"{"keys":[{"#) && private.contains("},{"));
        let back = JwkSet::from_json(private.as_bytes()).unwrap();
        assert_eq!(back, set);
        assert_eq!(
            JwkSet::new().to_private_json().unwrap().as_str(),
            r#"{"keys":[]}"#
        );
        // The public form leaves the secret key out.
        assert_eq!(set.to_public().keys().len(), 1);
    }
}
