//! Reading a claim set in one pass: registered claims are taken out of the JSON object as
//! they go by, and every other member is handed to the caller's type `T`, which sees an
//! object of its own claims only. No intermediate buffer, and `T` may borrow.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, forward_to_deserialize_any};

use super::borrowed::{AudienceRef, ClaimsRef, StrSeed};
use super::{Audience, Claims, RegisteredClaim};
use crate::NumericDate;
use crate::json::{JsonError, KeySeed};

/// Where the registered claims go as they are read: owned ([`Claims`]) or borrowed from
/// the input ([`ClaimsRef`]).
pub(crate) trait Slots<'de>: Sized {
    /// The claim set once the custom claims are added.
    type With<T>;
    /// No claim yet.
    fn empty() -> Self;
    /// Whether `claim` was read already.
    fn has(&self, claim: RegisteredClaim) -> bool;
    /// Reads the value of `claim` from `map`.
    fn read<A: MapAccess<'de>>(
        &mut self,
        claim: RegisteredClaim,
        map: &mut A,
    ) -> Result<(), A::Error>;
    /// The claim set with the custom claims.
    fn with<T>(self, custom: T) -> Self::With<T>;
}

/// Owned registered claims.
pub(crate) struct OwnedSlots(Claims<()>);

impl<'de> Slots<'de> for OwnedSlots {
    type With<T> = Claims<T>;

    fn empty() -> Self {
        Self(Claims::new(()))
    }

    fn has(&self, claim: RegisteredClaim) -> bool {
        self.0.has(claim)
    }

    fn read<A: MapAccess<'de>>(
        &mut self,
        claim: RegisteredClaim,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let c = &mut self.0;
        match claim {
            RegisteredClaim::Iss => c.iss = Some(map.next_value()?),
            RegisteredClaim::Sub => c.sub = Some(map.next_value()?),
            RegisteredClaim::Jti => c.jti = Some(map.next_value()?),
            RegisteredClaim::Aud => c.aud = Some(map.next_value::<Audience>()?),
            RegisteredClaim::Exp => c.exp = Some(map.next_value::<NumericDate>()?),
            RegisteredClaim::Nbf => c.nbf = Some(map.next_value::<NumericDate>()?),
            RegisteredClaim::Iat => c.iat = Some(map.next_value::<NumericDate>()?),
        }
        Ok(())
    }

    fn with<T>(self, custom: T) -> Claims<T> {
        let Claims {
            iss,
            sub,
            aud,
            exp,
            nbf,
            iat,
            jti,
            custom: (),
        } = self.0;
        Claims {
            iss,
            sub,
            aud,
            exp,
            nbf,
            iat,
            jti,
            custom,
        }
    }
}

/// Registered claims borrowed from the input.
pub(crate) struct RefSlots<'de>(ClaimsRef<'de, ()>);

impl<'de> Slots<'de> for RefSlots<'de> {
    type With<T> = ClaimsRef<'de, T>;

    fn empty() -> Self {
        Self(ClaimsRef::new(()))
    }

    fn has(&self, claim: RegisteredClaim) -> bool {
        self.0.has(claim)
    }

    fn read<A: MapAccess<'de>>(
        &mut self,
        claim: RegisteredClaim,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let c = &mut self.0;
        match claim {
            RegisteredClaim::Iss => c.iss = Some(map.next_value_seed(StrSeed)?),
            RegisteredClaim::Sub => c.sub = Some(map.next_value_seed(StrSeed)?),
            RegisteredClaim::Jti => c.jti = Some(map.next_value_seed(StrSeed)?),
            RegisteredClaim::Aud => c.aud = Some(map.next_value::<AudienceRef<'de>>()?),
            RegisteredClaim::Exp => c.exp = Some(map.next_value::<NumericDate>()?),
            RegisteredClaim::Nbf => c.nbf = Some(map.next_value::<NumericDate>()?),
            RegisteredClaim::Iat => c.iat = Some(map.next_value::<NumericDate>()?),
        }
        Ok(())
    }

    fn with<T>(self, custom: T) -> ClaimsRef<'de, T> {
        let ClaimsRef {
            iss,
            sub,
            aud,
            exp,
            nbf,
            iat,
            jti,
            custom: (),
        } = self.0;
        ClaimsRef {
            iss,
            sub,
            aud,
            exp,
            nbf,
            iat,
            jti,
            custom,
        }
    }
}

pub(super) struct ClaimsSeed<'a, S, T> {
    detail: &'a Cell<Option<JsonError>>,
    slots: PhantomData<S>,
    custom: PhantomData<T>,
}

impl<'a, S, T> ClaimsSeed<'a, S, T> {
    pub(super) const fn new(detail: &'a Cell<Option<JsonError>>) -> Self {
        Self {
            detail,
            slots: PhantomData,
            custom: PhantomData,
        }
    }
}

impl<'de, S: Slots<'de>, T: Deserialize<'de>> DeserializeSeed<'de> for ClaimsSeed<'_, S, T> {
    type Value = S::With<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::With<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: Slots<'de>, T: Deserialize<'de>> Visitor<'de> for ClaimsSeed<'_, S, T> {
    type Value = S::With<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claim set (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<S::With<T>, A::Error> {
        let mut claims = S::empty();
        let mut names = NameSet::default();
        let custom = T::deserialize(Custom {
            map: &mut map,
            claims: &mut claims,
            names: &mut names,
            detail: self.detail,
        })?;
        // `T` may stop before the end of the object; the rest is still checked.
        let mut rest = Custom {
            map: &mut map,
            claims: &mut claims,
            names: &mut names,
            detail: self.detail,
        };
        rest.drain()?;
        Ok(claims.with(custom))
    }
}

/// The names of the custom claims seen so far. Names borrowed from the input (no escapes:
/// nearly all) are kept in a fixed array, which costs nothing to drop; the rest spill.
#[derive(Default)]
struct NameSet<'de> {
    inline: [&'de str; 8],
    len: usize,
    spill: Vec<Cow<'de, str>>,
}

/// Equal strings; the cheap differences first (most names differ in length or in their
/// first byte), before a full comparison.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

impl<'de> NameSet<'de> {
    /// Adds a name; false when it was already there.
    #[allow(clippy::ptr_arg)] // the Cow is cloned: borrowed names stay borrowed
    #[inline]
    fn insert(&mut self, name: &Cow<'de, str>) -> bool {
        let seen = self.inline.get(..self.len).unwrap_or_default();
        if seen.iter().any(|s| same(s, name)) || self.spill.iter().any(|s| same(s, name)) {
            return false;
        }
        match (name, self.inline.get_mut(self.len)) {
            (Cow::Borrowed(borrowed), Some(slot)) => {
                *slot = borrowed;
                self.len += 1;
            }
            _ => self.spill.push(name.clone()),
        }
        true
    }
}

/// The caller's view of the claim set: a map of the custom claims only.
struct Custom<'a, 'de, A, S> {
    map: &'a mut A,
    claims: &'a mut S,
    names: &'a mut NameSet<'de>,
    detail: &'a Cell<Option<JsonError>>,
}

impl<'de, A: MapAccess<'de>, S: Slots<'de>> Custom<'_, 'de, A, S> {
    fn fail(&self, error: JsonError) -> A::Error {
        let e = de::Error::custom(&error);
        self.detail.set(Some(error));
        e
    }

    fn read_registered(&mut self, claim: RegisteredClaim) -> Result<(), A::Error> {
        if self.claims.has(claim) {
            return Err(self.fail(JsonError::duplicate(claim.as_str())));
        }
        let read = self.claims.read(claim, self.map);
        read.map_err(|e| self.fail(JsonError::invalid(claim.as_str(), e)))
    }

    /// The next custom claim name, after reading every registered claim on the way.
    fn next_custom_name(&mut self) -> Result<Option<Cow<'de, str>>, A::Error> {
        while let Some(name) = self.map.next_key_seed(KeySeed)? {
            if let Some(claim) = RegisteredClaim::from_name(&name) {
                self.read_registered(claim)?;
                continue;
            }
            if !self.names.insert(&name) {
                return Err(self.fail(JsonError::duplicate(&name)));
            }
            return Ok(Some(name));
        }
        Ok(None)
    }

    /// Reads what `T` left: registered claims, and custom claims checked and skipped.
    fn drain(&mut self) -> Result<(), A::Error> {
        while self.next_custom_name()?.is_some() {
            self.map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

impl<'de, A: MapAccess<'de>, S: Slots<'de>> MapAccess<'de> for Custom<'_, 'de, A, S> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.next_custom_name()? {
            None => Ok(None),
            Some(Cow::Borrowed(name)) => seed
                .deserialize(BorrowedStrDeserializer::new(name))
                .map(Some),
            Some(Cow::Owned(name)) => seed.deserialize(StringDeserializer::new(name)).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

impl<'de, A: MapAccess<'de>, S: Slots<'de>> Deserializer<'de> for Custom<'_, 'de, A, S> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }

    /// `()` and `IgnoredAny`: no custom claims wanted; they are still checked.
    fn deserialize_unit<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, A::Error> {
        self.drain()?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf seq tuple tuple_struct map struct enum identifier
    }
}
