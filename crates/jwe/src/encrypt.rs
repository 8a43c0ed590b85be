//! Encrypting in the compact serialization (RFC 7516 7.1).

use jws::base64url;
use jws::jwt_claims::{CompressionAlgorithm, EncryptionAlgorithm, Header};

use crate::content::{self, sizes};
use crate::mgmt::{self, random};
use crate::{EncryptionKey, Error};

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
        return Err(Error::Encode("the header's alg is not the key's".into()));
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
            return Err(Error::Encode(format!(
                "\"{name}\" is set by the key management"
            )));
        }
    }
    Ok(header)
}

/// Encrypts `plaintext` to `key` with content encryption `enc`, in the compact
/// serialization. A fresh content key and IV come from the operating system's generator.
///
/// # Errors
/// [`Error::Key`] when the key cannot serve `enc` (e.g. a `dir` key of the wrong size);
/// [`Error::Encode`] for contradicting options; [`Error::Random`].
pub fn encrypt(
    key: &EncryptionKey,
    enc: EncryptionAlgorithm,
    plaintext: &[u8],
    options: &EncryptOptions,
) -> Result<String, Error> {
    let (_, iv_len, _) = sizes(&enc).ok_or_else(|| Error::EncryptionNotAllowed(enc.clone()))?;
    let mut header = prepare_header(key, &enc, options)?;
    let prepared = mgmt::wrap(key, &enc, &mut header, options.p2c)?;
    let protected = header.to_segment()?;
    let compressed;
    let plaintext = if options.zip {
        compressed = crate::zip::deflate(plaintext)?;
        compressed.as_slice()
    } else {
        plaintext
    };
    let iv = random(iv_len)?;
    let (ciphertext, tag) =
        content::encrypt(&enc, &prepared.cek, &iv, protected.as_bytes(), plaintext)?;
    let mut token = protected;
    let parts = [prepared.encrypted_key.as_slice(), &iv, &ciphertext, &tag];
    token.reserve(
        parts
            .iter()
            .map(|p| 1 + base64url::encoded_len(p.len()))
            .sum(),
    );
    for part in parts {
        token.push('.');
        base64url::encode_to(part, &mut token);
    }
    Ok(token)
}
