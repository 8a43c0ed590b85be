//! The state of a remote set: the snapshot in memory, and the one fetch that replaces it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use jws::{JwkSet, Verifier};
use url::Url;

use crate::cache_control::freshness;
use crate::fetch::{self, Fetcher};
use crate::negative::NegativeCache;
use crate::stats::Counters;
use crate::{Error, FetchError, Options, set};

/// One fetched set, immutable; replaced whole by the next fetch.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) verifier: Arc<Verifier>,
    pub(crate) set: JwkSet,
    /// When it was fetched, expires, and should be refreshed ahead of expiry (seconds).
    pub(crate) fetched_at: u64,
    pub(crate) expires_at: u64,
    pub(crate) refresh_at: u64,
}

impl Snapshot {
    pub(crate) const fn is_fresh(&self, now: u64) -> bool {
        now < self.expires_at
    }
}

/// What the clones of one remote set share.
pub(crate) struct Inner {
    pub(crate) url: Url,
    pub(crate) options: Options,
    pub(crate) fetcher: Arc<dyn Fetcher>,
    pub(crate) current: ArcSwapOption<Snapshot>,
    /// Held for the duration of a fetch: the single flight.
    pub(crate) fetch_lock: tokio::sync::Mutex<()>,
    /// One more than the second of the last fetch attempt; 0 before the first.
    pub(crate) last_attempt: AtomicU64,
    pub(crate) last_error: Mutex<Option<Arc<FetchError>>>,
    pub(crate) refreshing_ahead: AtomicBool,
    pub(crate) negative: Mutex<NegativeCache>,
    pub(crate) counters: Counters,
}

impl Inner {
    pub(crate) fn now(&self) -> u64 {
        self.options.clock.now().as_secs()
    }

    pub(crate) fn in_cooldown(&self, now: u64) -> bool {
        match self.last_attempt.load(Ordering::Acquire) {
            0 => false,
            plus_one => now < (plus_one - 1).saturating_add(self.options.cooldown.as_secs()),
        }
    }

    /// The set to serve at `now`: fresh, or expired within the stale-if-error bound;
    /// otherwise the error that says why there is none.
    pub(crate) fn serve(&self, now: u64) -> Result<Arc<Snapshot>, Error> {
        let last_error = self.last_error();
        match self.current.load_full() {
            Some(s) if s.is_fresh(now) => Ok(s),
            Some(s) if self.within_stale_bound(&s, now) => {
                self.counters.stale();
                Ok(s)
            }
            Some(s) => Err(Error::Stale {
                expired_for: Duration::from_secs(now.saturating_sub(s.expires_at)),
                last_error,
            }),
            None => Err(Error::Unavailable { last_error }),
        }
    }

    pub(crate) fn within_stale_bound(&self, snapshot: &Snapshot, now: u64) -> bool {
        now < snapshot
            .expires_at
            .saturating_add(self.options.stale_if_error.as_secs())
    }

    pub(crate) fn last_error(&self) -> Option<Arc<FetchError>> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn negative_contains(&self, kid: Option<&str>) -> bool {
        let now = self.now();
        self.negative
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(kid, now)
    }

    pub(crate) fn negative_insert(&self, kid: Option<&str>) {
        let now = self.now();
        self.negative
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(kid, now);
    }

    /// One fetch: the outcome replaces the set (success) or is recorded (failure). The
    /// caller holds `fetch_lock`.
    pub(crate) async fn fetch(&self) -> Result<(), Arc<FetchError>> {
        let options = &self.options;
        let started = self.now();
        self.last_attempt
            .store(started.saturating_add(1), Ordering::Release);
        self.counters.fetch();
        let outcome = match fetch::get(
            self.fetcher.as_ref(),
            &self.url,
            options.max_body,
            options.timeout,
            options.max_redirects,
            options.allow_http_loopback,
        )
        .await
        {
            Ok(fetched) => set::parse(&fetched.body, options).map(|parsed| (parsed, fetched)),
            Err(e) => Err(e),
        };
        let now = self.now();
        match outcome {
            Ok((parsed, fetched)) => {
                let max_age = freshness(
                    fetched.cache_control.as_deref(),
                    fetched.age.as_deref(),
                    options.default_max_age,
                    options.min_max_age,
                    options.max_max_age,
                )
                .as_secs();
                let keys = parsed.verifier.keys().len();
                let snapshot = Snapshot {
                    verifier: Arc::new(parsed.verifier),
                    set: parsed.set,
                    fetched_at: now,
                    expires_at: now.saturating_add(max_age),
                    refresh_at: now.saturating_add(max_age - max_age / 10),
                };
                self.current.store(Some(Arc::new(snapshot)));
                *self
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = None;
                self.negative
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clear();
                tracing::info!(
                    url = self.url.as_str(),
                    keys,
                    skipped = parsed.skipped,
                    max_age,
                    "jwks-remote: JWK Set fetched"
                );
                Ok(())
            }
            Err(e) => {
                self.counters.failure();
                let stale_for = self
                    .current
                    .load()
                    .as_ref()
                    .filter(|s| !s.is_fresh(now))
                    .map(|s| now.saturating_sub(s.expires_at));
                tracing::warn!(
                    url = self.url.as_str(),
                    error = %e,
                    expired_for_secs = stale_for,
                    "jwks-remote: JWK Set fetch failed"
                );
                let e = Arc::new(e);
                *self
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&e));
                Err(e)
            }
        }
    }
}
