//! Login throttling: failed attempts counted per key (an account, an address) in a
//! window; past the limit the key is locked until the window ends. Memory is bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys remembered per throttle.
pub(crate) const DEFAULT_CAPACITY: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

/// Failed attempts per key.
#[derive(Debug)]
pub(crate) struct Throttle {
    entries: Mutex<HashMap<String, Entry>>,
    max_failures: u32,
    window: Duration,
    capacity: usize,
}

impl Throttle {
    /// At most `max_failures` failures per key within `window`; `capacity` keys.
    pub(crate) fn new(max_failures: u32, window: Duration, capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            max_failures: max_failures.max(1),
            window,
            capacity: capacity.max(1),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(wait)` while `key` is locked.
    pub(crate) fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        match self.entries().get(key).and_then(|e| e.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Counts a failure; the one that reaches the limit locks the key for the window.
    pub(crate) fn fail(&self, key: &str, now: Instant) {
        let mut entries = self.entries();
        if !entries.contains_key(key) && entries.len() >= self.capacity {
            self.make_room(&mut entries, now);
        }
        let entry = entries.entry(key.to_owned()).or_insert(Entry {
            failures: 0,
            since: now,
            locked_until: None,
        });
        if now.duration_since(entry.since) >= self.window {
            *entry = Entry {
                failures: 0,
                since: now,
                locked_until: None,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
        if entry.failures >= self.max_failures {
            entry.locked_until = Some(now + self.window);
        }
    }

    /// Forgets the key's failures (a successful login of the account).
    pub(crate) fn succeed(&self, key: &str) {
        self.entries().remove(key);
    }

    /// Drops what is over; if nothing is, the entry that matters least: the oldest one
    /// not locked, else the lock that ends first.
    fn make_room(&self, entries: &mut HashMap<String, Entry>, now: Instant) {
        let window = self.window;
        entries.retain(|_, e| {
            now.duration_since(e.since) < window || e.locked_until.is_some_and(|u| u > now)
        });
        if entries.len() < self.capacity {
            return;
        }
        let victim = entries
            .iter()
            .filter(|(_, e)| e.locked_until.is_none())
            .min_by_key(|(_, e)| e.since)
            .or_else(|| entries.iter().min_by_key(|(_, e)| e.locked_until))
            .map(|(k, _)| k.clone());
        if let Some(key) = victim {
            entries.remove(&key);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(900);

    #[test]
    fn the_limit_locks_for_the_window() {
        let t = Throttle::new(3, WINDOW, 100);
        let t0 = Instant::now();
        t.fail("ann", t0);
        t.fail("ann", t0);
        assert_eq!(t.check("ann", t0), Ok(()));
        t.fail("ann", t0 + Duration::from_secs(10));
        assert_eq!(t.check("ann", t0 + Duration::from_secs(10)), Err(WINDOW));
        assert_eq!(
            t.check(
                "ann",
                t0 + Duration::from_secs(910) - Duration::from_nanos(1)
            ),
            Err(Duration::from_nanos(1))
        );
        assert_eq!(t.check("ann", t0 + Duration::from_secs(910)), Ok(()));
        assert_eq!(t.check("bob", t0), Ok(()));
    }

    #[test]
    fn failures_older_than_the_window_start_over_and_success_forgets() {
        let t = Throttle::new(2, WINDOW, 100);
        let t0 = Instant::now();
        t.fail("ann", t0);
        t.fail("ann", t0 + WINDOW);
        assert_eq!(t.check("ann", t0 + WINDOW), Ok(()), "a new window");
        t.fail("ann", t0 + WINDOW + Duration::from_secs(1));
        assert!(
            t.check("ann", t0 + WINDOW + Duration::from_secs(1))
                .is_err()
        );
        t.succeed("bob");
        t.fail("bob", t0);
        t.succeed("bob");
        t.fail("bob", t0);
        assert_eq!(
            t.check("bob", t0),
            Ok(()),
            "the success forgot the first failure"
        );
    }

    #[test]
    fn a_lock_that_has_just_ended_is_expired_when_room_is_needed() {
        let t = Throttle::new(2, WINDOW, 2);
        let t0 = Instant::now();
        t.fail("a", t0);
        t.fail("a", t0);
        t.fail("b", t0 + Duration::from_secs(10));
        // At t0 + WINDOW, a's lock ends and its window is over: it goes, b stays.
        t.fail("c", t0 + WINDOW);
        let entries = t.entries();
        assert!(!entries.contains_key("a"));
        assert!(entries.contains_key("b") && entries.contains_key("c"));
    }

    #[test]
    fn a_lock_in_force_outlives_its_window_until_it_ends() {
        let t0 = Instant::now();
        let locked_at = t0 + Duration::from_secs(100);
        let setup = || {
            let t = Throttle::new(2, WINDOW, 2);
            t.fail("a", t0);
            t.fail("a", locked_at); // locked until locked_at + WINDOW
            t.fail("b", t0 + WINDOW + Duration::from_secs(1));
            t
        };
        // a's window is over but its lock holds: the unlocked b makes room.
        let t = setup();
        t.fail("c", t0 + WINDOW + Duration::from_secs(2));
        assert!(t.check("a", t0 + WINDOW + Duration::from_secs(2)).is_err());
        assert!(!t.entries().contains_key("b"));
        // Once the lock has ended (exactly), a goes and b stays.
        let t = setup();
        t.fail("c", locked_at + WINDOW);
        let entries = t.entries();
        assert!(!entries.contains_key("a"));
        assert!(entries.contains_key("b"));
    }

    #[test]
    fn a_known_key_never_evicts_another() {
        let t = Throttle::new(5, WINDOW, 2);
        let t0 = Instant::now();
        t.fail("a", t0);
        t.fail("b", t0 + Duration::from_secs(1));
        t.fail("a", t0 + Duration::from_secs(2));
        t.fail("b", t0 + Duration::from_secs(3));
        let entries = t.entries();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries.get("a").map(|e| e.failures), Some(2));
        assert_eq!(entries.get("b").map(|e| e.failures), Some(2));
    }

    #[test]
    fn memory_is_bounded_and_locks_outlive_unlocked_entries() {
        let t = Throttle::new(1, WINDOW, 3);
        let t0 = Instant::now();
        t.fail("locked", t0);
        t.fail("a", t0 + Duration::from_secs(1));
        // Unlocked entries need a higher limit: use a second throttle for that.
        let u = Throttle::new(5, WINDOW, 3);
        u.fail("old", t0);
        u.fail("mid", t0 + Duration::from_secs(1));
        u.fail("new", t0 + Duration::from_secs(2));
        u.fail("newest", t0 + Duration::from_secs(3));
        assert_eq!(u.len(), 3);
        let entries = u.entries();
        assert!(!entries.contains_key("old"), "the oldest went");
        assert!(entries.contains_key("mid") && entries.contains_key("newest"));
        drop(entries);
        // Expired entries go first.
        u.fail("late", t0 + WINDOW + Duration::from_secs(1));
        let entries = u.entries();
        assert!(!entries.contains_key("mid"));
        assert!(entries.contains_key("new") && entries.contains_key("late"));
        drop(entries);
        // With only locks left, the one that ends first makes room; others hold.
        let l = Throttle::new(1, WINDOW, 2);
        l.fail("x", t0);
        l.fail("y", t0 + Duration::from_secs(5));
        l.fail("z", t0 + Duration::from_secs(6));
        assert_eq!(l.len(), 2);
        assert_eq!(l.check("x", t0 + Duration::from_secs(6)), Ok(()));
        assert!(l.check("y", t0 + Duration::from_secs(6)).is_err());
        assert!(t.check("locked", t0 + Duration::from_secs(1)).is_err());
    }
}
