//! Refresh tokens ([`RefreshToken`]): ids, secrets, hashes, successors.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use jws::base64url;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::AuthError;

const PREFIX: &str = "rt1.";
const ID_LEN: usize = 16;
const SECRET_LEN: usize = 32;
/// Characters of an encoded id (16 bytes) and secret (32 bytes).
const ID_CHARS: usize = 22;
const SECRET_CHARS: usize = 43;
/// The length of a refresh token string.
pub const REFRESH_TOKEN_LEN: usize = PREFIX.len() + ID_CHARS + 1 + SECRET_CHARS;

/// Fills `buf` from the operating system's generator.
pub(crate) fn random(buf: &mut [u8]) -> Result<(), AuthError> {
    getrandom::fill(buf).map_err(|_| AuthError::Random)
}

/// A refresh token's public lookup id (128 random bits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(pub(crate) [u8; ID_LEN]);

impl TokenId {
    /// A new random id.
    ///
    /// # Errors
    /// [`AuthError::Random`] when the generator fails.
    pub fn random() -> Result<Self, AuthError> {
        let mut id = [0u8; ID_LEN];
        random(&mut id)?;
        Ok(Self(id))
    }

    /// The id's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; ID_LEN] {
        &self.0
    }

    /// The id from its bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; ID_LEN]) -> Self {
        Self(bytes)
    }

    /// The id in base64url, as stores may keep it.
    #[must_use]
    pub fn to_base64url(&self) -> String {
        base64url::encode(self.0)
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({})", self.to_base64url())
    }
}

/// A login session: one family of refresh tokens, and the `sid` of its access tokens.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FamilyId(pub(crate) String);

impl FamilyId {
    /// A new random family id (128 bits, base64url).
    ///
    /// # Errors
    /// [`AuthError::Random`] when the generator fails.
    pub fn random() -> Result<Self, AuthError> {
        let mut id = [0u8; 16];
        random(&mut id)?;
        Ok(Self(base64url::encode(id)))
    }

    /// The id as text (it is the access tokens' `sid`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A family id from its text.
    #[must_use]
    pub fn from_string(id: String) -> Self {
        Self(id)
    }
}

impl fmt::Debug for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyId({})", self.0)
    }
}

impl fmt::Display for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// SHA-256 of a refresh token's secret: what a store keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecretHash(pub(crate) [u8; 32]);

impl SecretHash {
    /// The hash's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A hash from its bytes (as read from a store).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Whether `secret` hashes to this, compared in constant time.
    #[must_use]
    pub(crate) fn matches(&self, secret: &[u8; SECRET_LEN]) -> bool {
        let digest = Sha256::digest(secret);
        bool::from(digest.as_slice().ct_eq(&self.0))
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

/// A refresh token as given to a client. The secret is zeroized on drop and never shown by
/// `Debug`; [`RefreshToken::expose`] gives the string to send.
///
/// Refresh tokens: opaque strings carrying a public lookup id and a 256-bit secret.
///
/// Format: `rt1.` + base64url(16-byte id) + `.` + base64url(32-byte secret), 70 characters.
/// The server stores only the id and SHA-256 of the secret; it finds the record by id (an
/// ordinary, indexed lookup whose timing reveals nothing about the secret) and then compares
/// the secret's hash in constant time.
///
/// A session's first token is random. Each later one (the *successor* of the token it
/// replaces) is derived from its parent's id and secret with a server key,
/// `HMAC-SHA256(key, label || id || secret)`: the store still keeps only hashes, and a
/// second presentation of the parent within the grace period gets exactly the same
/// successor back instead of a second live token (see [`crate::store::rotation`]).
#[derive(Clone)]
pub struct RefreshToken {
    text: Zeroizing<String>,
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(<redacted>)")
    }
}

impl RefreshToken {
    /// A new token: a random id and secret, and the hash to store.
    pub(crate) fn generate() -> Result<(Self, TokenId, SecretHash), AuthError> {
        let id = TokenId::random()?;
        let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
        random(secret.as_mut())?;
        Ok(Self::from_parts(id, &secret))
    }

    /// The token of an id and a secret, with the hash to store.
    fn from_parts(id: TokenId, secret: &[u8; SECRET_LEN]) -> (Self, TokenId, SecretHash) {
        let hash = SecretHash(Sha256::digest(secret).into());
        let mut text = Zeroizing::new(String::with_capacity(REFRESH_TOKEN_LEN));
        text.push_str(PREFIX);
        base64url::encode_to(id.0, &mut text);
        text.push('.');
        base64url::encode_to(secret, &mut text);
        (Self { text }, id, hash)
    }

    /// Reads a token a client sent. Only the exact format passes: the prefix, the two
    /// lengths, canonical base64url; anything else is refused before any lookup.
    ///
    /// # Errors
    /// [`AuthError::InvalidRefreshToken`].
    pub fn parse(text: &str) -> Result<Self, AuthError> {
        // Checked before anything is copied.
        split(text)?;
        Ok(Self {
            text: Zeroizing::new(text.to_owned()),
        })
    }

    /// The id and the secret.
    pub(crate) fn parts(&self) -> Result<(TokenId, Zeroizing<[u8; SECRET_LEN]>), AuthError> {
        split(&self.text)
    }

    /// The token's lookup id.
    ///
    /// # Errors
    /// Never for a token built by this crate or accepted by [`RefreshToken::parse`].
    pub fn id(&self) -> Result<TokenId, AuthError> {
        self.parts().map(|(id, _)| id)
    }

    /// The string to send to the client (in an `HttpOnly` cookie: see [`crate::cookie`]).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.text
    }
}

/// The server key from which the successor of a refresh token is derived (a subkey of the
/// [`KeyEncryptionKey`](crate::KeyEncryptionKey), so that every instance of an issuer
/// derives the same successor).
#[derive(Clone)]
pub(crate) struct SuccessorKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for SuccessorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SuccessorKey(<redacted>)")
    }
}

impl SuccessorKey {
    pub(crate) const fn new(key: Zeroizing<[u8; 32]>) -> Self {
        Self(key)
    }

    fn mac(&self, label: &[u8], id: &TokenId, secret: &[u8; SECRET_LEN]) -> [u8; 32] {
        // A 32-byte key always fits HMAC.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(label);
        mac.update(&id.0);
        mac.update(secret);
        mac.finalize().into_bytes().into()
    }

    /// The successor of the token `(id, secret)`: the token, its id and its secret's hash.
    /// The same parent always gives the same successor; without the key, a parent says
    /// nothing about its successor.
    pub(crate) fn successor(
        &self,
        id: &TokenId,
        secret: &[u8; SECRET_LEN],
    ) -> (RefreshToken, TokenId, SecretHash) {
        let id_block = self.mac(b"jwt-auth rt1 successor id", id, secret);
        let mut next_id = [0u8; ID_LEN];
        next_id.copy_from_slice(id_block.get(..ID_LEN).unwrap_or(&[0u8; ID_LEN]));
        let next_secret = Zeroizing::new(self.mac(b"jwt-auth rt1 successor secret", id, secret));
        RefreshToken::from_parts(TokenId(next_id), &next_secret)
    }
}

/// The id and the secret of a token's text, checked to the exact format, without copying
/// the text.
pub(crate) fn split(text: &str) -> Result<(TokenId, Zeroizing<[u8; SECRET_LEN]>), AuthError> {
    let bad = || AuthError::InvalidRefreshToken;
    if text.len() != REFRESH_TOKEN_LEN {
        return Err(bad());
    }
    let rest = text.strip_prefix(PREFIX).ok_or_else(bad)?;
    let (id, secret) = rest.split_once('.').ok_or_else(bad)?;
    // The total length is fixed, so a right-sized id leaves a right-sized secret.
    if id.len() != ID_CHARS {
        return Err(bad());
    }
    let mut id_bytes = [0u8; ID_LEN];
    if base64url::decode_to_slice(id, &mut id_bytes).map_err(|_| bad())? != ID_LEN {
        return Err(bad());
    }
    let mut secret_bytes = Zeroizing::new([0u8; SECRET_LEN]);
    if base64url::decode_to_slice(secret, secret_bytes.as_mut()).map_err(|_| bad())? != SECRET_LEN {
        return Err(bad());
    }
    Ok((TokenId(id_bytes), secret_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_and_match_their_hash() {
        let (token, id, hash) = RefreshToken::generate().unwrap();
        assert_eq!(token.expose().len(), REFRESH_TOKEN_LEN);
        assert!(token.expose().starts_with("rt1."));
        let parsed = RefreshToken::parse(token.expose()).unwrap();
        let (pid, secret) = parsed.parts().unwrap();
        assert_eq!(pid, id);
        assert!(hash.matches(&secret));
        let mut other = *secret;
        other[0] ^= 1;
        assert!(!hash.matches(&other));
        assert!(!format!("{token:?}").contains(&token.expose()[4..]));
        assert!(!format!("{hash:?}").contains(&base64url::encode(hash.0)));
    }

    #[test]
    fn debug_shows_ids_and_hides_secrets() {
        let (token, id, hash) = RefreshToken::generate().unwrap();
        assert_eq!(format!("{token:?}"), "RefreshToken(<redacted>)");
        assert_eq!(format!("{hash:?}"), "SecretHash(..)");
        assert_eq!(format!("{id:?}"), format!("TokenId({})", id.to_base64url()));
        let family = FamilyId::from_string("fam-1".into());
        assert_eq!(format!("{family:?}"), "FamilyId(fam-1)");
        assert_eq!(family.to_string(), "fam-1");
    }

    #[test]
    fn successors_are_derived_from_the_parent_and_the_key() {
        let key = SuccessorKey::new(Zeroizing::new([9u8; 32]));
        let (parent, _, _) = RefreshToken::generate().unwrap();
        let (id, secret) = parent.parts().unwrap();
        let (a, a_id, a_hash) = key.successor(&id, &secret);
        let (b, b_id, b_hash) = key.successor(&id, &secret);
        assert_eq!(
            a.expose(),
            b.expose(),
            "the same parent, the same successor"
        );
        assert_eq!((a_id, a_hash), (b_id, b_hash));
        assert_eq!(a.id().unwrap(), a_id);
        let (_, a_secret) = a.parts().unwrap();
        assert!(a_hash.matches(&a_secret));
        assert_ne!(a_id, id);
        assert_ne!(*a_secret, *secret);
        // Another key, another id or another secret: another successor.
        let other_key = SuccessorKey::new(Zeroizing::new([8u8; 32]));
        assert_ne!(other_key.successor(&id, &secret).0.expose(), a.expose());
        let mut other_secret = *secret;
        other_secret[31] ^= 1;
        assert_ne!(key.successor(&id, &other_secret).0.expose(), a.expose());
        let mut other_id = id;
        other_id.0[0] ^= 1;
        assert_ne!(key.successor(&other_id, &secret).0.expose(), a.expose());
        // Id and secret come from different labels.
        let id_tail = &a.expose()[4..26];
        assert!(!a.expose()[27..].starts_with(id_tail));
        assert!(!format!("{key:?}").contains('9'));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let (token, _, _) = RefreshToken::generate().unwrap();
        let good = token.expose().to_owned();
        let mut cases = vec![
            String::new(),
            "rt1.".into(),
            good[..good.len() - 1].to_owned(),
            format!("{good}A"),
            good.replacen("rt1.", "rt2.", 1),
            good.replacen('.', "!", 1),
            format!(" {}", &good[1..]),
            good.replace('.', ""),
        ];
        // A bad character in the secret, and a non-canonical last character.
        let mut chars: Vec<char> = good.chars().collect();
        chars[30] = '*';
        cases.push(chars.iter().collect());
        let mut chars: Vec<char> = good.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == 'B' { 'C' } else { 'B' };
        cases.push(chars.iter().collect());
        // The id and secret swapped around the dot.
        let (id, secret) = good[4..].split_once('.').unwrap();
        cases.push(format!("rt1.{secret}.{id}"));
        for case in cases {
            assert!(
                matches!(
                    RefreshToken::parse(&case),
                    Err(AuthError::InvalidRefreshToken)
                ),
                "{case:?}"
            );
        }
    }
}
