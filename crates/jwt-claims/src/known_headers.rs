//! Header segments parsed ahead of time.
//!
//! A verifier or decrypter sees the same few protected headers again and again: the ones
//! the senders of its trusted keys write. Parsing them once, and looking a token's header
//! segment up before decoding it, spares a base64url decode and a strict JSON parse per
//! token. The result is the same [`Header`] the parse would give: the decoding is
//! canonical, so one header segment has exactly one JSON text.

use std::fmt;
use std::sync::Arc;

use crate::{Error, Header, Limits, base64url};

/// Parsed headers by their compact segment (base64url of the JSON), sorted for lookup.
///
/// ```
/// use jwt_claims::{KnownHeaders, Limits};
///
/// let mut known = KnownHeaders::new();
/// known.insert_json(r#"{"alg":"HS256","typ":"JWT"}"#);
/// let segment = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
/// assert!(known.get(segment).is_some());
///
/// // Any other segment is parsed as usual.
/// let header = known.header(segment, &Limits::default()).unwrap();
/// assert_eq!(header.typ.as_deref(), Some("JWT"));
/// assert!(known.header("eyJhbGciOiJub25lIn0", &Limits::default()).is_ok());
/// ```
#[derive(Clone, Default)]
pub struct KnownHeaders {
    entries: Vec<(Box<str>, Arc<Header>)>,
}

impl fmt::Debug for KnownHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnownHeaders")
            .field("len", &self.entries.len())
            .finish()
    }
}

impl KnownHeaders {
    /// An empty set.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Adds the header whose JSON text is `json`, under the segment that encodes it. A
    /// text that is not a valid header (under the default [`Limits`]) is not added; a
    /// segment already there is kept. Returns whether the header was added.
    pub fn insert_json(&mut self, json: &str) -> bool {
        let segment = base64url::encode(json);
        let Err(at) = self.entries.binary_search_by(|(s, _)| (**s).cmp(&*segment)) else {
            return false;
        };
        match Header::from_json(json.as_bytes(), &Limits::default()) {
            Ok(header) => {
                self.entries
                    .insert(at, (segment.into_boxed_str(), Arc::new(header)));
                true
            }
            Err(_) => false,
        }
    }

    /// The parsed header of `segment`, if it is one of the known ones.
    #[must_use]
    #[inline]
    pub fn get(&self, segment: &str) -> Option<&Arc<Header>> {
        self.entries
            .binary_search_by(|(s, _)| (**s).cmp(segment))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, header)| header)
    }

    /// The header of `segment`: the known one, shared, or else parsed.
    ///
    /// # Errors
    /// As [`Header::from_segment`].
    #[inline]
    pub fn header(&self, segment: &str, limits: &Limits) -> Result<Arc<Header>, Error> {
        match self.get(segment) {
            Some(header) => Ok(Arc::clone(header)),
            None => Header::from_segment(segment, limits).map(Arc::new),
        }
    }

    /// The number of known headers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no header is known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The known segments and their headers, in segment order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<Header>)> {
        self.entries.iter().map(|(s, h)| (&**s, h))
    }
}

impl<S: AsRef<str>> Extend<S> for KnownHeaders {
    /// Adds each JSON text as [`KnownHeaders::insert_json`] does.
    fn extend<I: IntoIterator<Item = S>>(&mut self, iter: I) {
        for json in iter {
            self.insert_json(json.as_ref());
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for KnownHeaders {
    /// The headers of these JSON texts, as [`KnownHeaders::insert_json`] adds them.
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut known = Self::new();
        known.extend(iter);
        known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_give_what_parsing_gives() {
        let mut known = KnownHeaders::new();
        let texts = [
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"typ":"JWT","alg":"HS256"}"#,
            r#"{"alg":"dir","enc":"A256GCM","kid":"a\"b"}"#,
            r#"{"alg":"EdDSA"}"#,
        ];
        for json in texts {
            assert!(known.insert_json(json));
        }
        // Repeats and invalid headers are not added.
        assert!(!known.insert_json(texts[0]));
        assert!(!known.insert_json(r#"{"alg":"HS256","alg":"HS256"}"#));
        assert!(!known.insert_json("[]"));
        assert_eq!(known.len(), 4);
        let segments: Vec<&str> = known.iter().map(|(s, _)| s).collect();
        assert!(segments.windows(2).all(|w| w[0] < w[1]), "sorted");
        for json in texts {
            let segment = base64url::encode(json);
            let parsed = Header::from_segment(&segment, &Limits::default()).unwrap();
            assert_eq!(**known.get(&segment).unwrap(), parsed);
            assert_eq!(*known.header(&segment, &Limits::default()).unwrap(), parsed);
        }
        // Unknown segments: parsed, with the parse's errors.
        assert!(known.get("eyJhbGciOiJub25lIn0").is_none());
        assert!(
            known
                .header("eyJhbGciOiJub25lIn0", &Limits::default())
                .is_ok()
        );
        assert!(matches!(
            known.header("e30=", &Limits::default()),
            Err(Error::Base64 { .. })
        ));
        assert!(format!("{known:?}").contains("len: 4"));
        let collected: KnownHeaders = texts.iter().collect();
        assert_eq!(collected.len(), 4);
    }
}
