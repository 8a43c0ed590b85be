//! Reading a token without verifying it, and the unsecured JWT of RFC 7519 6 (`alg: none`).
//!
//! A JWT is only a representation: anyone can read it and anyone can change it. These
//! functions read one, and the value they return is an [`Unverified`], a type that no
//! layer of this project ever accepts as verified.
//!
//! ```
//! use jwt_claims::{Claims, Limits, unsecured};
//!
//! let claims = Claims::new(()).with_subject("ann");
//! let token = unsecured::encode(&claims).unwrap();
//! assert_eq!(token, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbm4ifQ.");
//!
//! let read = unsecured::insecure_decode::<()>(&token, &Limits::default()).unwrap();
//! assert_eq!(read.claims().sub.as_deref(), Some("ann"));
//! ```

use serde::Serialize;
use serde::de::{Deserialize, DeserializeOwned};

use crate::error::ValidationError;
use crate::validation::Validation;
use crate::{Algorithm, Claims, Error, Header, JwsCompact, Limits, Segment, base64url};

/// A header and claim set read from a token whose signature was not checked.
///
/// It proves nothing about who wrote it. Use it to look inside a token (debugging,
/// routing by `iss` before choosing keys), never to grant access.
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified<T> {
    header: Header,
    claims: Claims<T>,
}

impl<T> Unverified<T> {
    /// The header, unverified.
    #[must_use]
    pub const fn header(&self) -> &Header {
        &self.header
    }

    /// The claims, unverified.
    #[must_use]
    pub const fn claims(&self) -> &Claims<T> {
        &self.claims
    }

    /// The header and the claims, unverified.
    #[must_use]
    pub fn into_parts(self) -> (Header, Claims<T>) {
        (self.header, self.claims)
    }

    /// Checks the claim values against a policy. This checks what the token says, not who
    /// said it.
    ///
    /// # Errors
    /// As [`Validation::validate`].
    pub fn validate(&self, policy: &Validation) -> Result<(), ValidationError> {
        policy.validate(&self.header, &self.claims)
    }
}

/// Encodes an unsecured JWT: header `{"alg":"none"}`, the claims, an empty signature.
///
/// # Errors
/// [`Error::Serialize`] when the claims cannot be serialized.
pub fn encode<T: Serialize>(claims: &Claims<T>) -> Result<String, Error> {
    encode_with_header(&Header::new(Algorithm::None), claims)
}

/// Encodes an unsecured JWT with this header, whose `alg` must be `none`.
///
/// # Errors
/// [`Error::NotUnsecured`] for another `alg`, [`Error::MissingAlgorithm`] without one,
/// [`Error::Serialize`] when the header or claims cannot be serialized.
pub fn encode_with_header<T: Serialize>(
    header: &Header,
    claims: &Claims<T>,
) -> Result<String, Error> {
    match &header.alg {
        Some(Algorithm::None) => {}
        Some(alg) => return Err(Error::NotUnsecured { alg: alg.clone() }),
        None => return Err(Error::MissingAlgorithm),
    }
    let header = header.to_json()?;
    let payload = claims.to_json()?;
    let mut token = String::with_capacity(
        base64url::encoded_len(header.len()) + base64url::encoded_len(payload.len()) + 2,
    );
    base64url::encode_to(&header, &mut token);
    token.push('.');
    base64url::encode_to(&payload, &mut token);
    token.push('.');
    Ok(token)
}

/// Reads the header and claims of any compact JWS, whatever its `alg`, without checking
/// its signature: the one way to read a token unverified. The result is [`Unverified`].
/// An unsecured JWT (RFC 7519 6, `alg: none`) must also follow that section: an empty
/// signature, and no `crit` (no extension is understood here).
///
/// # Errors
/// Any [`Error`] of the format, header or claims; for `alg: none`,
/// [`Error::UnexpectedSignature`] when a signature is present and [`Error::Crit`] for any
/// `crit`.
pub fn insecure_decode<T: DeserializeOwned>(
    token: &str,
    limits: &Limits,
) -> Result<Unverified<T>, Error> {
    let mut buf = Vec::new();
    decode_in(token, limits, &mut buf)
}

/// As [`insecure_decode`], decoding the payload into `buf` so that `T` can borrow from it.
///
/// # Errors
/// As [`insecure_decode`].
pub fn insecure_decode_borrowed<'b, T: Deserialize<'b>>(
    token: &str,
    limits: &Limits,
    buf: &'b mut Vec<u8>,
) -> Result<Unverified<T>, Error> {
    decode_in(token, limits, buf)
}

fn decode_in<'b, T: Deserialize<'b>>(
    token: &str,
    limits: &Limits,
    buf: &'b mut Vec<u8>,
) -> Result<Unverified<T>, Error> {
    let parts = JwsCompact::parse(token, limits)?;
    let header = Header::from_segment(parts.header, limits)?;
    match &header.alg {
        None => return Err(Error::MissingAlgorithm),
        Some(Algorithm::None) => {
            if !parts.signature.is_empty() {
                return Err(Error::UnexpectedSignature);
            }
            header.check_crit(&[])?;
        }
        Some(_) => {}
    }
    buf.clear();
    base64url::decode_to_vec(parts.payload, buf).map_err(|source| Error::Base64 {
        segment: Segment::Payload,
        source,
    })?;
    let buf: &'b [u8] = buf;
    let claims = Claims::from_json(buf, limits).map_err(|source| Error::Json {
        segment: Segment::Payload,
        source,
    })?;
    Ok(Unverified { header, claims })
}
