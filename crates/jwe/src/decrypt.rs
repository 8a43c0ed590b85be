//! Decrypting: the `Decrypter` and what it yields, `Decrypted`.

use std::sync::Arc;

use jws::base64url;
use jws::jwt_claims::{
    Algorithm, CompressionAlgorithm, EncryptionAlgorithm, Header, JweCompact, KnownHeaders, Limits,
    Segment,
};
use zeroize::Zeroizing;

use crate::alg::Mgmt;
use crate::content::{self, cek_len};
use crate::mgmt::{self, Policy, random};
use crate::zip::DEFAULT_MAX_INFLATED;
use crate::{DecryptionKey, Error, Failure, HeaderError};

/// The default cap on the PBES2 iteration count a token may ask for.
pub const DEFAULT_MAX_P2C: u64 = 310_000;

/// A decrypted JWE: its header and plaintext (zeroized on drop, never shown by `Debug`).
#[derive(Clone)]
pub struct Decrypted {
    header: Arc<Header>,
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
    pub(crate) fn new(header: Arc<Header>, plaintext: Vec<u8>, kid: Option<String>) -> Self {
        Self {
            header,
            plaintext: Zeroizing::new(plaintext),
            kid,
        }
    }

    /// The JOSE header (for the JSON serialization: protected, shared and recipient
    /// parameters together).
    #[must_use]
    pub fn header(&self) -> &Header {
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
#[derive(Clone)]
pub struct Decrypter {
    keys: Vec<DecryptionKey>,
    algs: Vec<Algorithm>,
    encs: Vec<EncryptionAlgorithm>,
    limits: Limits,
    max_p2c: u64,
    max_inflated: Option<usize>,
    pub(crate) max_candidates: usize,
    /// The header segments senders commonly produce for the trusted keys, already parsed
    /// and sorted: a token whose header is one of them skips decoding and parsing it.
    known_headers: KnownHeaders,
}

impl std::fmt::Debug for Decrypter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypter")
            .field("keys", &self.keys)
            .field("algs", &self.algs)
            .field("encs", &self.encs)
            .field("limits", &self.limits)
            .field("max_p2c", &self.max_p2c)
            .field("max_inflated", &self.max_inflated)
            .field("max_candidates", &self.max_candidates)
            .finish_non_exhaustive()
    }
}

/// The protected headers common senders write for `key`, for key management whose
/// header has no per-message parameter (`dir`, `A*KW`, `RSA-OAEP*`): every `enc`, with
/// and without `cty: "JWT"` (nested tokens), in this crate's member order, in
/// alphabetical order and with `enc` first.
fn header_forms(key: &DecryptionKey) -> Vec<String> {
    if !matches!(
        Mgmt::of(key.alg()),
        Ok(Mgmt::Dir | Mgmt::AesKw(_) | Mgmt::RsaOaep { .. })
    ) {
        return Vec::new();
    }
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let alg = quote(key.alg().as_str());
    let kid = key
        .kid()
        .map(|k| format!(r#","kid":{}"#, quote(k)))
        .unwrap_or_default();
    let mut out = Vec::new();
    for enc in EncryptionAlgorithm::ALL {
        let enc = quote(enc.as_str());
        for (cty_first, cty_last) in [("", ""), (r#""cty":"JWT","#, r#","cty":"JWT""#)] {
            out.push(format!(r#"{{"alg":{alg},"enc":{enc}{kid}{cty_last}}}"#));
            out.push(format!(r#"{{"alg":{alg},{cty_first}"enc":{enc}{kid}}}"#));
            out.push(format!(r#"{{"enc":{enc},"alg":{alg}{kid}{cty_last}}}"#));
        }
    }
    out
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
        let algs = jws::select::algorithms_of(&keys);
        let known_headers = keys.iter().flat_map(header_forms).collect();
        Self {
            keys,
            algs,
            encs: EncryptionAlgorithm::ALL.to_vec(),
            limits: Limits::default(),
            max_p2c: DEFAULT_MAX_P2C,
            max_inflated: None,
            max_candidates: jws::select::DEFAULT_MAX_CANDIDATES,
            known_headers,
        }
    }

    /// Restricts the allowed content encryption algorithms further.
    ///
    /// # Errors
    /// [`Error::EncryptionNotAllowed`] for an algorithm this crate does not implement.
    pub fn with_allowed_encryption_algorithms(
        mut self,
        encs: &[EncryptionAlgorithm],
    ) -> Result<Self, Error> {
        if let Some(unknown) = encs.iter().find(|e| cek_len(e).is_none()) {
            return Err(Error::EncryptionNotAllowed(unknown.clone()));
        }
        self.encs.retain(|e| encs.contains(e));
        Ok(self)
    }

    /// Restricts the allowed key management algorithms further.
    ///
    /// # Errors
    /// [`Error::AlgorithmNotAllowed`] for a non-JWE algorithm, [`Error::Rsa1_5Refused`]
    /// for `RSA1_5`.
    pub fn with_allowed_algorithms(mut self, algs: &[Algorithm]) -> Result<Self, Error> {
        for alg in algs {
            Mgmt::of(alg)?;
        }
        self.algs.retain(|a| algs.contains(a));
        Ok(self)
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
            .ok_or(Error::Header(HeaderError::Missing("enc")))?;
        if !self.encs.contains(enc) || cek_len(enc).is_none() {
            return Err(Error::EncryptionNotAllowed(enc.clone()));
        }
        match (&header.zip, self.max_inflated) {
            (None, _) | (Some(CompressionAlgorithm::Deflate), Some(_)) => {}
            (Some(CompressionAlgorithm::Deflate), None) => {
                return Err(Error::Header(HeaderError::CompressionNotAllowed));
            }
            (Some(other), _) => {
                return Err(Error::Header(HeaderError::UnknownCompression(
                    jws::jwt_claims::json::truncate(other.as_str()),
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
        jws::select::candidates(&self.keys, alg, header.kid.as_deref(), self.max_candidates)
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
        ciphertext: Vec<u8>,
        tag: &[u8],
    ) -> Result<(Vec<u8>, Option<String>), Error> {
        let policy = Policy {
            max_p2c: self.max_p2c,
        };
        let mut first_failure = None;
        // Every candidate is bound to `alg`.
        let dir = matches!(Mgmt::of(alg), Ok(Mgmt::Dir));
        let mut candidates = self.candidates(header, alg).peekable();
        if candidates.peek().is_none() {
            return Err(Error::NoMatchingKey);
        }
        let mut ciphertext = Some(ciphertext);
        while let Some(key) = candidates.next() {
            // The last candidate decrypts the buffer itself; the others, copies of it.
            let buf = if candidates.peek().is_some() {
                ciphertext.clone()
            } else {
                ciphertext.take()
            }
            .unwrap_or_default();
            let (cek, unwrap_failure) = match mgmt::unwrap(key, enc, header, encrypted_key, policy)
            {
                Ok(cek) => (cek, None),
                Err(Error::Decryption(f)) => (
                    std::borrow::Cow::Owned(random(cek_len(enc).unwrap_or(32))?),
                    Some(f),
                ),
                Err(other) => return Err(other),
            };
            // Decrypting goes on with the random key in place of one that did not unwrap, so
            // that both failures take the same path; whatever it gives is never accepted.
            // A `dir` key is the content key of every message: its AES-GCM key schedule
            // is kept (the key, not the token, decides that path).
            let keyed = match unwrap_failure {
                None if dir => key.cache.gcm(enc, &cek),
                _ => None,
            };
            let opened = match keyed {
                Some(cipher) => cipher.decrypt_owned(iv, aad, buf, tag),
                None => content::decrypt_owned(enc, &cek, iv, aad, buf, tag),
            };
            match (unwrap_failure, opened) {
                (None, Ok(plaintext)) => {
                    let plaintext = match (&header.zip, self.max_inflated) {
                        (Some(_), Some(max)) => {
                            crate::zip::inflate(&plaintext, max).map_err(Error::Decryption)?
                        }
                        _ => plaintext,
                    };
                    return Ok((plaintext, key.kid().map(str::to_owned)));
                }
                (Some(failure), _) | (None, Err(failure)) => {
                    first_failure.get_or_insert(failure);
                }
            }
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
        let header = self.known_headers.header(parts.header, &self.limits)?;
        let (alg, enc) = self.check_header(&header)?;
        let encrypted_key = decode(Segment::EncryptedKey, parts.encrypted_key)?;
        let (mut iv_buf, mut iv_heap) = ([0u8; SMALL], Vec::new());
        let iv = base64url::decode_in(parts.iv, &mut iv_buf, &mut iv_heap)
            .map_err(|source| base64_error(Segment::InitializationVector, source))?;
        let ciphertext = decode(Segment::Ciphertext, parts.ciphertext)?;
        let (mut tag_buf, mut tag_heap) = ([0u8; SMALL], Vec::new());
        let tag = base64url::decode_in(parts.tag, &mut tag_buf, &mut tag_heap)
            .map_err(|source| base64_error(Segment::AuthenticationTag, source))?;
        let (plaintext, kid) = self.open(
            &header,
            alg,
            enc,
            &encrypted_key,
            iv,
            parts.header.as_bytes(),
            ciphertext,
            tag,
        )?;
        Ok(Decrypted::new(header, plaintext, kid))
    }
}

/// The longest initialization vector or tag of a JWE content encryption (A256CBC-HS512's
/// 32-byte tag): decoded on the stack (anything longer, which decryption refuses, on the
/// heap).
const SMALL: usize = 32;

fn decode(segment: Segment, text: &str) -> Result<Vec<u8>, Error> {
    base64url::decode(text).map_err(|source| base64_error(segment, source))
}

fn base64_error(segment: Segment, source: base64url::Base64Error) -> Error {
    Error::Token(jws::jwt_claims::Error::Base64 { segment, source })
}

#[cfg(test)]
mod tests {
    use jws::{Claims, SigningKey};

    use super::*;
    use crate::EncryptOptions;

    fn keys() -> Vec<DecryptionKey> {
        vec![
            DecryptionKey::symmetric(Algorithm::Dir, &[1; 32]).unwrap(),
            DecryptionKey::symmetric(Algorithm::A128KW, &[2; 16])
                .unwrap()
                .with_kid("a\"b\\c\u{1}"),
            DecryptionKey::generate(Algorithm::RSA_OAEP_256)
                .unwrap()
                .with_kid("rsa"),
        ]
    }

    #[test]
    fn known_headers_are_exactly_what_parsing_gives() {
        for key in keys() {
            let known: KnownHeaders = header_forms(&key).into_iter().collect();
            // 6 encs x (2 member orders without cty, 3 with).
            assert_eq!(known.len(), 30, "{:?}", key.alg());
            for (segment, header) in known.iter() {
                assert_eq!(
                    &Header::from_segment(segment, &Limits::default()).unwrap(),
                    &**header
                );
                assert_eq!(header.alg.as_ref(), Some(key.alg()));
                assert_eq!(header.kid.as_deref(), key.kid());
            }
        }
        // Per-message header parameters: nothing to cache.
        for alg in [Algorithm::A256GCMKW, Algorithm::PBES2_HS256_A128KW] {
            let key = DecryptionKey::symmetric(alg, &[3; 32]).unwrap();
            assert!(header_forms(&key).is_empty());
        }
        let x25519 = DecryptionKey::x25519(Algorithm::ECDH_ES, &[4; 32]).unwrap();
        assert!(header_forms(&x25519).is_empty());
    }

    /// This crate's own tokens, plain and nested, hit the cache; what they decrypt to is
    /// the same as without it.
    #[test]
    fn own_tokens_use_known_headers_and_decrypt_the_same() {
        let signer = SigningKey::symmetric(Algorithm::HS256, &[9; 32]).unwrap();
        for key in keys() {
            let decrypter = Decrypter::new(key.clone());
            let mut decrypted = 0;
            for enc in EncryptionAlgorithm::ALL {
                let options = EncryptOptions::new();
                let Ok(plain) = crate::encrypt(&key.encryption_key(), enc.clone(), b"hi", &options)
                else {
                    // A `dir` key serves only the `enc` of its length.
                    assert_eq!(key.alg(), &Algorithm::Dir);
                    continue;
                };
                let nested = crate::nested::sign_then_encrypt(
                    &signer,
                    &Claims::new(()),
                    &key.encryption_key(),
                    enc.clone(),
                )
                .unwrap();
                for token in [plain, nested] {
                    let segment = token.split('.').next().unwrap();
                    assert!(
                        decrypter.known_headers.get(segment).is_some(),
                        "{:?} {enc:?}",
                        key.alg()
                    );
                    let cached = decrypter.decrypt(&token).unwrap();
                    let mut uncached = decrypter.clone();
                    uncached.known_headers = KnownHeaders::new();
                    let parsed = uncached.decrypt(&token).unwrap();
                    assert_eq!(cached.header(), parsed.header());
                    assert_eq!(cached.plaintext(), parsed.plaintext());
                    assert_eq!(cached.kid(), parsed.kid());
                    decrypted += 1;
                }
            }
            assert!(decrypted >= 4, "{:?}", key.alg());
        }
    }

    /// A cached header still goes through the policy: a refused `enc` stays refused.
    #[test]
    fn known_headers_do_not_bypass_the_policy() {
        let key = DecryptionKey::symmetric(Algorithm::Dir, &[1; 32]).unwrap();
        let token = crate::encrypt(
            &key.encryption_key(),
            EncryptionAlgorithm::A256GCM,
            b"hi",
            &EncryptOptions::new(),
        )
        .unwrap();
        let decrypter = Decrypter::new(key)
            .with_allowed_encryption_algorithms(&[EncryptionAlgorithm::A128GCM])
            .unwrap();
        assert!(matches!(
            decrypter.decrypt(&token),
            Err(Error::EncryptionNotAllowed(EncryptionAlgorithm::A256GCM))
        ));
    }

    #[test]
    fn key_selection_by_kid_with_fallback_and_bound() {
        let key = |b: u8| DecryptionKey::symmetric(Algorithm::A128KW, &[b; 16]).unwrap();
        let a = key(1).with_kid("a");
        let anon = key(3);
        let seal = |k: &DecryptionKey| {
            crate::encrypt(
                &k.encryption_key(),
                EncryptionAlgorithm::A128GCM,
                b"x",
                &EncryptOptions::new(),
            )
            .unwrap()
        };
        let decrypter = Decrypter::from_keys([a.clone(), anon.clone()]);
        assert_eq!(decrypter.decrypt(&seal(&a)).unwrap().kid(), Some("a"));
        // An unknown kid: only the key without kid stands in.
        assert_eq!(
            decrypter
                .decrypt(&seal(&anon.clone().with_kid("zz")))
                .unwrap()
                .kid(),
            None
        );
        assert!(matches!(
            decrypter.decrypt(&seal(&key(2).with_kid("zz"))),
            Err(Error::Decryption(_))
        ));
        // A kid-bearing key never answers for another kid.
        let only_a = Decrypter::new(a);
        assert!(matches!(
            only_a.decrypt(&seal(&key(1).with_kid("b"))),
            Err(Error::NoMatchingKey)
        ));
        // No kid: every key of the algorithm, up to the bound.
        assert!(decrypter.decrypt(&seal(&anon)).is_ok());
        let one = decrypter.with_max_candidates(1);
        assert!(matches!(
            one.decrypt(&seal(&anon)),
            Err(Error::Decryption(_))
        ));
        assert!(one.decrypt(&seal(&key(1))).is_ok());
    }

    #[test]
    fn allowed_algorithm_builders_refuse_what_they_cannot_allow() {
        let d = || Decrypter::new(DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16]).unwrap());
        assert!(matches!(
            d().with_allowed_algorithms(&[Algorithm::HS256]),
            Err(Error::AlgorithmNotAllowed(Algorithm::HS256))
        ));
        assert!(matches!(
            d().with_allowed_algorithms(&[Algorithm::RSA1_5]),
            Err(Error::Rsa1_5Refused)
        ));
        let unknown = EncryptionAlgorithm::from_name("A512GCM");
        assert!(matches!(
            d().with_allowed_encryption_algorithms(std::slice::from_ref(&unknown)),
            Err(Error::EncryptionNotAllowed(e)) if e == unknown
        ));
        // Restricting to another key management algorithm leaves nothing allowed.
        let token = crate::encrypt(
            &DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16])
                .unwrap()
                .encryption_key(),
            EncryptionAlgorithm::A128GCM,
            b"x",
            &EncryptOptions::new(),
        )
        .unwrap();
        let narrowed = d().with_allowed_algorithms(&[Algorithm::A256KW]).unwrap();
        assert!(matches!(
            narrowed.decrypt(&token),
            Err(Error::AlgorithmNotAllowed(Algorithm::A128KW))
        ));
        assert!(
            d().with_allowed_algorithms(&[Algorithm::A128KW])
                .unwrap()
                .decrypt(&token)
                .is_ok()
        );
    }

    #[test]
    fn results_and_debug_say_what_they_hold() {
        let key = DecryptionKey::symmetric(Algorithm::A128KW, &[1; 16])
            .unwrap()
            .with_kid("k1");
        let token = crate::encrypt(
            &key.encryption_key(),
            EncryptionAlgorithm::A128GCM,
            b"secret words",
            &EncryptOptions::new(),
        )
        .unwrap();
        let decrypter = Decrypter::new(key);
        let decrypted = decrypter.decrypt(&token).unwrap();
        let shown = format!("{decrypted:?}");
        assert!(shown.starts_with("Decrypted {"), "{shown}");
        assert!(shown.contains("<12 bytes>"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(decrypted.kid(), Some("k1"));
        assert_eq!(decrypted.into_plaintext().as_slice(), b"secret words");
        let shown = format!("{decrypter:?}");
        assert!(shown.starts_with("Decrypter {"), "{shown}");
        assert!(shown.contains("algs: [A128KW]"), "{shown}");
        assert!(shown.contains("max_candidates: 4"), "{shown}");
        assert!(!shown.contains("known_headers"), "{shown}");
    }

    #[test]
    fn a_dir_key_keeps_its_cipher_and_its_checks() {
        let key = DecryptionKey::symmetric(Algorithm::Dir, &[9; 32]).unwrap();
        let seal =
            |enc| crate::encrypt(&key.encryption_key(), enc, b"x", &EncryptOptions::new()).unwrap();
        let decrypter = Decrypter::new(key.clone());
        for enc in [
            EncryptionAlgorithm::A256GCM,
            EncryptionAlgorithm::A128CBC_HS256,
        ] {
            let token = seal(enc.clone());
            // Twice: the second time through the kept cipher.
            for _ in 0..2 {
                assert_eq!(
                    decrypter.decrypt(&token).unwrap().plaintext(),
                    b"x",
                    "{enc}"
                );
            }
            // A tag one byte short, a flipped ciphertext bit, a short IV: one failure.
            let parts: Vec<&str> = token.split('.').collect();
            let tag = base64url::decode(parts[4]).unwrap();
            let short_tag = format!(
                "{}.{}.{}.{}.{}",
                parts[0],
                parts[1],
                parts[2],
                parts[3],
                base64url::encode(&tag[..tag.len() - 1])
            );
            assert_eq!(
                decrypter.decrypt(&short_tag).unwrap_err().failure(),
                Some(Failure::Decrypt),
                "{enc}"
            );
            let mut ct = base64url::decode(parts[3]).unwrap();
            ct[0] ^= 1;
            let flipped = format!(
                "{}.{}.{}.{}.{}",
                parts[0],
                parts[1],
                parts[2],
                base64url::encode(&ct),
                parts[4]
            );
            assert_eq!(
                decrypter.decrypt(&flipped).unwrap_err().failure(),
                Some(Failure::Decrypt),
                "{enc}"
            );
            let short_iv = format!(
                "{}.{}.{}.{}.{}",
                parts[0],
                parts[1],
                base64url::encode([0u8; 8]),
                parts[3],
                parts[4]
            );
            assert_eq!(
                decrypter.decrypt(&short_iv).unwrap_err().failure(),
                Some(Failure::Decrypt),
                "{enc}"
            );
        }
        // A token for a content encryption of another key size: the key's length decides.
        let other = DecryptionKey::symmetric(Algorithm::Dir, &[9; 16]).unwrap();
        let token = crate::encrypt(
            &other.encryption_key(),
            EncryptionAlgorithm::A128GCM,
            b"x",
            &EncryptOptions::new(),
        )
        .unwrap();
        assert_eq!(
            decrypter.decrypt(&token).unwrap_err().failure(),
            Some(Failure::KeyLength)
        );
    }
}
