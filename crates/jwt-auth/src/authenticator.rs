//! The resource-server side: checks access tokens without any lookup.

use std::sync::Arc;

use jwe::Decrypter;
use jws::{
    Algorithm, Clock, JwkSet, NumericDate, RegisteredClaim, SystemClock, Validation,
    ValidationError, Verified, Verifier,
};
use serde::de::DeserializeOwned;

use crate::deny::DenyList;
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

/// Checks RFC 9068 access tokens from an issuer it trusts, with the issuer's JWK Set:
/// signature, `typ: at+jwt`, `iss`, `aud`, `exp`, `iat`, `sub`, `jti`, `sid` (and the
/// deny-list, when given). No store is consulted.
#[derive(Debug)]
pub struct Authenticator {
    verifier: Verifier,
    validation: Validation,
    clock: Arc<dyn Clock>,
    deny_list: Option<Arc<DenyList>>,
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
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Ok(Self {
            verifier,
            validation: Self::policy(issuer, audience, &clock),
            clock,
            deny_list: None,
            decrypter: None,
        })
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

    /// Refuses the access tokens of sessions on this deny-list (in-process: see
    /// [`DenyList`]). Build the list with this authenticator's leeway (60 s by default).
    #[must_use]
    pub fn with_deny_list(mut self, list: Arc<DenyList>) -> Self {
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
    /// # Errors
    /// [`AuthError::MissingToken`]; [`AuthError::Expired`]; [`AuthError::SessionRevoked`]
    /// for a deny-listed session; [`AuthError::InvalidToken`] for anything else.
    pub fn authenticate<T: DeserializeOwned>(
        &self,
        authorization_or_token: &str,
    ) -> Result<Verified<AccessClaims<T>>, AuthError> {
        let token = bearer(authorization_or_token)?;
        let verified = match &self.decrypter {
            None => self
                .verifier
                .verify::<AccessClaims<T>>(token, &self.validation)
                .map_err(TokenError::Signature),
            Some(decrypter) => {
                jwe::nested::decrypt_then_verify(token, decrypter, &self.verifier, &self.validation)
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
        })?;
        if let Some(list) = &self.deny_list {
            let claims = verified.claims();
            // `iat` is required by the validation; a token without one is refused anyway.
            let issued_at = claims.iat.unwrap_or(NumericDate::MAX);
            if list.is_denied(&claims.custom.sid, issued_at, self.clock.now()) {
                return Err(AuthError::SessionRevoked);
            }
        }
        Ok(verified)
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
