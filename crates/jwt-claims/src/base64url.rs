//! Strict base64url (RFC 7515 section 2, RFC 4648 section 5).
//!
//! JOSE uses the URL-safe alphabet without padding. Encoding never pads. Decoding is
//! strict: it rejects `=`, whitespace, characters outside the alphabet, lengths that no
//! encoder produces, and non-canonical input whose last character carries set bits that
//! no encoder would set. As a result every byte string has exactly one accepted encoding,
//! so `encode(decode(s)?) == s` for every accepted `s`.
//!
//! ```
//! use jwt_claims::base64url;
//!
//! assert_eq!(base64url::encode(b"hi?"), "aGk_");
//! assert_eq!(base64url::decode("aGk_").unwrap(), b"hi?");
//! assert!(base64url::decode("aGk_=").is_err()); // padding
//! assert!(base64url::decode("aGl").is_err()); // "aGk" is the canonical form
//!
//! // Decoding into a caller's buffer does not allocate.
//! let mut buf = [0u8; 8];
//! let n = base64url::decode_to_slice("aGk_", &mut buf).unwrap();
//! assert_eq!(&buf[..n], b"hi?");
//! ```

use std::fmt;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::NO_PAD;
use base64::engine::simd::Simd;

/// The engine: URL-safe alphabet, no padding written, padding refused, trailing bits refused.
/// The SIMD engine picks its instruction set at run time, once.
static ENGINE: LazyLock<Simd> = LazyLock::new(|| Simd::url_safe(NO_PAD));

/// Why a base64url string was refused.
///
/// The offending byte is reported only by position: the input may be secret material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base64Error {
    /// A byte that is not in the base64url alphabet (this includes `=`, `+`, `/` and
    /// whitespace) at this offset.
    InvalidByte {
        /// Offset of the byte in the input.
        offset: usize,
    },
    /// The input has a length no encoder produces (one character past a multiple of four).
    InvalidLength,
    /// The last character has bits set that an encoder leaves at zero: the input is not the
    /// canonical encoding of any byte string.
    NonCanonical {
        /// Offset of the last character.
        offset: usize,
    },
    /// The caller's buffer cannot hold the decoded bytes.
    BufferTooSmall {
        /// The number of bytes the decoded value needs.
        needed: usize,
    },
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidByte { offset } => {
                write!(f, "invalid base64url character at offset {offset}")
            }
            Self::InvalidLength => f.write_str("invalid base64url length"),
            Self::NonCanonical { offset } => write!(
                f,
                "non-canonical base64url: unused bits set in the character at offset {offset}"
            ),
            Self::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
        }
    }
}

impl std::error::Error for Base64Error {}

fn map_error(e: base64::DecodeError) -> Base64Error {
    match e {
        base64::DecodeError::InvalidByte(offset, _) => Base64Error::InvalidByte { offset },
        base64::DecodeError::InvalidLength(_) => Base64Error::InvalidLength,
        base64::DecodeError::InvalidLastSymbol { offset, .. } => {
            Base64Error::NonCanonical { offset }
        }
        // Padding is refused; report the position of the first `=`.
        _ => Base64Error::InvalidByte { offset: 0 },
    }
}

/// The exact number of bytes `decode` produces for an input of `encoded_len` characters,
/// or `None` when no valid input has that length.
#[must_use]
pub const fn decoded_len(encoded_len: usize) -> Option<usize> {
    match encoded_len % 4 {
        1 => None,
        0 => Some(encoded_len / 4 * 3),
        rem => Some(encoded_len / 4 * 3 + rem - 1),
    }
}

/// The number of characters `encode` produces for `len` bytes.
#[must_use]
pub const fn encoded_len(len: usize) -> usize {
    len / 3 * 4
        + match len % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }
}

/// Encodes `bytes` as unpadded base64url.
#[must_use]
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    ENGINE.encode(bytes)
}

/// Appends the unpadded base64url encoding of `bytes` to `out`.
pub fn encode_to(bytes: impl AsRef<[u8]>, out: &mut String) {
    ENGINE.encode_string(bytes, out);
}

/// Decodes strict, unpadded base64url into a new vector.
///
/// # Errors
/// [`Base64Error`] when the input is not canonical unpadded base64url.
pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>, Base64Error> {
    let input = input.as_ref();
    let len = decoded_len(input.len()).ok_or(Base64Error::InvalidLength)?;
    let mut out = vec![0; len];
    let n = decode_to_slice(input, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Decodes strict, unpadded base64url into `out` without allocating; returns the number of
/// bytes written.
///
/// # Errors
/// [`Base64Error::BufferTooSmall`] when `out` is shorter than [`decoded_len`] of the input,
/// or another [`Base64Error`] when the input is not canonical unpadded base64url.
#[doc(hidden)]
pub fn decode_to_slice(input: impl AsRef<[u8]>, out: &mut [u8]) -> Result<usize, Base64Error> {
    let input = input.as_ref();
    let needed = decoded_len(input.len()).ok_or(Base64Error::InvalidLength)?;
    let Some(out) = out.get_mut(..needed) else {
        return Err(Base64Error::BufferTooSmall { needed });
    };
    ENGINE.decode_slice(input, out).map_err(|e| match e {
        base64::DecodeSliceError::DecodeError(e) => map_error(e),
        base64::DecodeSliceError::OutputSliceTooSmall => Base64Error::BufferTooSmall { needed },
    })
}

/// Decodes strict, unpadded base64url, appending the bytes to `out` (whose earlier content
/// is kept). Reuses `out`'s capacity, so a buffer kept across calls allocates once.
///
/// # Errors
/// [`Base64Error`] when the input is not canonical unpadded base64url; `out` is then left
/// as it was.
#[doc(hidden)]
pub fn decode_to_vec(input: impl AsRef<[u8]>, out: &mut Vec<u8>) -> Result<(), Base64Error> {
    let input = input.as_ref();
    let start = out.len();
    let len = decoded_len(input.len()).ok_or(Base64Error::InvalidLength)?;
    out.resize(start + len, 0);
    let tail = out.get_mut(start..).unwrap_or_default();
    match decode_to_slice(input, tail) {
        Ok(n) => {
            out.truncate(start + n);
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Decodes strict, unpadded base64url into `stack` when the result fits, else into `heap`
/// (appended to what it holds): short segments (headers, signatures, IVs, tags) cost no
/// allocation, and a long one is still decoded.
///
/// # Errors
/// [`Base64Error`] when the input is not canonical unpadded base64url.
///
/// ```
/// let (mut stack, mut heap) = ([0u8; 8], Vec::new());
/// let bytes = jwt_claims::base64url::decode_in("aGk", &mut stack, &mut heap).unwrap();
/// assert_eq!(bytes, b"hi");
/// assert!(heap.capacity() == 0);
/// ```
#[doc(hidden)]
pub fn decode_in<'b>(
    input: impl AsRef<[u8]>,
    stack: &'b mut [u8],
    heap: &'b mut Vec<u8>,
) -> Result<&'b [u8], Base64Error> {
    let input = input.as_ref();
    let needed = decoded_len(input.len()).ok_or(Base64Error::InvalidLength)?;
    if needed <= stack.len() {
        let n = decode_to_slice(input, stack)?;
        return Ok(stack.get(..n).unwrap_or_default());
    }
    let start = heap.len();
    decode_to_vec(input, heap)?;
    Ok(heap.get(start..).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_in_uses_the_stack_when_it_fits() {
        let data: Vec<u8> = (0..=255u8).collect();
        for len in [0, 1, 2, 3, 31, 32, 33, 200] {
            let text = encode(&data[..len]);
            let (mut stack, mut heap) = ([0u8; 32], Vec::new());
            let out = decode_in(&text, &mut stack, &mut heap).unwrap().to_vec();
            assert_eq!(out, &data[..len]);
            assert_eq!(heap.is_empty(), len <= 32, "{len}");
        }
        let (mut stack, mut heap) = ([0u8; 4], Vec::new());
        assert!(decode_in("a", &mut stack, &mut heap).is_err());
        assert!(decode_in("aGl", &mut stack, &mut heap).is_err());
        assert!(decode_in("aGk=", &mut stack, &mut heap).is_err());
    }

    #[test]
    fn rfc4648_vectors_without_padding() {
        let cases: &[(&[u8], &str)] = &[
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (&[0xfb, 0xff], "-_8"),
        ];
        for (raw, enc) in cases {
            assert_eq!(encode(raw), *enc);
            assert_eq!(decode(enc).unwrap(), *raw);
            assert_eq!(decoded_len(enc.len()), Some(raw.len()));
            assert_eq!(encoded_len(raw.len()), enc.len());
        }
    }

    #[test]
    fn rejects_padding() {
        assert!(matches!(
            decode("Zg=="),
            Err(Base64Error::InvalidByte { .. } | Base64Error::InvalidLength)
        ));
        assert!(decode("Zm8=").is_err());
        assert!(decode("=").is_err());
    }

    #[test]
    fn rejects_whitespace_and_foreign_alphabet() {
        assert_eq!(
            decode("Zm9 vw"),
            Err(Base64Error::InvalidByte { offset: 3 })
        );
        assert_eq!(decode("Zm9v\n"), Err(Base64Error::InvalidLength));
        assert_eq!(
            decode("Zm9v\nYg"),
            Err(Base64Error::InvalidByte { offset: 4 })
        );
        assert_eq!(decode("+/8"), Err(Base64Error::InvalidByte { offset: 0 }));
        assert_eq!(decode("Zm9v€"), Err(Base64Error::InvalidByte { offset: 4 }));
    }

    #[test]
    fn rejects_non_canonical_trailing_bits() {
        // "Zg" is canonical for "f"; "Zh" decodes to the same byte with a stray bit.
        assert_eq!(decode("Zh"), Err(Base64Error::NonCanonical { offset: 1 }));
        assert_eq!(decode("Zm9"), Err(Base64Error::NonCanonical { offset: 2 }));
    }

    #[test]
    fn rejects_impossible_length() {
        assert_eq!(decode("Z"), Err(Base64Error::InvalidLength));
        assert_eq!(decode("Zm9vY"), Err(Base64Error::InvalidLength));
    }

    #[test]
    fn decode_into_small_buffer_is_an_error_not_a_panic() {
        let mut buf = [0u8; 2];
        assert_eq!(
            decode_to_slice("Zm9v", &mut buf),
            Err(Base64Error::BufferTooSmall { needed: 3 })
        );
        let mut exact = [0u8; 3];
        assert_eq!(decode_to_slice("Zm9v", &mut exact), Ok(3));
        assert_eq!(&exact, b"foo");
    }

    #[test]
    fn decode_to_vec_appends_and_restores_on_error() {
        let mut v = b"x".to_vec();
        decode_to_vec("Zm9v", &mut v).unwrap();
        assert_eq!(v, b"xfoo");
        assert!(decode_to_vec("Zm9", &mut v).is_err());
        assert_eq!(v, b"xfoo");
    }

    #[test]
    fn long_inputs_take_the_simd_path_and_stay_strict() {
        let raw: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let enc = encode(&raw);
        assert_eq!(decode(&enc).unwrap(), raw);
        let mut bad = enc.into_bytes();
        bad[517] = b'+';
        assert_eq!(decode(&bad), Err(Base64Error::InvalidByte { offset: 517 }));
    }
}
