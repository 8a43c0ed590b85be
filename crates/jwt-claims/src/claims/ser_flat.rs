//! Writing a claim set as one JSON object: the registered claims, then the members of the
//! caller's type `T`, which must serialize as a struct or a map.

use serde::ser::{
    self, Error as _, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer,
};

use super::{Claims, RegisteredClaim};

pub(super) fn serialize<T: Serialize, S: Serializer>(
    claims: &Claims<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    if let Some(v) = &claims.iss {
        map.serialize_entry("iss", v)?;
    }
    if let Some(v) = &claims.sub {
        map.serialize_entry("sub", v)?;
    }
    if let Some(v) = &claims.aud {
        map.serialize_entry("aud", v)?;
    }
    if let Some(v) = &claims.exp {
        map.serialize_entry("exp", v)?;
    }
    if let Some(v) = &claims.nbf {
        map.serialize_entry("nbf", v)?;
    }
    if let Some(v) = &claims.iat {
        map.serialize_entry("iat", v)?;
    }
    if let Some(v) = &claims.jti {
        map.serialize_entry("jti", v)?;
    }
    claims.custom.serialize(Flat { map: &mut map })?;
    map.end()
}

const NOT_AN_OBJECT: &str = "custom claims must serialize as a JSON object (a struct or a map)";

fn check_name<E: ser::Error>(name: &str) -> Result<(), E> {
    if RegisteredClaim::from_name(name).is_some() {
        return Err(E::custom(format_args!(
            "custom claim \"{name}\" has a registered claim name; set the Claims field instead"
        )));
    }
    Ok(())
}

/// Writes the members of a struct or map into an enclosing map.
struct Flat<'a, M> {
    map: &'a mut M,
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<(), M::Error> {
                Err(M::Error::custom(NOT_AN_OBJECT))
            }
        )*
    };
}

impl<'a, M: SerializeMap> Serializer for Flat<'a, M> {
    type Ok = ();
    type Error = M::Error;
    type SerializeSeq = Impossible<(), M::Error>;
    type SerializeTuple = Impossible<(), M::Error>;
    type SerializeTupleStruct = Impossible<(), M::Error>;
    type SerializeTupleVariant = Impossible<(), M::Error>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), M::Error>;

    refuse! {
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32),
        serialize_u64(u64), serialize_f32(f32), serialize_f64(f64), serialize_char(char),
        serialize_str(&str), serialize_bytes(&[u8]),
        serialize_unit_variant(&'static str, u32, &'static str),
    }

    fn serialize_unit(self) -> Result<(), M::Error> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), M::Error> {
        Ok(())
    }

    fn serialize_none(self) -> Result<(), M::Error> {
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), M::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), M::Error> {
        Err(M::Error::custom(NOT_AN_OBJECT))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, M::Error> {
        Err(M::Error::custom(NOT_AN_OBJECT))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, M::Error> {
        Err(M::Error::custom(NOT_AN_OBJECT))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, M::Error> {
        Err(M::Error::custom(NOT_AN_OBJECT))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, M::Error> {
        Err(M::Error::custom(NOT_AN_OBJECT))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, M::Error> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, M::Error> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, M::Error> {
        Err(M::Error::custom(NOT_AN_OBJECT))
    }
}

impl<M: SerializeMap> SerializeStruct for Flat<'_, M> {
    type Ok = ();
    type Error = M::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        check_name(key)?;
        self.map.serialize_entry(key, value)
    }

    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}

impl<M: SerializeMap> SerializeMap for Flat<'_, M> {
    type Ok = ();
    type Error = M::Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), M::Error> {
        let name = match key.serialize(serde_json::value::Serializer) {
            Ok(serde_json::Value::String(name)) => name,
            Ok(_) => return Err(M::Error::custom("custom claim names must be strings")),
            Err(e) => return Err(M::Error::custom(e)),
        };
        check_name(&name)?;
        self.map.serialize_key(&name)
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), M::Error> {
        self.map.serialize_value(value)
    }

    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}
