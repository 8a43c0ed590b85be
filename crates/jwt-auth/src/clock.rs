//! A clock that tests move by hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jws::{Clock, NumericDate};

/// A clock set and advanced by hand; its clones share the time. Give one to the
/// [`AuthorityConfig`](crate::AuthorityConfig) and the
/// [`Authenticator`](crate::Authenticator) to test expiry without waiting.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock showing `at`.
    #[must_use]
    pub fn new(at: NumericDate) -> Self {
        Self(Arc::new(AtomicU64::new(at.as_secs())))
    }

    /// Sets the time.
    pub fn set(&self, at: NumericDate) {
        self.0.store(at.as_secs(), Ordering::SeqCst);
    }

    /// Moves the time forward by `by` (whole seconds).
    pub fn advance(&self, by: std::time::Duration) {
        self.set(self.now().saturating_add(by.as_secs()));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> NumericDate {
        NumericDate::from_secs(self.0.load(Ordering::SeqCst)).unwrap_or(NumericDate::MAX)
    }
}
