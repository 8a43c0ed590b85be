//! A bounded deny-list of logged-out sessions, so that resource servers can refuse the
//! access tokens of a session before they expire.
//!
//! Access tokens are checked without any lookup, so a logout cannot recall them: they stay
//! valid until `exp`, 30 minutes at most by default. Where that is too long, share a
//! `DenyList` between the [`Authority`](crate::Authority) (which adds a session's `sid` on
//! logout and on refresh-token reuse) and the [`Authenticator`](crate::Authenticator)
//! (which refuses tokens of listed sessions). An entry is kept only as long as an access
//! token can live; the list holds at most `capacity` entries, dropping the oldest first
//! (count them with [`DenyList::evicted`]: a non-zero count means the capacity is too small
//! for the logout rate).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use jws::NumericDate;

#[derive(Debug, Default)]
struct Inner {
    until: HashMap<String, NumericDate>,
    order: VecDeque<(NumericDate, String)>,
    evicted: u64,
}

/// Revoked session ids, each until the last access token of its session has expired.
#[derive(Debug)]
pub struct DenyList {
    inner: Mutex<Inner>,
    capacity: usize,
    keep_for: u64,
}

impl DenyList {
    /// A list of at most `capacity` sessions, each kept `keep_for` seconds (the
    /// access-token lifetime).
    #[must_use]
    pub fn new(capacity: usize, keep_for: u64) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            keep_for,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every step is complete).
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Lists a session from `now` on.
    pub fn deny(&self, sid: &str, now: NumericDate) {
        let until = now.saturating_add(self.keep_for);
        let mut inner = self.lock();
        Self::expire(&mut inner, now);
        // A session already listed keeps its entry: no access token of a revoked session
        // is issued after its first listing, so the first expiry covers them all (and the
        // order queue holds exactly one entry per listed session).
        if inner.until.contains_key(sid) {
            return;
        }
        inner.until.insert(sid.to_owned(), until);
        inner.order.push_back((until, sid.to_owned()));
        while inner.until.len() > self.capacity {
            let Some((_, oldest)) = inner.order.pop_front() else {
                break;
            };
            if inner.until.remove(&oldest).is_some() {
                inner.evicted += 1;
            }
        }
    }

    /// Whether the session is listed at `now`.
    #[must_use]
    pub fn is_denied(&self, sid: &str, now: NumericDate) -> bool {
        self.lock().until.get(sid).is_some_and(|until| *until > now)
    }

    /// How many sessions are listed (expired ones may linger until the next `deny`).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().until.len()
    }

    /// Whether no session is listed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries were dropped early for lack of room.
    #[must_use]
    pub fn evicted(&self) -> u64 {
        self.lock().evicted
    }

    fn expire(inner: &mut Inner, now: NumericDate) {
        while inner.order.front().is_some_and(|(until, _)| *until <= now) {
            if let Some((_, sid)) = inner.order.pop_front() {
                inner.until.remove(&sid);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> NumericDate {
        NumericDate::from_secs(s).unwrap()
    }

    #[test]
    fn entries_live_for_the_access_token_lifetime() {
        let list = DenyList::new(10, 1800);
        list.deny("a", at(1000));
        assert!(list.is_denied("a", at(1000)));
        assert!(list.is_denied("a", at(2799)));
        assert!(!list.is_denied("a", at(2800)));
        assert!(!list.is_denied("b", at(1000)));
        list.deny("b", at(3000));
        assert_eq!(list.len(), 1, "the expired entry went");
    }

    #[test]
    fn the_list_is_bounded_and_counts_evictions() {
        let list = DenyList::new(3, 1800);
        for (i, sid) in ["a", "b", "c", "d"].iter().enumerate() {
            list.deny(sid, at(1000 + i as u64));
        }
        assert_eq!(list.len(), 3);
        assert!(!list.is_denied("a", at(1010)));
        assert!(list.is_denied("d", at(1010)));
        assert_eq!(list.evicted(), 1);
        // Listing a session again changes nothing and evicts nothing.
        list.deny("d", at(1020));
        assert_eq!((list.len(), list.evicted()), (3, 1));
        assert!(list.is_denied("b", at(1020)));
    }
}
