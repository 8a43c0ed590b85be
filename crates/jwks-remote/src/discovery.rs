//! Authorization server metadata (RFC 8414) and OpenID Connect Discovery: where an
//! issuer's JWK Set is, checked against the issuer the application trusts.

use jws::jwt_claims::json::{object_from_slice, truncate};
use serde_json::Value;
use url::Url;

use crate::DiscoveryError;

/// The deepest JSON a discovery document may nest.
const MAX_DEPTH: usize = 16;

/// The members of a discovery document that this crate uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryDocument {
    issuer: String,
    jwks_uri: String,
    signing_algorithms: Vec<String>,
}

impl DiscoveryDocument {
    /// Parses a discovery document (strict JSON: no duplicate members, bounded depth) and
    /// checks that its `issuer` is exactly `expected_issuer`, character for character, as
    /// RFC 8414 3.3 and OpenID Connect Discovery 4.3 require.
    ///
    /// ```
    /// use jwks_remote::DiscoveryDocument;
    ///
    /// let doc = br#"{"issuer":"https://id.example","jwks_uri":"https://id.example/jwks"}"#;
    /// let found = DiscoveryDocument::from_json(doc, "https://id.example").unwrap();
    /// assert_eq!(found.jwks_uri(), "https://id.example/jwks");
    /// // A trailing slash is another issuer.
    /// assert!(DiscoveryDocument::from_json(doc, "https://id.example/").is_err());
    /// ```
    ///
    /// # Errors
    /// [`DiscoveryError`] for malformed JSON, a missing `issuer` or `jwks_uri`, or another
    /// issuer.
    pub fn from_json(json: &[u8], expected_issuer: &str) -> Result<Self, DiscoveryError> {
        let doc =
            object_from_slice(json, MAX_DEPTH).map_err(|e| DiscoveryError::Json(e.to_string()))?;
        let string = |name: &'static str| match doc.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(DiscoveryError::Missing(name)),
        };
        let issuer = string("issuer")?;
        if issuer != expected_issuer {
            return Err(DiscoveryError::IssuerMismatch {
                expected: expected_issuer.to_owned(),
                found: format!("\"{}\"", truncate(&issuer)),
            });
        }
        let jwks_uri = string("jwks_uri")?;
        let signing_algorithms = match doc.get("id_token_signing_alg_values_supported") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Self {
            issuer,
            jwks_uri,
            signing_algorithms,
        })
    }

    /// The issuer identifier (equal to the configured one).
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The URL of the issuer's JWK Set.
    #[must_use]
    pub fn jwks_uri(&self) -> &str {
        &self.jwks_uri
    }

    /// `id_token_signing_alg_values_supported`, when the document lists it (informative:
    /// the algorithms a verifier allows come from its own configuration).
    #[must_use]
    pub fn signing_algorithms(&self) -> &[String] {
        &self.signing_algorithms
    }
}

/// Checks an issuer identifier: a URL without query or fragment (RFC 8414 2).
pub(crate) fn issuer_url(issuer: &str) -> Result<Url, DiscoveryError> {
    let url = Url::parse(issuer).map_err(|e| DiscoveryError::InvalidIssuer(e.to_string()))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(DiscoveryError::InvalidIssuer(
            "an issuer has no query or fragment".into(),
        ));
    }
    Ok(url)
}

/// RFC 8414 3.1: `/.well-known/oauth-authorization-server` inserted between the host and
/// the issuer's path.
pub(crate) fn oauth_metadata_url(issuer: &Url) -> Url {
    let mut url = issuer.clone();
    let path = issuer.path().trim_end_matches('/');
    url.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    url
}

/// OpenID Connect Discovery 4: `/.well-known/openid-configuration` appended to the issuer.
pub(crate) fn openid_configuration_url(issuer: &Url) -> Url {
    let mut url = issuer.clone();
    let path = issuer.path().trim_end_matches('/');
    url.set_path(&format!("{path}/.well-known/openid-configuration"));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_urls() {
        let root = issuer_url("https://id.example").unwrap();
        assert_eq!(
            oauth_metadata_url(&root).as_str(),
            "https://id.example/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            openid_configuration_url(&root).as_str(),
            "https://id.example/.well-known/openid-configuration"
        );
        let tenant = issuer_url("https://id.example/tenants/a/").unwrap();
        assert_eq!(
            oauth_metadata_url(&tenant).as_str(),
            "https://id.example/.well-known/oauth-authorization-server/tenants/a"
        );
        assert_eq!(
            openid_configuration_url(&tenant).as_str(),
            "https://id.example/tenants/a/.well-known/openid-configuration"
        );
    }

    #[test]
    fn issuers_with_query_or_fragment_are_refused() {
        assert!(issuer_url("https://id.example/?a=b").is_err());
        assert!(issuer_url("https://id.example/#x").is_err());
        assert!(issuer_url("id.example").is_err());
    }

    #[test]
    fn documents() {
        let ok = br#"{"issuer":"https://id.example","jwks_uri":"https://id.example/k",
            "id_token_signing_alg_values_supported":["RS256","EdDSA",3]}"#;
        let doc = DiscoveryDocument::from_json(ok, "https://id.example").unwrap();
        assert_eq!(doc.issuer(), "https://id.example");
        assert_eq!(doc.signing_algorithms(), ["RS256", "EdDSA"]);

        let mismatch = DiscoveryDocument::from_json(ok, "https://other.example").unwrap_err();
        assert_eq!(
            mismatch,
            DiscoveryError::IssuerMismatch {
                expected: "https://other.example".into(),
                found: "\"https://id.example\"".into()
            }
        );
        for (doc, missing) in [
            (&br#"{"jwks_uri":"https://id.example/k"}"#[..], "issuer"),
            (br#"{"issuer":"https://id.example"}"#, "jwks_uri"),
            (
                br#"{"issuer":"https://id.example","jwks_uri":7}"#,
                "jwks_uri",
            ),
            (br#"{"issuer":null,"jwks_uri":"x"}"#, "issuer"),
        ] {
            assert_eq!(
                DiscoveryDocument::from_json(doc, "https://id.example"),
                Err(DiscoveryError::Missing(missing))
            );
        }
        for bad in [
            &b"[]"[..],
            b"{",
            br#"{"issuer":"https://id.example","issuer":"https://id.example","jwks_uri":"x"}"#,
        ] {
            assert!(matches!(
                DiscoveryDocument::from_json(bad, "https://id.example"),
                Err(DiscoveryError::Json(_))
            ));
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(40), "]".repeat(40));
        assert!(matches!(
            DiscoveryDocument::from_json(deep.as_bytes(), "https://id.example"),
            Err(DiscoveryError::Json(_))
        ));
    }
}
