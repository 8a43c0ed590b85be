//! The compact serialization (RFC 7515 7.1, RFC 7516 7.1): segments separated by `.`.
//!
//! Splitting borrows from the token; nothing is copied or decoded.
//!
//! ```
//! use jwt_claims::{JwsCompact, Limits};
//!
//! let parts = JwsCompact::parse("eyJhbGciOiJub25lIn0.e30.", &Limits::default()).unwrap();
//! assert_eq!(parts.header, "eyJhbGciOiJub25lIn0");
//! assert_eq!(parts.signing_input(), "eyJhbGciOiJub25lIn0.e30");
//! assert!(JwsCompact::parse("a.b.c.d", &Limits::default()).is_err());
//! ```

use crate::{Error, Limits, Segment};

/// Splits `token` into exactly `N` segments, after the length check.
///
/// The separators are counted first, in one pass the compiler vectorizes; the segments
/// are then cut from the left, and the last one from the right, so that the long
/// segment (the payload, or the ciphertext) is not searched byte by byte.
fn split<'a, const N: usize>(token: &'a str, limits: &Limits) -> Result<[&'a str; N], Error> {
    if token.len() > limits.max_token_len {
        return Err(Error::TokenTooLong {
            len: token.len(),
            limit: limits.max_token_len,
        });
    }
    let found = crate::json::count_bytes(token.as_bytes(), |b| b == b'.') + 1;
    let count_error = || Error::SegmentCount { expected: N, found };
    if found != N {
        return Err(count_error());
    }
    let mut out = [""; N];
    let Some((last, init)) = out.split_last_mut() else {
        return Err(count_error());
    };
    let Some((before_last, first)) = init.split_last_mut() else {
        return Err(count_error());
    };
    let mut rest = token;
    for slot in first {
        let Some((segment, tail)) = rest.split_once('.') else {
            return Err(count_error());
        };
        *slot = segment;
        rest = tail;
    }
    let Some((segment, tail)) = rest.rsplit_once('.') else {
        return Err(count_error());
    };
    *before_last = segment;
    *last = tail;
    Ok(out)
}

/// The three segments of a compact JWS, still base64url-encoded.
///
/// The header must not be empty. The payload may be empty (an empty payload, or
/// detached content, RFC 7515 Appendix F). The signature is empty only for an unsecured
/// JWS (`alg: none`); the layer that verifies decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwsCompact<'a> {
    /// The protected header segment.
    pub header: &'a str,
    /// The payload segment.
    pub payload: &'a str,
    /// The signature segment.
    pub signature: &'a str,
    signing_input: &'a str,
}

impl<'a> JwsCompact<'a> {
    /// Splits a compact JWS.
    ///
    /// # Errors
    /// [`Error::TokenTooLong`], [`Error::SegmentCount`], or [`Error::EmptySegment`] for
    /// an empty header.
    #[inline]
    pub fn parse(token: &'a str, limits: &Limits) -> Result<Self, Error> {
        let [header, payload, signature] = split::<3>(token, limits)?;
        if header.is_empty() {
            return Err(Error::EmptySegment(Segment::Header));
        }
        // header '.' payload is a prefix of the token.
        let signing_input = token
            .get(..header.len() + 1 + payload.len())
            .unwrap_or_default();
        Ok(Self {
            header,
            payload,
            signature,
            signing_input,
        })
    }

    /// The JWS signing input: the ASCII of `header '.' payload`, as it is in the token.
    #[must_use]
    pub const fn signing_input(&self) -> &'a str {
        self.signing_input
    }
}

/// The five segments of a compact JWE, still base64url-encoded.
///
/// The header, the initialization vector and the authentication tag must not be empty.
/// The encrypted key is empty for `dir` and `ECDH-ES`; the ciphertext is empty for an
/// empty plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JweCompact<'a> {
    /// The protected header segment (also the additional authenticated data).
    pub header: &'a str,
    /// The encrypted key segment.
    pub encrypted_key: &'a str,
    /// The initialization vector segment.
    pub iv: &'a str,
    /// The ciphertext segment.
    pub ciphertext: &'a str,
    /// The authentication tag segment.
    pub tag: &'a str,
}

impl<'a> JweCompact<'a> {
    /// Splits a compact JWE.
    ///
    /// # Errors
    /// [`Error::TokenTooLong`], [`Error::SegmentCount`], or [`Error::EmptySegment`] for
    /// an empty header, initialization vector or authentication tag.
    pub fn parse(token: &'a str, limits: &Limits) -> Result<Self, Error> {
        let [header, encrypted_key, iv, ciphertext, tag] = split::<5>(token, limits)?;
        for (segment, value) in [
            (Segment::Header, header),
            (Segment::InitializationVector, iv),
            (Segment::AuthenticationTag, tag),
        ] {
            if value.is_empty() {
                return Err(Error::EmptySegment(segment));
            }
        }
        Ok(Self {
            header,
            encrypted_key,
            iv,
            ciphertext,
            tag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `split::<N>` gives what `str::split` gives, or the count `str::split` finds.
    fn agrees_with_str_split<const N: usize>(token: &str) -> Result<(), TestCaseError> {
        let expected: Vec<&str> = token.split('.').collect();
        match split::<N>(token, &Limits::default()) {
            Ok(parts) => prop_assert_eq!(parts.as_slice(), expected.as_slice()),
            Err(Error::SegmentCount { expected: n, found }) => {
                prop_assert_eq!(n, N);
                prop_assert_ne!(expected.len(), N);
                prop_assert_eq!(found, expected.len());
            }
            Err(e) => prop_assert!(false, "{e:?}"),
        }
        Ok(())
    }

    proptest! {
        /// Splitting agrees with `str::split` on any text, dots anywhere (also past the
        /// counting blocks of 192 bytes), and reports the count it found.
        #[test]
        fn split_agrees_with_str_split(
            segments in prop::collection::vec("[a-zA-Z0-9_\\-\\. é]{0,300}", 1..8),
        ) {
            let token = segments.join(".");
            agrees_with_str_split::<3>(&token)?;
            agrees_with_str_split::<5>(&token)?;
        }
    }

    #[test]
    fn jws_segment_counts() {
        let l = Limits::default();
        for (token, found) in [
            ("a", 1),
            ("a.b", 2),
            ("a.b.c.d", 4),
            ("a.b.c.d.e", 5),
            ("....", 5),
        ] {
            assert!(
                matches!(JwsCompact::parse(token, &l), Err(Error::SegmentCount { expected: 3, found: f }) if f == found),
                "{token}"
            );
        }
        assert!(matches!(
            JwsCompact::parse(".b.c", &l),
            Err(Error::EmptySegment(Segment::Header))
        ));
        let p = JwsCompact::parse("h..", &l).unwrap();
        assert_eq!((p.header, p.payload, p.signature), ("h", "", ""));
        assert_eq!(p.signing_input(), "h.");
    }

    #[test]
    fn jwe_segment_counts_and_required_segments() {
        let l = Limits::default();
        assert!(matches!(
            JweCompact::parse("a.b.c.d", &l),
            Err(Error::SegmentCount {
                expected: 5,
                found: 4
            })
        ));
        assert!(matches!(
            JweCompact::parse("a.b.c.d.e.f", &l),
            Err(Error::SegmentCount {
                expected: 5,
                found: 6
            })
        ));
        assert!(matches!(
            JweCompact::parse("h.k..c.t", &l),
            Err(Error::EmptySegment(Segment::InitializationVector))
        ));
        assert!(matches!(
            JweCompact::parse("h.k.i.c.", &l),
            Err(Error::EmptySegment(Segment::AuthenticationTag))
        ));
        assert!(matches!(
            JweCompact::parse(".k.i.c.t", &l),
            Err(Error::EmptySegment(Segment::Header))
        ));
        let p = JweCompact::parse("h..i..t", &l).unwrap();
        assert_eq!((p.encrypted_key, p.ciphertext), ("", ""));
    }

    #[test]
    fn size_limit() {
        let token = format!("{}.b.c", "a".repeat(100));
        let l = Limits::default().with_max_token_len(50);
        assert!(matches!(
            JwsCompact::parse(&token, &l),
            Err(Error::TokenTooLong {
                len: 104,
                limit: 50
            })
        ));
        let default_limit = "a".repeat(16 * 1024 + 1);
        assert!(matches!(
            JwsCompact::parse(&default_limit, &Limits::default()),
            Err(Error::TokenTooLong { .. })
        ));
    }
}
