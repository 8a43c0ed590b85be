//! The cache: a set served from memory, refreshed by one fetch at a time.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use jws::{JwkSet, Validation, Verified, VerifiedPayload, Verifier};
use serde::de::DeserializeOwned;
use url::Url;

use crate::discovery::{self, DiscoveryDocument};
use crate::fetch::{self, Fetcher};
use crate::negative::NegativeCache;
use crate::state::{Inner, Snapshot};
use crate::stats::{Counters, Stats};
use crate::{Error, FetchError, Options, url_policy};

/// An error that can say "no trusted key for this token": the answer that makes a
/// [`RemoteJwkSet`] refetch its set once (within the cooldown) and try again.
pub trait KeyMiss {
    /// `Some(kid)` (the token's `kid`, if it has one) when no trusted key matched the
    /// token; `None` for any other failure.
    fn missing_key(&self) -> Option<Option<&str>>;
}

impl KeyMiss for jws::Error {
    fn missing_key(&self) -> Option<Option<&str>> {
        match self {
            Self::NoMatchingKey { kid } => Some(kid.as_deref()),
            _ => None,
        }
    }
}

impl KeyMiss for Error {
    fn missing_key(&self) -> Option<Option<&str>> {
        match self {
            Self::Jws(e) => e.missing_key(),
            _ => None,
        }
    }
}

/// A JWK Set fetched over HTTPS and kept fresh: the source of trusted keys of a resource
/// server that follows the issuer's key rotation by itself.
///
/// - Keys are served from memory; a verification that finds the set fresh takes no lock
///   (the set is an atomically swapped `Arc`).
/// - The set is fresh for the response's `Cache-Control: max-age` (less `Age`), clamped to
///   [1 min, 24 h], or 10 min without one. In the last tenth of that time a verification
///   starts a background refresh (on a Tokio runtime); past it, verifications wait for
///   one.
/// - A token whose `kid` the set does not hold makes the set refetch once, then answers.
///   Fetches of one set are at least the cooldown apart (30 s), however many requests or
///   distinct unknown `kid`s ask; concurrent callers share one fetch; a `kid` still
///   unknown after a refetch is answered from a short negative cache.
/// - When refreshes fail, the last good set keeps serving for a bounded time after its
///   expiry (24 h), then verification fails closed with [`Error::Stale`].
/// - URLs are `https` (loopback `http` by opt-in), redirects are not followed, a fetch
///   has a timeout (5 s) and a body cap (256 KiB), the answer must be 200 and JSON, the
///   set goes through the strict JWK Set parser, and a set with private keys is refused.
///
/// Cloning is cheap and shares the cache.
///
/// ```no_run
/// use jwks_remote::RemoteJwkSet;
/// use jws::Validation;
///
/// # async fn run(token: &str) -> Result<(), jwks_remote::Error> {
/// let jwks = RemoteJwkSet::from_discovery("https://issuer.example").await?;
/// let validation = Validation::new().with_issuer("https://issuer.example").with_audience("api");
/// let verified = jwks.verify::<serde_json::Value>(token, &validation).await?;
/// println!("hello, {:?}", verified.claims().sub);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RemoteJwkSet {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RemoteJwkSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwkSet")
            .field("url", &self.inner.url.as_str())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The allowed algorithms must sign.
fn check_allowed(options: &Options) -> Result<(), Error> {
    match options
        .allowed
        .iter()
        .flatten()
        .find(|alg| !alg.is_signature())
    {
        Some(alg) => Err(Error::NotSignatureAlgorithm(alg.clone())),
        None => Ok(()),
    }
}

/// The fetcher the options name, or the default one.
fn fetcher_of(options: &Options) -> Result<Arc<dyn Fetcher>, FetchError> {
    if let Some(fetcher) = &options.fetcher {
        return Ok(Arc::clone(fetcher));
    }
    #[cfg(feature = "reqwest")]
    {
        Ok(Arc::new(crate::HttpFetcher::new()?))
    }
    #[cfg(not(feature = "reqwest"))]
    {
        Err(FetchError::Transport(
            "no fetcher: enable the `reqwest` feature or give one with Options::with_fetcher"
                .into(),
        ))
    }
}

impl RemoteJwkSet {
    /// The set at `url`, with the default [`Options`]. Nothing is fetched until the first
    /// verification (or [`RemoteJwkSet::refresh`]).
    ///
    /// # Errors
    /// [`Error::Setup`] for a URL the policy refuses (not `https`) or a client that
    /// cannot be built; [`Error::NotSignatureAlgorithm`] for allowed algorithms that do
    /// not sign.
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::with_options(url, Options::default())
    }

    /// The set at `url`, with these options.
    ///
    /// # Errors
    /// As [`RemoteJwkSet::new`].
    pub fn with_options(url: &str, options: Options) -> Result<Self, Error> {
        check_allowed(&options)?;
        let url = url_policy::parse(url, options.allow_http_loopback).map_err(Error::Setup)?;
        let fetcher = fetcher_of(&options).map_err(Error::Setup)?;
        Ok(Self::build(url, options, fetcher))
    }

    fn build(url: Url, options: Options, fetcher: Arc<dyn Fetcher>) -> Self {
        Self {
            inner: Arc::new(Inner {
                url,
                fetcher,
                current: ArcSwapOption::empty(),
                fetch_lock: tokio::sync::Mutex::new(()),
                last_attempt: AtomicU64::new(0),
                last_error: Mutex::new(None),
                refreshing_ahead: AtomicBool::new(false),
                negative: Mutex::new(NegativeCache::new(options.negative_ttl)),
                counters: Counters::default(),
                options,
            }),
        }
    }

    /// The set of `issuer`, found by discovery with the default [`Options`]: the RFC 8414
    /// document (`/.well-known/oauth-authorization-server`), or when there is none (a 4xx
    /// status, or a response that is not JSON), the OpenID Connect one
    /// (`/.well-known/openid-configuration`). The document's
    /// `issuer` must equal `issuer` exactly, and its `jwks_uri` pass the URL policy.
    ///
    /// # Errors
    /// [`Error::Setup`] with [`FetchError::Discovery`] for a refused document, or the
    /// fetch error; [`Error::NotSignatureAlgorithm`] as for [`RemoteJwkSet::new`].
    pub async fn from_discovery(issuer: &str) -> Result<Self, Error> {
        Self::from_discovery_with(issuer, Options::default()).await
    }

    /// As [`RemoteJwkSet::from_discovery`], with these options (which apply to the
    /// discovery fetch as well).
    ///
    /// # Errors
    /// As [`RemoteJwkSet::from_discovery`].
    pub async fn from_discovery_with(issuer: &str, options: Options) -> Result<Self, Error> {
        check_allowed(&options)?;
        let setup = |e: FetchError| Error::Setup(e);
        let issuer_url =
            discovery::issuer_url(issuer).map_err(|e| setup(FetchError::Discovery(e)))?;
        url_policy::check(&issuer_url, options.allow_http_loopback).map_err(setup)?;
        let fetcher = fetcher_of(&options).map_err(setup)?;
        let get = |url: Url| {
            let fetcher = Arc::clone(&fetcher);
            let options = options.clone();
            async move {
                fetch::get(
                    fetcher.as_ref(),
                    &url,
                    options.max_body,
                    options.timeout,
                    options.max_redirects,
                    options.allow_http_loopback,
                )
                .await
            }
        };
        // No RFC 8414 document (a 4xx, or a page that is not JSON, as single-page apps
        // serve for any path): OpenID Connect Discovery. A 5xx or a transport failure is
        // an answer, not an absence.
        let fetched = match get(discovery::oauth_metadata_url(&issuer_url)).await {
            Err(FetchError::Status(400..=499) | FetchError::ContentType(_)) => {
                get(discovery::openid_configuration_url(&issuer_url)).await
            }
            other => other,
        }
        .map_err(setup)?;
        let document = DiscoveryDocument::from_json(&fetched.body, issuer)
            .map_err(|e| setup(FetchError::Discovery(e)))?;
        let jwks_url =
            url_policy::parse(document.jwks_uri(), options.allow_http_loopback).map_err(setup)?;
        tracing::info!(
            issuer,
            jwks_uri = document.jwks_uri(),
            "jwks-remote: discovered"
        );
        Ok(Self::build(jwks_url, options, fetcher))
    }

    /// The URL of the set.
    #[must_use]
    pub fn url(&self) -> &str {
        self.inner.url.as_str()
    }

    /// Verifies a JWT and validates its claims as [`Verifier::verify`] does, with the
    /// keys of the set (fetched first if there is none yet or it has expired; refetched
    /// once for a `kid` it does not hold).
    ///
    /// # Errors
    /// [`Error::Jws`] for a refused token; [`Error::Unavailable`] / [`Error::Stale`] when
    /// there are no keys to verify with.
    pub async fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Result<Verified<T>, Error> {
        self.verify_with(|v: &Verifier| v.verify::<T>(token, validation).map_err(Error::Jws))
            .await
    }

    /// Verifies a compact JWS and returns its payload, as [`Verifier::verify_payload`].
    ///
    /// # Errors
    /// As [`RemoteJwkSet::verify`].
    pub async fn verify_payload(&self, token: &str) -> Result<VerifiedPayload, Error> {
        self.verify_with(|v: &Verifier| v.verify_payload(token).map_err(Error::Jws))
            .await
    }

    /// Runs `check` with the verifier of the set, with the same fetching, refetching and
    /// failure rules as [`RemoteJwkSet::verify`]: for flows of your own (a nested JWT
    /// opened by `jwe`, say). `check` may run twice (after a refetch for an unknown key).
    ///
    /// # Errors
    /// What `check` returns, or [`Error::Unavailable`] / [`Error::Stale`] converted.
    pub async fn verify_with<R, E>(&self, check: impl Fn(&Verifier) -> Result<R, E>) -> Result<R, E>
    where
        E: KeyMiss + From<Error>,
    {
        let inner = &self.inner;
        let now = inner.now();
        // The hot path: a fresh set, no lock, no await.
        let mut miss: Option<(E, Option<String>, Arc<Snapshot>)> = None;
        {
            let guard = inner.current.load();
            if let Some(snapshot) = guard.as_ref()
                && snapshot.is_fresh(now)
            {
                if now >= snapshot.refresh_at {
                    self.refresh_ahead();
                }
                inner.counters.hit();
                match check(&snapshot.verifier) {
                    Err(e) => match e.missing_key() {
                        Some(kid) => {
                            let kid = kid.map(str::to_owned);
                            miss = Some((e, kid, Arc::clone(snapshot)));
                        }
                        None => return Err(e),
                    },
                    ok => return ok,
                }
            }
        }
        let (error, kid, used) = match miss {
            Some(miss) => miss,
            None => {
                let snapshot = self.ensure().await.map_err(E::from)?;
                match check(&snapshot.verifier) {
                    Err(e) => match e.missing_key() {
                        Some(kid) => {
                            let kid = kid.map(str::to_owned);
                            (e, kid, snapshot)
                        }
                        None => return Err(e),
                    },
                    ok => return ok,
                }
            }
        };
        if inner.negative_contains(kid.as_deref()) {
            inner.counters.negative_hit();
            return Err(error);
        }
        let Some(snapshot) = self.refetch_after(&used).await else {
            return Err(error);
        };
        let result = check(&snapshot.verifier);
        if let Err(e) = &result
            && e.missing_key().is_some()
        {
            inner.negative_insert(kid.as_deref());
        }
        result
    }

    /// The verifier of the set for use now, fetching (or waiting for a fetch) when there
    /// is none or it has expired. It does not refetch for unknown keys: prefer
    /// [`RemoteJwkSet::verify`].
    ///
    /// # Errors
    /// [`Error::Unavailable`] / [`Error::Stale`].
    pub async fn verifier(&self) -> Result<Arc<Verifier>, Error> {
        Ok(Arc::clone(&self.ensure().await?.verifier))
    }

    /// The verifier of the set if it may serve now (fresh, or expired within the
    /// stale-if-error bound), without waiting: for synchronous callers. On a Tokio
    /// runtime, a set that is missing or due for refresh gets a background fetch.
    ///
    /// # Errors
    /// [`Error::Unavailable`] (no set yet, with the last fetch error if any) /
    /// [`Error::Stale`].
    pub fn current(&self) -> Result<Arc<Verifier>, Error> {
        let inner = &self.inner;
        let now = inner.now();
        if inner
            .current
            .load()
            .as_ref()
            .is_none_or(|s| now >= s.refresh_at)
        {
            self.refresh_ahead();
        }
        let snapshot = inner.serve(now)?;
        if snapshot.is_fresh(now) {
            inner.counters.hit();
        }
        Ok(Arc::clone(&snapshot.verifier))
    }

    /// The keys of the last good set (public keys only), if any.
    #[must_use]
    pub fn jwk_set(&self) -> Option<JwkSet> {
        self.inner.current.load().as_ref().map(|s| s.set.clone())
    }

    /// Fetches the set now, whatever its freshness and the cooldown (one fetch at a time:
    /// a caller that finds a fetch in flight waits for it and shares its result). For
    /// warming up at startup, or after learning of a rotation out of band.
    ///
    /// # Errors
    /// The fetch's error, as [`Error::Unavailable`] (the last good set, if any, is kept).
    pub async fn refresh(&self) -> Result<(), Error> {
        let inner = &self.inner;
        let before = inner.current.load_full();
        let _flight = inner.fetch_lock.lock().await;
        let after = inner.current.load_full();
        let fetched_meanwhile = match (&before, &after) {
            (Some(b), Some(a)) => !Arc::ptr_eq(b, a),
            (None, Some(_)) => true,
            _ => false,
        };
        if !fetched_meanwhile {
            inner.fetch().await.map_err(|e| Error::Unavailable {
                last_error: Some(e),
            })?;
        }
        Ok(())
    }

    /// Counters and the age of the set.
    #[must_use]
    pub fn stats(&self) -> Stats {
        let inner = &self.inner;
        let age = inner
            .current
            .load()
            .as_ref()
            .map(|s| Duration::from_secs(inner.now().saturating_sub(s.fetched_at)));
        inner.counters.read(age)
    }

    /// A fresh set, or a fetch (single flight, within the cooldown), or the stale set
    /// within its bound, or the error that says why there is none.
    async fn ensure(&self) -> Result<Arc<Snapshot>, Error> {
        let inner = &self.inner;
        if let Some(s) = inner.current.load_full()
            && s.is_fresh(inner.now())
        {
            return Ok(s);
        }
        // Without any set, wait for a fetch in flight (and share it); with an expired
        // one, a fetch in flight (which started the cooldown) is not waited for: the
        // expired set serves meanwhile, for at most that fetch's timeout.
        let have_set = inner.current.load().is_some();
        if !have_set || !inner.in_cooldown(inner.now()) {
            let _flight = inner.fetch_lock.lock().await;
            let now = inner.now();
            let fresh = inner
                .current
                .load()
                .as_ref()
                .is_some_and(|s| s.is_fresh(now));
            if !fresh && !inner.in_cooldown(now) {
                // The outcome is recorded; what to serve is decided below.
                let _ = inner.fetch().await;
            }
        }
        inner.serve(inner.now())
    }

    /// After a key miss on `used`: the newer set if another caller fetched one meanwhile,
    /// else one refetch unless the cooldown forbids it.
    async fn refetch_after(&self, used: &Arc<Snapshot>) -> Option<Arc<Snapshot>> {
        let inner = &self.inner;
        let newer = || inner.current.load_full().filter(|s| !Arc::ptr_eq(s, used));
        if let Some(s) = newer() {
            return Some(s);
        }
        // A fetch in flight may bring the key: wait for it rather than answer now.
        let in_flight = inner.fetch_lock.try_lock().is_err();
        if !in_flight && inner.in_cooldown(inner.now()) {
            inner.counters.cooldown_skip();
            return None;
        }
        let _flight = inner.fetch_lock.lock().await;
        if let Some(s) = newer() {
            return Some(s);
        }
        if inner.in_cooldown(inner.now()) {
            inner.counters.cooldown_skip();
            return None;
        }
        inner.counters.unknown_kid_refetch();
        inner.fetch().await.ok()?;
        newer()
    }

    /// Starts a background refresh on the current Tokio runtime, if there is one and no
    /// such refresh is running.
    fn refresh_ahead(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let inner = &self.inner;
        if inner.in_cooldown(inner.now())
            || inner
                .refreshing_ahead
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        let this = self.clone();
        runtime.spawn(async move {
            let inner = &this.inner;
            {
                let _flight = inner.fetch_lock.lock().await;
                let now = inner.now();
                let due = inner
                    .current
                    .load()
                    .as_ref()
                    .is_none_or(|s| now >= s.refresh_at);
                if due && !inner.in_cooldown(now) {
                    let _ = inner.fetch().await;
                }
            }
            inner.refreshing_ahead.store(false, Ordering::Release);
        });
    }
}
