//! A claim set whose registered string claims borrow from the decoded payload: reading a
//! typical access token then allocates nothing (an `aud` array is the exception: one
//! vector of borrowed strings).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

use super::Claims;
use crate::registered::RegisteredClaim;
use crate::{Audience, NumericDate};

/// A JWT claim set read from a buffer the caller keeps: as [`Claims`], with `iss`, `sub`,
/// `aud` and `jti` borrowed from the buffer (a string with JSON escapes is copied, as it
/// must be). [`ClaimsRef::into_owned`] gives a [`Claims`].
///
/// ```
/// use jwt_claims::{ClaimsRef, Limits};
///
/// let json = br#"{"iss":"https://auth.example","sub":"ann","aud":"api","exp":1900000000}"#;
/// let claims = ClaimsRef::<()>::from_json(json, &Limits::default()).unwrap();
/// assert_eq!(claims.iss.as_deref(), Some("https://auth.example"));
/// assert!(claims.aud.as_ref().is_some_and(|a| a.contains("api")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsRef<'a, T = ()> {
    /// `iss`: the issuer.
    pub iss: Option<Cow<'a, str>>,
    /// `sub`: the subject.
    pub sub: Option<Cow<'a, str>>,
    /// `aud`: the audience.
    pub aud: Option<AudienceRef<'a>>,
    /// `exp`: the expiration time.
    pub exp: Option<NumericDate>,
    /// `nbf`: not before.
    pub nbf: Option<NumericDate>,
    /// `iat`: issued at.
    pub iat: Option<NumericDate>,
    /// `jti`: the JWT ID.
    pub jti: Option<Cow<'a, str>>,
    /// The caller's own claims.
    pub custom: T,
}

/// The `aud` claim of a [`ClaimsRef`]: one string or an array of strings, borrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudienceRef<'a> {
    /// `"aud": "a"`.
    Single(Cow<'a, str>),
    /// `"aud": ["a", "b"]`.
    Multiple(Vec<Cow<'a, str>>),
}

impl AudienceRef<'_> {
    /// Whether `audience` is one of the values.
    #[must_use]
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Self::Single(a) => a == audience,
            Self::Multiple(all) => all.iter().any(|a| a == audience),
        }
    }

    /// The owned form.
    #[must_use]
    pub fn into_owned(self) -> Audience {
        match self {
            Self::Single(a) => Audience::Single(a.into_owned()),
            Self::Multiple(all) => {
                Audience::Multiple(all.into_iter().map(Cow::into_owned).collect())
            }
        }
    }
}

impl<'a, T> ClaimsRef<'a, T> {
    /// A claim set with these custom claims and no registered claim.
    #[must_use]
    pub const fn new(custom: T) -> Self {
        Self {
            iss: None,
            sub: None,
            aud: None,
            exp: None,
            nbf: None,
            iat: None,
            jti: None,
            custom,
        }
    }

    /// Whether a registered claim is present.
    #[must_use]
    pub const fn has(&self, claim: RegisteredClaim) -> bool {
        match claim {
            RegisteredClaim::Iss => self.iss.is_some(),
            RegisteredClaim::Sub => self.sub.is_some(),
            RegisteredClaim::Aud => self.aud.is_some(),
            RegisteredClaim::Exp => self.exp.is_some(),
            RegisteredClaim::Nbf => self.nbf.is_some(),
            RegisteredClaim::Iat => self.iat.is_some(),
            RegisteredClaim::Jti => self.jti.is_some(),
        }
    }

    /// The claim set with owned registered claims (the custom claims as they are).
    #[must_use]
    pub fn into_owned(self) -> Claims<T> {
        Claims {
            iss: self.iss.map(Cow::into_owned),
            sub: self.sub.map(Cow::into_owned),
            aud: self.aud.map(AudienceRef::into_owned),
            exp: self.exp,
            nbf: self.nbf,
            iat: self.iat,
            jti: self.jti.map(Cow::into_owned),
            custom: self.custom,
        }
    }
}

/// A string, borrowed from the input when it has no escapes.
pub(super) struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> Deserialize<'de> for AudienceRef<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AudienceRef<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(AudienceRef::Single(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(AudienceRef::Single(Cow::Owned(v.to_owned())))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
                while let Some(a) = seq.next_element_seed(StrSeed)? {
                    all.push(a);
                }
                Ok(AudienceRef::Multiple(all))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::{Algorithm, FixedClock, Header, Limits, Validation};

    const T0: u64 = 1_700_000_000;

    #[test]
    fn borrows_plain_strings_and_copies_escaped_ones() {
        let json = br#"{"iss":"a\u0062c","sub":"ann","aud":["x","y\n"],"jti":"j","exp":1}"#;
        let c = ClaimsRef::<()>::from_json(json, &Limits::default()).unwrap();
        assert!(matches!(c.iss, Some(Cow::Owned(ref s)) if s == "abc"));
        assert!(matches!(c.sub, Some(Cow::Borrowed("ann"))));
        assert!(matches!(c.jti, Some(Cow::Borrowed("j"))));
        let aud = c.aud.clone().unwrap();
        assert!(aud.contains("x") && aud.contains("y\n") && !aud.contains("z"));
        let owned = c.into_owned();
        assert_eq!(owned.iss.as_deref(), Some("abc"));
        assert_eq!(
            owned.aud,
            Some(Audience::from(vec!["x".to_owned(), "y\n".to_owned()]))
        );
    }

    #[test]
    fn refuses_what_claims_refuses_and_validates_the_same() {
        let limits = Limits::default();
        for bad in [
            &br#"{"iss":"a","iss":"b"}"#[..],
            br#"{"exp":"1"}"#,
            br#"{"aud":[1]}"#,
            br#"{"sub":null}"#,
            br#"[]"#,
        ] {
            assert!(ClaimsRef::<()>::from_json(bad, &limits).is_err(), "{bad:?}");
            assert!(Claims::<()>::from_json(bad, &limits).is_err(), "{bad:?}");
        }
        let at = |s| NumericDate::from_secs(s).unwrap();
        let policy = Validation::new()
            .with_issuer("iss")
            .with_audience("api")
            .with_clock(FixedClock(at(T0)));
        let header = Header::new(Algorithm::HS256);
        for json in [
            format!(r#"{{"iss":"iss","aud":"api","exp":{}}}"#, T0 + 60),
            format!(r#"{{"iss":"other","aud":"api","exp":{}}}"#, T0 + 60),
            format!(r#"{{"iss":"iss","aud":["x","api"],"exp":{}}}"#, T0 + 60),
            format!(r#"{{"iss":"iss","aud":"x","exp":{}}}"#, T0 + 60),
            format!(r#"{{"iss":"iss","aud":"api","exp":{}}}"#, T0 - 600),
            format!(r#"{{"iss":"iss","aud":"api","nbf":{}}}"#, T0 + 600),
            r#"{"iss":"iss","aud":"api"}"#.to_owned(),
        ] {
            let owned = Claims::<()>::from_json(json.as_bytes(), &limits).unwrap();
            let borrowed = ClaimsRef::<()>::from_json(json.as_bytes(), &limits).unwrap();
            assert_eq!(
                policy.validate(&header, &owned),
                policy.validate(&header, &borrowed),
                "{json}"
            );
        }
    }
}
