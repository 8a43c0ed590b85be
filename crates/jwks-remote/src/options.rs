//! Settings of a remote set, each with a safe default.

use std::sync::Arc;
use std::time::Duration;

use jws::{Algorithm, Clock, Limits, SystemClock};

use crate::fetch::Fetcher;

/// What to do with a key of a fetched set that cannot be used (malformed, too weak, not
/// valid for its `alg`). A set that publishes private or secret key material is refused
/// under every policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyPolicy {
    /// Leave the key out, with a `tracing` warning; the other keys serve (the default:
    /// one bad key among several does not take the issuer's tokens down).
    #[default]
    SkipInvalid,
    /// Refuse the whole set, as [`jws::JwkSet::from_json`] and
    /// [`jws::Verifier::from_jwk_set`] do; a refresh that brings such a set counts as a
    /// failed refresh (the last good set keeps serving while it may).
    RefuseSet,
}

/// Settings of a [`RemoteJwkSet`](crate::RemoteJwkSet).
///
/// ```
/// use std::time::Duration;
/// use jwks_remote::{KeyPolicy, Options};
///
/// let options = Options::default()
///     .with_timeout(Duration::from_secs(2))
///     .with_cooldown(Duration::from_secs(60))
///     .with_key_policy(KeyPolicy::RefuseSet);
/// assert_eq!(options.cooldown(), Duration::from_secs(60));
/// ```
#[derive(Clone)]
pub struct Options {
    pub(crate) allow_http_loopback: bool,
    pub(crate) timeout: Duration,
    pub(crate) max_body: usize,
    pub(crate) max_keys: usize,
    pub(crate) max_redirects: usize,
    pub(crate) default_max_age: Duration,
    pub(crate) min_max_age: Duration,
    pub(crate) max_max_age: Duration,
    pub(crate) cooldown: Duration,
    pub(crate) negative_ttl: Duration,
    pub(crate) stale_if_error: Duration,
    pub(crate) key_policy: KeyPolicy,
    pub(crate) allowed: Option<Vec<Algorithm>>,
    pub(crate) limits: Limits,
    pub(crate) max_candidates: Option<usize>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) fetcher: Option<Arc<dyn Fetcher>>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("allow_http_loopback", &self.allow_http_loopback)
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .field("max_keys", &self.max_keys)
            .field("max_redirects", &self.max_redirects)
            .field("default_max_age", &self.default_max_age)
            .field("min_max_age", &self.min_max_age)
            .field("max_max_age", &self.max_max_age)
            .field("cooldown", &self.cooldown)
            .field("negative_ttl", &self.negative_ttl)
            .field("stale_if_error", &self.stale_if_error)
            .field("key_policy", &self.key_policy)
            .field("allowed", &self.allowed)
            .field("fetcher", &self.fetcher)
            .finish_non_exhaustive()
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            allow_http_loopback: false,
            timeout: Self::DEFAULT_TIMEOUT,
            max_body: Self::DEFAULT_MAX_BODY,
            max_keys: jws::JwkSet::DEFAULT_MAX_KEYS,
            max_redirects: 0,
            default_max_age: Self::DEFAULT_MAX_AGE,
            min_max_age: Self::MIN_MAX_AGE,
            max_max_age: Self::MAX_MAX_AGE,
            cooldown: Self::DEFAULT_COOLDOWN,
            negative_ttl: Self::DEFAULT_NEGATIVE_TTL,
            stale_if_error: Self::DEFAULT_STALE_IF_ERROR,
            key_policy: KeyPolicy::default(),
            allowed: None,
            limits: Limits::default(),
            max_candidates: None,
            clock: Arc::new(SystemClock),
            fetcher: None,
        }
    }
}

impl Options {
    /// Request timeout: 5 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Body cap: 256 KiB.
    pub const DEFAULT_MAX_BODY: usize = 256 * 1024;
    /// Freshness of a set served without `Cache-Control: max-age`: 10 min.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);
    /// The shortest freshness a `max-age` can ask for: 1 min.
    pub const MIN_MAX_AGE: Duration = Duration::from_secs(60);
    /// The longest freshness a `max-age` can ask for: 24 h.
    pub const MAX_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
    /// The least time between two fetches of one set: 30 s.
    pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30);
    /// How long a `kid` that a refetch did not find is answered without another: 60 s.
    pub const DEFAULT_NEGATIVE_TTL: Duration = Duration::from_secs(60);
    /// How long an expired set keeps serving while refreshes fail: 24 h.
    pub const DEFAULT_STALE_IF_ERROR: Duration = Duration::from_secs(24 * 3600);

    /// Allows plain `http` URLs to a loopback host (`localhost`, 127.0.0.0/8, `::1`): for
    /// tests and sidecars. Any other `http` URL stays refused.
    #[must_use]
    pub const fn allow_http_loopback(mut self) -> Self {
        self.allow_http_loopback = true;
        self
    }

    /// The time a fetch may take in all (connection, redirects, body).
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest body read, in bytes (for the set and the discovery document).
    #[must_use]
    pub const fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The most keys in a set (100 by default); a larger set is refused.
    #[must_use]
    pub const fn with_max_keys(mut self, keys: usize) -> Self {
        self.max_keys = keys;
        self
    }

    /// Follows at most this many redirects (0 by default: a redirect is an error). Each
    /// target must pass the same URL policy (https).
    #[must_use]
    pub const fn with_max_redirects(mut self, redirects: usize) -> Self {
        self.max_redirects = redirects;
        self
    }

    /// Freshness when the response has no `Cache-Control: max-age` (10 min by default).
    #[must_use]
    pub const fn with_default_max_age(mut self, max_age: Duration) -> Self {
        self.default_max_age = max_age;
        self
    }

    /// The bounds a response's `max-age` is clamped to (1 min and 24 h by default).
    #[must_use]
    pub const fn with_max_age_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.min_max_age = min;
        self.max_max_age = max;
        self
    }

    /// The least time between two fetches, whatever asks for them (30 s by default).
    #[must_use]
    pub const fn with_cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// How long a `kid` that a refetch did not find is refused without another fetch.
    #[must_use]
    pub const fn with_negative_ttl(mut self, ttl: Duration) -> Self {
        self.negative_ttl = ttl;
        self
    }

    /// How long an expired set keeps serving while refreshes fail (24 h by default);
    /// after that, verification fails closed with [`Error::Stale`](crate::Error::Stale).
    #[must_use]
    pub const fn with_stale_if_error(mut self, bound: Duration) -> Self {
        self.stale_if_error = bound;
        self
    }

    /// What to do with an unusable key of a fetched set.
    #[must_use]
    pub const fn with_key_policy(mut self, policy: KeyPolicy) -> Self {
        self.key_policy = policy;
        self
    }

    /// Verifies only these algorithms. Without this, each key serves the `alg` it names
    /// and keys without an `alg` are left out (a set cannot widen the algorithms of a key
    /// that does not say).
    #[must_use]
    pub fn with_allowed_algorithms(mut self, allowed: &[Algorithm]) -> Self {
        self.allowed = Some(allowed.to_vec());
        self
    }

    /// The token limits of the verifiers built from the set.
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The most keys tried for one token (see [`jws::Verifier::with_max_candidates`]).
    #[must_use]
    pub const fn with_max_candidates(mut self, n: usize) -> Self {
        self.max_candidates = Some(n);
        self
    }

    /// The clock of freshness, cooldown and stale bounds (the system clock by default).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Fetches with this client instead of the default [`HttpFetcher`](crate::HttpFetcher).
    #[must_use]
    pub fn with_fetcher(mut self, fetcher: Arc<dyn Fetcher>) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// The request timeout.
    #[must_use]
    pub const fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The cooldown between fetches.
    #[must_use]
    pub const fn cooldown(&self) -> Duration {
        self.cooldown
    }

    /// The stale-if-error bound.
    #[must_use]
    pub const fn stale_if_error(&self) -> Duration {
        self.stale_if_error
    }

    /// The body cap.
    #[must_use]
    pub const fn max_body(&self) -> usize {
        self.max_body
    }
}
