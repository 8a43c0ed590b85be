//! HMAC with SHA-2 (RFC 7518 3.2): a shared secret, keyed once, compared in constant time.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::KeyError;
use crate::hash::{HashAlg, Tag};

/// A keyed HMAC state per hash; cloning it skips re-keying (about 60 ns per call).
#[derive(Clone)]
enum State {
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

/// An HMAC secret of at least the hash's output size, zeroized on drop.
#[derive(Clone)]
pub(crate) struct HmacKey {
    secret: Zeroizing<Vec<u8>>,
    state: State,
    hash: HashAlg,
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}

/// Whether `secret` is public-key material: PEM armour, or DER that parses as a
/// SubjectPublicKeyInfo. Such a "secret" is the classic algorithm-confusion attack.
fn looks_like_public_key(secret: &[u8]) -> bool {
    let trimmed = secret.trim_ascii_start();
    trimmed.starts_with(b"-----BEGIN") || spki::SubjectPublicKeyInfoRef::try_from(secret).is_ok()
}

impl HmacKey {
    pub(crate) fn new(hash: HashAlg, secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < hash.output_len() {
            return Err(KeyError::TooWeak(format!(
                "HMAC secret of {} bytes is shorter than the {}-byte hash output (RFC 7518 3.2)",
                secret.len(),
                hash.output_len()
            )));
        }
        if looks_like_public_key(secret) {
            return Err(KeyError::PublicKeyAsSecret);
        }
        let invalid = |_| KeyError::Invalid("HMAC key".into());
        let state = match hash {
            HashAlg::Sha256 => State::Sha256(Hmac::new_from_slice(secret).map_err(invalid)?),
            HashAlg::Sha384 => State::Sha384(Hmac::new_from_slice(secret).map_err(invalid)?),
            HashAlg::Sha512 => State::Sha512(Hmac::new_from_slice(secret).map_err(invalid)?),
        };
        Ok(Self {
            secret: Zeroizing::new(secret.to_vec()),
            state,
            hash,
        })
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The full-length MAC of the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> Tag {
        macro_rules! run {
            ($m:expr) => {{
                let mut m = $m.clone();
                for p in parts {
                    m.update(p);
                }
                Tag::from_slice(&m.finalize().into_bytes())
            }};
        }
        match &self.state {
            State::Sha256(m) => run!(m),
            State::Sha384(m) => run!(m),
            State::Sha512(m) => run!(m),
        }
    }

    /// Whether `tag` is the full-length MAC of `parts`; constant time in the tag's content.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        if tag.len() != self.hash.output_len() {
            return false;
        }
        self.mac(parts).as_slice().ct_eq(tag).into()
    }
}
