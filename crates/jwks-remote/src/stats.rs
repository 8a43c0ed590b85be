//! Counters of a remote set, read with [`RemoteJwkSet::stats`](crate::RemoteJwkSet::stats).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What a remote set has done since it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Fetches started (each at least the cooldown after the previous one, except
    /// explicit [`RemoteJwkSet::refresh`](crate::RemoteJwkSet::refresh)es).
    pub fetches: u64,
    /// Fetches that failed (transport, status, content type, size, or a refused set).
    pub failures: u64,
    /// Verifications served from a fresh set in memory.
    pub cache_hits: u64,
    /// Fetches started because a token named a `kid` the set did not hold.
    pub unknown_kid_refetches: u64,
    /// Unknown `kid`s answered without a fetch because of the cooldown.
    pub cooldown_skips: u64,
    /// Unknown `kid`s answered from the negative cache.
    pub negative_hits: u64,
    /// Verifications served from an expired set (stale-if-error).
    pub stale_serves: u64,
    /// The age of the set in memory, if there is one.
    pub age: Option<Duration>,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    fetches: AtomicU64,
    failures: AtomicU64,
    hits: AtomicU64,
    unknown_kid_refetches: AtomicU64,
    cooldown_skips: AtomicU64,
    negative_hits: AtomicU64,
    stale_serves: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn fetch(&self) {
        bump(&self.fetches);
    }
    pub(crate) fn failure(&self) {
        bump(&self.failures);
    }
    pub(crate) fn hit(&self) {
        bump(&self.hits);
    }
    pub(crate) fn unknown_kid_refetch(&self) {
        bump(&self.unknown_kid_refetches);
    }
    pub(crate) fn cooldown_skip(&self) {
        bump(&self.cooldown_skips);
    }
    pub(crate) fn negative_hit(&self) {
        bump(&self.negative_hits);
    }
    pub(crate) fn stale(&self) {
        bump(&self.stale_serves);
    }

    pub(crate) fn read(&self, age: Option<Duration>) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            fetches: get(&self.fetches),
            failures: get(&self.failures),
            cache_hits: get(&self.hits),
            unknown_kid_refetches: get(&self.unknown_kid_refetches),
            cooldown_skips: get(&self.cooldown_skips),
            negative_hits: get(&self.negative_hits),
            stale_serves: get(&self.stale_serves),
            age,
        }
    }
}
