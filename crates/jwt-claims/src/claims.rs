//! The JWT claim set (RFC 7519 4): registered claims typed, the caller's own claims through
//! serde.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::json::{self, JsonError};
use crate::registered::RegisteredClaim;
use crate::{Error, Limits, NumericDate};

mod borrowed;
mod de_flat;
mod ser_flat;

pub use borrowed::{AudienceRef, ClaimsRef};

/// The `aud` claim: one string or an array of strings (RFC 7519 4.1.3). The form read is
/// the form written back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Audience {
    /// `"aud": "a"`.
    Single(String),
    /// `"aud": ["a", "b"]`.
    Multiple(Vec<String>),
}

impl Audience {
    /// Whether `audience` is one of the values.
    #[must_use]
    pub fn contains(&self, audience: &str) -> bool {
        self.iter().any(|a| a == audience)
    }

    /// The values.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many): (Option<&String>, &[String]) = match self {
            Self::Single(a) => (Some(a), &[]),
            Self::Multiple(v) => (None, v),
        };
        one.into_iter().chain(many).map(String::as_str)
    }
}

impl From<&str> for Audience {
    fn from(a: &str) -> Self {
        Self::Single(a.to_owned())
    }
}

impl From<String> for Audience {
    fn from(a: String) -> Self {
        Self::Single(a)
    }
}

impl From<Vec<String>> for Audience {
    fn from(v: Vec<String>) -> Self {
        Self::Multiple(v)
    }
}

impl<const N: usize> From<[&str; N]> for Audience {
    fn from(v: [&str; N]) -> Self {
        Self::Multiple(v.iter().map(|&a| a.to_owned()).collect())
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Single(a) => s.serialize_str(a),
            Self::Multiple(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Audience;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience::Single(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Audience, E> {
                Ok(Audience::Single(v))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
                while let Some(a) = seq.next_element::<String>()? {
                    all.push(a);
                }
                Ok(Audience::Multiple(all))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JWT claim set: the registered claims of RFC 7519 4.1 and the caller's own claims `T`.
///
/// `T` is any serde type that reads and writes a JSON object: a struct (its fields become
/// top-level claims, as with `#[serde(flatten)]`), a map, `serde_json::Value`, or `()` for
/// none. `T` may borrow from the decoded payload (`&'de str` fields); registered claims are
/// never handed to `T`, and `T` must not write a registered claim name.
///
/// Parsing is strict: a claim name may appear once, `exp`/`nbf`/`iat` must be valid
/// [`NumericDate`]s (`null` or a string is an error, not an absent claim), `iss`, `sub`
/// and `jti` must be strings.
///
/// ```
/// use jwt_claims::{Claims, Limits, NumericDate};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Profile<'a> {
///     name: &'a str,
///     admin: bool,
/// }
///
/// let claims = Claims::new(Profile { name: "Ann", admin: true })
///     .with_subject("ann")
///     .with_expiry(NumericDate::from_secs(1_900_000_000).unwrap());
/// let json = claims.to_json().unwrap();
/// assert_eq!(json, br#"{"sub":"ann","exp":1900000000,"name":"Ann","admin":true}"#);
///
/// let back = Claims::<Profile<'_>>::from_json(&json, &Limits::default()).unwrap();
/// assert_eq!(back, claims);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Claims<T = ()> {
    /// `iss`: the issuer.
    pub iss: Option<String>,
    /// `sub`: the subject.
    pub sub: Option<String>,
    /// `aud`: the audience.
    pub aud: Option<Audience>,
    /// `exp`: the expiration time.
    pub exp: Option<NumericDate>,
    /// `nbf`: not before.
    pub nbf: Option<NumericDate>,
    /// `iat`: issued at.
    pub iat: Option<NumericDate>,
    /// `jti`: the JWT ID.
    pub jti: Option<String>,
    /// The caller's own claims.
    pub custom: T,
}

impl<T> Claims<T> {
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

    /// This claim set with an `iss`.
    #[must_use]
    pub fn with_issuer(mut self, iss: impl Into<String>) -> Self {
        self.iss = Some(iss.into());
        self
    }

    /// This claim set with a `sub`.
    #[must_use]
    pub fn with_subject(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }

    /// This claim set with an `aud` (a `&str`/`String` for one value, an array or `Vec` for
    /// several).
    #[must_use]
    pub fn with_audience(mut self, aud: impl Into<Audience>) -> Self {
        self.aud = Some(aud.into());
        self
    }

    /// This claim set with an `exp`.
    #[must_use]
    pub const fn with_expiry(mut self, exp: NumericDate) -> Self {
        self.exp = Some(exp);
        self
    }

    /// This claim set with an `nbf`.
    #[must_use]
    pub const fn with_not_before(mut self, nbf: NumericDate) -> Self {
        self.nbf = Some(nbf);
        self
    }

    /// This claim set with an `iat`.
    #[must_use]
    pub const fn with_issued_at(mut self, iat: NumericDate) -> Self {
        self.iat = Some(iat);
        self
    }

    /// This claim set issued at `now` and expiring `lifetime` later, in whole seconds
    /// (`iat` and `exp`).
    #[must_use]
    pub const fn with_lifetime(self, now: NumericDate, lifetime: std::time::Duration) -> Self {
        self.with_issued_at(now)
            .with_expiry(now.saturating_add(lifetime.as_secs()))
    }

    /// This claim set with a `jti`.
    #[must_use]
    pub fn with_jwt_id(mut self, jti: impl Into<String>) -> Self {
        self.jti = Some(jti.into());
        self
    }

    /// Whether the registered claim is present.
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

    /// The claim set as compact JSON.
    ///
    /// # Errors
    /// [`Error::Serialize`] when `T` does not serialize as a JSON object or writes a
    /// registered claim name.
    pub fn to_json(&self) -> Result<Vec<u8>, Error>
    where
        T: Serialize,
    {
        serde_json::to_vec(self).map_err(Error::Serialize)
    }
}

impl<'de, T: Deserialize<'de>> Claims<T> {
    /// Parses a claim set from strict JSON. `T` may borrow from `json`.
    ///
    /// # Errors
    /// [`JsonError`]: not an object, a repeated member name at any depth (in the caller's
    /// claims too), nesting deeper than the limit,
    /// a registered claim of the wrong type or range (naming the claim), or `T`'s own
    /// deserialization error.
    pub fn from_json(json: &'de [u8], limits: &Limits) -> Result<Self, JsonError> {
        parse_json::<de_flat::OwnedSlots, T>(json, limits)
    }
}

impl<'de, T: Deserialize<'de>> ClaimsRef<'de, T> {
    /// Parses a claim set from JSON, as strictly as [`Claims::from_json`].
    ///
    /// # Errors
    /// As [`Claims::from_json`].
    pub fn from_json(json: &'de [u8], limits: &Limits) -> Result<Self, JsonError> {
        parse_json::<de_flat::RefSlots<'de>, T>(json, limits)
    }
}

/// Strict JSON parsing of a claim set into owned or borrowed registered claims.
fn parse_json<'de, S: de_flat::Slots<'de>, T: Deserialize<'de>>(
    json: &'de [u8],
    limits: &Limits,
) -> Result<S::With<T>, JsonError> {
    json::check_depth(json, limits.max_json_depth)?;
    // The caller's claims may hold objects that `T` reads as maps or `Value`s, which
    // would keep the last of two equal names: refuse those at every depth.
    json::check_nested_duplicates(json)?;
    let detail = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(json);
    let result = de_flat::ClaimsSeed::<S, T>::new(&detail)
        .deserialize(&mut de)
        .and_then(|c| de.end().map(|()| c));
    result.map_err(|e| detail.take().unwrap_or(JsonError::Syntax(e)))
}

impl<T: Serialize> Serialize for Claims<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ser_flat::serialize(self, serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Claims<T> {
    /// Strict parsing as [`Claims::from_json`] does, without its depth pre-check (serde's
    /// own recursion limit applies).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let detail = Cell::new(None);
        de_flat::ClaimsSeed::<de_flat::OwnedSlots, T>::new(&detail).deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests;
