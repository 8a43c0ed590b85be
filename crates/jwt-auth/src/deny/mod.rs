//! Revocations the verify path consults: the [`Revocations`] trait, the in-process
//! [`DenyList`] and (feature `redis`) the shared [`RedisDenyList`].

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use jws::NumericDate;

use crate::error::{AuthError, StoreError, TokenError};

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use self::redis::{RedisDenyList, RedisDenyListOptions};

/// What [`Revocations::revoke_session`] and [`Revocations::revoke_key`] return.
pub type RevokeFuture<'a> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;

/// Revoked sessions and signing keys, as an [`Authority`](crate::Authority) records them
/// and an [`Authenticator`](crate::Authenticator) consults them.
///
/// The issuer side is asynchronous and fallible (a shared list is written over the
/// network: the logout fails, and can be retried, when the revocation was not recorded);
/// the verify side is synchronous and local (a shared list answers from its in-process
/// mirror, and refuses every token while that mirror is not known to be current).
pub trait Revocations: Send + Sync + std::fmt::Debug + 'static {
    /// Records that session `sid` was revoked at `now`: its access tokens are refused
    /// until they have all expired. Idempotent.
    fn revoke_session<'a>(&'a self, sid: &'a str, now: NumericDate) -> RevokeFuture<'a>;

    /// Records that signing key `kid` was revoked at `now`: tokens it signed are refused
    /// until they have all expired. Idempotent.
    fn revoke_key<'a>(&'a self, kid: &'a str, now: NumericDate) -> RevokeFuture<'a>;

    /// Checks an access token of session `sid`, signed by `kid`, issued at `issued_at`.
    ///
    /// # Errors
    /// [`AuthError::SessionRevoked`]; [`AuthError::InvalidToken`] with
    /// [`TokenError::KeyRevoked`]; [`AuthError::StoreUnavailable`] when the list cannot
    /// tell (a shared list whose mirror is stale: fail closed).
    fn check(
        &self,
        sid: &str,
        kid: Option<&str>,
        issued_at: NumericDate,
        now: NumericDate,
    ) -> Result<(), AuthError>;
}

/// What a list holds: a session or a signing key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Listed {
    Session(String),
    Key(String),
}

#[derive(Debug, Default)]
struct Inner {
    /// Listed sessions: when listed, and until when (looked up by `&str`: no allocation
    /// on the verify path).
    sessions: HashMap<String, (NumericDate, NumericDate)>,
    /// Listed keys, the same way.
    keys: HashMap<String, (NumericDate, NumericDate)>,
    /// The same entries by expiry, to expire and evict in order.
    order: BTreeSet<(NumericDate, Listed)>,
    /// After evictions: tokens issued at or before `.0` are refused until `.1`.
    floor: Option<(NumericDate, NumericDate)>,
    evicted: u64,
}

/// Revoked session ids (and signing keys), each until the last access token of its session
/// (or signed by it) has expired.
///
/// A bounded, in-process deny-list of logged-out sessions, so that resource servers can
/// refuse the access tokens of a session before they expire.
///
/// Access tokens are checked without any lookup, so a logout cannot recall them: they stay
/// valid until `exp` (plus the verifier's leeway), 30 minutes by default. Where that is too
/// long, share a `DenyList` between the [`Authority`](crate::Authority) (which adds a
/// session's `sid` on logout and on refresh-token reuse, and a key's `kid` when it is
/// revoked) and the [`Authenticator`](crate::Authenticator) (which refuses tokens of listed
/// sessions and keys).
///
/// **It lives in this process's memory.** It serves an issuer and resource servers that run
/// in the same process; it is not shared between instances and is empty after a restart.
/// Several instances share a [`RedisDenyList`] (feature `redis`), which keeps one of these
/// as its local mirror.
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

impl Inner {
    fn map<'a>(
        &'a mut self,
        what: &'a Listed,
    ) -> (&'a mut HashMap<String, (NumericDate, NumericDate)>, &'a str) {
        match what {
            Listed::Session(sid) => (&mut self.sessions, sid),
            Listed::Key(kid) => (&mut self.keys, kid),
        }
    }

    fn remove(&mut self, what: &Listed) -> Option<(NumericDate, NumericDate)> {
        let (map, name) = self.map(what);
        map.remove(name)
    }

    fn len(&self) -> usize {
        self.sessions.len() + self.keys.len()
    }

    /// Why a token is refused, if it is: one lookup per map, no allocation.
    fn refusal(
        &self,
        sid: &str,
        kid: Option<&str>,
        issued_at: NumericDate,
        now: NumericDate,
    ) -> Option<AuthError> {
        let live = |entry: Option<&(NumericDate, NumericDate)>| {
            entry.is_some_and(|(_, until)| *until > now)
        };
        if live(self.sessions.get(sid)) {
            return Some(AuthError::SessionRevoked);
        }
        if kid.is_some_and(|kid| live(self.keys.get(kid))) {
            return Some(AuthError::InvalidToken(TokenError::KeyRevoked));
        }
        // A dropped entry's tokens: every token as old as it, session or key alike.
        if self
            .floor
            .is_some_and(|(issued, until)| now < until && issued_at <= issued)
        {
            return Some(AuthError::SessionRevoked);
        }
        None
    }
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
        self.list(Listed::Session(sid.to_owned()), now);
    }

    /// Lists a revoked signing key from `now` on: tokens it signed are refused until the
    /// last of them has expired.
    pub fn deny_key(&self, kid: &str, now: NumericDate) {
        self.list(Listed::Key(kid.to_owned()), now);
    }

    fn list(&self, what: Listed, now: NumericDate) {
        let until = now.saturating_add(self.keep_for);
        let mut inner = self.lock();
        Self::expire(&mut inner, now);
        // An entry already listed keeps its expiry: no access token of a revoked session
        // (or key) is issued after its first listing, so the first expiry covers them all.
        let (map, name) = inner.map(&what);
        if map.contains_key(name) {
            return;
        }
        map.insert(name.to_owned(), (now, until));
        inner.order.insert((until, what));
        while inner.len() > self.capacity {
            let Some((until, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some((listed, _)) = inner.remove(&oldest) {
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
        matches!(
            self.lock().refusal(sid, None, issued_at, now),
            Some(AuthError::SessionRevoked)
        )
    }

    /// Whether a token signed by key `kid` and issued at `issued_at` is refused at `now`
    /// because the key is listed (or, as for sessions, dropped for lack of room).
    #[must_use]
    pub fn is_key_denied(&self, kid: &str, issued_at: NumericDate, now: NumericDate) -> bool {
        let inner = self.lock();
        // No session has an empty id: only the key (and the floor) count.
        inner.refusal("", Some(kid), issued_at, now).is_some()
    }

    /// How many sessions and keys are listed (expired ones may linger until the next
    /// `deny`).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is listed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().len() == 0
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
            if let Some((_, what)) = inner.order.pop_first() {
                inner.remove(&what);
            }
        }
        if inner.floor.is_some_and(|(_, until)| until <= now) {
            inner.floor = None;
        }
    }
}

impl Revocations for DenyList {
    fn revoke_session<'a>(&'a self, sid: &'a str, now: NumericDate) -> RevokeFuture<'a> {
        self.deny(sid, now);
        Box::pin(std::future::ready(Ok(())))
    }

    fn revoke_key<'a>(&'a self, kid: &'a str, now: NumericDate) -> RevokeFuture<'a> {
        self.deny_key(kid, now);
        Box::pin(std::future::ready(Ok(())))
    }

    fn check(
        &self,
        sid: &str,
        kid: Option<&str>,
        issued_at: NumericDate,
        now: NumericDate,
    ) -> Result<(), AuthError> {
        match self.lock().refusal(sid, kid, issued_at, now) {
            Some(refusal) => Err(refusal),
            None => Ok(()),
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

    #[test]
    fn keys_are_listed_apart_from_sessions() {
        let list = DenyList::new(10, Duration::from_secs(100), Duration::from_secs(0));
        list.deny_key("k1", at(1000));
        assert!(list.is_key_denied("k1", at(999), at(1000)));
        assert!(list.is_key_denied("k1", at(1000), at(1099)));
        assert!(!list.is_key_denied("k1", at(1000), at(1100)));
        assert!(
            !list.is_denied("k1", at(999), at(1000)),
            "a kid is no session"
        );
        assert!(!list.is_key_denied("k2", at(999), at(1000)));
        assert!(matches!(
            list.check("s", Some("k1"), at(999), at(1000)),
            Err(AuthError::InvalidToken(TokenError::KeyRevoked))
        ));
        list.deny("s", at(1000));
        assert!(matches!(
            list.check("s", Some("k1"), at(999), at(1000)),
            Err(AuthError::SessionRevoked)
        ));
        assert!(list.check("t", Some("k2"), at(999), at(1000)).is_ok());
        assert!(list.check("t", None, at(999), at(1000)).is_ok());
        assert_eq!(list.len(), 2);
    }
}
