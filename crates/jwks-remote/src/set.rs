//! From a fetched body to a verifier: the strict JWK Set parse, the refusal of private
//! material, the key policy.

use jws::jwt_claims::json::{object_from_slice, truncate};
use jws::{Algorithm, Jwk, JwkError, JwkSet, KeyError, Verifier};
use serde_json::Value;

use crate::{FetchError, KeyPolicy, Options};

/// JWK members that only private or secret keys carry (RFC 7518 6.2.2, 6.3.2, 6.4.1;
/// RFC 8037 2).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The deepest JSON a JWK Set document may nest.
const MAX_DEPTH: usize = 10;

/// A verifier for the keys of a fetched set.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) verifier: Verifier,
    pub(crate) set: JwkSet,
    pub(crate) skipped: usize,
}

/// Parses a fetched JWK Set document and builds the verifier of its signature keys.
///
/// The document is parsed strictly (duplicate members, depth, size, count); a key that
/// carries private members refuses the whole set; keys of unknown `kty`/`crv` and keys
/// for encryption are left out as RFC 7517 5 asks; an unusable key is left out or refuses
/// the set, by `options`' [`KeyPolicy`].
///
/// # Errors
/// [`FetchError`] naming why the set is refused.
pub(crate) fn parse(json: &[u8], options: &Options) -> Result<Parsed, FetchError> {
    if json.len() > options.max_body {
        return Err(FetchError::TooLarge {
            limit: options.max_body,
        });
    }
    let mut doc =
        object_from_slice(json, MAX_DEPTH).map_err(|e| FetchError::InvalidSet(e.into()))?;
    let Some(Value::Array(items)) = doc.remove("keys") else {
        return Err(FetchError::InvalidSet(JwkError::MissingParameter("keys")));
    };
    if items.len() > options.max_keys {
        return Err(FetchError::InvalidSet(JwkError::TooManyKeys {
            limit: options.max_keys,
        }));
    }
    let mut jwks = Vec::with_capacity(items.len());
    let mut skipped = 0;
    for item in items {
        let Value::Object(map) = item else {
            return Err(FetchError::InvalidSet(JwkError::InvalidParameter {
                name: "keys".into(),
                reason: "every element must be a JSON object".into(),
            }));
        };
        if PRIVATE_MEMBERS.iter().any(|m| map.contains_key(*m)) {
            let kid = map.get("kid").and_then(Value::as_str).map(truncate);
            return Err(FetchError::PrivateKey { kid });
        }
        match Jwk::from_object(map) {
            Ok(jwk) => jwks.push(jwk),
            Err(JwkError::UnsupportedKeyType(_) | JwkError::UnsupportedCurve(_)) => {}
            Err(e) => match options.key_policy {
                KeyPolicy::RefuseSet => return Err(FetchError::InvalidSet(e)),
                KeyPolicy::SkipInvalid => {
                    tracing::warn!(error = %e, "jwks-remote: malformed key left out of the set");
                    skipped += 1;
                }
            },
        }
    }
    let set = JwkSet::from_keys(jwks);
    set.check_unique_kids().map_err(FetchError::InvalidSet)?;

    let mut keys = Vec::new();
    for jwk in set.keys() {
        let kid = jwk.kid.as_deref().map(truncate);
        let allowed: Vec<Algorithm> = match (&options.allowed, &jwk.alg) {
            (Some(allowed), _) => allowed.clone(),
            (None, Some(alg)) if alg.is_signature() => vec![alg.clone()],
            (None, Some(_)) => continue,
            (None, None) => {
                tracing::debug!(
                    kid,
                    "jwks-remote: key without alg left out (no allowed algorithms set)"
                );
                continue;
            }
        };
        match Verifier::from_jwk_set(&JwkSet::from(jwk.clone()), &allowed) {
            Ok(one) => keys.extend_from_slice(one.keys()),
            // An encryption key, or one of no allowed algorithm: not for us.
            Err(jws::Error::Key(KeyError::UsageNotPermitted(_))) => {}
            Err(source) => match options.key_policy {
                KeyPolicy::RefuseSet => return Err(FetchError::InvalidKey { kid, source }),
                KeyPolicy::SkipInvalid => {
                    tracing::warn!(kid, error = %source, "jwks-remote: unusable key left out of the set");
                    skipped += 1;
                }
            },
        }
    }
    if keys.is_empty() {
        return Err(FetchError::NoUsableKey);
    }
    let mut verifier = Verifier::from_keys(keys).with_limits(options.limits);
    if let Some(n) = options.max_candidates {
        verifier = verifier.with_max_candidates(n);
    }
    Ok(Parsed {
        verifier,
        set,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"EdDSA","kid":"a"}"#;
    const BAD: &str = r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA","alg":"EdDSA"}"#;

    fn set_of(keys: &[&str]) -> String {
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }

    #[test]
    fn the_body_cap_is_inclusive() {
        let doc = set_of(&[ED]);
        let exact = Options::default().with_max_body(doc.len());
        assert!(parse(doc.as_bytes(), &exact).is_ok());
        let under = Options::default().with_max_body(doc.len() - 1);
        assert!(matches!(
            parse(doc.as_bytes(), &under),
            Err(FetchError::TooLarge { limit }) if limit == doc.len() - 1
        ));
    }

    #[test]
    fn the_key_count_is_inclusive() {
        let other = ED.replace(r#""kid":"a""#, r#""kid":"b""#);
        let doc = set_of(&[ED, &other]);
        assert!(parse(doc.as_bytes(), &Options::default().with_max_keys(2)).is_ok());
        assert!(matches!(
            parse(doc.as_bytes(), &Options::default().with_max_keys(1)),
            Err(FetchError::InvalidSet(JwkError::TooManyKeys { limit: 1 }))
        ));
    }

    #[test]
    fn skipped_keys_are_counted() {
        let weak = r#"{"kty":"RSA","alg":"RS256","e":"AQAB","n":"xcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcU"}"#;
        let doc = set_of(&[BAD, ED, BAD, weak]);
        let parsed = parse(doc.as_bytes(), &Options::default()).unwrap();
        assert_eq!(parsed.skipped, 3);
        assert_eq!(parsed.verifier.keys().len(), 1);
        assert_eq!(parsed.set.keys().len(), 2, "the weak key parses as a JWK");
    }
}
