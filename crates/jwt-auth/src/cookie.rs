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
//! - **Logout** clears the cookie ([`clear_refresh_cookie`]) and revokes the session on the
//!   server ([`Authority::logout`](crate::Authority::logout)); clearing alone is not enough.

use crate::token::RefreshToken;

/// The default cookie name; the `__Host-` prefix makes browsers enforce `Secure`, `Path=/`
/// and no `Domain`.
pub const DEFAULT_COOKIE_NAME: &str = "__Host-refresh";

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    /// Never sent on cross-site requests (the default).
    #[default]
    Strict,
    /// Sent on top-level cross-site navigations too.
    Lax,
}

/// How the refresh cookie is written.
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

impl CookieOptions {
    /// `__Host-refresh`, `SameSite=Strict`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Another cookie name (keep the `__Host-` prefix unless you know why not). Names
    /// with characters a cookie name may not hold are refused (the default is kept).
    #[must_use]
    pub fn with_name(mut self, name: &str) -> Self {
        if !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            self.name = name.to_owned();
        }
        self
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

    /// The `Set-Cookie` value that stores `token` for `max_age` seconds (the refresh
    /// token's remaining lifetime: [`TokenPair::refresh_max_age`](crate::TokenPair::refresh_max_age)).
    #[must_use]
    pub fn set_cookie(&self, token: &RefreshToken, max_age: u64) -> String {
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

    /// The refresh token in a `Cookie` request header, if present and well-formed.
    #[must_use]
    pub fn read(&self, cookie_header: &str) -> Option<RefreshToken> {
        cookie_header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(name, _)| *name == self.name)
            .find_map(|(_, value)| RefreshToken::parse(value.trim_matches('"')).ok())
    }
}

/// `Set-Cookie` for the refresh token with the default options.
#[must_use]
pub fn refresh_cookie(token: &RefreshToken, max_age: u64) -> String {
    CookieOptions::default().set_cookie(token, max_age)
}

/// `Set-Cookie` that deletes the refresh cookie, default options.
#[must_use]
pub fn clear_refresh_cookie() -> String {
    CookieOptions::default().clear_cookie()
}

/// The refresh token of a `Cookie` header, default options.
#[must_use]
pub fn read_refresh_cookie(cookie_header: &str) -> Option<RefreshToken> {
    CookieOptions::default().read(cookie_header)
}
