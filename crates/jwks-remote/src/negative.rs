//! `kid`s that a refetch did not find, remembered for a short time.

use std::collections::HashMap;
use std::time::Duration;

/// The most `kid`s remembered; past it, expired entries go, then the oldest half.
const CAPACITY: usize = 1024;

/// A bounded map from unknown `kid` to the second its entry expires.
#[derive(Debug)]
pub(crate) struct NegativeCache {
    ttl: u64,
    entries: HashMap<String, u64>,
}

impl NegativeCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl: ttl.as_secs(),
            entries: HashMap::new(),
        }
    }

    /// The key of a `kid`: a token without one is remembered as the empty name. A `kid`
    /// that was cut for echoing (it ends in `...` past 64 characters) is not remembered:
    /// two different names could share the cut form.
    fn key(kid: Option<&str>) -> Option<&str> {
        match kid {
            None => Some(""),
            Some(k) if k.ends_with("...") && k.chars().count() > 64 => None,
            Some(k) => Some(k),
        }
    }

    pub(crate) fn contains(&self, kid: Option<&str>, now: u64) -> bool {
        Self::key(kid)
            .and_then(|k| self.entries.get(k))
            .is_some_and(|&until| now < until)
    }

    pub(crate) fn insert(&mut self, kid: Option<&str>, now: u64) {
        let Some(key) = Self::key(kid) else { return };
        if self.ttl == 0 {
            return;
        }
        if self.entries.len() >= CAPACITY {
            self.entries.retain(|_, until| now < *until);
        }
        if self.entries.len() >= CAPACITY {
            let mut expiries: Vec<u64> = self.entries.values().copied().collect();
            expiries.sort_unstable();
            let median = expiries.get(CAPACITY / 2).copied().unwrap_or(u64::MAX);
            self.entries.retain(|_, until| *until > median);
        }
        self.entries
            .insert(key.to_owned(), now.saturating_add(self.ttl));
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_for_the_ttl() {
        let mut c = NegativeCache::new(Duration::from_secs(60));
        c.insert(Some("k"), 100);
        c.insert(None, 100);
        assert!(c.contains(Some("k"), 100));
        assert!(c.contains(Some("k"), 159));
        assert!(!c.contains(Some("k"), 160));
        assert!(c.contains(None, 159));
        assert!(!c.contains(Some("other"), 100));
        c.clear();
        assert!(!c.contains(Some("k"), 100));
    }

    #[test]
    fn cut_kids_and_zero_ttl_are_not_remembered() {
        let mut c = NegativeCache::new(Duration::from_secs(60));
        let cut = format!("{}...", "a".repeat(64));
        c.insert(Some(&cut), 0);
        assert!(!c.contains(Some(&cut), 0));
        // Names that merely end in "..." (not cut: 64 characters or fewer) are remembered.
        for kid in ["k...", &format!("{}...", "a".repeat(61))] {
            c.insert(Some(kid), 0);
            assert!(c.contains(Some(kid), 0), "{kid}");
        }
        let long = "b".repeat(65);
        c.insert(Some(&long), 0);
        assert!(c.contains(Some(&long), 0));
        let mut z = NegativeCache::new(Duration::ZERO);
        z.insert(Some("k"), 0);
        assert!(!z.contains(Some("k"), 0));
    }

    #[test]
    fn evicts_only_when_full_expired_entries_first() {
        let mut c = NegativeCache::new(Duration::from_secs(60));
        c.insert(Some("a"), 0);
        c.insert(Some("b"), 0);
        c.insert(Some("c"), 100);
        // Under capacity nothing is evicted, expired or not.
        assert_eq!(c.entries.len(), 3);

        let mut c = NegativeCache::new(Duration::from_secs(60));
        for i in 0..CAPACITY {
            c.insert(Some(&i.to_string()), 0);
        }
        assert_eq!(c.entries.len(), CAPACITY);
        // Full, and every entry expired at 60: they all go.
        c.insert(Some("new"), 60);
        assert_eq!(c.entries.len(), 1);
        assert!(c.contains(Some("new"), 60));
    }

    #[test]
    fn an_entry_expiring_now_is_expired() {
        let mut c = NegativeCache::new(Duration::from_secs(60));
        for i in 0..CAPACITY {
            c.insert(Some(&i.to_string()), if i < CAPACITY / 2 { 0 } else { 10 });
        }
        // At 60 the first half expires exactly: it goes, the rest stays.
        c.insert(Some("new"), 60);
        assert_eq!(c.entries.len(), CAPACITY / 2 + 1);
        assert!(c.contains(Some(&(CAPACITY - 1).to_string()), 60));
    }

    #[test]
    fn when_full_of_live_entries_the_older_half_goes() {
        let mut c = NegativeCache::new(Duration::from_secs(10_000));
        for i in 0..CAPACITY as u64 {
            c.insert(Some(&i.to_string()), i);
        }
        c.insert(Some("new"), CAPACITY as u64);
        assert_eq!(c.entries.len(), CAPACITY / 2);
        let half = CAPACITY as u64 / 2;
        assert!(!c.contains(Some("0"), half));
        assert!(!c.contains(Some(&half.to_string()), half));
        assert!(c.contains(Some(&(half + 1).to_string()), half));
        assert!(c.contains(Some("new"), half));
    }

    #[test]
    fn bounded() {
        let mut c = NegativeCache::new(Duration::from_secs(60));
        for i in 0..10 * CAPACITY as u64 {
            c.insert(Some(&i.to_string()), i / 100);
            assert!(c.entries.len() <= CAPACITY);
        }
        // The newest are kept.
        let last = (10 * CAPACITY as u64 - 1).to_string();
        assert!(c.contains(Some(&last), 102));
    }
}
