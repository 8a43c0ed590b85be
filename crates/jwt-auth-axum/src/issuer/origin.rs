//! The `Origin` allow-list of the cookie endpoints (CSRF).

use std::fmt;

/// An origin that cannot be put on the allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginError(String);

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an origin (scheme://host[:port], http or https, nothing after)",
            self.0
        )
    }
}

impl std::error::Error for OriginError {}

/// Normalizes `scheme://host[:port]`: lower case, default ports dropped. `None` for
/// anything else (paths, user info, `null`, other schemes).
pub(super) fn normalize(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let authority = rest.to_ascii_lowercase();
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, _)) if !host.ends_with(']') && host.contains(':') => (authority, None),
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    (host_ok && port_ok).then(|| format!("{scheme}://{authority}"))
}

/// The allowed origins.
#[derive(Debug, Clone, Default)]
pub(super) struct Origins(Vec<String>);

impl Origins {
    pub(super) fn new<'a>(origins: impl IntoIterator<Item = &'a str>) -> Result<Self, OriginError> {
        origins
            .into_iter()
            .map(|o| normalize(o).ok_or_else(|| OriginError(o.chars().take(100).collect())))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether the request's `Origin` value is allowed (a missing one never is).
    pub(super) fn allows(&self, origin: Option<&str>) -> bool {
        origin
            .and_then(normalize)
            .is_some_and(|o| self.0.contains(&o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_compared_normalized_and_exactly() {
        let origins = Origins::new(["https://App.Example", "http://127.0.0.1:8080"]).unwrap();
        assert!(origins.allows(Some("https://app.example")));
        assert!(origins.allows(Some("https://app.example:443")));
        assert!(origins.allows(Some("http://127.0.0.1:8080")));
        assert!(!origins.allows(Some("http://127.0.0.1:8081")));
        assert!(!origins.allows(Some("http://app.example")));
        assert!(!origins.allows(Some("https://app.example.evil")));
        assert!(!origins.allows(Some("https://evil.app.example")));
        assert!(!origins.allows(Some("null")));
        assert!(!origins.allows(Some("https://app.example/")));
        assert!(!origins.allows(None));
        let err = Origins::new(["https://x/path"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("\"https://x/path\" is not an origin"),
            "{err}"
        );
        assert!(Origins::new(["ftp://x"]).is_err());
        assert!(Origins::new(["https://x:99999"]).is_err());
        assert!(Origins::new(["https://"]).is_err());
        assert_eq!(
            normalize("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
        assert_eq!(normalize("http://[::1]").as_deref(), Some("http://[::1]"));
        assert_eq!(
            normalize("HTTP://LOCALHOST:80").as_deref(),
            Some("http://localhost")
        );
    }
}
