//! Nested JWTs (RFC 7519 5.2, 11.2): signed, then encrypted, so that the claims can be
//! neither read nor changed in transit.

use jws::jwt_claims::{Claims, Header, Validation};
use jws::{SigningKey, Verified, Verifier};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Decrypter, EncryptOptions, EncryptionAlgorithm, EncryptionKey, Error};

/// Signs `claims` with `signer` (a JWS JWT), then encrypts the JWS to `key` with `cty:
/// "JWT"`.
///
/// # Errors
/// [`Error::Jws`] when signing fails; the errors of [`crate::encrypt`].
///
/// ```
/// use std::time::Duration;
/// use jwe::{Algorithm, Decrypter, DecryptionKey, EncryptionAlgorithm};
/// use jws::{Claims, NumericDate, SigningKey, Validation, Verifier};
///
/// let signer = SigningKey::ed25519(&[1u8; 32]).unwrap();
/// let recipient = DecryptionKey::x25519(Algorithm::ECDH_ES_A256KW, &[2u8; 32]).unwrap();
/// let claims = Claims::new(()).with_subject("ann").with_lifetime(NumericDate::now(), Duration::from_secs(600));
/// let token = jwe::nested::sign_then_encrypt(&signer, &claims,
///     &recipient.encryption_key(), EncryptionAlgorithm::A256GCM).unwrap();
///
/// let verified = jwe::nested::decrypt_then_verify::<()>(&token, &Decrypter::new(recipient),
///     &Verifier::new(signer.verifying_key()), &Validation::new()).unwrap();
/// assert_eq!(verified.claims().sub.as_deref(), Some("ann"));
/// ```
pub fn sign_then_encrypt<T: Serialize>(
    signer: &SigningKey,
    claims: &Claims<T>,
    key: &EncryptionKey,
    enc: EncryptionAlgorithm,
) -> Result<String, Error> {
    let signed = jws::sign(signer, claims).map_err(Error::Jws)?;
    crate::encrypt(
        key,
        enc,
        signed.as_bytes(),
        &EncryptOptions::new().with_header(Header::default().with_cty("JWT")),
    )
}

/// Decrypts a nested JWT (whose `cty` must be `JWT`), then verifies the inner JWS and
/// validates its claims.
///
/// # Errors
/// The errors of [`Decrypter::decrypt`]; [`Error::Header`] when `cty` is not `JWT`;
/// [`Error::Jws`] when the inner token fails verification or validation.
pub fn decrypt_then_verify<T: DeserializeOwned>(
    token: &str,
    decrypter: &Decrypter,
    verifier: &Verifier,
    validation: &Validation,
) -> Result<Verified<T>, Error> {
    let decrypted = decrypter.decrypt(token)?;
    let cty = decrypted.header().cty.as_deref().unwrap_or_default();
    let cty = cty.strip_prefix("application/").unwrap_or(cty);
    if !cty.eq_ignore_ascii_case("JWT") {
        return Err(Error::Header(crate::HeaderError::NotNestedJwt));
    }
    let inner = std::str::from_utf8(decrypted.plaintext())
        .map_err(|_| Error::Header(crate::HeaderError::NestedNotUtf8))?;
    verifier.verify::<T>(inner, validation).map_err(Error::Jws)
}
