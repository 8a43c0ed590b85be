//! The refresh token's cookie.
//!
//! # Where tokens live in a browser
//!
//! - The **refresh token** goes in a cookie that scripts cannot read (`HttpOnly`), that is
//!   sent only over HTTPS (`Secure`), only to this host (the `__Host-` prefix: no `Domain`,
//!   `Path=/`), and not on cross-site requests (`SameSite=Strict`). An XSS bug then cannot
//!   steal it; a stolen copy is caught on its second use anyway (reuse detection).
//!   Never put it in `localStorage` or `sessionStorage`: any script on the page reads those.
//! - The **access token** stays in the page's memory (a variable), is sent in the
//!   `Authorization: Bearer` header, and is lost on reload; the page then calls the refresh
//!   endpoint, which the cookie authenticates, to get a new one.
//!
//! # What is still up to the application
//!
//! - **XSS**: a script injected into the page can still *use* the session while the page is
//!   open (call the API with the in-memory access token, call the refresh endpoint). Keep a
//!   strict Content-Security-Policy, escape output, keep dependencies in check.
//! - **CSRF**: `SameSite=Strict` keeps the cookie off cross-site requests in current
//!   browsers; the refresh endpoint should still accept only `POST`, check `Origin` (or a
//!   CSRF token), and answer with `Cache-Control: no-store`.
//! - **Logout** clears the cookie ([`CookieOptions::clear_cookie`]) and revokes the session on the
//!   server ([`Authority::logout`](crate::Authority::logout)); clearing alone is not enough.

//!
//! # Cookie tossing
//!
//! A sibling subdomain (or a network attacker on plain HTTP) can set a cookie of the same
//! name for a wider path or domain, which the browser then sends beside the real one. The
//! `__Host-` prefix stops browsers from accepting such a cookie under this name, and
//! [`CookieOptions::read`] refuses a `Cookie` header that carries the name twice
//! ([`CookieError::Duplicate`]) rather than guessing which one is real.

use std::time::Duration;

pub use crate::error::CookieError;
use crate::token::RefreshToken;

/// The default cookie name; the `__Host-` prefix makes browsers enforce `Secure`, `Path=/`
/// and no `Domain`.
pub const DEFAULT_COOKIE_NAME: &str = "__Host-refresh";

const HOST_PREFIX: &str = "__Host-";

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    /// Never sent on cross-site requests (the default).
    #[default]
    Strict,
    /// Sent on top-level cross-site navigations too.
    Lax,
}

/// How the refresh cookie is written and read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieOptions {
    name: String,
    same_site: SameSite,
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self {
            name: DEFAULT_COOKIE_NAME.into(),
            same_site: SameSite::Strict,
        }
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl CookieOptions {
    /// `__Host-refresh`, `SameSite=Strict`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Another cookie name, which must keep the `__Host-` prefix (say `__Host-myapp-rt`).
    ///
    /// # Errors
    /// [`CookieError::NameWithoutHostPrefix`]; [`CookieError::InvalidName`] for characters
    /// a cookie name may not hold.
    pub fn with_name(self, name: &str) -> Result<Self, CookieError> {
        if !name.starts_with(HOST_PREFIX) {
            return Err(CookieError::NameWithoutHostPrefix);
        }
        self.with_name_without_host_prefix(name)
    }

    /// Another cookie name, **without** requiring the `__Host-` prefix. Only for a setup
    /// that cannot have it (say, a development server on plain `http://localhost`, where
    /// browsers refuse `Secure` cookies): without the prefix, a sibling subdomain can set a
    /// cookie of this name that shadows yours, and browsers no longer enforce `Path=/` and
    /// no `Domain`. Prefer [`CookieOptions::with_name`].
    ///
    /// # Errors
    /// [`CookieError::InvalidName`].
    pub fn with_name_without_host_prefix(mut self, name: &str) -> Result<Self, CookieError> {
        if !valid_name(name) {
            return Err(CookieError::InvalidName);
        }
        name.clone_into(&mut self.name);
        Ok(self)
    }

    /// Another `SameSite` policy.
    #[must_use]
    pub const fn with_same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// The cookie name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    fn attributes(&self, max_age: u64) -> String {
        let same_site = match self.same_site {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
        };
        format!("Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite={same_site}")
    }

    /// The `Set-Cookie` value that stores `token` for `max_age`, in whole seconds (the refresh
    /// token's remaining lifetime: [`TokenPair::refresh_max_age`](crate::TokenPair::refresh_max_age)).
    #[must_use]
    pub fn set_cookie(&self, token: &RefreshToken, max_age: Duration) -> String {
        let max_age = max_age.as_secs();
        format!(
            "{}={}; {}",
            self.name,
            token.expose(),
            self.attributes(max_age)
        )
    }

    /// The `Set-Cookie` value that deletes the cookie.
    #[must_use]
    pub fn clear_cookie(&self) -> String {
        format!("{}=; {}", self.name, self.attributes(0))
    }

    /// The refresh token of a `Cookie` request header (join several `Cookie` headers with
    /// `"; "` first). The cookie must be there exactly once.
    ///
    /// # Errors
    /// [`CookieError::Missing`]; [`CookieError::Duplicate`] when the name appears twice or
    /// more (cookie tossing: neither is trusted); [`CookieError::Malformed`].
    pub fn read(&self, cookie_header: &str) -> Result<RefreshToken, CookieError> {
        let mut values = cookie_header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(name, _)| name.trim_end() == self.name)
            .map(|(_, value)| value.trim());
        let value = values.next().ok_or(CookieError::Missing)?;
        if values.next().is_some() {
            return Err(CookieError::Duplicate);
        }
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        RefreshToken::parse(value).map_err(|_| CookieError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> RefreshToken {
        RefreshToken::generate().unwrap().0
    }

    #[test]
    fn names_keep_the_host_prefix_unless_opted_out() {
        let options = CookieOptions::new().with_name("__Host-app").unwrap();
        assert_eq!(options.name(), "__Host-app");
        assert_eq!(
            CookieOptions::new().with_name("refresh"),
            Err(CookieError::NameWithoutHostPrefix)
        );
        assert_eq!(
            CookieOptions::new().with_name("__Secure-refresh"),
            Err(CookieError::NameWithoutHostPrefix)
        );
        assert_eq!(
            CookieOptions::new().with_name("__Host-a b"),
            Err(CookieError::InvalidName)
        );
        let plain = CookieOptions::new()
            .with_name_without_host_prefix("rt")
            .unwrap();
        assert_eq!(plain.name(), "rt");
        for bad in ["", "a;b", "a=b", "a b", "é"] {
            assert_eq!(
                CookieOptions::new().with_name_without_host_prefix(bad),
                Err(CookieError::InvalidName),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn reading_refuses_missing_duplicate_and_malformed_cookies() {
        let options = CookieOptions::new();
        let t = token();
        let value = t.expose();
        let read = |h: &str| options.read(h).map(|t| t.expose().to_owned());
        assert_eq!(read(&format!("__Host-refresh={value}")).unwrap(), value);
        assert_eq!(
            read(&format!("a=1; __Host-refresh=\"{value}\" ; b=2")).unwrap(),
            value
        );
        assert_eq!(read("a=1; b=2"), Err(CookieError::Missing));
        assert_eq!(read(""), Err(CookieError::Missing));
        assert_eq!(read("__Host-refresh2=x"), Err(CookieError::Missing));
        assert_eq!(read("__Host-refresh=nope"), Err(CookieError::Malformed));
        // Two cookies of the name: refused, whichever is first and even if both are the
        // same or one is malformed.
        let other = token();
        for header in [
            format!("__Host-refresh={value}; __Host-refresh={}", other.expose()),
            format!("__Host-refresh={}; __Host-refresh={value}", other.expose()),
            format!("__Host-refresh={value}; __Host-refresh={value}"),
            format!("__Host-refresh=x; a=b; __Host-refresh ={value}"),
        ] {
            assert_eq!(read(&header), Err(CookieError::Duplicate), "{header}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        for (e, text) in [
            (CookieError::Missing, "no refresh cookie"),
            (CookieError::Duplicate, "present more than once"),
            (CookieError::Malformed, "not a refresh token"),
            (
                CookieError::NameWithoutHostPrefix,
                "must start with __Host-",
            ),
            (CookieError::InvalidName, "not a valid cookie name"),
        ] {
            assert!(e.to_string().contains(text), "{e}");
        }
    }

    #[test]
    fn set_and_clear() {
        let options = CookieOptions::new().with_same_site(SameSite::Lax);
        let t = token();
        assert_eq!(
            options.set_cookie(&t, Duration::from_secs(60)),
            format!(
                "__Host-refresh={}; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax",
                t.expose()
            )
        );
        assert_eq!(
            CookieOptions::new().clear_cookie(),
            "__Host-refresh=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
        );
    }
}
