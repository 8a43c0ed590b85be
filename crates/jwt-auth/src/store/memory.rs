//! A store in memory, for tests and single-process applications (nothing survives a
//! restart).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use jws::NumericDate;

use super::rotation::{self, Rotation, RotationRequest, RotationView, Writes};
use super::{Found, KEY_RING_VERSION, RefreshRecord, Store, StoreError};
use crate::token::{FamilyId, TokenId};

#[derive(Debug)]
struct Family {
    subject: String,
    expires_at: NumericDate,
    revoked_at: Option<NumericDate>,
}

#[derive(Debug, Default)]
struct State {
    families: HashMap<FamilyId, Family>,
    records: HashMap<TokenId, RefreshRecord>,
    /// The key ring's version and document.
    key_ring: Option<(u64, String)>,
}

/// A [`Store`] in memory: one mutex makes every operation atomic.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::Inconsistent("the in-memory store's lock is poisoned"))
    }

    /// The number of records held (for tests and metrics).
    ///
    /// # Errors
    /// [`StoreError`] when the lock is poisoned.
    pub fn record_count(&self) -> Result<usize, StoreError> {
        Ok(self.lock()?.records.len())
    }
}

impl Store for MemoryStore {
    async fn create_family(&self, first: &RefreshRecord) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        if state.families.contains_key(&first.family) || state.records.contains_key(&first.id) {
            return Err(StoreError::Conflict("the family or token id"));
        }
        state.families.insert(
            first.family.clone(),
            Family {
                subject: first.subject.clone(),
                expires_at: first.expires_at,
                revoked_at: None,
            },
        );
        state.records.insert(first.id, first.clone());
        Ok(())
    }

    async fn find(&self, id: &TokenId) -> Result<Option<Found>, StoreError> {
        let state = self.lock()?;
        Ok(state.records.get(id).map(|record| Found {
            record: record.clone(),
            family_revoked: state
                .families
                .get(&record.family)
                .is_none_or(|f| f.revoked_at.is_some()),
        }))
    }

    async fn rotate(&self, request: &RotationRequest) -> Result<Rotation, StoreError> {
        let mut state = self.lock()?;
        let state = &mut *state;
        let view = state.records.get(&request.id).map(|record| RotationView {
            record: record.clone(),
            family_revoked: state
                .families
                .get(&record.family)
                .is_none_or(|f| f.revoked_at.is_some()),
            successor: record
                .successor
                .and_then(|next| state.records.get(&next).cloned()),
        });
        let outcome = rotation::decide(request, view.as_ref());
        match outcome.writes(request) {
            Writes::None => {}
            Writes::Consume { consumed, at, next } => {
                if state.records.contains_key(&next.id) {
                    return Err(StoreError::Conflict("the successor's id"));
                }
                let record = state
                    .records
                    .get_mut(consumed)
                    .ok_or_else(|| StoreError::Inconsistent("the consumed record vanished"))?;
                record.consumed_at = Some(at);
                record.successor = Some(next.id);
                state.records.insert(next.id, next.clone());
            }
            Writes::RevokeFamily { at } => {
                if let Some(family) = view
                    .as_ref()
                    .and_then(|v| state.families.get_mut(&v.record.family))
                {
                    family.revoked_at = Some(at);
                }
            }
        }
        Ok(outcome)
    }

    async fn revoke_family(&self, family: &FamilyId, now: NumericDate) -> Result<bool, StoreError> {
        let mut state = self.lock()?;
        Ok(match state.families.get_mut(family) {
            Some(f) if f.revoked_at.is_none() => {
                f.revoked_at = Some(now);
                true
            }
            _ => false,
        })
    }

    async fn revoke_subject(
        &self,
        subject: &str,
        now: NumericDate,
    ) -> Result<Vec<FamilyId>, StoreError> {
        let mut state = self.lock()?;
        let mut revoked = Vec::new();
        for (id, f) in &mut state.families {
            if f.subject == subject && f.revoked_at.is_none() {
                f.revoked_at = Some(now);
                revoked.push(id.clone());
            }
        }
        revoked.sort();
        Ok(revoked)
    }

    async fn save_key_ring(&self, version: u64, document: &str) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        if state.key_ring.as_ref().is_some_and(|(v, _)| *v >= version) {
            return Err(StoreError::Conflict(KEY_RING_VERSION));
        }
        state.key_ring = Some((version, document.to_owned()));
        Ok(())
    }

    async fn load_key_ring(&self) -> Result<Option<String>, StoreError> {
        Ok(self.lock()?.key_ring.as_ref().map(|(_, d)| d.clone()))
    }

    async fn purge(&self, now: NumericDate) -> Result<u64, StoreError> {
        let mut state = self.lock()?;
        let before = state.records.len();
        state.records.retain(|_, r| r.expires_at > now);
        state.families.retain(|_, f| f.expires_at > now);
        Ok((before - state.records.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RotationRequest;
    use crate::token::SecretHash;

    fn at(s: u64) -> NumericDate {
        NumericDate::from_secs(s).unwrap()
    }

    #[tokio::test]
    async fn record_count_counts_records() {
        let store = MemoryStore::new();
        assert_eq!(store.record_count().unwrap(), 0);
        let first = RefreshRecord {
            id: TokenId::from_bytes([1; 16]),
            secret_hash: SecretHash::from_bytes([1; 32]),
            family: FamilyId::from_string("f".into()),
            subject: "ann".into(),
            issued_at: at(100),
            idle_expires_at: at(200),
            expires_at: at(300),
            consumed_at: None,
            successor: None,
            session: "{}".into(),
        };
        store.create_family(&first).await.unwrap();
        assert_eq!(store.record_count().unwrap(), 1);
        let request = RotationRequest {
            id: first.id,
            now: at(110),
            grace: 0,
            idle: 50,
            successor_id: TokenId::from_bytes([2; 16]),
            successor_hash: SecretHash::from_bytes([2; 32]),
        };
        store.rotate(&request).await.unwrap();
        assert_eq!(store.record_count().unwrap(), 2);
        store.purge(at(300)).await.unwrap();
        assert_eq!(store.record_count().unwrap(), 0);
    }
}
