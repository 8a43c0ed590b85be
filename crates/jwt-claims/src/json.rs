//! Strict JSON: duplicate member names are rejected (RFC 7515 5.2, RFC 7519 4) and nesting
//! depth is bounded.
//!
//! `serde_json` keeps the last of two members with the same name when it parses into a
//! [`serde_json::Value`]; the functions here refuse such input instead, at every depth.
//!
//! ```
//! use jwt_claims::json;
//!
//! assert!(json::object_from_slice(br#"{"a":1,"b":{"c":2}}"#, 8).is_ok());
//! assert!(matches!(
//!     json::object_from_slice(br#"{"a":1,"a":2}"#, 8),
//!     Err(json::JsonError::DuplicateMember { .. })
//! ));
//! assert!(matches!(
//!     json::object_from_slice(br#"{"a":[[[1]]]}"#, 3),
//!     Err(json::JsonError::TooDeep { limit: 3 })
//! ));
//! ```

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A JSON object, as kept for JOSE header members whose content is JSON (`jwk`, `epk`,
/// extension parameters).
pub type JsonObject = Map<String, Value>;

/// The longest member name or claim value an error message repeats; longer ones are cut.
const ECHO_MAX: usize = 64;

/// Why JSON was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum JsonError {
    /// The bytes are not JSON, or not JSON of the expected shape.
    Syntax(serde_json::Error),
    /// A member name appears twice in the same object.
    DuplicateMember {
        /// The repeated name (cut to 64 characters).
        name: String,
    },
    /// Arrays and objects are nested deeper than the limit.
    TooDeep {
        /// The depth limit in force.
        limit: usize,
    },
    /// The document is valid JSON but not an object.
    NotAnObject,
    /// A member has a value of the wrong type or out of its range.
    InvalidMember {
        /// The member name.
        name: String,
        /// What is wrong with its value.
        reason: String,
    },
}

impl JsonError {
    /// A [`JsonError::DuplicateMember`], the name cut for display.
    #[must_use]
    pub fn duplicate(name: &str) -> Self {
        Self::DuplicateMember {
            name: truncate(name),
        }
    }

    /// A [`JsonError::InvalidMember`], the name cut for display.
    #[must_use]
    pub fn invalid(name: &str, reason: impl fmt::Display) -> Self {
        Self::InvalidMember {
            name: truncate(name),
            reason: reason.to_string(),
        }
    }
}

/// Makes a string that came from untrusted input (a `kid`, an `alg`, a claim name) fit
/// for an error message: cut to 64 characters (then `...`), and escaped as Rust's `Debug`
/// escapes strings, so that control characters (terminal escapes, carriage returns that
/// forge a log line), bidirectional overrides, quotes and backslashes show as escapes
/// instead of acting.
///
/// ```
/// use jwt_claims::json::truncate;
/// assert_eq!(truncate("k1"), "k1");
/// assert_eq!(truncate("\u{1b}[2J\r\nOK \"x\""), "\\u{1b}[2J\\r\\nOK \\\"x\\\"");
/// assert_eq!(truncate(&"a".repeat(70)), format!("{}...", "a".repeat(64)));
/// ```
#[must_use]
#[doc(hidden)]
pub fn truncate(s: &str) -> String {
    let (head, cut) = match s.char_indices().nth(ECHO_MAX) {
        None => (s, false),
        Some((i, _)) => (s.get(..i).unwrap_or_default(), true),
    };
    let mut out: String = head.escape_debug().collect();
    if cut {
        out.push_str("...");
    }
    out
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax(e) => write!(f, "invalid JSON: {e}"),
            Self::DuplicateMember { name } => write!(f, "duplicate member name \"{name}\""),
            Self::TooDeep { limit } => write!(f, "JSON nested deeper than {limit} levels"),
            Self::NotAnObject => f.write_str("JSON value is not an object"),
            Self::InvalidMember { name, reason } => write!(f, "member \"{name}\": {reason}"),
        }
    }
}

impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Syntax(e) => Some(e),
            _ => None,
        }
    }
}

/// Checks, in one pass over the bytes and without parsing, that arrays and objects are not
/// nested deeper than `max_depth` (a top-level object is depth 1).
///
/// This runs before a parse whose target type is the caller's own, so the bound holds
/// whatever that type does.
///
/// # Errors
/// [`JsonError::TooDeep`] when the nesting exceeds `max_depth`.
#[inline]
#[doc(hidden)]
pub fn check_depth(bytes: &[u8], max_depth: usize) -> Result<(), JsonError> {
    // A document of n bytes cannot nest deeper than n / 2 levels, nor deeper than its
    // number of opening brackets (a count the compiler vectorizes).
    if bytes.len() / 2 <= max_depth || opening_brackets(bytes) <= max_depth {
        return Ok(());
    }
    scan_depth(bytes, max_depth)
}

/// The exact nesting check, for documents with more opening brackets than `max_depth`.
#[inline(never)]
fn scan_depth(bytes: &[u8], max_depth: usize) -> Result<(), JsonError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(JsonError::TooDeep { limit: max_depth });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Checks that no object of the document, at any depth, repeats a member name, without
/// building any value: for documents whose values go to the caller's own types (custom
/// claims), which `serde_json` would otherwise read with the last duplicate winning.
///
/// A document with a single `{` has no nested object; its top level is checked by the
/// parser that reads it, so the pass is skipped (a vectorized count decides).
///
/// # Errors
/// [`JsonError::DuplicateMember`]; [`JsonError::Syntax`] for malformed JSON.
#[inline]
#[doc(hidden)]
pub fn check_nested_duplicates(bytes: &[u8]) -> Result<(), JsonError> {
    if count_bytes(bytes, |b| b == b'{') <= 1 {
        return Ok(());
    }
    scan_duplicates(bytes)
}

#[inline(never)]
fn scan_duplicates(bytes: &[u8]) -> Result<(), JsonError> {
    let detail = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    DuplicateCheck { detail: &detail }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| detail.take().unwrap_or(JsonError::Syntax(e)))
}

/// Walks a JSON value, refusing repeated member names; values are skipped, not built.
#[derive(Clone, Copy)]
struct DuplicateCheck<'a> {
    detail: &'a Cell<Option<JsonError>>,
}

/// A member name, borrowed from the input when it has no escapes.
struct Name<'de>(std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Name<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(NameVisitor)
    }
}

struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Name<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Name<'de>, E> {
        Ok(Name(std::borrow::Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Name<'de>, E> {
        Ok(Name(std::borrow::Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Name<'de>, E> {
        Ok(Name(std::borrow::Cow::Owned(v)))
    }
}

/// Objects with more names than this are checked with a hash set, not a linear search.
const LINEAR_NAMES: usize = 16;

impl<'de> DeserializeSeed<'de> for DuplicateCheck<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DuplicateCheck<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut names: Vec<std::borrow::Cow<'de, str>> = Vec::new();
        let mut many: Option<std::collections::HashSet<std::borrow::Cow<'de, str>>> = None;
        while let Some(Name(name)) = map.next_key::<Name<'de>>()? {
            let repeated = match &mut many {
                Some(set) => !set.insert(name.clone()),
                None => names.contains(&name),
            };
            if repeated {
                let error = JsonError::duplicate(&name);
                let e = de::Error::custom(&error);
                self.detail.set(Some(error));
                return Err(e);
            }
            if many.is_none() {
                names.push(name);
                if names.len() > LINEAR_NAMES {
                    many = Some(names.drain(..).collect());
                }
            }
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

/// The number of `[` and `{` bytes: `b | 0x20` maps `[` (0x5B) to `{` (0x7B) and no
/// other byte to either.
#[inline]
fn opening_brackets(bytes: &[u8]) -> usize {
    count_bytes(bytes, |b| (b | 0x20) == b'{')
}

/// The number of bytes for which `hit` holds, in a form the compiler vectorizes: a
/// byte-wide counter per block of 192 bytes (at most 255 hits, so it cannot wrap; and a
/// multiple of the 16-, 32- and 64-byte steps of the vector loop, so that no block but the
/// last ends in a slow scalar tail).
#[inline]
pub(crate) fn count_bytes(bytes: &[u8], hit: impl Fn(u8) -> bool) -> usize {
    let mut total = 0usize;
    for chunk in bytes.chunks(192) {
        let n: u8 = chunk
            .iter()
            .fold(0u8, |acc, &b| acc.wrapping_add(u8::from(hit(b))));
        total += usize::from(n);
    }
    total
}

/// Parses one strict JSON value: no duplicate member names at any depth, no nesting
/// deeper than `max_depth`.
///
/// # Errors
/// [`JsonError`] naming the first rule the input breaks.
#[doc(hidden)]
pub fn value_from_slice(bytes: &[u8], max_depth: usize) -> Result<Value, JsonError> {
    let detail = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = ValueSeed {
        depth_left: max_depth,
        detail: &detail,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    result.map_err(|e| {
        detail
            .take()
            .map_or(JsonError::Syntax(e), |d| with_limit(d, max_depth))
    })
}

/// Parses a strict JSON object (see [`value_from_slice`]).
///
/// # Errors
/// [`JsonError::NotAnObject`] for any other JSON value, or the errors of
/// [`value_from_slice`].
#[doc(hidden)]
pub fn object_from_slice(bytes: &[u8], max_depth: usize) -> Result<JsonObject, JsonError> {
    match value_from_slice(bytes, max_depth)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::NotAnObject),
    }
}

/// A seed that reads one JSON value strictly; typed failures are left in `detail`, and
/// the serde error returned alongside only carries their text.
#[derive(Clone, Copy)]
pub(crate) struct ValueSeed<'a> {
    /// How many more levels of arrays and objects may open.
    pub(crate) depth_left: usize,
    /// Where the typed reason of a failure is left.
    pub(crate) detail: &'a Cell<Option<JsonError>>,
}

impl ValueSeed<'_> {
    fn fail<E: de::Error>(self, error: JsonError) -> E {
        let e = E::custom(&error);
        self.detail.set(Some(error));
        e
    }

    fn nested(self) -> Result<Self, JsonError> {
        match self.depth_left.checked_sub(1) {
            Some(depth_left) => Ok(Self {
                depth_left,
                detail: self.detail,
            }),
            None => Err(JsonError::TooDeep { limit: 0 }),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested().map_err(|e| self.fail(e))?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.nested().map_err(|e| self.fail(e))?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(self.fail(JsonError::duplicate(&key)));
            }
            let value = map.next_value_seed(inner)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A seed that reads a member name, borrowing it from the input when it has no escapes.
pub(crate) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v))
    }
}

/// Fixes the limit reported by a [`JsonError::TooDeep`] raised deep inside a seed, which
/// only knows it ran out of levels.
pub(crate) fn with_limit(error: JsonError, limit: usize) -> JsonError {
    match error {
        JsonError::TooDeep { .. } => JsonError::TooDeep { limit },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_members_are_rejected_at_every_depth() {
        for doc in [
            &br#"{"a":1,"a":1}"#[..],
            br#"{"x":{"a":1,"b":2,"a":3}}"#,
            br#"[{"k":true,"k":false}]"#,
        ] {
            let err = value_from_slice(doc, 16).unwrap_err();
            assert!(matches!(err, JsonError::DuplicateMember { .. }), "{err}");
        }
    }

    #[test]
    fn escaped_duplicates_are_duplicates() {
        let err = object_from_slice(br#"{"a":1,"\u0061":2}"#, 16).unwrap_err();
        assert!(matches!(err, JsonError::DuplicateMember { ref name } if name == "a"));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        let err = value_from_slice(deep.as_bytes(), 16).unwrap_err();
        assert!(matches!(err, JsonError::TooDeep { .. }));
        assert!(value_from_slice(b"[[[]]]", 3).is_ok());
        assert!(value_from_slice(b"[[[[]]]]", 3).is_err());
    }

    #[test]
    fn very_deep_input_does_not_overflow_the_stack() {
        let deep = "[".repeat(100_000);
        assert!(value_from_slice(deep.as_bytes(), 16).is_err());
        assert!(check_depth(deep.as_bytes(), 16).is_err());
    }

    #[test]
    fn opening_bracket_count() {
        assert_eq!(opening_brackets(b""), 0);
        assert_eq!(opening_brackets(b"{[}]{{[ [\x7b"), 7);
        let many = "[{".repeat(300);
        assert_eq!(opening_brackets(many.as_bytes()), 600);
        assert_eq!(opening_brackets(&[0x5b; 255]), 255);
        assert_eq!(opening_brackets(&[0x7b; 256]), 256);
        // Either side of the counting blocks (192 bytes).
        for n in [191, 192, 193, 383, 384, 385, 1000] {
            assert_eq!(opening_brackets(&vec![0x7b; n]), n);
            assert_eq!(opening_brackets(&vec![b'x'; n]), 0);
        }
        assert_eq!(opening_brackets(b"KkZz;:"), 0);
    }

    #[test]
    fn check_depth_ignores_brackets_in_strings() {
        let doc = br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[[[[[[[[[["}"#;
        assert!(check_depth(doc, 2).is_ok());
        assert!(check_depth(br#"{"a":[[[[[[[[1]]]]]]]],"b":"padding padding"}"#, 4).is_err());
    }

    #[test]
    fn non_object_is_rejected_when_an_object_is_required() {
        assert!(matches!(
            object_from_slice(b"[1]", 4),
            Err(JsonError::NotAnObject)
        ));
        assert!(matches!(
            object_from_slice(b"{} x", 4),
            Err(JsonError::Syntax(_))
        ));
    }

    #[test]
    fn long_names_are_cut_in_errors() {
        let name = "n".repeat(500);
        let doc = format!(r#"{{"{name}":1,"{name}":2}}"#);
        let msg = object_from_slice(doc.as_bytes(), 4)
            .unwrap_err()
            .to_string();
        assert!(msg.len() < 120, "{msg}");
    }
}
