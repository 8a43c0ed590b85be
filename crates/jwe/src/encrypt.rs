//! Encrypting in the compact serialization (RFC 7516 7.1).

use std::borrow::Cow;

use jws::base64url;
use jws::jwt_claims::{Algorithm, CompressionAlgorithm, EncryptionAlgorithm, Header};

use crate::alg::Mgmt;
use crate::content::{self, sizes};
use crate::mgmt;
use crate::{EncryptionKey, Error, HeaderError};

/// The protected header segment of a plain message (no header options, no compression,
/// a key management that adds nothing to the header), from the key's cache; `None` for
/// any other message.
fn cached_segment<'k>(
    key: &'k EncryptionKey,
    mgmt: Mgmt,
    enc: &EncryptionAlgorithm,
    options: &EncryptOptions,
) -> Result<Option<&'k str>, Error> {
    let fixed = matches!(mgmt, Mgmt::Dir | Mgmt::AesKw(_) | Mgmt::RsaOaep { .. });
    let plain = fixed && !options.zip && options.header == Header::default();
    let Some(cell) = key.cache.header(enc) else {
        return Ok(None);
    };
    if !plain {
        return Ok(None);
    }
    if let Some(done) = cell.get() {
        return Ok(Some(done));
    }
    let segment = prepare_header(key, enc, options)?
        .to_segment()?
        .into_boxed_str();
    Ok(Some(cell.get_or_init(|| segment)))
}

/// The PBES2 iteration count used when encrypting with a password, unless set otherwise.
pub const DEFAULT_P2C: u64 = 310_000;

/// How a JWE is produced.
///
/// ```
/// use jwe::{Algorithm, DecryptionKey, Decrypter, EncryptOptions, EncryptionAlgorithm};
///
/// let key = DecryptionKey::symmetric(Algorithm::A256KW, &[9u8; 32]).unwrap();
/// let token = jwe::encrypt(&key.encryption_key(), EncryptionAlgorithm::A256GCM, b"secret",
///     &EncryptOptions::new().with_cty("text/plain")).unwrap();
/// let decrypted = Decrypter::new(key).decrypt(&token).unwrap();
/// assert_eq!(decrypted.plaintext(), b"secret");
/// assert_eq!(decrypted.header().cty.as_deref(), Some("text/plain"));
/// ```
#[derive(Debug, Clone)]
pub struct EncryptOptions {
    pub(crate) header: Header,
    pub(crate) zip: bool,
    pub(crate) p2c: u64,
}

impl Default for EncryptOptions {
    fn default() -> Self {
        Self {
            header: Header::default(),
            zip: false,
            p2c: DEFAULT_P2C,
        }
    }
}

impl EncryptOptions {
    /// Default options: the key's `alg` and `kid`, no compression.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts from this protected header (e.g. with `typ`, `cty`, `apu`, `apv`); `alg`,
    /// `enc` and the key management parameters are set by the encryption.
    #[must_use]
    pub fn with_header(mut self, header: Header) -> Self {
        self.header = header;
        self
    }

    /// Sets `cty`.
    #[must_use]
    pub fn with_cty(mut self, cty: impl Into<String>) -> Self {
        self.header.cty = Some(cty.into());
        self
    }

    /// Compresses the plaintext with DEFLATE (`zip: DEF`) before encrypting it.
    ///
    /// Compressing secrets next to attacker-chosen data leaks their content through the
    /// ciphertext length (CRIME, BREACH); use it only where that cannot happen.
    #[must_use]
    pub const fn compress(mut self) -> Self {
        self.zip = true;
        self
    }

    /// The PBES2 iteration count (`p2c`), at least 1000; default 310,000.
    #[must_use]
    pub const fn with_p2c(mut self, p2c: u64) -> Self {
        self.p2c = p2c;
        self
    }
}

/// The protected header for `key` and `enc`, from the options' header.
pub(crate) fn prepare_header(
    key: &EncryptionKey,
    enc: &EncryptionAlgorithm,
    options: &EncryptOptions,
) -> Result<Header, Error> {
    let mut header = options.header.clone();
    if header.alg.as_ref().is_some_and(|a| a != key.alg()) {
        return Err(Error::Header(HeaderError::AlgorithmConflict {
            header: header.alg.unwrap_or(Algorithm::None),
            key: key.alg().clone(),
        }));
    }
    header.alg = Some(key.alg().clone());
    header.enc = Some(enc.clone());
    if header.kid.is_none() {
        header.kid = key.kid().map(str::to_owned);
    }
    if options.zip {
        header.zip = Some(CompressionAlgorithm::Deflate);
    }
    for (name, present) in [
        ("epk", header.epk.is_some()),
        ("iv", header.iv.is_some()),
        ("tag", header.tag.is_some()),
        ("p2s", header.p2s.is_some()),
        ("p2c", header.p2c.is_some()),
    ] {
        if present {
            return Err(Error::Header(HeaderError::SetByKeyManagement(name)));
        }
    }
    Ok(header)
}

/// Encrypts `plaintext` to `key` with content encryption `enc`, in the compact
/// serialization. A fresh content key and IV come from a per-thread ChaCha12 generator
/// reseeded from the operating system every 64 KiB (as `rand`'s `ThreadRng`; like it, it
/// does not notice a `fork()` without `exec`: do not encrypt in a forked child with a thread
/// that encrypted before the fork). Long-term keys come straight from the operating system.
///
/// # Errors
/// [`Error::Key`] when the key cannot serve `enc` (e.g. a `dir` key of the wrong size);
/// [`Error::Header`] for contradicting options; [`Error::Random`].
pub fn encrypt(
    key: &EncryptionKey,
    enc: EncryptionAlgorithm,
    plaintext: &[u8],
    options: &EncryptOptions,
) -> Result<String, Error> {
    let (_, iv_len, _) = sizes(&enc).ok_or_else(|| Error::EncryptionNotAllowed(enc.clone()))?;
    let mgmt = Mgmt::of(key.alg())?;
    let (prepared, protected) = match cached_segment(key, mgmt, &enc, options)? {
        // The key management of a plain message writes nothing to the header.
        Some(cached) => (
            mgmt::wrap(key, &enc, &mut Header::default(), options.p2c)?,
            Cow::Borrowed(cached),
        ),
        None => {
            let mut header = prepare_header(key, &enc, options)?;
            let prepared = mgmt::wrap(key, &enc, &mut header, options.p2c)?;
            (prepared, Cow::Owned(header.to_segment()?))
        }
    };
    let compressed;
    let plaintext = if options.zip {
        compressed = crate::zip::deflate(plaintext)?;
        compressed.as_slice()
    } else {
        plaintext
    };
    let mut iv_buf = [0u8; 16];
    let iv = iv_buf
        .get_mut(..iv_len)
        .ok_or_else(|| Error::EncryptionNotAllowed(enc.clone()))?;
    crate::rng::fill(iv)?;
    // A `dir` key is the content key of every message: its AES-GCM key schedule is kept.
    let keyed = match mgmt {
        Mgmt::Dir => key.cache.gcm(&enc, &prepared.cek),
        _ => None,
    };
    let aad = protected.as_bytes();
    let (ciphertext, tag) = match keyed {
        Some(cipher) => cipher.encrypt(iv, aad, plaintext),
        None => content::encrypt(&enc, &prepared.cek, iv, aad, plaintext),
    }
    .map_err(Error::Encryption)?;
    let parts = [prepared.encrypted_key.as_slice(), iv, &ciphertext, &tag];
    let mut token = String::with_capacity(
        protected.len()
            + parts
                .iter()
                .map(|p| 1 + base64url::encoded_len(p.len()))
                .sum::<usize>(),
    );
    token.push_str(&protected);
    for part in parts {
        token.push('.');
        base64url::encode_to(part, &mut token);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, Decrypter, DecryptionKey};

    fn header_of(token: &str) -> Header {
        let segment = token.split('.').next().unwrap();
        serde_json::from_slice(&base64url::decode(segment).unwrap()).unwrap()
    }

    #[test]
    fn plain_messages_reuse_the_header_and_a_new_kid_rebuilds_it() {
        let key = DecryptionKey::symmetric(Algorithm::Dir, &[7; 32]).unwrap();
        let enc_key = key.encryption_key().with_kid("one");
        let plain = EncryptOptions::new();
        let a = encrypt(&enc_key, EncryptionAlgorithm::A256GCM, b"x", &plain).unwrap();
        let b = encrypt(&enc_key, EncryptionAlgorithm::A256GCM, b"x", &plain).unwrap();
        assert_eq!(a.split('.').next(), b.split('.').next());
        assert_eq!(header_of(&a).kid.as_deref(), Some("one"));
        // Another content encryption has its own header.
        let key16 = DecryptionKey::symmetric(Algorithm::A128KW, &[7; 16]).unwrap();
        let kw = key16.encryption_key();
        let gcm = encrypt(&kw, EncryptionAlgorithm::A128GCM, b"x", &plain).unwrap();
        let cbc = encrypt(&kw, EncryptionAlgorithm::A128CBC_HS256, b"x", &plain).unwrap();
        assert_eq!(header_of(&gcm).enc, Some(EncryptionAlgorithm::A128GCM));
        assert_eq!(
            header_of(&cbc).enc,
            Some(EncryptionAlgorithm::A128CBC_HS256)
        );
        // A renamed key writes its new kid, not the cached one.
        let renamed = enc_key.with_kid("two");
        let c = encrypt(&renamed, EncryptionAlgorithm::A256GCM, b"x", &plain).unwrap();
        assert_eq!(header_of(&c).kid.as_deref(), Some("two"));
        // Header options bypass the cache.
        let typed = EncryptOptions::new().with_cty("JWT");
        let d = encrypt(&renamed, EncryptionAlgorithm::A256GCM, b"x", &typed).unwrap();
        assert_eq!(header_of(&d).cty.as_deref(), Some("JWT"));
        let e = encrypt(&renamed, EncryptionAlgorithm::A256GCM, b"x", &plain).unwrap();
        assert_eq!(header_of(&e).cty, None);
        for t in [&a, &b, &c, &d, &e] {
            assert_eq!(
                Decrypter::new(key.clone()).decrypt(t).unwrap().plaintext(),
                b"x"
            );
        }
        // Fresh IVs every time.
        assert_ne!(a.split('.').nth(2), b.split('.').nth(2));
    }
}
