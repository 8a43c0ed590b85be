//! Decrypting: the `Decrypter` and what it yields, `Decrypted`.

use jws::base64url;
use jws::jwt_claims::{
    Algorithm, CompressionAlgorithm, EncryptionAlgorithm, Header, JweCompact, Limits, Segment,
};
use zeroize::Zeroizing;

use crate::content::{self, cek_len};
use crate::key::Mgmt;
use crate::mgmt::{self, Policy, random};
use crate::zip::DEFAULT_MAX_INFLATED;
use crate::{DecryptionKey, Error, Failure};

/// The default cap on the PBES2 iteration count a token may ask for.
pub const DEFAULT_MAX_P2C: u64 = 310_000;

/// A decrypted JWE: its header and plaintext (zeroized on drop, never shown by `Debug`).
#[derive(Clone)]
pub struct Decrypted {
    header: Header,
    plaintext: Zeroizing<Vec<u8>>,
    kid: Option<String>,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("header", &self.header)
            .field(
                "plaintext",
                &format_args!("<{} bytes>", self.plaintext.len()),
            )
            .field("kid", &self.kid)
            .finish()
    }
}

impl Decrypted {
    pub(crate) fn new(header: Header, plaintext: Vec<u8>, kid: Option<String>) -> Self {
        Self {
            header,
            plaintext: Zeroizing::new(plaintext),
            kid,
        }
    }

    /// The JOSE header (for the JSON serialization: protected, shared and recipient
    /// parameters together).
    #[must_use]
    pub const fn header(&self) -> &Header {
        &self.header
    }

    /// The plaintext.
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The `kid` of the key that decrypted it, if it has one.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The plaintext, still zeroized on drop.
    #[must_use]
    pub fn into_plaintext(self) -> Zeroizing<Vec<u8>> {
        self.plaintext
    }
}

/// Decrypts JWEs with trusted keys, for an explicit set of algorithms.
///
/// Every failure of key unwrapping, authentication tag or padding is the same
/// [`Error::Decryption`], whose `Display` says only "decryption failed";
/// [`Error::failure`] gives the reason for logs. When a content key cannot be unwrapped,
/// a random one takes its place and decryption goes on to fail at the tag, so that the
/// failures take the same path (RFC 7516 11.5).
#[derive(Debug, Clone)]
pub struct Decrypter {
    keys: Vec<DecryptionKey>,
    algs: Vec<Algorithm>,
    encs: Vec<EncryptionAlgorithm>,
    limits: Limits,
    max_p2c: u64,
    max_inflated: Option<usize>,
    pub(crate) max_candidates: usize,
}

impl Decrypter {
    /// A decrypter with one key, allowing that key's algorithm and every content
    /// encryption algorithm.
    #[must_use]
    pub fn new(key: DecryptionKey) -> Self {
        Self::from_keys([key])
    }

    /// A decrypter with these keys, allowing exactly their algorithms and every content
    /// encryption algorithm.
    #[must_use]
    pub fn from_keys(keys: impl IntoIterator<Item = DecryptionKey>) -> Self {
        let keys: Vec<DecryptionKey> = keys.into_iter().collect();
        let mut algs: Vec<Algorithm> = Vec::new();
        for k in &keys {
            if !algs.contains(k.alg()) {
                algs.push(k.alg().clone());
            }
        }
        Self {
            keys,
            algs,
            encs: EncryptionAlgorithm::ALL.to_vec(),
            limits: Limits::default(),
            max_p2c: DEFAULT_MAX_P2C,
            max_inflated: None,
            max_candidates: 4,
        }
    }

    /// Allows only these content encryption algorithms.
    #[must_use]
    pub fn with_encryption_algorithms(mut self, encs: &[EncryptionAlgorithm]) -> Self {
        self.encs.retain(|e| encs.contains(e));
        self
    }

    /// Allows only these key management algorithms.
    #[must_use]
    pub fn with_algorithms(mut self, algs: &[Algorithm]) -> Self {
        self.algs.retain(|a| algs.contains(a));
        self
    }

    /// Uses these limits (token size, JSON depth).
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The largest PBES2 iteration count accepted (default 310,000).
    #[must_use]
    pub const fn with_max_p2c(mut self, max: u64) -> Self {
        self.max_p2c = max;
        self
    }

    /// Accepts compressed content (`zip: DEF`), inflating at most `max_inflated` bytes
    /// (see [`DEFAULT_MAX_INFLATED`]). Without this, compressed tokens are refused.
    #[must_use]
    pub const fn allow_compression(mut self, max_inflated: usize) -> Self {
        self.max_inflated = Some(max_inflated);
        self
    }

    /// Accepts compressed content up to the default cap of 256 KiB.
    #[must_use]
    pub const fn allow_default_compression(self) -> Self {
        self.allow_compression(DEFAULT_MAX_INFLATED)
    }

    /// Tries at most `n` keys (at least 1) for a token.
    #[must_use]
    pub fn with_max_candidates(mut self, n: usize) -> Self {
        self.max_candidates = n.max(1);
        self
    }

    /// The limits in force.
    #[must_use]
    pub const fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Checks `alg`, `enc`, `zip` and `crit` of a (joint) header; returns `alg` and `enc`.
    pub(crate) fn check_header<'h>(
        &self,
        header: &'h Header,
    ) -> Result<(&'h Algorithm, &'h EncryptionAlgorithm), Error> {
        header
            .check_crit(&[])
            .map_err(jws::jwt_claims::Error::Crit)?;
        let alg = header
            .alg
            .as_ref()
            .ok_or(jws::jwt_claims::Error::MissingAlgorithm)?;
        Mgmt::of(alg)?;
        if !self.algs.contains(alg) {
            return Err(Error::AlgorithmNotAllowed(alg.clone()));
        }
        let enc = header
            .enc
            .as_ref()
            .ok_or_else(|| Error::Header("missing \"enc\"".into()))?;
        if !self.encs.contains(enc) || cek_len(enc).is_none() {
            return Err(Error::EncryptionNotAllowed(enc.clone()));
        }
        match (&header.zip, self.max_inflated) {
            (None, _) | (Some(CompressionAlgorithm::Deflate), Some(_)) => {}
            (Some(CompressionAlgorithm::Deflate), None) => {
                return Err(Error::Header(
                    "compressed content (zip) is not allowed".into(),
                ));
            }
            (Some(other), _) => {
                return Err(Error::Header(format!(
                    "unknown compression \"{}\"",
                    jws::jwt_claims::json::truncate(other.as_str())
                )));
            }
        }
        Ok((alg, enc))
    }

    /// The keys to try for a header, by `kid` then by algorithm.
    pub(crate) fn candidates<'a>(
        &'a self,
        header: &'a Header,
        alg: &'a Algorithm,
    ) -> impl Iterator<Item = &'a DecryptionKey> + 'a {
        let kid = header.kid.as_deref();
        let by_kid = kid.is_some() && self.keys.iter().any(|k| k.alg() == alg && k.kid() == kid);
        self.keys
            .iter()
            .filter(move |k| {
                k.alg() == alg
                    && if by_kid {
                        k.kid() == kid
                    } else {
                        kid.is_none() || k.kid().is_none()
                    }
            })
            .take(self.max_candidates)
    }

    /// Tries each candidate key: unwrap (or a random key in its place), decrypt, inflate.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn open(
        &self,
        header: &Header,
        alg: &Algorithm,
        enc: &EncryptionAlgorithm,
        encrypted_key: &[u8],
        iv: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<(Vec<u8>, Option<String>), Error> {
        let policy = Policy {
            max_p2c: self.max_p2c,
        };
        let mut first_failure = None;
        let mut tried = 0;
        for key in self.candidates(header, alg) {
            tried += 1;
            let (cek, unwrap_failure) = match mgmt::unwrap(key, enc, header, encrypted_key, policy)
            {
                Ok(cek) => (cek, None),
                Err(Error::Decryption(f)) => (random(cek_len(enc).unwrap_or(32))?, Some(f)),
                Err(other) => return Err(other),
            };
            match content::decrypt(enc, &cek, iv, aad, ciphertext, tag) {
                Ok(plaintext) if unwrap_failure.is_none() => {
                    let plaintext = match (&header.zip, self.max_inflated) {
                        (Some(_), Some(max)) => crate::zip::inflate(&plaintext, max)?,
                        _ => plaintext,
                    };
                    return Ok((plaintext, key.kid().map(str::to_owned)));
                }
                Ok(_) => {
                    first_failure.get_or_insert(Failure::Unwrap);
                }
                Err(f) => {
                    first_failure.get_or_insert(unwrap_failure.unwrap_or(f));
                }
            }
        }
        if tried == 0 {
            return Err(Error::NoMatchingKey);
        }
        Err(Error::Decryption(first_failure.unwrap_or(Failure::Decrypt)))
    }

    /// Decrypts a compact JWE.
    ///
    /// # Errors
    /// [`Error::Token`] for a malformed token; [`Error::AlgorithmNotAllowed`],
    /// [`Error::EncryptionNotAllowed`], [`Error::Rsa1_5Refused`], [`Error::Header`] for
    /// refused parameters; [`Error::NoMatchingKey`]; [`Error::Decryption`] otherwise.
    pub fn decrypt(&self, token: &str) -> Result<Decrypted, Error> {
        let parts = JweCompact::parse(token, &self.limits)?;
        let header = Header::from_segment(parts.header, &self.limits)?;
        let (alg, enc) = self.check_header(&header)?;
        let decode = |segment: Segment, text: &str| {
            base64url::decode(text)
                .map_err(|source| Error::Token(jws::jwt_claims::Error::Base64 { segment, source }))
        };
        let encrypted_key = decode(Segment::EncryptedKey, parts.encrypted_key)?;
        let iv = decode(Segment::InitializationVector, parts.iv)?;
        let ciphertext = decode(Segment::Ciphertext, parts.ciphertext)?;
        let tag = decode(Segment::AuthenticationTag, parts.tag)?;
        let (plaintext, kid) = self.open(
            &header,
            alg,
            enc,
            &encrypted_key,
            &iv,
            parts.header.as_bytes(),
            &ciphertext,
            &tag,
        )?;
        Ok(Decrypted::new(header, plaintext, kid))
    }
}
