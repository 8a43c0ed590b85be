//! The key ring of an authority: rotation (on demand or when due), revocation, reloading
//! what other instances stored, each change a compare-and-set on the ring's version.

use std::time::Duration;

use jws::NumericDate;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Authority;
use crate::error::AuthError;
use crate::keyring::{KeyRing, KeyRingError};
use crate::store::{Store, StoreError};

impl<S: Store, T: Serialize + DeserializeOwned> Authority<S, T> {
    /// Rotates the signing keys (see [`KeyRing::rotate`]) and stores the sealed ring. The
    /// retired key is published until every token it signed has expired, leeway included.
    ///
    /// # Errors
    /// [`AuthError::KeyRing`]; [`AuthError::StoreUnavailable`].
    pub async fn rotate_keys(&self) -> Result<(), AuthError> {
        let now = self.now();
        let retire_for = self.config.access_ttl.saturating_add(self.config.leeway);
        self.change_ring(|ring| ring.rotate(now, retire_for).map(|()| true))
            .await
            .map(drop)
    }

    /// Rotates the signing keys if the newest key of the stored ring is `interval` old or
    /// older (see [`KeyRing::rotation_due`]); returns whether it did. Several instances
    /// calling this on their own schedules rotate once per interval between them: the
    /// first stores the rotation, the others find the ring fresh (and adopt it).
    ///
    /// # Errors
    /// [`AuthError::KeyRing`]; [`AuthError::StoreUnavailable`].
    pub async fn rotate_keys_if_due(&self, interval: Duration) -> Result<bool, AuthError> {
        let now = self.now();
        let retire_for = self.config.access_ttl.saturating_add(self.config.leeway);
        self.change_ring(|ring| {
            if !ring.rotation_due(now, interval) {
                return Ok(false);
            }
            ring.rotate(now, retire_for).map(|()| true)
        })
        .await
    }

    /// Revokes a compromised signing key (see [`KeyRing::revoke`]) and stores the ring.
    ///
    /// # Errors
    /// [`AuthError::KeyRing`] ([`KeyRingError::UnknownKid`] for an unknown `kid`);
    /// [`AuthError::StoreUnavailable`].
    pub async fn revoke_key(&self, kid: &str) -> Result<(), AuthError> {
        let now = self.now();
        self.change_ring(|ring| ring.revoke(kid, now).map(|()| true))
            .await?;
        // Resource servers on the shared deny-list refuse its tokens at once, whatever
        // JWK Set they hold in cache.
        if let Some(list) = &self.config.deny_list {
            list.revoke_key(kid, now).await?;
        }
        Ok(())
    }

    /// Reloads the key ring from the store (another instance may have rotated or revoked
    /// keys). A stored ring older than the one held is refused; one of the same or a
    /// newer version (its integrity checked) replaces the one held.
    ///
    /// # Errors
    /// [`AuthError::KeyRing`]: [`KeyRingError::Rollback`], [`KeyRingError::Integrity`],
    /// [`KeyRingError::Missing`]; [`AuthError::StoreUnavailable`].
    pub async fn reload_keys(&self) -> Result<(), AuthError> {
        let _one_at_a_time = self.ring_change.lock().await;
        let stored = self.stored_ring().await?;
        *self
            .ring
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = stored;
        Ok(())
    }

    /// The stored ring, opened and checked against the one held: never older.
    async fn stored_ring(&self) -> Result<KeyRing, AuthError> {
        let document = self
            .store
            .load_key_ring()
            .await?
            .ok_or(KeyRingError::Missing)?;
        let held = self.ring().version();
        let outer = KeyRing::document(&document)?;
        if outer.version < held {
            return Err(KeyRingError::Rollback {
                stored: outer.version,
                held,
            }
            .into());
        }
        KeyRing::open_document(outer, &self.config.kek)
    }

    /// Applies `change` to the newest stored ring and stores the result, unless `change`
    /// answers `false` (nothing to do: the ring held is then refreshed from the store).
    /// Another instance storing a ring in between (the store's compare-and-set answers
    /// [`StoreError::Conflict`]) makes it start again from that ring, a few times.
    pub(super) async fn change_ring(
        &self,
        mut change: impl FnMut(&mut KeyRing) -> Result<bool, AuthError>,
    ) -> Result<bool, AuthError> {
        /// Attempts before giving up: each lost race means another instance changed the
        /// ring, which only a storm of concurrent key operations repeats this often.
        const ATTEMPTS: usize = 8;
        let _one_at_a_time = self.ring_change.lock().await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The newest stored ring (another instance may have changed it), never older.
            let mut next = self.stored_ring().await?;
            let changed = change(&mut next)?;
            if changed {
                next.prune(self.now(), self.config.revoked_retention);
                next.bump();
                // Stored first: a ring that is not durable is not used.
                match self
                    .store
                    .save_key_ring(next.version(), &next.seal(&self.config.kek)?)
                    .await
                {
                    Ok(()) => {}
                    Err(StoreError::Conflict(_)) if attempt < ATTEMPTS => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            *self
                .ring
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
            return Ok(changed);
        }
    }

    /// Before signing: if the deny-list says the active key was revoked (by another
    /// instance, which this one has not followed yet), reloads the ring first, so that no
    /// token is signed with a key every verifier refuses.
    pub(super) async fn unrevoked_signing_key(&self, now: NumericDate) -> Result<(), AuthError> {
        let Some(list) = &self.config.deny_list else {
            return Ok(());
        };
        let revoked = {
            let ring = self.ring();
            let kid = ring.active()?.kid();
            // No session has an empty id: only the key is looked up.
            matches!(
                list.check("", kid, now, now),
                Err(AuthError::InvalidToken(
                    crate::error::TokenError::KeyRevoked
                ))
            )
        };
        if revoked {
            self.reload_keys().await?;
        }
        Ok(())
    }
}
