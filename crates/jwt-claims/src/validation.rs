//! Validation of claim values against a policy and a clock (RFC 7519 4.1, RFC 8725 3).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::claims::{Claims, ClaimsRef};
use crate::error::ValidationError;
use crate::json::truncate;
use crate::registered::RegisteredClaim;
use crate::{Header, NumericDate};

/// A source of the current time, injectable so that validation can be tested and replayed.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> NumericDate;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NumericDate {
        NumericDate::now()
    }
}

/// A clock stopped at one instant, for tests and for replaying a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub NumericDate);

impl Clock for FixedClock {
    fn now(&self) -> NumericDate {
        self.0
    }
}

/// Why a validation policy cannot be built as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// The leeway exceeds [`Validation::MAX_LEEWAY`]: clock skew is seconds or minutes; a
    /// larger leeway would quietly accept long-expired tokens.
    LeewayTooLarge {
        /// The leeway asked for, in seconds.
        secs: u64,
    },
    /// The maximum age exceeds [`Validation::MAX_MAX_AGE`].
    MaxAgeTooLarge {
        /// The maximum age asked for, in seconds.
        secs: u64,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LeewayTooLarge { secs } => write!(
                f,
                "a leeway of {secs} s exceeds the maximum of {} s",
                Validation::MAX_LEEWAY.as_secs()
            ),
            Self::MaxAgeTooLarge { secs } => write!(
                f,
                "a maximum age of {secs} s exceeds the maximum of {} s",
                Validation::MAX_MAX_AGE.as_secs()
            ),
        }
    }
}

impl std::error::Error for PolicyError {}

/// What a claim set must satisfy to be accepted.
///
/// The defaults are the secure ones: `exp` is required, `exp` and `nbf` are checked with a
/// leeway of 60 seconds, an `iat` in the future is refused, and a token that carries `aud`
/// is refused unless the policy names an audience it accepts.
///
/// ```
/// use std::time::Duration;
/// use jwt_claims::{Claims, FixedClock, Header, NumericDate, Validation, Algorithm};
///
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let policy = Validation::new()
///     .with_issuer("https://issuer.example")
///     .with_audience("api")
///     .with_clock(FixedClock(now));
///
/// let claims = Claims::new(())
///     .with_issuer("https://issuer.example")
///     .with_audience("api")
///     .with_lifetime(now, Duration::from_secs(1800));
/// let header = Header::new(Algorithm::HS256);
/// assert!(policy.validate(&header, &claims).is_ok());
///
/// let late = policy.clone().with_clock(FixedClock(now.saturating_add(1800 + 60)));
/// assert!(late.validate(&header, &claims).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Validation {
    leeway: u64,
    /// Bit set of required claims, by [`bit`].
    required: u8,
    reject_future_iat: bool,
    max_age: Option<u64>,
    issuers: Vec<String>,
    audiences: Vec<String>,
    ignore_audience: bool,
    subject: Option<String>,
    typ: Option<String>,
    clock: Arc<dyn Clock>,
}

impl Default for Validation {
    fn default() -> Self {
        Self::new()
    }
}

const fn bit(claim: RegisteredClaim) -> u8 {
    match claim {
        RegisteredClaim::Iss => 1,
        RegisteredClaim::Sub => 1 << 1,
        RegisteredClaim::Aud => 1 << 2,
        RegisteredClaim::Exp => 1 << 3,
        RegisteredClaim::Nbf => 1 << 4,
        RegisteredClaim::Iat => 1 << 5,
        RegisteredClaim::Jti => 1 << 6,
    }
}

impl Validation {
    /// The default leeway for `exp`, `nbf` and `iat`: one minute.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
    /// The largest leeway accepted: ten minutes.
    pub const MAX_LEEWAY: Duration = Duration::from_secs(600);
    /// The largest maximum age accepted: the whole range of [`NumericDate`] (a policy
    /// without an age limit simply does not set one).
    pub const MAX_MAX_AGE: Duration = Duration::from_secs(NumericDate::MAX.as_secs());

    /// The secure default policy (see the type's documentation), on the system clock.
    #[must_use]
    pub fn new() -> Self {
        Self {
            leeway: Self::DEFAULT_LEEWAY.as_secs(),
            required: bit(RegisteredClaim::Exp),
            reject_future_iat: true,
            max_age: None,
            issuers: Vec::new(),
            audiences: Vec::new(),
            ignore_audience: false,
            subject: None,
            typ: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// The clock skew tolerated for `exp`, `nbf`, `iat` and the maximum age, in whole
    /// seconds (a fraction is dropped), at most [`Validation::MAX_LEEWAY`] (ten minutes).
    ///
    /// # Errors
    /// [`PolicyError::LeewayTooLarge`].
    pub fn with_leeway(mut self, leeway: Duration) -> Result<Self, PolicyError> {
        let secs = leeway.as_secs();
        if secs > Self::MAX_LEEWAY.as_secs() {
            return Err(PolicyError::LeewayTooLarge { secs });
        }
        self.leeway = secs;
        Ok(self)
    }

    /// Requires a registered claim to be present.
    #[must_use]
    pub const fn require(mut self, claim: RegisteredClaim) -> Self {
        self.required |= bit(claim);
        self
    }

    /// Accepts tokens without `exp`, which then never expire. Prefer short-lived tokens.
    #[must_use]
    pub const fn allow_missing_exp(mut self) -> Self {
        self.required &= !bit(RegisteredClaim::Exp);
        self
    }

    /// Accepts an `iat` in the future.
    #[must_use]
    pub const fn allow_future_iat(mut self) -> Self {
        self.reject_future_iat = false;
        self
    }

    /// Refuses tokens issued longer than `max_age` ago (whole seconds); requires `iat`.
    ///
    /// # Errors
    /// [`PolicyError::MaxAgeTooLarge`] beyond [`Validation::MAX_MAX_AGE`].
    pub fn with_max_age(mut self, max_age: Duration) -> Result<Self, PolicyError> {
        let secs = max_age.as_secs();
        if secs > Self::MAX_MAX_AGE.as_secs() {
            return Err(PolicyError::MaxAgeTooLarge { secs });
        }
        self.max_age = Some(secs);
        self.required |= bit(RegisteredClaim::Iat);
        Ok(self)
    }

    /// Accepts this issuer (may be called several times); requires `iss`.
    #[must_use]
    pub fn with_issuer(mut self, iss: impl Into<String>) -> Self {
        self.issuers.push(iss.into());
        self.required |= bit(RegisteredClaim::Iss);
        self
    }

    /// Accepts this audience (may be called several times); requires `aud` to contain one
    /// of the accepted audiences.
    #[must_use]
    pub fn with_audience(mut self, aud: impl Into<String>) -> Self {
        self.audiences.push(aud.into());
        self.required |= bit(RegisteredClaim::Aud);
        self
    }

    /// Does not check `aud` at all. RFC 7519 4.1.3 wants a recipient to refuse a token
    /// whose audience does not name it: use this only where audiences are checked
    /// elsewhere.
    #[must_use]
    pub const fn ignore_audience(mut self) -> Self {
        self.ignore_audience = true;
        self
    }

    /// Requires `sub` to equal `sub`.
    #[must_use]
    pub fn with_subject(mut self, sub: impl Into<String>) -> Self {
        self.subject = Some(sub.into());
        self.required |= bit(RegisteredClaim::Sub);
        self
    }

    /// Requires the header's `typ` to be `typ` (explicit typing, RFC 8725 3.11), compared
    /// as RFC 7515 4.1.9 says: e.g. `at+jwt` for RFC 9068 access tokens.
    #[must_use]
    pub fn with_typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Uses this clock instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The leeway.
    #[must_use]
    pub const fn leeway(&self) -> Duration {
        Duration::from_secs(self.leeway)
    }

    /// The clock's current time.
    #[must_use]
    pub fn now(&self) -> NumericDate {
        self.clock.now()
    }

    /// Checks the header's `typ` and the claims against the policy, at the clock's time.
    ///
    /// # Errors
    /// The first [`ValidationError`] found, in this order: required claims, `exp`, `nbf`,
    /// `iat`, maximum age, `iss`, `aud`, `sub`, `typ`.
    pub fn validate<C: RegisteredClaims + ?Sized>(
        &self,
        header: &Header,
        claims: &C,
    ) -> Result<(), ValidationError> {
        for claim in RegisteredClaim::ALL {
            if self.required & bit(claim) != 0 && !claims.has_claim(claim) {
                return Err(ValidationError::MissingClaim(claim));
            }
        }
        // Exact comparisons of differences: nothing is added, so nothing can saturate
        // into acceptance (`secs_since` is 0 when its argument is the later date).
        let now = self.clock.now();
        if let Some(exp) = claims.expiry() {
            if now >= exp && now.secs_since(exp) >= self.leeway {
                return Err(ValidationError::Expired { exp, now });
            }
        }
        if let Some(nbf) = claims.not_before() {
            if nbf.secs_since(now) > self.leeway {
                return Err(ValidationError::NotYetValid { nbf, now });
            }
        }
        if let Some(iat) = claims.issued_at() {
            if self.reject_future_iat && iat.secs_since(now) > self.leeway {
                return Err(ValidationError::IssuedInFuture { iat, now });
            }
            if let Some(max_age) = self.max_age {
                let age = now.secs_since(iat);
                if age.checked_sub(self.leeway).is_some_and(|a| a > max_age) {
                    return Err(ValidationError::TooOld { iat, max_age, now });
                }
            }
        }
        if let Some(iss) = claims.issuer() {
            if !self.issuers.is_empty() && !self.issuers.iter().any(|a| a == iss) {
                return Err(ValidationError::InvalidIssuer {
                    found: truncate(iss),
                });
            }
        }
        if claims.has_claim(RegisteredClaim::Aud)
            && !self.ignore_audience
            && !self.audiences.iter().any(|a| claims.audience_contains(a))
        {
            return Err(ValidationError::InvalidAudience);
        }
        if let (Some(expected), Some(sub)) = (&self.subject, claims.subject()) {
            if expected != sub {
                return Err(ValidationError::InvalidSubject);
            }
        }
        if let Some(expected) = &self.typ {
            if !header.typ_matches(expected) {
                return Err(ValidationError::InvalidType {
                    expected: expected.clone(),
                    found: header.typ.as_deref().map(truncate),
                });
            }
        }
        Ok(())
    }
}

/// The registered claims that [`Validation`] looks at, in a claim set owned
/// ([`Claims`]) or borrowed ([`ClaimsRef`]). Sealed: implemented by those two only.
pub trait RegisteredClaims: sealed::Sealed {
    /// Whether `claim` is present.
    fn has_claim(&self, claim: RegisteredClaim) -> bool;
    /// `iss`.
    fn issuer(&self) -> Option<&str>;
    /// `sub`.
    fn subject(&self) -> Option<&str>;
    /// Whether `aud` lists `audience` (false when there is no `aud`).
    fn audience_contains(&self, audience: &str) -> bool;
    /// `exp`.
    fn expiry(&self) -> Option<NumericDate>;
    /// `nbf`.
    fn not_before(&self) -> Option<NumericDate>;
    /// `iat`.
    fn issued_at(&self) -> Option<NumericDate>;
}

mod sealed {
    pub trait Sealed {}
    impl<T> Sealed for crate::Claims<T> {}
    impl<T> Sealed for crate::ClaimsRef<'_, T> {}
}

/// The two claim sets hold the registered claims in fields of the same names.
macro_rules! registered_claims {
    ($($ty:ty),+) => {$(
        impl<T> RegisteredClaims for $ty {
            fn has_claim(&self, claim: RegisteredClaim) -> bool {
                self.has(claim)
            }
            fn issuer(&self) -> Option<&str> {
                self.iss.as_deref()
            }
            fn subject(&self) -> Option<&str> {
                self.sub.as_deref()
            }
            fn audience_contains(&self, audience: &str) -> bool {
                self.aud.as_ref().is_some_and(|a| a.contains(audience))
            }
            fn expiry(&self) -> Option<NumericDate> {
                self.exp
            }
            fn not_before(&self) -> Option<NumericDate> {
                self.nbf
            }
            fn issued_at(&self) -> Option<NumericDate> {
                self.iat
            }
        }
    )+};
}

registered_claims!(Claims<T>, ClaimsRef<'_, T>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, Audience};

    const T0: u64 = 1_700_000_000;

    fn at(secs: u64) -> NumericDate {
        NumericDate::from_secs(secs).unwrap()
    }

    fn policy_at(secs: u64) -> Validation {
        Validation::new().with_clock(FixedClock(at(secs)))
    }

    fn header() -> Header {
        Header::new(Algorithm::HS256)
    }

    fn claims() -> Claims {
        Claims::new(()).with_lifetime(at(T0), Duration::from_secs(1800))
    }

    #[test]
    fn exp_is_required_by_default() {
        let c = Claims::new(());
        assert_eq!(
            policy_at(T0).validate(&header(), &c),
            Err(ValidationError::MissingClaim(RegisteredClaim::Exp))
        );
        assert!(
            policy_at(T0)
                .allow_missing_exp()
                .validate(&header(), &c)
                .is_ok()
        );
    }

    #[test]
    fn exp_with_leeway() {
        let exp = T0 + 1800;
        assert!(policy_at(exp + 59).validate(&header(), &claims()).is_ok());
        assert_eq!(
            policy_at(exp + 60).validate(&header(), &claims()),
            Err(ValidationError::Expired {
                exp: at(exp),
                now: at(exp + 60)
            })
        );
        assert!(
            policy_at(exp)
                .with_leeway(Duration::from_secs(0))
                .unwrap()
                .validate(&header(), &claims())
                .is_err()
        );
        assert!(
            policy_at(exp - 1)
                .with_leeway(Duration::from_secs(0))
                .unwrap()
                .validate(&header(), &claims())
                .is_ok()
        );
    }

    #[test]
    fn leeway_and_max_age_are_bounded_and_never_saturate() {
        assert!(
            Validation::new()
                .with_leeway(Duration::from_secs(600))
                .is_ok()
        );
        assert_eq!(
            Validation::new()
                .with_leeway(Duration::from_secs(601))
                .unwrap_err(),
            PolicyError::LeewayTooLarge { secs: 601 }
        );
        assert_eq!(
            Validation::new()
                .with_leeway(Duration::from_secs(u64::MAX))
                .unwrap_err(),
            PolicyError::LeewayTooLarge { secs: u64::MAX }
        );
        assert!(
            Validation::new()
                .with_leeway(Duration::from_secs(601))
                .unwrap_err()
                .to_string()
                .contains("maximum of 600 s")
        );
        assert!(
            Validation::new()
                .with_max_age(Validation::MAX_MAX_AGE)
                .is_ok()
        );
        assert!(matches!(
            Validation::new().with_max_age(Duration::from_secs(u64::MAX)),
            Err(PolicyError::MaxAgeTooLarge { .. })
        ));
        // exp: 1 with the largest leeway, long after: expired.
        let old = Claims::new(()).with_expiry(at(1));
        assert!(matches!(
            policy_at(T0)
                .with_leeway(Validation::MAX_LEEWAY)
                .unwrap()
                .validate(&header(), &old),
            Err(ValidationError::Expired { .. })
        ));
        // The far ends of the range: no overflow, the plain answer.
        let last = Claims::new(()).with_expiry(NumericDate::MAX);
        assert!(policy_at(T0).validate(&header(), &last).is_ok());
        let max_age = policy_at(NumericDate::MAX.as_secs())
            .with_max_age(Validation::MAX_MAX_AGE)
            .unwrap()
            .allow_missing_exp();
        let first = Claims::new(()).with_issued_at(NumericDate::EPOCH);
        assert!(max_age.validate(&header(), &first).is_ok());
        let young = policy_at(T0 + 700)
            .with_max_age(Duration::from_secs(0))
            .unwrap();
        let c = claims();
        assert!(matches!(
            young.validate(&header(), &c),
            Err(ValidationError::TooOld { .. })
        ));
    }

    #[test]
    fn boundaries_of_nbf_iat_and_required_claims() {
        // iat exactly leeway seconds ahead is accepted, one more is not.
        let c = claims();
        assert!(policy_at(T0 - 60).validate(&header(), &c).is_ok());
        assert!(matches!(
            policy_at(T0 - 61).validate(&header(), &c),
            Err(ValidationError::IssuedInFuture { .. })
        ));
        // nbf the same way, and with no leeway, nbf == now is valid.
        let c = claims().with_not_before(at(T0 + 100));
        let strict = |now| policy_at(now).with_leeway(Duration::from_secs(0)).unwrap();
        assert!(strict(T0 + 100).validate(&header(), &c).is_ok());
        assert!(strict(T0 + 99).validate(&header(), &c).is_err());
        // Every registered claim can be required, each on its own.
        for claim in RegisteredClaim::ALL {
            let policy = policy_at(T0).allow_missing_exp().require(claim);
            assert_eq!(
                policy.validate(&header(), &Claims::new(())),
                Err(ValidationError::MissingClaim(claim)),
                "{claim}"
            );
        }
        assert_eq!(policy_at(T0).leeway(), Duration::from_secs(60));
        assert_eq!(
            policy_at(T0)
                .with_leeway(Duration::from_secs(7))
                .unwrap()
                .leeway(),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn expired_message_shows_iso_dates() {
        let err = policy_at(T0 + 3600)
            .validate(&header(), &claims())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "token expired at 2023-11-14T22:43:20Z, now is 2023-11-14T23:13:20Z"
        );
    }

    #[test]
    fn nbf_with_leeway() {
        let c = claims().with_not_before(at(T0 + 100));
        assert!(policy_at(T0 + 40).validate(&header(), &c).is_ok());
        assert_eq!(
            policy_at(T0 + 39).validate(&header(), &c),
            Err(ValidationError::NotYetValid {
                nbf: at(T0 + 100),
                now: at(T0 + 39)
            })
        );
    }

    #[test]
    fn iat_in_future_and_max_age() {
        assert!(matches!(
            policy_at(T0 - 61).validate(&header(), &claims()),
            Err(ValidationError::IssuedInFuture { .. })
        ));
        assert!(
            policy_at(T0 - 61)
                .allow_future_iat()
                .validate(&header(), &claims())
                .is_ok()
        );
        let p = policy_at(T0 + 700)
            .with_max_age(Duration::from_secs(600))
            .unwrap();
        assert!(matches!(
            p.validate(&header(), &claims()),
            Err(ValidationError::TooOld { max_age: 600, .. })
        ));
        assert!(
            policy_at(T0 + 660)
                .with_max_age(Duration::from_secs(600))
                .unwrap()
                .validate(&header(), &claims())
                .is_ok()
        );
        let no_iat = Claims::new(()).with_expiry(at(T0 + 10));
        assert_eq!(
            policy_at(T0)
                .with_max_age(Duration::from_secs(600))
                .unwrap()
                .validate(&header(), &no_iat),
            Err(ValidationError::MissingClaim(RegisteredClaim::Iat))
        );
    }

    #[test]
    fn issuers() {
        let p = policy_at(T0).with_issuer("a").with_issuer("b");
        assert!(p.validate(&header(), &claims().with_issuer("b")).is_ok());
        assert_eq!(
            p.validate(&header(), &claims().with_issuer("c")),
            Err(ValidationError::InvalidIssuer { found: "c".into() })
        );
        assert_eq!(
            p.validate(&header(), &claims()),
            Err(ValidationError::MissingClaim(RegisteredClaim::Iss))
        );
    }

    #[test]
    fn audiences() {
        let p = policy_at(T0).with_audience("api");
        assert!(
            p.validate(&header(), &claims().with_audience("api"))
                .is_ok()
        );
        assert!(
            p.validate(&header(), &claims().with_audience(["x", "api"]))
                .is_ok()
        );
        assert_eq!(
            p.validate(&header(), &claims().with_audience(["x", "y"])),
            Err(ValidationError::InvalidAudience)
        );
        assert_eq!(
            p.validate(
                &header(),
                &claims().with_audience(Audience::Multiple(vec![]))
            ),
            Err(ValidationError::InvalidAudience)
        );
        assert_eq!(
            p.validate(&header(), &claims()),
            Err(ValidationError::MissingClaim(RegisteredClaim::Aud))
        );
        // A token addressed to someone, checked by a policy that names no audience.
        assert_eq!(
            policy_at(T0).validate(&header(), &claims().with_audience("api")),
            Err(ValidationError::InvalidAudience)
        );
        assert!(
            policy_at(T0)
                .ignore_audience()
                .validate(&header(), &claims().with_audience("api"))
                .is_ok()
        );
    }

    #[test]
    fn subject() {
        let p = policy_at(T0).with_subject("ann");
        assert!(p.validate(&header(), &claims().with_subject("ann")).is_ok());
        assert_eq!(
            p.validate(&header(), &claims().with_subject("bob")),
            Err(ValidationError::InvalidSubject)
        );
        assert_eq!(
            p.validate(&header(), &claims()),
            Err(ValidationError::MissingClaim(RegisteredClaim::Sub))
        );
    }

    #[test]
    fn explicit_typing() {
        let p = policy_at(T0).with_typ("at+jwt");
        assert!(p.validate(&header().with_typ("at+JWT"), &claims()).is_ok());
        assert!(
            p.validate(&header().with_typ("application/at+jwt"), &claims())
                .is_ok()
        );
        assert_eq!(
            p.validate(&header().with_typ("JWT"), &claims()),
            Err(ValidationError::InvalidType {
                expected: "at+jwt".into(),
                found: Some("JWT".into())
            })
        );
        assert_eq!(
            p.validate(&header(), &claims()),
            Err(ValidationError::InvalidType {
                expected: "at+jwt".into(),
                found: None
            })
        );
    }

    #[test]
    fn required_claims() {
        let p = policy_at(T0)
            .require(RegisteredClaim::Jti)
            .require(RegisteredClaim::Nbf);
        assert_eq!(
            p.validate(&header(), &claims().with_not_before(at(T0))),
            Err(ValidationError::MissingClaim(RegisteredClaim::Jti))
        );
        assert!(
            p.validate(
                &header(),
                &claims().with_not_before(at(T0)).with_jwt_id("1")
            )
            .is_ok()
        );
    }
}
