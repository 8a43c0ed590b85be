//! The registered claim names of RFC 7519 4.1.

use std::fmt;

/// The registered claim names of RFC 7519 4.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegisteredClaim {
    /// `iss`: the issuer.
    Iss,
    /// `sub`: the subject.
    Sub,
    /// `aud`: the audience.
    Aud,
    /// `exp`: the expiration time.
    Exp,
    /// `nbf`: the time before which the token must not be accepted.
    Nbf,
    /// `iat`: the time at which the token was issued.
    Iat,
    /// `jti`: the token's unique identifier.
    Jti,
}

impl RegisteredClaim {
    /// Every registered claim.
    pub const ALL: [Self; 7] = [
        Self::Iss,
        Self::Sub,
        Self::Aud,
        Self::Exp,
        Self::Nbf,
        Self::Iat,
        Self::Jti,
    ];

    /// The claim's name in JSON.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Iss => "iss",
            Self::Sub => "sub",
            Self::Aud => "aud",
            Self::Exp => "exp",
            Self::Nbf => "nbf",
            Self::Iat => "iat",
            Self::Jti => "jti",
        }
    }

    /// The registered claim with this JSON name, if any.
    #[must_use]
    #[inline]
    pub fn from_name(name: &str) -> Option<Self> {
        // Three bytes compared at once, rather than seven string comparisons.
        let three: [u8; 3] = name.as_bytes().try_into().ok()?;
        Some(match &three {
            b"iss" => Self::Iss,
            b"sub" => Self::Sub,
            b"aud" => Self::Aud,
            b"exp" => Self::Exp,
            b"nbf" => Self::Nbf,
            b"iat" => Self::Iat,
            b"jti" => Self::Jti,
            _ => return None,
        })
    }
}

impl fmt::Display for RegisteredClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
