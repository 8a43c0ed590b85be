//! Verifying: the `Verifier` and what only it can produce, `Verified`.
//!
//! The steps run in the order of the design's verify flow, each cheap step before the next
//! expensive one: size and segments; strict header; `crit`; key choice by `kid` and by the
//! algorithm the *key* is bound to; signature; only then the payload and the claims;
//! finally claim validation.

use std::sync::Arc;

use jwt_claims::{
    Algorithm, Claims, ClaimsRef, Header, JwsCompact, KnownHeaders, Limits, Segment, Validation,
    base64url,
};
use serde::de::{Deserialize, DeserializeOwned};

use crate::select;
use crate::{Error, Jwk, JwkSet, KeyError, KeyOperation, KeyUse, VerifyingKey};

/// The largest signature accepted: RSA 8192 bits.
const MAX_SIGNATURE: usize = 1024;

/// The largest signature that is not RSA (ES512's `r || s`), decoded on the stack; RSA
/// signatures go to the heap, next to a verification that costs far more.
const SMALL_SIGNATURE: usize = 132;

/// Decodes a signature segment: empty, over [`MAX_SIGNATURE`] or not base64url is
/// [`Error::InvalidSignature`].
fn decode_signature<'b>(
    segment: &str,
    small: &'b mut [u8; SMALL_SIGNATURE],
    large: &'b mut Vec<u8>,
) -> Result<&'b [u8], Error> {
    if base64url::decoded_len(segment.len()).is_none_or(|n| n > MAX_SIGNATURE) {
        return Err(Error::InvalidSignature);
    }
    match base64url::decode_in(segment, small, large) {
        Ok(signature) if !signature.is_empty() => Ok(signature),
        _ => Err(Error::InvalidSignature),
    }
}

/// A JWT whose signature a trusted key verified and whose claims passed validation.
///
/// Only a [`Verifier`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<T> {
    header: Arc<Header>,
    claims: Claims<T>,
    kid: Option<Arc<str>>,
}

impl<T> Verified<T> {
    /// The protected header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The verified, validated claims.
    #[must_use]
    pub const fn claims(&self) -> &Claims<T> {
        &self.claims
    }

    /// The `kid` of the key that verified the signature, if it has one.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The claims.
    #[must_use]
    pub fn into_claims(self) -> Claims<T> {
        self.claims
    }

    /// Header and claims.
    #[must_use]
    pub fn into_parts(self) -> (Header, Claims<T>) {
        (Arc::unwrap_or_clone(self.header), self.claims)
    }
}

/// A JWT verified by [`Verifier::verify_borrowed`]: as [`Verified`], with claims that
/// borrow from the caller's buffer ([`ClaimsRef`]). For a typical access token, getting
/// one allocates nothing once the buffer has grown to the payload's size.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedRef<'b, T> {
    header: Arc<Header>,
    claims: ClaimsRef<'b, T>,
    kid: Option<Arc<str>>,
}

impl<'b, T> VerifiedRef<'b, T> {
    /// The protected header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The verified, validated claims.
    #[must_use]
    pub const fn claims(&self) -> &ClaimsRef<'b, T> {
        &self.claims
    }

    /// The `kid` of the key that verified the signature, if it has one.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The claims.
    #[must_use]
    pub fn into_claims(self) -> ClaimsRef<'b, T> {
        self.claims
    }

    /// The owned form (registered claims copied out of the buffer).
    #[must_use]
    pub fn into_owned(self) -> Verified<T> {
        Verified {
            header: self.header,
            claims: self.claims.into_owned(),
            kid: self.kid,
        }
    }
}

/// A JWS payload (not necessarily a JWT) whose signature a trusted key verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedPayload {
    header: Header,
    payload: Vec<u8>,
    kid: Option<Arc<str>>,
}

impl VerifiedPayload {
    /// The protected header.
    #[must_use]
    pub const fn header(&self) -> &Header {
        &self.header
    }

    /// The payload bytes, exactly as signed.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The `kid` of the key that verified the signature, if it has one.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The payload bytes.
    #[must_use]
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    pub(crate) const fn new(header: Header, payload: Vec<u8>, kid: Option<Arc<str>>) -> Self {
        Self {
            header,
            payload,
            kid,
        }
    }
}

/// Verifies compact JWS tokens with trusted keys and an explicit set of algorithms.
///
/// A token's header never brings its own key: `jwk`, `jku`, `x5u` and `x5c` are ignored.
/// The key is chosen by `kid` (keys without a `kid` stand in when none matches) and must
/// be bound to the token's `alg`, which must be allowed; at most
/// [`Verifier::with_max_candidates`] keys are tried.
///
/// ```
/// use std::time::Duration;
/// use jws::{Algorithm, Claims, NumericDate, SigningKey, Validation, Verifier};
///
/// let key = SigningKey::symmetric(Algorithm::HS256, &[42u8; 32]).unwrap();
/// let claims = Claims::new(()).with_issuer("me").with_lifetime(NumericDate::now(), Duration::from_secs(60));
/// let token = jws::sign(&key, &claims).unwrap();
///
/// let verifier = Verifier::new(key.verifying_key());
/// assert!(verifier.verify::<()>(&token, &Validation::new().with_issuer("me")).is_ok());
/// assert!(verifier.verify::<()>(&token, &Validation::new().with_issuer("you")).is_err());
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: Vec<VerifyingKey>,
    allowed: Vec<Algorithm>,
    limits: Limits,
    max_candidates: usize,
    unencoded: bool,
    /// The header segments that signers commonly produce for the trusted keys, already
    /// parsed: a token whose header is one of them skips decoding and parsing it.
    known_headers: KnownHeaders,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys)
            .field("allowed", &self.allowed)
            .field("limits", &self.limits)
            .field("max_candidates", &self.max_candidates)
            .field("unencoded", &self.unencoded)
            .finish_non_exhaustive()
    }
}

/// The protected headers common signers write for `key`: this crate's, the RFC examples'
/// and alphabetical member orders, and `typ` first (jsonwebtoken and others).
fn header_forms(key: &VerifyingKey) -> [String; 4] {
    let alg = key.alg().as_str();
    let kid = key
        .kid()
        .map(|k| serde_json::to_string(k).unwrap_or_default());
    let kid_member = kid
        .as_deref()
        .map(|k| format!(r#","kid":{k}"#))
        .unwrap_or_default();
    [
        format!(r#"{{"alg":"{alg}","typ":"JWT"{kid_member}}}"#),
        format!(r#"{{"alg":"{alg}"{kid_member}}}"#),
        format!(r#"{{"typ":"JWT","alg":"{alg}"{kid_member}}}"#),
        match &kid {
            Some(k) => format!(r#"{{"alg":"{alg}","kid":{k},"typ":"JWT"}}"#),
            None => format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#),
        },
    ]
}

fn check_allowed(allowed: &[Algorithm]) -> Result<(), KeyError> {
    for alg in allowed {
        if !alg.is_signature() {
            return Err(KeyError::UnsupportedAlgorithm(alg.clone()));
        }
    }
    Ok(())
}

impl Verifier {
    fn build(keys: Vec<VerifyingKey>, allowed: Vec<Algorithm>) -> Self {
        let known_headers = keys.iter().flat_map(header_forms).collect();
        Self {
            keys,
            allowed,
            limits: Limits::default(),
            max_candidates: select::DEFAULT_MAX_CANDIDATES,
            unencoded: false,
            known_headers,
        }
    }

    /// A verifier trusting one key, allowing only that key's algorithm.
    #[must_use]
    pub fn new(key: VerifyingKey) -> Self {
        let allowed = vec![key.alg().clone()];
        Self::build(vec![key], allowed)
    }

    /// A verifier trusting these keys, allowing exactly their algorithms.
    #[must_use]
    pub fn from_keys(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let keys: Vec<VerifyingKey> = keys.into_iter().collect();
        let allowed = select::algorithms_of(&keys);
        Self::build(keys, allowed)
    }

    /// A verifier trusting the signature keys of a JWK Set (or of one JWK: `&jwk.into()`),
    /// for the `allowed` algorithms. A key with an `alg` serves that algorithm if allowed;
    /// a key without serves each allowed algorithm of its kind. Keys for encryption
    /// (`use: enc`, `key_ops` without `verify`), and keys that fit no allowed algorithm,
    /// are left out. For one key and one algorithm, [`Jwk::verifying_key`] and
    /// [`Verifier::new`] say the same more directly.
    ///
    /// # Errors
    /// [`KeyError::UnsupportedAlgorithm`] when `allowed` names `none` or a non-signature
    /// algorithm; [`KeyError::UsageNotPermitted`] when no key of the set is left;
    /// [`KeyError`] when a key fit for an allowed algorithm is invalid (e.g. a weak RSA
    /// key).
    pub fn from_jwk_set(set: &JwkSet, allowed: &[Algorithm]) -> Result<Self, Error> {
        check_allowed(allowed)?;
        let mut keys = Vec::new();
        for jwk in set.keys() {
            keys.extend(keys_of(jwk, allowed)?);
        }
        if keys.is_empty() {
            return Err(KeyError::UsageNotPermitted(
                "no key: the JWK Set fits none of the allowed algorithms for verifying".into(),
            )
            .into());
        }
        Ok(Self::build(keys, allowed.to_vec()))
    }

    /// Restricts the allowed algorithms further.
    ///
    /// # Errors
    /// [`KeyError::UnsupportedAlgorithm`] for a non-signature algorithm.
    pub fn with_allowed_algorithms(mut self, allowed: &[Algorithm]) -> Result<Self, Error> {
        check_allowed(allowed)?;
        self.allowed.retain(|a| allowed.contains(a));
        Ok(self)
    }

    /// Uses these limits (token size, JSON depth).
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Tries at most `n` keys (at least 1) for a token.
    #[must_use]
    pub fn with_max_candidates(mut self, n: usize) -> Self {
        self.max_candidates = n.max(1);
        self
    }

    /// Accepts RFC 7797 unencoded payloads (`b64: false`, which must be listed in `crit`).
    #[must_use]
    pub const fn allow_unencoded_payload(mut self) -> Self {
        self.unencoded = true;
        self
    }

    /// The trusted keys.
    #[must_use]
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// The allowed algorithms.
    #[must_use]
    pub fn allowed_algorithms(&self) -> &[Algorithm] {
        &self.allowed
    }

    /// Whether RFC 7797 unencoded payloads are accepted.
    pub(crate) const fn unencoded_allowed(&self) -> bool {
        self.unencoded
    }

    /// The limits in force.
    #[must_use]
    pub const fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Verifies a JWT and validates its claims; `T` is the type of the custom claims.
    ///
    /// # Errors
    /// [`Error`] naming the first failed step.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<Verified<T>, Error> {
        let checked = self.check(token, None)?;
        let mut buf = Vec::new();
        checked.payload_into(&mut buf)?;
        let claims = Claims::from_json(&buf, &self.limits).map_err(payload_error)?;
        validation.validate(&checked.header, &claims)?;
        Ok(Verified {
            header: checked.header,
            claims,
            kid: checked.kid,
        })
    }

    /// As [`Verifier::verify`], decoding the payload into `buf`, from which the registered
    /// claims and `T` borrow: with a buffer kept across calls, verifying a typical access
    /// token allocates nothing (a header of a known form is not even parsed).
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub fn verify_borrowed<'b, T: Deserialize<'b>>(
        &self,
        token: &str,
        validation: &Validation,
        buf: &'b mut Vec<u8>,
    ) -> Result<VerifiedRef<'b, T>, Error> {
        let checked = self.check(token, None)?;
        buf.clear();
        checked.payload_into(buf)?;
        let buf: &'b [u8] = buf;
        let claims = ClaimsRef::from_json(buf, &self.limits).map_err(payload_error)?;
        validation.validate(&checked.header, &claims)?;
        Ok(VerifiedRef {
            header: checked.header,
            claims,
            kid: checked.kid,
        })
    }

    /// Verifies a compact JWS and returns its payload bytes, whatever they are.
    ///
    /// # Errors
    /// [`Error`] naming the first failed step.
    pub fn verify_payload(&self, token: &str) -> Result<VerifiedPayload, Error> {
        let checked = self.check(token, None)?;
        let mut payload = Vec::new();
        checked.payload_into(&mut payload)?;
        Ok(VerifiedPayload::new(
            Arc::unwrap_or_clone(checked.header),
            payload,
            checked.kid,
        ))
    }

    /// Verifies a compact JWS with a detached payload (RFC 7515 Appendix F): the token's
    /// payload segment is empty and `payload` is the content that was signed.
    ///
    /// # Errors
    /// [`Error::NotDetached`] when the token carries a payload; otherwise as
    /// [`Verifier::verify_payload`].
    pub fn verify_detached(&self, token: &str, payload: &[u8]) -> Result<VerifiedPayload, Error> {
        let checked = self.check(token, Some(payload))?;
        Ok(VerifiedPayload::new(
            Arc::unwrap_or_clone(checked.header),
            payload.to_vec(),
            checked.kid,
        ))
    }

    /// Steps 1 to 4: format, header, `crit`, key choice, signature.
    fn check<'t>(&self, token: &'t str, detached: Option<&[u8]>) -> Result<Checked<'t>, Error> {
        let parts = JwsCompact::parse(token, &self.limits)?;
        let header = self.known_headers.header(parts.header, &self.limits)?;
        let understood: &[&str] = if self.unencoded { &["b64"] } else { &[] };
        let unencoded = header.b64 == Some(false);
        if unencoded {
            let listed = header
                .crit
                .as_ref()
                .is_some_and(|c| c.iter().any(|n| n == "b64"));
            if !self.unencoded || !listed {
                return Err(Error::UnencodedPayloadNotAllowed);
            }
        }
        header
            .check_crit(understood)
            .map_err(jwt_claims::Error::Crit)?;
        let Some(alg) = header.alg.as_ref() else {
            return Err(jwt_claims::Error::MissingAlgorithm.into());
        };
        if !self.allowed.contains(alg) || !alg.is_signature() {
            return Err(Error::AlgorithmNotAllowed(alg.clone()));
        }
        if detached.is_some() && !parts.payload.is_empty() {
            return Err(Error::NotDetached);
        }

        let mut small = [0u8; SMALL_SIGNATURE];
        let mut large = Vec::new();
        let signature = decode_signature(parts.signature, &mut small, &mut large)?;

        let encoded_detached;
        let input: [&[u8]; 3] = match (detached, unencoded) {
            (None, false) => [parts.signing_input().as_bytes(), b"", b""],
            (None, true) => [parts.header.as_bytes(), b".", parts.payload.as_bytes()],
            (Some(payload), true) => [parts.header.as_bytes(), b".", payload],
            (Some(payload), false) => {
                encoded_detached = base64url::encode(payload);
                [parts.header.as_bytes(), b".", encoded_detached.as_bytes()]
            }
        };
        let input: &[&[u8]] = match (detached, unencoded) {
            (None, false) => input.get(..1).unwrap_or_default(),
            _ => &input,
        };

        let kid = self.verify_with_candidates(&header, alg, input, signature)?;
        Ok(Checked {
            header,
            parts,
            unencoded,
            kid,
        })
    }

    /// Tries the candidate keys; returns the `kid` of the one that verified.
    pub(crate) fn verify_with_candidates(
        &self,
        header: &Header,
        alg: &Algorithm,
        input: &[&[u8]],
        signature: &[u8],
    ) -> Result<Option<Arc<str>>, Error> {
        let token_kid = header.kid.as_deref();
        let mut candidates =
            select::candidates(&self.keys, alg, token_kid, self.max_candidates).peekable();
        if candidates.peek().is_none() {
            return Err(Error::NoMatchingKey {
                kid: token_kid.map(jwt_claims::json::truncate),
            });
        }
        for key in candidates {
            if key.verify_parts(input, signature) {
                return Ok(key.shared_kid());
            }
        }
        Err(Error::InvalidSignature)
    }
}

/// The keys a JWK gives for the allowed algorithms.
fn keys_of(jwk: &Jwk, allowed: &[Algorithm]) -> Result<Vec<VerifyingKey>, Error> {
    if jwk
        .key_use
        .as_ref()
        .is_some_and(|u| *u != KeyUse::Signature)
    {
        return Ok(Vec::new());
    }
    if jwk
        .key_ops
        .as_ref()
        .is_some_and(|ops| !ops.contains(&KeyOperation::Verify))
    {
        return Ok(Vec::new());
    }
    let mut keys = Vec::new();
    for alg in jwk.signature_algorithms() {
        if allowed.contains(&alg) {
            keys.push(jwk.verifying_key(Some(alg))?);
        }
    }
    Ok(keys)
}

/// A payload that is not a claim set, as the token error it is.
fn payload_error(source: jwt_claims::JsonError) -> Error {
    Error::Token(jwt_claims::Error::Json {
        segment: Segment::Payload,
        source,
    })
}

/// A token whose signature holds.
struct Checked<'t> {
    header: Arc<Header>,
    parts: JwsCompact<'t>,
    unencoded: bool,
    kid: Option<Arc<str>>,
}

impl Checked<'_> {
    /// Step 5: the payload bytes, appended to `out`.
    #[inline]
    fn payload_into(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        if self.unencoded {
            out.extend_from_slice(self.parts.payload.as_bytes());
            return Ok(());
        }
        base64url::decode_to_vec(self.parts.payload, out).map_err(|source| {
            Error::Token(jwt_claims::Error::Base64 {
                segment: Segment::Payload,
                source,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SigningKey;

    #[test]
    fn known_headers_are_exactly_what_parsing_gives() {
        let keys = [
            SigningKey::symmetric(Algorithm::HS256, &[1; 32])
                .unwrap()
                .verifying_key(),
            SigningKey::ed25519(&[2; 32])
                .unwrap()
                .with_kid("a\"b\\c\u{1}")
                .verifying_key(),
        ];
        for key in &keys {
            let known: KnownHeaders = header_forms(key).into_iter().collect();
            assert!(known.len() >= 3);
            for (segment, header) in known.iter() {
                assert_eq!(
                    &Header::from_segment(segment, &Limits::default()).unwrap(),
                    &**header
                );
                assert_eq!(header.alg.as_ref(), Some(key.alg()));
                assert_eq!(header.kid.as_deref(), key.kid());
            }
        }
        // The signer's own header is among them.
        let signer = SigningKey::ed25519(&[2; 32]).unwrap().with_kid("k");
        let token = crate::sign(&signer, &Claims::new(())).unwrap();
        let segment = token.split('.').next().unwrap();
        let known: KnownHeaders = header_forms(&signer.verifying_key()).into_iter().collect();
        assert!(known.get(segment).is_some());
    }

    fn hs256() -> SigningKey {
        SigningKey::symmetric(Algorithm::HS256, &[1; 32]).unwrap()
    }

    #[test]
    fn signature_segments_empty_oversized_or_not_base64url_are_invalid() {
        let mut small = [0u8; SMALL_SIGNATURE];
        let mut large = Vec::new();
        assert!(matches!(
            decode_signature("", &mut small, &mut large),
            Err(Error::InvalidSignature)
        ));
        assert!(matches!(
            decode_signature("!!!!", &mut small, &mut large),
            Err(Error::InvalidSignature)
        ));
        // MAX_SIGNATURE bytes decode; one more is refused before decoding.
        let max = base64url::encode(vec![7u8; MAX_SIGNATURE]);
        assert_eq!(
            decode_signature(&max, &mut small, &mut large)
                .unwrap()
                .len(),
            MAX_SIGNATURE
        );
        let over = base64url::encode(vec![7u8; MAX_SIGNATURE + 1]);
        assert!(matches!(
            decode_signature(&over, &mut small, &mut large),
            Err(Error::InvalidSignature)
        ));
        // Small signatures decode into the stack buffer, large ones beside it.
        let one = base64url::encode([9u8]);
        assert_eq!(decode_signature(&one, &mut small, &mut large).unwrap(), [9]);
    }

    #[test]
    fn a_non_signature_algorithm_cannot_be_allowed() {
        let jwk = hs256().to_jwk();
        let set = JwkSet::from_keys(vec![jwk.clone()]);
        for alg in [Algorithm::None, Algorithm::Dir, Algorithm::A128KW] {
            let refused = |r: Result<Verifier, Error>| matches!(r, Err(Error::Key(KeyError::UnsupportedAlgorithm(ref a))) if *a == alg);
            assert!(
                refused(Verifier::from_jwk_set(&set, std::slice::from_ref(&alg))),
                "{alg}"
            );
            assert!(refused(Verifier::from_jwk_set(
                &JwkSet::from(jwk.clone()),
                &[Algorithm::HS256, alg.clone()]
            )));
            assert!(refused(
                Verifier::new(hs256().verifying_key())
                    .with_allowed_algorithms(std::slice::from_ref(&alg))
            ));
        }
    }

    #[test]
    fn jwks_whose_use_or_key_ops_forbid_verifying_give_no_key() {
        let base = hs256().to_jwk();
        let mut enc_use = base.clone();
        enc_use.key_use = Some(KeyUse::Encryption);
        let mut sign_only = base.clone();
        sign_only.key_ops = Some(vec![KeyOperation::Sign]);
        let mut verify_ok = base.clone();
        verify_ok.key_use = Some(KeyUse::Signature);
        verify_ok.key_ops = Some(vec![KeyOperation::Sign, KeyOperation::Verify]);
        let allowed = [Algorithm::HS256];
        for forbidden in [&enc_use, &sign_only] {
            assert!(keys_of(forbidden, &allowed).unwrap().is_empty());
            assert!(matches!(
                Verifier::from_jwk_set(&JwkSet::from(forbidden.clone()), &allowed),
                Err(Error::Key(KeyError::UsageNotPermitted(_)))
            ));
        }
        assert_eq!(keys_of(&verify_ok, &allowed).unwrap().len(), 1);
        assert_eq!(keys_of(&base, &allowed).unwrap().len(), 1);
        // A set whose only key is for signing gives no verifier; beside another key, the
        // signing-only key is never tried: its own token does not verify.
        let token = crate::sign(&hs256(), &Claims::new(())).unwrap();
        assert!(matches!(
            Verifier::from_jwk_set(&JwkSet::from(sign_only.clone()), &allowed),
            Err(Error::Key(KeyError::UsageNotPermitted(_)))
        ));
        let other = SigningKey::symmetric(Algorithm::HS256, &[2; 32])
            .unwrap()
            .to_jwk();
        let set = JwkSet::from_keys(vec![sign_only, enc_use, other]);
        let verifier = Verifier::from_jwk_set(&set, &allowed).unwrap();
        assert_eq!(verifier.keys().len(), 1);
        assert!(matches!(
            verifier.verify::<()>(&token, &Validation::new().allow_missing_exp()),
            Err(Error::InvalidSignature)
        ));
    }

    #[test]
    fn kid_selection_through_the_verifier() {
        let a = SigningKey::symmetric(Algorithm::HS256, &[1; 32])
            .unwrap()
            .with_kid("a");
        let b = SigningKey::symmetric(Algorithm::HS256, &[2; 32])
            .unwrap()
            .with_kid("b");
        let anon = SigningKey::symmetric(Algorithm::HS256, &[3; 32]).unwrap();
        let verifier = Verifier::from_keys([a.verifying_key(), anon.verifying_key()]);
        let claims = Claims::new(());
        let policy = Validation::new().allow_missing_exp();
        // A known kid: its key, and only its key.
        let by_a = crate::sign(&a, &claims).unwrap();
        assert_eq!(
            verifier.verify::<()>(&by_a, &policy).unwrap().kid(),
            Some("a")
        );
        // An unknown kid: the key without kid stands in, and a key with another kid never.
        let by_b = crate::sign(&b, &claims).unwrap();
        assert!(matches!(
            verifier.verify::<()>(&by_b, &policy),
            Err(Error::InvalidSignature)
        ));
        let anon_as_b = crate::sign(&anon.clone().with_kid("b"), &claims).unwrap();
        assert_eq!(
            verifier.verify::<()>(&anon_as_b, &policy).unwrap().kid(),
            None
        );
        // No kid: every key of the algorithm may answer.
        let by_anon = crate::sign(&anon, &claims).unwrap();
        assert!(verifier.verify::<()>(&by_anon, &policy).is_ok());
        let a_without_kid = SigningKey::symmetric(Algorithm::HS256, &[1; 32]).unwrap();
        let by_a_bare = crate::sign(&a_without_kid, &claims).unwrap();
        assert_eq!(
            verifier.verify::<()>(&by_a_bare, &policy).unwrap().kid(),
            Some("a")
        );
        // The bound on candidates: with one, only the first key of the algorithm is tried.
        let one = verifier.with_max_candidates(1);
        assert!(matches!(
            one.verify::<()>(&by_anon, &policy),
            Err(Error::InvalidSignature)
        ));
        assert!(
            one.with_max_candidates(0)
                .verify::<()>(&by_a_bare, &policy)
                .is_ok()
        );
        // A set with only kid-bearing keys answers an unknown kid with no key at all.
        let only_a = Verifier::new(a.verifying_key());
        assert!(matches!(
            only_a.verify::<()>(&by_b, &policy),
            Err(Error::NoMatchingKey { kid: Some(ref k) }) if k == "b"
        ));
    }

    #[test]
    fn borrowed_results_hold_the_header_and_convert() {
        let key = hs256().with_kid("k");
        let claims = Claims::new(()).with_subject("ann");
        let token = crate::sign(&key, &claims).unwrap();
        let verifier = Verifier::new(key.verifying_key());
        let policy = Validation::new().allow_missing_exp();
        let mut buf = Vec::new();
        let verified = verifier
            .verify_borrowed::<()>(&token, &policy, &mut buf)
            .unwrap();
        assert_eq!(verified.header().alg, Some(Algorithm::HS256));
        assert_eq!(verified.header().kid.as_deref(), Some("k"));
        assert_eq!(verified.kid(), Some("k"));
        let owned = verified.clone().into_owned();
        assert_eq!(owned.claims().sub.as_deref(), Some("ann"));
        assert_eq!(owned.header(), verified.header());
        assert_eq!(verified.into_claims().sub.as_deref(), Some("ann"));
    }

    #[test]
    fn payloads_and_debug_say_what_they_hold() {
        let key = hs256();
        let token = crate::sign_payload(&key, b"hello", &crate::SignOptions::new()).unwrap();
        let verifier = Verifier::new(key.verifying_key());
        assert_eq!(
            verifier.verify_payload(&token).unwrap().into_payload(),
            b"hello"
        );
        let shown = format!("{verifier:?}");
        assert!(shown.starts_with("Verifier {"), "{shown}");
        assert!(shown.contains("allowed: [HS256]"), "{shown}");
        assert!(shown.contains("max_candidates: 4"), "{shown}");
        assert!(!shown.contains("known_headers"), "{shown}");
    }

    #[test]
    fn unencoded_json_payloads_need_the_verifier_to_allow_them() {
        use crate::json::{JsonSigner, SignaturePolicy};
        let key = hs256();
        let doc = JsonSigner::new(b"$.02")
            .unencoded()
            .sign(&key, Header::default(), None)
            .unwrap()
            .flattened()
            .unwrap();
        let strict = Verifier::new(key.verifying_key());
        assert!(matches!(
            strict.verify_json(&doc, SignaturePolicy::AtLeastOne),
            Err(Error::UnencodedPayloadNotAllowed)
        ));
        let lenient = strict.allow_unencoded_payload();
        let verified = lenient
            .verify_json(&doc, SignaturePolicy::AtLeastOne)
            .unwrap();
        assert_eq!(verified.payload(), b"$.02");
    }
}
