//! The server's store: SQLite (one instance) or PostgreSQL (several), behind one type.

use jwt_auth::jws::NumericDate;
use jwt_auth::store::{Found, RefreshRecord, Rotation, RotationRequest, Store, StoreError};
use jwt_auth::{FamilyId, PostgresStore, SqliteStore, TokenId};

/// SQLite or PostgreSQL.
#[derive(Debug)]
pub(crate) enum AnyStore {
    /// The embedded default.
    Sqlite(SqliteStore),
    /// Shared by several instances.
    Postgres(PostgresStore),
}

impl AnyStore {
    /// Closes the store: SQLite's worker finishes its work; PostgreSQL's pool closes.
    pub(crate) async fn close(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => s.close().await,
            Self::Postgres(s) => {
                s.close();
                Ok(())
            }
        }
    }
}

/// Forwards to the store of either kind.
macro_rules! either {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call.await,
            AnyStore::Postgres($s) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn create_family(&self, first: &RefreshRecord) -> Result<(), StoreError> {
        either!(self, s => s.create_family(first))
    }

    async fn find(&self, id: &TokenId) -> Result<Option<Found>, StoreError> {
        either!(self, s => s.find(id))
    }

    async fn rotate(&self, request: &RotationRequest) -> Result<Rotation, StoreError> {
        either!(self, s => s.rotate(request))
    }

    async fn revoke_family(&self, family: &FamilyId, now: NumericDate) -> Result<bool, StoreError> {
        either!(self, s => s.revoke_family(family, now))
    }

    async fn revoke_subject(
        &self,
        subject: &str,
        now: NumericDate,
    ) -> Result<Vec<FamilyId>, StoreError> {
        either!(self, s => s.revoke_subject(subject, now))
    }

    async fn save_key_ring(&self, version: u64, document: &str) -> Result<(), StoreError> {
        either!(self, s => s.save_key_ring(version, document))
    }

    async fn load_key_ring(&self) -> Result<Option<String>, StoreError> {
        either!(self, s => s.load_key_ring())
    }

    async fn purge(&self, now: NumericDate) -> Result<u64, StoreError> {
        either!(self, s => s.purge(now))
    }
}
