//! How long a fetched set stays fresh: `Cache-Control: max-age` (RFC 9111 5.2.2.1), less
//! `Age`, clamped.

use std::time::Duration;

/// The freshness lifetime of a response with these `Cache-Control` and `Age` values:
/// `max-age` less `Age`, or `default` without a usable `max-age`; `no-cache`, `no-store`
/// and `max-age=0` give the minimum. The result is clamped to `[min, max]`.
#[must_use]
pub fn freshness(
    cache_control: Option<&str>,
    age: Option<&str>,
    default: Duration,
    min: Duration,
    max: Duration,
) -> Duration {
    let mut max_age: Option<u64> = None;
    let mut no_cache = false;
    for directive in cache_control.unwrap_or_default().split(',') {
        let (name, value) = match directive.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (directive.trim(), None),
        };
        if name.eq_ignore_ascii_case("max-age") {
            match value.map(str::parse::<u64>) {
                Some(Ok(seconds)) if max_age.is_none() => max_age = Some(seconds),
                // A second max-age (RFC 9111 4.2.1: the response is then stale), or an
                // invalid value (negative, not a number, overflow): stale.
                _ => no_cache = true,
            }
        } else if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
            no_cache = true;
        }
    }
    let lifetime = if no_cache {
        Duration::ZERO
    } else {
        match max_age {
            Some(seconds) => {
                let age = age
                    .and_then(|a| a.trim().parse::<u64>().ok())
                    .unwrap_or_default();
                Duration::from_secs(seconds.saturating_sub(age))
            }
            None => default,
        }
    };
    lifetime.clamp(min, max.max(min))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const MAX: Duration = Duration::from_secs(86_400);
    const DEFAULT: Duration = Duration::from_secs(600);

    fn f(cc: Option<&str>, age: Option<&str>) -> u64 {
        freshness(cc, age, DEFAULT, MIN, MAX).as_secs()
    }

    #[test]
    fn max_age_is_honoured_and_clamped() {
        assert_eq!(f(Some("public, max-age=3600"), None), 3600);
        assert_eq!(f(Some("MAX-AGE=\"120\""), None), 120);
        assert_eq!(f(Some("max-age=60"), None), 60);
        assert_eq!(f(Some("max-age=59"), None), 60);
        assert_eq!(f(Some("max-age=1"), None), 60);
        assert_eq!(f(Some("max-age=86400"), None), 86_400);
        assert_eq!(f(Some("max-age=86401"), None), 86_400);
        assert_eq!(f(Some("max-age=99999999999999999999999"), None), 60);
    }

    #[test]
    fn absent_or_unusable() {
        assert_eq!(f(None, None), 600);
        assert_eq!(f(Some("public"), None), 600);
        assert_eq!(f(Some("s-maxage=5000"), None), 600);
        assert_eq!(f(Some("no-cache"), None), 60);
        assert_eq!(f(Some("max-age=3600, no-store"), None), 60);
        assert_eq!(f(Some("max-age=-1"), None), 60);
        assert_eq!(f(Some("max-age=abc"), None), 60);
        assert_eq!(f(Some("max-age"), None), 60);
        assert_eq!(f(Some("max-age=3600, max-age=7200"), None), 60);
    }

    #[test]
    fn age_is_subtracted() {
        assert_eq!(f(Some("max-age=3600"), Some("600")), 3000);
        assert_eq!(f(Some("max-age=3600"), Some("3599")), 60);
        assert_eq!(f(Some("max-age=3600"), Some("junk")), 3600);
        assert_eq!(f(None, Some("100")), 600);
    }

    #[test]
    fn a_minimum_above_the_maximum_wins() {
        let d = freshness(None, None, DEFAULT, MAX, MIN);
        assert_eq!(d, MAX);
    }
}
