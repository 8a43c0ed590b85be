//! JSON Web Key (RFC 7517, RFC 7518 6, RFC 8037) and thumbprints (RFC 7638): the
//! [`Jwk`] itself here; its material, parser, serializer and conversions to keys in the
//! submodules.

use jwt_claims::json;
use jwt_claims::{Algorithm, base64url};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::KeyError;

mod convert;
mod material;
mod parse;
mod serialize;
mod usage;

pub use material::{Curve, KeyMaterial, RsaCrt, RsaPrivate, Secret};
pub(crate) use material::{rsa_private_material, rsa_public_material, strip_zeros};
pub use usage::{KeyOperation, KeyUse};

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
    pub key_use: Option<KeyUse>,
    /// `key_ops`: the operations the key is meant for.
    pub key_ops: Option<Vec<KeyOperation>>,
    /// `x5u`.
    pub x5u: Option<String>,
    /// `x5c`: standard base64 DER certificates, as given.
    pub x5c: Option<Vec<String>>,
    /// `x5t`, as given.
    pub x5t: Option<String>,
    /// `x5t#S256`, as given.
    pub x5t_s256: Option<String>,
}

impl Jwk {
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
                crv: *crv,
                x: x.clone(),
                d: None,
            },
            KeyMaterial::Ec { crv, x, y, .. } => KeyMaterial::Ec {
                crv: *crv,
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

    /// Checks that `use` and `key_ops` permit `op`.
    ///
    /// # Errors
    /// [`KeyError::UsageNotPermitted`].
    pub fn check_operation(&self, op: &KeyOperation) -> Result<(), KeyError> {
        if let Some(key_use) = &self.key_use
            && op.key_use().as_ref() != Some(key_use)
        {
            return Err(KeyError::UsageNotPermitted(format!(
                "\"use\" is \"{}\", operation \"{op}\" needs another",
                json::truncate(key_use.as_str())
            )));
        }
        if let Some(ops) = &self.key_ops
            && !ops.contains(op)
        {
            return Err(KeyError::UsageNotPermitted(format!(
                "\"key_ops\" does not list \"{}\"",
                json::truncate(op.as_str())
            )));
        }
        Ok(())
    }
}
