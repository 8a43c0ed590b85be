//! The SHA-2 hashes of the JWS algorithms.

use sha2::{Digest, Sha256, Sha384, Sha512};

/// The hash of an algorithm (`HS256`, `RS384`, `PS512`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    pub(crate) const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The digest of the concatenation of `parts`.
    pub(crate) fn digest(self, parts: &[&[u8]]) -> Tag {
        macro_rules! run {
            ($h:ty) => {{
                let mut h = <$h>::new();
                for p in parts {
                    h.update(p);
                }
                Tag::from_slice(&h.finalize())
            }};
        }
        match self {
            Self::Sha256 => run!(Sha256),
            Self::Sha384 => run!(Sha384),
            Self::Sha512 => run!(Sha512),
        }
    }
}

/// A MAC or signature of at most 64 bytes, on the stack.
pub(crate) struct Tag {
    bytes: [u8; 64],
    len: usize,
}

impl Tag {
    pub(crate) fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    pub(crate) fn from_slice(s: &[u8]) -> Self {
        let mut bytes = [0u8; 64];
        let len = s.len().min(64);
        bytes
            .get_mut(..len)
            .unwrap_or_default()
            .copy_from_slice(s.get(..len).unwrap_or_default());
        Self { bytes, len }
    }
}

/// A signature: on the stack up to 132 bytes (ES512), on the heap beyond (RSA).
pub(crate) enum SigBuf {
    Inline([u8; 132], usize),
    Heap(Vec<u8>),
}

impl SigBuf {
    pub(crate) fn inline(s: &[u8]) -> Self {
        let mut bytes = [0u8; 132];
        match bytes.get_mut(..s.len()) {
            Some(dst) => {
                dst.copy_from_slice(s);
                Self::Inline(bytes, s.len())
            }
            None => Self::Heap(s.to_vec()),
        }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Self::Inline(b, n) => b.get(..*n).unwrap_or_default(),
            Self::Heap(v) => v,
        }
    }
}
