//! Who issues tokens and who they are for, as two types: an issuer and an audience are
//! both URLs in practice, and a constructor taking two strings can be called with them
//! swapped, which then refuses every token (or, worse, accepts another issuer's).

use std::fmt;

/// The issuer identifier (`iss`, RFC 7519 4.1.1; RFC 8414 2): who signs the access
/// tokens, e.g. `https://auth.example`. Compared exactly, as a string.
///
/// ```
/// use jwt_auth::{Audience, Issuer};
///
/// let iss = Issuer::new("https://auth.example");
/// let aud = Audience::new("https://api.example");
/// assert_eq!(iss.as_str(), "https://auth.example");
/// assert_eq!(aud.to_string(), "https://api.example");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Issuer(String);

/// An audience (`aud`, RFC 7519 4.1.3; RFC 9068 3): the resource server an access token
/// is for, e.g. `https://api.example`. Compared exactly, as a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Audience(String);

impl Issuer {
    /// The issuer with this identifier.
    #[must_use]
    pub fn new(iss: impl Into<String>) -> Self {
        Self(iss.into())
    }

    /// The identifier.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Audience {
    /// The audience with this identifier.
    #[must_use]
    pub fn new(aud: impl Into<String>) -> Self {
        Self(aud.into())
    }

    /// The identifier.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
