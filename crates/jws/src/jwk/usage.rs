//! What a JWK may be used for: `use` (RFC 7517 4.2) and `key_ops` (RFC 7517 4.3).

use std::fmt;

/// The `use` of a JWK: signatures or encryption. Other values are kept as given (RFC 7517
/// allows them); a key with one serves neither signatures nor encryption here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyUse {
    /// `sig`: signatures (and MACs).
    Signature,
    /// `enc`: encryption, key wrapping, key agreement.
    Encryption,
    /// Another value, as given.
    Other(String),
}

impl KeyUse {
    /// The value as written in a JWK.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Signature => "sig",
            Self::Encryption => "enc",
            Self::Other(other) => other,
        }
    }

    /// The use written as `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            "sig" => Self::Signature,
            "enc" => Self::Encryption,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for KeyUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation in a JWK's `key_ops` (RFC 7517 4.3). Other values are kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyOperation {
    /// `sign`: compute a signature or MAC.
    Sign,
    /// `verify`: verify a signature or MAC.
    Verify,
    /// `encrypt`: encrypt content.
    Encrypt,
    /// `decrypt`: decrypt content and validate decryption.
    Decrypt,
    /// `wrapKey`: encrypt a key.
    WrapKey,
    /// `unwrapKey`: decrypt a key and validate decryption.
    UnwrapKey,
    /// `deriveKey`: derive a key.
    DeriveKey,
    /// `deriveBits`: derive bits not to be used as a key.
    DeriveBits,
    /// Another value, as given.
    Other(String),
}

impl KeyOperation {
    /// The value as written in a JWK.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sign => "sign",
            Self::Verify => "verify",
            Self::Encrypt => "encrypt",
            Self::Decrypt => "decrypt",
            Self::WrapKey => "wrapKey",
            Self::UnwrapKey => "unwrapKey",
            Self::DeriveKey => "deriveKey",
            Self::DeriveBits => "deriveBits",
            Self::Other(other) => other,
        }
    }

    /// The operation written as `name` (case-sensitive, as RFC 7517 says).
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            "sign" => Self::Sign,
            "verify" => Self::Verify,
            "encrypt" => Self::Encrypt,
            "decrypt" => Self::Decrypt,
            "wrapKey" => Self::WrapKey,
            "unwrapKey" => Self::UnwrapKey,
            "deriveKey" => Self::DeriveKey,
            "deriveBits" => Self::DeriveBits,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The `use` this operation belongs to: `sig` for `sign`/`verify`, `enc` for the
    /// registered others, none for unregistered values.
    #[must_use]
    pub const fn key_use(&self) -> Option<KeyUse> {
        match self {
            Self::Sign | Self::Verify => Some(KeyUse::Signature),
            Self::Other(_) => None,
            _ => Some(KeyUse::Encryption),
        }
    }
}

impl fmt::Display for KeyOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_kept() {
        for op in [
            KeyOperation::Sign,
            KeyOperation::Verify,
            KeyOperation::Encrypt,
            KeyOperation::Decrypt,
            KeyOperation::WrapKey,
            KeyOperation::UnwrapKey,
            KeyOperation::DeriveKey,
            KeyOperation::DeriveBits,
            KeyOperation::Other("custom".into()),
        ] {
            assert_eq!(KeyOperation::from_name(op.as_str()), op);
            assert_eq!(op.to_string(), op.as_str());
        }
        assert_eq!(
            KeyOperation::from_name("Sign"),
            KeyOperation::Other("Sign".into())
        );
        for u in [
            KeyUse::Signature,
            KeyUse::Encryption,
            KeyUse::Other("x".into()),
        ] {
            assert_eq!(KeyUse::from_name(u.as_str()), u);
            assert_eq!(u.to_string(), u.as_str());
        }
        assert_eq!(KeyOperation::Verify.key_use(), Some(KeyUse::Signature));
        assert_eq!(KeyOperation::WrapKey.key_use(), Some(KeyUse::Encryption));
        assert_eq!(KeyOperation::Other("x".into()).key_use(), None);
    }
}
