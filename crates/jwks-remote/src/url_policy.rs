//! Which URLs a set (or a discovery document) may be fetched from.

use std::net::IpAddr;

use url::{Host, Url};

use crate::FetchError;

/// Parses `url` and checks it against the policy: `https`, or `http` to a loopback host
/// when `allow_http_loopback`; a host; no user name or password.
pub(crate) fn parse(url: &str, allow_http_loopback: bool) -> Result<Url, FetchError> {
    let parsed = Url::parse(url).map_err(|e| FetchError::InvalidUrl(e.to_string()))?;
    check(&parsed, allow_http_loopback)?;
    Ok(parsed)
}

/// Checks an already parsed URL (a redirect target, a discovered `jwks_uri`).
pub(crate) fn check(url: &Url, allow_http_loopback: bool) -> Result<(), FetchError> {
    let Some(host) = url.host() else {
        return Err(FetchError::InvalidUrl("no host".into()));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::InvalidUrl(
            "credentials in the URL are not sent".into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http_loopback && is_loopback(&host) => Ok(()),
        other => Err(FetchError::InsecureUrl {
            scheme: other.to_owned(),
        }),
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_only_except_opted_in_loopback() {
        assert!(parse("https://issuer.example/jwks.json", false).is_ok());
        for url in [
            "http://127.0.0.1:8080/jwks",
            "http://localhost/jwks",
            "http://[::1]/jwks",
            "http://127.2.3.4/",
        ] {
            assert!(
                matches!(parse(url, false), Err(FetchError::InsecureUrl { .. })),
                "{url}"
            );
            assert!(parse(url, true).is_ok(), "{url}");
        }
        for url in [
            "http://issuer.example/jwks",
            "http://10.0.0.1/jwks",
            "http://localhost.evil.example/",
            "ftp://127.0.0.1/jwks",
            "file:///etc/passwd",
        ] {
            assert!(parse(url, true).is_err(), "{url}");
        }
    }

    #[test]
    fn malformed_urls_and_credentials() {
        assert!(matches!(
            parse("not a url", false),
            Err(FetchError::InvalidUrl(_))
        ));
        assert!(matches!(
            parse("https://user:pw@issuer.example/", false),
            Err(FetchError::InvalidUrl(_))
        ));
        assert!(matches!(
            parse("https://user@issuer.example/", false),
            Err(FetchError::InvalidUrl(_))
        ));
    }
}
