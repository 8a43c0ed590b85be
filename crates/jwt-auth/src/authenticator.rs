//! The resource-server side: checks access tokens without any lookup.

use std::sync::Arc;

use jwe::Decrypter;
use jws::{
    Algorithm, Clock, JwkSet, NumericDate, RegisteredClaim, SystemClock, Validation,
    ValidationError, Verified, Verifier,
};
use serde::de::DeserializeOwned;

use crate::deny::Revocations;
use crate::error::TokenError;
use crate::{AccessClaims, Audience, AuthError, Issuer};

/// A clock shared between the parts of the scheme.
#[derive(Debug, Clone)]
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn now(&self) -> NumericDate {
        self.0.now()
    }
}

/// Where the trusted keys come from.
#[derive(Debug)]
enum Keys {
    /// A JWK Set given once.
    Static(Verifier),
    /// The issuer's JWK Set, fetched and kept fresh.
    #[cfg(feature = "remote")]
    Remote(jwks_remote::RemoteJwkSet),
}

/// Checks RFC 9068 access tokens from an issuer it trusts, with the issuer's JWK Set:
/// signature, `typ: at+jwt`, `iss`, `aud`, `exp`, `iat`, `sub`, `jti`, `sid` (and the
/// deny-list, when given). No store is consulted.
///
/// The set is given once ([`Authenticator::new`]) or, with the feature `remote`, fetched
/// from the issuer and kept fresh ([`Authenticator::remote`]), so that key rotation and
/// revocation at the issuer reach this server by themselves.
#[derive(Debug)]
pub struct Authenticator {
    keys: Keys,
    validation: Validation,
    clock: Arc<dyn Clock>,
    deny_list: Option<Arc<dyn Revocations>>,
    decrypter: Option<Decrypter>,
}

impl Authenticator {
    /// Trusts the keys of `jwks` (each must name its `alg`; `use` must be `sig` if given)
    /// for tokens of `issuer` addressed to `audience`.
    ///
    /// # Errors
    /// [`AuthError::Key`] when the set is refused; [`AuthError::NoUsableKey`] when no key of
    /// the set can verify.
    pub fn new(jwks: &JwkSet, issuer: &Issuer, audience: &Audience) -> Result<Self, AuthError> {
        let mut allowed: Vec<Algorithm> = Vec::new();
        for jwk in jwks.keys() {
            if let Some(alg) = &jwk.alg
                && alg.is_signature()
                && !allowed.contains(alg)
            {
                allowed.push(alg.clone());
            }
        }
        if allowed.is_empty() {
            return Err(AuthError::NoUsableKey);
        }
        let verifier = Verifier::from_jwk_set(jwks, &allowed).map_err(AuthError::Key)?;
        Ok(Self::with_keys(Keys::Static(verifier), issuer, audience))
    }

    /// Trusts the keys of the issuer's remote JWK Set (each serving the `alg` it names,
    /// unless the set's [`Options`](jwks_remote::Options) allow algorithms explicitly),
    /// for tokens of `issuer` addressed to `audience`. Check tokens with
    /// [`Authenticator::authenticate_async`]: it fetches the set when needed and refetches
    /// it once for a key it does not know (within the set's cooldown).
    ///
    /// ```no_run
    /// use jwt_auth::{AccessClaims, Audience, Authenticator, Issuer};
    /// use jwks_remote::RemoteJwkSet;
    ///
    /// # async fn run(header: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// let issuer = Issuer::new("https://auth.example");
    /// let jwks = RemoteJwkSet::from_discovery(issuer.as_str()).await?;
    /// let auth = Authenticator::remote(jwks, &issuer, &Audience::new("api"));
    /// let verified = auth.authenticate_async::<()>(header).await?;
    /// println!("{}", verified.claims().custom.sid);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "remote")]
    #[must_use]
    pub fn remote(jwks: jwks_remote::RemoteJwkSet, issuer: &Issuer, audience: &Audience) -> Self {
        Self::with_keys(Keys::Remote(jwks), issuer, audience)
    }

    fn with_keys(keys: Keys, issuer: &Issuer, audience: &Audience) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Self {
            keys,
            validation: Self::policy(issuer, audience, &clock),
            clock,
            deny_list: None,
            decrypter: None,
        }
    }

    fn policy(issuer: &Issuer, audience: &Audience, clock: &Arc<dyn Clock>) -> Validation {
        Validation::new()
            .with_issuer(issuer.as_str())
            .with_audience(audience.as_str())
            .with_typ("at+jwt")
            .require(RegisteredClaim::Iat)
            .require(RegisteredClaim::Sub)
            .require(RegisteredClaim::Jti)
            .with_clock(SharedClock(Arc::clone(clock)))
    }

    /// Uses this clock for `exp`, `nbf`, `iat` and the deny-list (the system clock by
    /// default; tests inject a [`ManualClock`](crate::ManualClock)).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.validation = self.validation.with_clock(SharedClock(Arc::clone(&clock)));
        self.clock = clock;
        self
    }

    /// Refuses the access tokens of sessions and keys on this deny-list: an in-process
    /// [`DenyList`](crate::DenyList), or a shared one (`RedisDenyList`, feature `redis`).
    /// Build the list with this authenticator's leeway (60 s by default).
    #[must_use]
    pub fn with_deny_list<R: Revocations>(self, list: Arc<R>) -> Self {
        self.with_revocations(list)
    }

    /// As [`Authenticator::with_deny_list`], for a list already behind a trait object.
    #[must_use]
    pub fn with_revocations(mut self, list: Arc<dyn Revocations>) -> Self {
        self.deny_list = Some(list);
        self
    }

    /// Accepts nested access tokens (JWE around the JWS) that this decrypter opens; plain
    /// signed tokens are then refused.
    #[must_use]
    pub fn with_decrypter(mut self, decrypter: Decrypter) -> Self {
        self.decrypter = Some(decrypter);
        self
    }

    /// Checks an access token, given alone or as an `Authorization` header value
    /// (`Bearer <token>`, the scheme matched without regard to case).
    ///
    /// With a remote JWK Set, this uses the set in memory without waiting for the
    /// network (a background fetch starts when it is missing or due): prefer
    /// [`Authenticator::authenticate_async`], which also refetches for unknown keys.
    ///
    /// # Errors
    /// [`AuthError::MissingToken`]; [`AuthError::Expired`]; [`AuthError::SessionRevoked`]
    /// for a deny-listed session; [`AuthError::InvalidToken`] for anything else;
    /// `AuthError::KeysUnavailable` when a remote set has no keys in memory.
    pub fn authenticate<T: DeserializeOwned>(
        &self,
        authorization_or_token: &str,
    ) -> Result<Verified<AccessClaims<T>>, AuthError> {
        let token = bearer(authorization_or_token)?;
        let verified = match &self.keys {
            Keys::Static(verifier) => self.check(token, verifier)?,
            #[cfg(feature = "remote")]
            Keys::Remote(remote) => {
                let verifier = remote.current().map_err(AuthError::KeysUnavailable)?;
                self.check(token, &verifier)?
            }
        };
        self.check_deny_list(verified)
    }

    /// As [`Authenticator::authenticate`]; with a remote JWK Set, fetches it when it is
    /// missing or expired and refetches it once for a token signed by a key it does not
    /// hold (a key the issuer just rotated in), within the set's cooldown.
    ///
    /// # Errors
    /// As [`Authenticator::authenticate`].
    pub async fn authenticate_async<T: DeserializeOwned>(
        &self,
        authorization_or_token: &str,
    ) -> Result<Verified<AccessClaims<T>>, AuthError> {
        #[cfg(feature = "remote")]
        if let Keys::Remote(remote) = &self.keys {
            let token = bearer(authorization_or_token)?;
            let verified = remote
                .verify_with(|verifier| self.check(token, verifier))
                .await?;
            return self.check_deny_list(verified);
        }
        self.authenticate(authorization_or_token)
    }

    /// Signature (after decryption, for nested tokens) and claims.
    fn check<T: DeserializeOwned>(
        &self,
        token: &str,
        verifier: &Verifier,
    ) -> Result<Verified<AccessClaims<T>>, AuthError> {
        match &self.decrypter {
            None => verifier
                .verify::<AccessClaims<T>>(token, &self.validation)
                .map_err(TokenError::Signature),
            Some(decrypter) => {
                jwe::nested::decrypt_then_verify(token, decrypter, verifier, &self.validation)
                    .map_err(|e| match e {
                        jwe::Error::Jws(inner) => TokenError::Signature(inner),
                        other => TokenError::Encryption(other),
                    })
            }
        }
        .map_err(|e| match e {
            TokenError::Signature(jws::Error::Validation(ValidationError::Expired { .. })) => {
                AuthError::Expired
            }
            other => AuthError::InvalidToken(other),
        })
    }

    fn check_deny_list<T>(
        &self,
        verified: Verified<AccessClaims<T>>,
    ) -> Result<Verified<AccessClaims<T>>, AuthError> {
        if let Some(list) = &self.deny_list {
            let claims = verified.claims();
            // `iat` is required by the validation; a token without one is refused anyway.
            let issued_at = claims.iat.unwrap_or(NumericDate::MAX);
            list.check(
                &claims.custom.sid,
                verified.kid(),
                issued_at,
                self.clock.now(),
            )?;
        }
        Ok(verified)
    }
}

#[cfg(feature = "remote")]
impl jwks_remote::KeyMiss for AuthError {
    fn missing_key(&self) -> Option<Option<&str>> {
        match self {
            Self::InvalidToken(TokenError::Signature(e)) => e.missing_key(),
            _ => None,
        }
    }
}

#[cfg(feature = "remote")]
impl From<jwks_remote::Error> for AuthError {
    fn from(e: jwks_remote::Error) -> Self {
        match e {
            jwks_remote::Error::Jws(e) => Self::InvalidToken(TokenError::Signature(e)),
            other => Self::KeysUnavailable(other),
        }
    }
}

/// The token of an `Authorization` header value, or the value itself when it has no scheme.
fn bearer(value: &str) -> Result<&str, AuthError> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::MissingToken);
    }
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim_start(),
        Some(_) => return Err(AuthError::InvalidToken(TokenError::NotBearer)),
        None => value,
    };
    if token.is_empty() {
        return Err(AuthError::MissingToken);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "remote")]
    #[test]
    fn only_a_missing_key_asks_for_a_refetch() {
        use jwks_remote::KeyMiss;
        let miss = AuthError::InvalidToken(TokenError::Signature(jws::Error::NoMatchingKey {
            kid: Some("k".into()),
        }));
        assert_eq!(miss.missing_key(), Some(Some("k")));
        let anonymous = AuthError::InvalidToken(TokenError::Signature(jws::Error::NoMatchingKey {
            kid: None,
        }));
        assert_eq!(anonymous.missing_key(), Some(None));
        for other in [
            AuthError::Expired,
            AuthError::MissingToken,
            AuthError::InvalidToken(TokenError::Signature(jws::Error::InvalidSignature)),
            AuthError::InvalidToken(TokenError::NotBearer),
        ] {
            assert_eq!(other.missing_key(), None, "{other:?}");
        }
    }

    #[test]
    fn bearer_values() {
        assert_eq!(bearer("Bearer abc").unwrap(), "abc");
        assert_eq!(bearer("bearer  abc ").unwrap(), "abc");
        assert_eq!(bearer("abc").unwrap(), "abc");
        assert!(matches!(bearer(""), Err(AuthError::MissingToken)));
        assert!(matches!(bearer("Bearer "), Err(AuthError::MissingToken)));
        assert!(matches!(
            bearer("Basic dXNlcjpwYXNz"),
            Err(AuthError::InvalidToken(_))
        ));
    }
}
