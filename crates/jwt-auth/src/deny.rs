//! The deny-list of logged-out sessions ([`DenyList`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use jws::NumericDate;

#[derive(Debug, Default)]
struct Inner {
    /// Listed sessions: when listed, and until when.
    entries: HashMap<String, (NumericDate, NumericDate)>,
    /// The same entries by expiry, to expire and evict in order.
    order: BTreeSet<(NumericDate, String)>,
    /// After evictions: tokens issued at or before `.0` are refused until `.1`.
    floor: Option<(NumericDate, NumericDate)>,
    evicted: u64,
}

/// Revoked session ids, each until the last access token of its session has expired.
///
/// A bounded, in-process deny-list of logged-out sessions, so that resource servers can
/// refuse the access tokens of a session before they expire.
///
/// Access tokens are checked without any lookup, so a logout cannot recall them: they stay
/// valid until `exp` (plus the verifier's leeway), 30 minutes by default. Where that is too
/// long, share a `DenyList` between the [`Authority`](crate::Authority) (which adds a
/// session's `sid` on logout and on refresh-token reuse) and the
/// [`Authenticator`](crate::Authenticator) (which refuses tokens of listed sessions).
///
/// **It lives in this process's memory.** It serves an issuer and resource servers that run
/// in the same process; it is not shared between instances and is empty after a restart.
/// Several instances need a shared list (Redis), which the distributed stores provide.
///
/// # Bounded, and closed when full
///
/// An entry is kept for the access-token lifetime plus the leeway: then every token of the
/// session has expired. The list holds at most `capacity` entries. When a new entry finds
/// it full, the entry that expires first is dropped, but the list does not forget what it
/// stood for: until that entry would have expired, every access token **issued at or
/// before the moment it was listed** is refused ([`DenyList::is_denied`] compares the
/// token's `iat`). The dropped session's tokens stay refused, nothing fails open; the price
/// is that other sessions' older access tokens are refused too for a while, and their
/// clients refresh (their refresh tokens are untouched). [`DenyList::evicted`] counts such
/// drops: a non-zero count means the capacity is too small for the logout rate.
#[derive(Debug)]
pub struct DenyList {
    inner: Mutex<Inner>,
    capacity: usize,
    keep_for: u64,
}

impl DenyList {
    /// A list of at most `capacity` sessions (at least one) for access tokens that live
    /// `access_ttl` and are accepted `leeway` past their `exp` (the
    /// [`Authenticator`](crate::Authenticator)'s leeway, 60 s by default): each entry is
    /// kept `access_ttl + leeway` (whole seconds).
    #[must_use]
    pub fn new(capacity: usize, access_ttl: Duration, leeway: Duration) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            keep_for: access_ttl.as_secs().saturating_add(leeway.as_secs()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every step is complete).
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long an entry is kept, in seconds.
    #[must_use]
    pub const fn keep_for(&self) -> Duration {
        Duration::from_secs(self.keep_for)
    }

    /// Lists a session from `now` on.
    pub fn deny(&self, sid: &str, now: NumericDate) {
        let until = now.saturating_add(self.keep_for);
        let mut inner = self.lock();
        Self::expire(&mut inner, now);
        // A session already listed keeps its entry: no access token of a revoked session
        // is issued after its first listing, so the first expiry covers them all.
        if inner.entries.contains_key(sid) {
            return;
        }
        inner.entries.insert(sid.to_owned(), (now, until));
        inner.order.insert((until, sid.to_owned()));
        while inner.entries.len() > self.capacity {
            let Some((until, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some((listed, _)) = inner.entries.remove(&oldest) {
                inner.evicted += 1;
                let (issued, lasts) = inner.floor.unwrap_or((listed, until));
                inner.floor = Some((issued.max(listed), lasts.max(until)));
            }
        }
    }

    /// Whether an access token of session `sid` issued at `issued_at` (its `iat`) is
    /// refused at `now`: its session is listed, or the list had to drop entries and the
    /// token is as old as one of them (see the [type documentation](DenyList)).
    #[must_use]
    pub fn is_denied(&self, sid: &str, issued_at: NumericDate, now: NumericDate) -> bool {
        let inner = self.lock();
        if inner
            .entries
            .get(sid)
            .is_some_and(|(_, until)| *until > now)
        {
            return true;
        }
        inner
            .floor
            .is_some_and(|(issued, until)| now < until && issued_at <= issued)
    }

    /// How many sessions are listed (expired ones may linger until the next `deny`).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no session is listed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().entries.is_empty()
    }

    /// How many entries were dropped early for lack of room.
    #[must_use]
    pub fn evicted(&self) -> u64 {
        self.lock().evicted
    }

    fn expire(inner: &mut Inner, now: NumericDate) {
        while let Some((until, _)) = inner.order.first()
            && *until <= now
        {
            if let Some((_, sid)) = inner.order.pop_first() {
                inner.entries.remove(&sid);
            }
        }
        if inner.floor.is_some_and(|(_, until)| until <= now) {
            inner.floor = None;
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
    fn entries_live_for_the_access_token_lifetime_plus_leeway() {
        let list = DenyList::new(10, Duration::from_secs(1800), Duration::from_secs(60));
        assert_eq!(list.keep_for(), Duration::from_secs(1860));
        assert!(list.is_empty());
        list.deny("a", at(1000));
        assert!(!list.is_empty());
        assert!(list.is_denied("a", at(999), at(1000)));
        // A token issued just before the logout is accepted until exp + leeway = 2860.
        assert!(list.is_denied("a", at(1000), at(2859)));
        assert!(!list.is_denied("a", at(1000), at(2860)));
        assert!(!list.is_denied("b", at(1000), at(1000)));
        list.deny("b", at(3000));
        assert_eq!(list.len(), 1, "the expired entry went");
        assert!(!list.is_empty());
        assert_eq!(list.evicted(), 0);
    }

    #[test]
    fn a_full_list_fails_closed_for_what_it_dropped() {
        let list = DenyList::new(3, Duration::from_secs(1800), Duration::from_secs(0));
        for (i, sid) in ["a", "b", "c", "d"].iter().enumerate() {
            list.deny(sid, at(1000 + i as u64));
        }
        assert_eq!((list.len(), list.evicted()), (4 - 1, 1));
        // "a" was dropped (it expires first), but its tokens are still refused: every token
        // issued at or before its listing (1000) is, until its entry would have expired.
        assert!(list.is_denied("a", at(999), at(1010)));
        assert!(list.is_denied("a", at(1000), at(2799)));
        assert!(!list.is_denied("a", at(1000), at(2800)));
        // Another session's old token is refused as well (its client refreshes); a token
        // issued after the dropped listing is not.
        assert!(list.is_denied("zed", at(1000), at(1010)));
        assert!(!list.is_denied("zed", at(1001), at(1010)));
        assert!(list.is_denied("d", at(1003), at(1010)));
        // Listing a session again changes nothing and evicts nothing, and the dropped
        // entry's tokens stay refused.
        list.deny("d", at(1020));
        assert_eq!((list.len(), list.evicted()), (3, 1));
        assert!(list.is_denied("b", at(1020), at(1020)));
        assert!(list.is_denied("a", at(1000), at(1020)));
    }

    #[test]
    fn the_floor_covers_every_dropped_entry_and_then_lapses() {
        let list = DenyList::new(1, Duration::from_secs(100), Duration::from_secs(10));
        list.deny("a", at(1000)); // until 1110
        list.deny("b", at(1050)); // drops a: floor (1000, 1110)
        list.deny("c", at(1060)); // drops b: floor (1050, 1160)
        assert_eq!(list.evicted(), 2);
        assert!(list.is_denied("a", at(1040), at(1150)));
        assert!(list.is_denied("b", at(1050), at(1159)));
        assert!(!list.is_denied("b", at(1050), at(1160)));
        assert!(!list.is_denied("x", at(1051), at(1100)));
        assert!(list.is_denied("c", at(1100), at(1169)));
        // Expiry clears both the entries and the floor.
        list.deny("d", at(2000));
        assert!(!list.is_denied("x", at(0), at(2000)));
        assert!(!list.is_denied("c", at(1100), at(2000)));
        assert_eq!(list.len(), 1);
    }
}
