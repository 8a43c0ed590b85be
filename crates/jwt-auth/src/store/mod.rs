//! Where refresh tokens and the key ring live: the [`Store`] trait and its semantics, an
//! in-memory store and (feature `sqlite`) a SQLite store.
//!
//! # Semantics every store follows
//!
//! A store keeps **families** (one per login: the session) and **refresh records** (one per
//! refresh token ever issued). A record never holds a token's secret, only its
//! [`SecretHash`]. The operations are atomic: no reader ever sees a half-done one, and a
//! crash leaves either all of an operation or none of it.
//!
//! - [`Store::create_family`] inserts a family and its first record.
//! - [`Store::find`] returns a record by id, with whether its family is revoked. It changes
//!   nothing.
//! - [`Store::rotate`] is the heart of reuse detection, in one step: it reads the
//!   presented record, whether its family is revoked, and the record of its successor if it
//!   has one ([`RotationView`]); asks [`rotation::decide`] what to do; applies the writes
//!   of the answer ([`Rotation::writes`]: consume the record and insert its successor, or
//!   revoke the family, or nothing); and returns the answer. The rule itself lives only in
//!   [`rotation`]; a store never decides. Of many concurrent rotations of one record
//!   exactly one returns [`Rotation::Rotated`]; the others (within the grace period)
//!   return [`Rotation::Repeated`] with the same successor, or (without grace) see reuse.
//! - [`Store::revoke_family`] and [`Store::revoke_subject`] mark families revoked (never
//!   un-revoked); records of a revoked family never rotate again.
//! - [`Store::save_key_ring`] / [`Store::load_key_ring`] keep one opaque document (the
//!   key ring, sealed and authenticated under the application's key-encryption key: a
//!   store never needs to understand it, and cannot change it unnoticed) with its version.
//!   A save is a compare-and-set: it stores the document only when no ring is stored or
//!   the stored one has a lower version, and otherwise answers [`StoreError::Conflict`];
//!   of several instances that change the ring at once, one wins and the others reload
//!   and try again (no change is lost, none is applied twice).
//! - [`Store::purge`] deletes what can no longer matter: records and families whose
//!   absolute expiry has passed.
//!
//! A PostgreSQL or Redis store follows the same rules and passes the same conformance
//! tests (`tests/store_conformance.rs` is generic over the store).

use std::future::Future;

use jws::NumericDate;

pub use crate::error::StoreError;
use crate::token::{FamilyId, SecretHash, TokenId};

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
pub mod rotation;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use rotation::{Rotation, RotationRequest, RotationView, Writes};

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// What [`StoreError::Conflict`] names when a key ring of the same or a newer version is
/// already stored.
pub(crate) const KEY_RING_VERSION: &str = "a key ring of this version or a newer one";

/// One refresh token, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// The token's public lookup id.
    pub id: TokenId,
    /// SHA-256 of the token's secret.
    pub secret_hash: SecretHash,
    /// The family (login session) it belongs to.
    pub family: FamilyId,
    /// The user (`sub`).
    pub subject: String,
    /// When it was issued.
    pub issued_at: NumericDate,
    /// When it stops being usable for lack of use (idle expiry).
    pub idle_expires_at: NumericDate,
    /// When its family stops being usable whatever happens (absolute expiry).
    pub expires_at: NumericDate,
    /// When it was consumed by a rotation, if it was.
    pub consumed_at: Option<NumericDate>,
    /// The token that replaced it, once consumed.
    pub successor: Option<TokenId>,
    /// What the next access tokens of the session carry (client id, scope, the
    /// application's claims) and client metadata, as JSON.
    pub session: String,
}

/// A record and the state of its family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The record.
    pub record: RefreshRecord,
    /// Whether its family is revoked.
    pub family_revoked: bool,
}

/// Persistence of refresh tokens and of the key ring. See the [module documentation](self)
/// for the exact semantics an implementation must follow.
pub trait Store: Send + Sync + 'static {
    /// Inserts a new family and its first record, atomically.
    fn create_family(
        &self,
        first: &RefreshRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The record with this id, if any, and whether its family is revoked.
    fn find(&self, id: &TokenId) -> impl Future<Output = Result<Option<Found>, StoreError>> + Send;

    /// Reads what [`rotation::decide`] needs, decides, applies the writes of the answer
    /// and returns it, atomically (see the module documentation).
    fn rotate(
        &self,
        request: &RotationRequest,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send;

    /// Revokes a family; `true` when it existed and was not yet revoked.
    fn revoke_family(
        &self,
        family: &FamilyId,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Revokes every family of a user; returns the families newly revoked.
    fn revoke_subject(
        &self,
        subject: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<Vec<FamilyId>, StoreError>> + Send;

    /// Stores the key ring document of `version`, if no ring is stored or the stored one's
    /// version is lower; [`StoreError::Conflict`] otherwise (another instance stored that
    /// version or a newer one first).
    fn save_key_ring(
        &self,
        version: u64,
        document: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The stored key ring document, if any.
    fn load_key_ring(&self) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Deletes records and families whose absolute expiry is at or before `now`; returns
    /// how many records went.
    fn purge(&self, now: NumericDate) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// A shared store is a store: an `Arc<S>` serves an [`Authority`](crate::Authority) while
/// other parts of the application (a purge task, an admin endpoint) use the same `S`.
impl<S: Store> Store for std::sync::Arc<S> {
    fn create_family(
        &self,
        first: &RefreshRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        S::create_family(self, first)
    }

    fn find(&self, id: &TokenId) -> impl Future<Output = Result<Option<Found>, StoreError>> + Send {
        S::find(self, id)
    }

    fn rotate(
        &self,
        request: &RotationRequest,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send {
        S::rotate(self, request)
    }

    fn revoke_family(
        &self,
        family: &FamilyId,
        now: NumericDate,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        S::revoke_family(self, family, now)
    }

    fn revoke_subject(
        &self,
        subject: &str,
        now: NumericDate,
    ) -> impl Future<Output = Result<Vec<FamilyId>, StoreError>> + Send {
        S::revoke_subject(self, subject, now)
    }

    fn save_key_ring(
        &self,
        version: u64,
        document: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        S::save_key_ring(self, version, document)
    }

    fn load_key_ring(&self) -> impl Future<Output = Result<Option<String>, StoreError>> + Send {
        S::load_key_ring(self)
    }

    fn purge(&self, now: NumericDate) -> impl Future<Output = Result<u64, StoreError>> + Send {
        S::purge(self, now)
    }
}
