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

use super::{Audience, Claims, RegisteredClaim};
use crate::NumericDate;
use crate::json::{JsonError, KeySeed};

pub(super) struct ClaimsSeed<'a, T> {
    detail: &'a Cell<Option<JsonError>>,
    custom: PhantomData<T>,
}

impl<'a, T> ClaimsSeed<'a, T> {
    pub(super) const fn new(detail: &'a Cell<Option<JsonError>>) -> Self {
        Self {
            detail,
            custom: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ClaimsSeed<'_, T> {
    type Value = Claims<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Claims<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ClaimsSeed<'_, T> {
    type Value = Claims<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claim set (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claims<T>, A::Error> {
        let mut claims = Claims::new(());
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
        let Claims {
            iss,
            sub,
            aud,
            exp,
            nbf,
            iat,
            jti,
            custom: (),
        } = claims;
        Ok(Claims {
            iss,
            sub,
            aud,
            exp,
            nbf,
            iat,
            jti,
            custom,
        })
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
struct Custom<'a, 'de, A> {
    map: &'a mut A,
    claims: &'a mut Claims<()>,
    names: &'a mut NameSet<'de>,
    detail: &'a Cell<Option<JsonError>>,
}

impl<'de, A: MapAccess<'de>> Custom<'_, 'de, A> {
    fn fail(&self, error: JsonError) -> A::Error {
        let e = de::Error::custom(&error);
        self.detail.set(Some(error));
        e
    }

    fn read<V: Deserialize<'de>>(
        &mut self,
        claim: RegisteredClaim,
        present: bool,
    ) -> Result<V, A::Error> {
        if present {
            return Err(self.fail(JsonError::duplicate(claim.as_str())));
        }
        self.map
            .next_value()
            .map_err(|e| self.fail(JsonError::invalid(claim.as_str(), e)))
    }

    fn read_registered(&mut self, claim: RegisteredClaim) -> Result<(), A::Error> {
        let present = self.claims.has(claim);
        match claim {
            RegisteredClaim::Iss => self.claims.iss = Some(self.read(claim, present)?),
            RegisteredClaim::Sub => self.claims.sub = Some(self.read(claim, present)?),
            RegisteredClaim::Jti => self.claims.jti = Some(self.read(claim, present)?),
            RegisteredClaim::Aud => self.claims.aud = Some(self.read::<Audience>(claim, present)?),
            RegisteredClaim::Exp => {
                self.claims.exp = Some(self.read::<NumericDate>(claim, present)?);
            }
            RegisteredClaim::Nbf => {
                self.claims.nbf = Some(self.read::<NumericDate>(claim, present)?);
            }
            RegisteredClaim::Iat => {
                self.claims.iat = Some(self.read::<NumericDate>(claim, present)?);
            }
        }
        Ok(())
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

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Custom<'_, 'de, A> {
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

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Custom<'_, 'de, A> {
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
