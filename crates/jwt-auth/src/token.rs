//! Refresh tokens: opaque strings carrying a public lookup id and a 256-bit secret.
//!
//! Format: `rt1.` + base64url(16-byte id) + `.` + base64url(32-byte secret), 70 characters.
//! The server stores only the id and SHA-256 of the secret; it finds the record by id (an
//! ordinary, indexed lookup whose timing reveals nothing about the secret) and then compares
//! the secret's hash in constant time.

use std::fmt;

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
        let hash = SecretHash(Sha256::digest(secret.as_ref()).into());
        let mut text = Zeroizing::new(String::with_capacity(REFRESH_TOKEN_LEN));
        text.push_str(PREFIX);
        base64url::encode_to(id.0, &mut text);
        text.push('.');
        base64url::encode_to(secret.as_ref(), &mut text);
        Ok((Self { text }, id, hash))
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

/// The id and the secret of a token's text, checked to the exact format, without copying
/// the text.
pub(crate) fn split(text: &str) -> Result<(TokenId, Zeroizing<[u8; SECRET_LEN]>), AuthError> {
    let bad = || AuthError::InvalidRefreshToken;
    if text.len() != REFRESH_TOKEN_LEN {
        return Err(bad());
    }
    let rest = text.strip_prefix(PREFIX).ok_or_else(bad)?;
    let (id, secret) = rest.split_once('.').ok_or_else(bad)?;
    if id.len() != ID_CHARS || secret.len() != SECRET_CHARS {
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
