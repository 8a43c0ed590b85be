//! Signing in the compact serialization (RFC 7515 7.1).

use jwt_claims::{Claims, Header, base64url};
use serde::Serialize;

use crate::{Error, KeyError, SigningKey};

/// How a compact JWS is produced from raw payload bytes.
///
/// ```
/// use jws::{Algorithm, Header, SignOptions, SigningKey, Verifier};
///
/// let key = SigningKey::symmetric(Algorithm::HS256, &[7u8; 32]).unwrap();
/// let token = jws::sign_payload(&key, b"hello", &SignOptions::new()).unwrap();
/// let verified = Verifier::new(key.verifying_key()).verify_payload(&token).unwrap();
/// assert_eq!(verified.payload(), b"hello");
/// ```
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    header: Header,
    detached: bool,
    unencoded: bool,
}

impl SignOptions {
    /// Default options: header with the key's `alg` and `kid`, attached base64url payload.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts from this header; its `alg`, if set, must be the key's.
    #[must_use]
    pub fn with_header(mut self, header: Header) -> Self {
        self.header = header;
        self
    }

    /// Leaves the payload out of the token (RFC 7515 Appendix F): the payload segment is
    /// empty and the verifier must be given the payload.
    #[must_use]
    pub const fn detached(mut self) -> Self {
        self.detached = true;
        self
    }

    /// Signs the payload unencoded (RFC 7797 `b64: false`, listed in `crit`).
    #[must_use]
    pub const fn unencoded(mut self) -> Self {
        self.unencoded = true;
        self
    }
}

/// The header to sign under `key`: its `alg` set (and checked), its `kid` defaulted.
pub(crate) fn prepare_header(key: &SigningKey, mut header: Header) -> Result<Header, Error> {
    match &header.alg {
        Some(alg) if alg != key.alg() => {
            return Err(KeyError::AlgorithmMismatch {
                requested: alg.clone(),
                jwk: key.alg().clone(),
            }
            .into());
        }
        _ => header.alg = Some(key.alg().clone()),
    }
    if header.kid.is_none() {
        header.kid = key.kid().map(str::to_owned);
    }
    Ok(header)
}

/// Marks a header as RFC 7797 unencoded: `b64: false`, with `b64` listed in `crit`.
pub(crate) fn mark_unencoded(header: &mut Header) {
    header.b64 = Some(false);
    let crit = header.crit.get_or_insert_with(Vec::new);
    if !crit.iter().any(|c| c == "b64") {
        crit.push("b64".into());
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(Error::Serialize)
}

/// Signs a JWT: header `{"alg": <key's>, "typ": "JWT", "kid": <key's, if any>}`.
///
/// # Errors
/// [`Error::Serialize`] when the claims cannot be serialized; a signing failure.
///
/// ```
/// use std::time::Duration;
/// use jws::{Algorithm, Claims, NumericDate, SigningKey, Validation, Verifier};
///
/// let key = SigningKey::ed25519(&[1u8; 32]).unwrap().with_kid("k1");
/// let now = NumericDate::now();
/// let token = jws::sign(&key, &Claims::new(()).with_subject("ann").with_lifetime(now, Duration::from_secs(600))).unwrap();
///
/// let verifier = Verifier::new(key.verifying_key());
/// let verified = verifier.verify::<()>(&token, &Validation::new()).unwrap();
/// assert_eq!(verified.claims().sub.as_deref(), Some("ann"));
/// assert_eq!(verified.kid(), Some("k1"));
/// ```
pub fn sign<T: Serialize>(key: &SigningKey, claims: &Claims<T>) -> Result<String, Error> {
    // The key's JWT header is encoded once, when the key is built.
    let header = key.jwt_header_segment();
    let mut payload = Vec::with_capacity(512);
    serde_json::to_writer(&mut payload, claims).map_err(Error::Serialize)?;
    let mut token = String::with_capacity(
        header.len() + base64url::encoded_len(payload.len()) + base64url::encoded_len(512) + 2,
    );
    token.push_str(header);
    token.push('.');
    base64url::encode_to(&payload, &mut token);
    let signature = key.sign_parts(&[token.as_bytes()])?;
    token.push('.');
    base64url::encode_to(signature.as_slice(), &mut token);
    Ok(token)
}

/// Signs a JWT under this header (its `alg` set to the key's, its `kid` defaulted to the
/// key's).
///
/// # Errors
/// As [`sign`]; [`KeyError::AlgorithmMismatch`] when the header names another `alg`.
pub fn sign_with_header<T: Serialize>(
    key: &SigningKey,
    header: Header,
    claims: &Claims<T>,
) -> Result<String, Error> {
    let payload = to_json(claims)?;
    sign_payload(key, &payload, &SignOptions::new().with_header(header))
}

/// Signs raw payload bytes in the compact serialization.
///
/// # Errors
/// As [`sign_with_header`]; [`Error::UnencodedPayloadNotUtf8`] or
/// [`Error::UnencodedPayloadHasDot`] when an unencoded, attached payload is not valid UTF-8
/// or contains `.` (RFC 7797 5.2).
pub fn sign_payload(
    key: &SigningKey,
    payload: &[u8],
    options: &SignOptions,
) -> Result<String, Error> {
    let mut header = prepare_header(key, options.header.clone())?;
    if options.unencoded {
        mark_unencoded(&mut header);
    }
    let header_json = to_json(&header)?;
    let mut token = String::with_capacity(
        base64url::encoded_len(header_json.len()) + base64url::encoded_len(payload.len()) + 90,
    );
    base64url::encode_to(&header_json, &mut token);
    token.push('.');
    let signature = if options.unencoded {
        let signature = key.sign_parts(&[token.as_bytes(), payload])?;
        if !options.detached {
            let text = std::str::from_utf8(payload).map_err(|_| Error::UnencodedPayloadNotUtf8)?;
            if text.contains('.') {
                return Err(Error::UnencodedPayloadHasDot);
            }
            token.push_str(text);
        }
        signature
    } else {
        let mark = token.len();
        base64url::encode_to(payload, &mut token);
        let signature = key.sign_parts(&[token.as_bytes()])?;
        if options.detached {
            token.truncate(mark);
        }
        signature
    };
    token.push('.');
    base64url::encode_to(signature.as_slice(), &mut token);
    Ok(token)
}
