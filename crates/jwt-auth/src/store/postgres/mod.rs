//! The PostgreSQL store: a pool of connections, migrations applied on open under an
//! advisory lock, each operation one transaction, retried on serialization failures and
//! deadlocks.
//!
//! # Rotation under concurrency
//!
//! A rotation locks the presented record (`SELECT ... FOR UPDATE`), then its family (same),
//! reads the successor, asks [`rotation::decide`] and applies the writes, in one
//! transaction at `READ COMMITTED`. Concurrent rotations of one record queue on its row
//! lock; each one that waited re-reads the row the winner committed (PostgreSQL's
//! re-check of locked rows) and sees it consumed: the grace rule answers the same
//! successor, or reuse. Every rotation of a family also locks the family's row, so a
//! logout and a rotation never interleave, and all rotations of one family are serial.
//! A serialization failure or a deadlock (SQLSTATE `40001`, `40P01`) is retried, up to
//! four times: the caller never sees one (ory/hydra#3604 surfaced them as errors).
//!
//! # Durability
//!
//! A commit returns once PostgreSQL has flushed it (`synchronous_commit` as the server
//! has it: on by default). Nothing here turns it off.

use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime,
};
use jws::NumericDate;
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

mod setup;

pub use setup::PostgresOptions;
use setup::{MIGRATIONS, migration_lock, valid_schema};

use crate::store::rotation::{self, Rotation, RotationRequest, RotationView, Writes};
use crate::store::{Found, KEY_RING_VERSION, RefreshRecord, Store, StoreError};
use crate::token::{FamilyId, SecretHash, TokenId};

/// Rows deleted per statement (and transaction) by [`Store::purge`].
const PURGE_BATCH: i64 = 1000;

/// Attempts of one operation that meets serialization failures or deadlocks.
const ATTEMPTS: u32 = 5;

/// A [`Store`] on PostgreSQL (feature `postgres`), over `tokio-postgres` and a
/// `deadpool-postgres` pool.
///
/// Connections are plain TCP or Unix sockets without TLS: run it on a trusted network, a
/// Unix socket, or behind a TLS-terminating proxy.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection string may hold a password: never shown.
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("connections", &status.size)
            .field("max_connections", &status.max_size)
            .finish_non_exhaustive()
    }
}

/// A PostgreSQL error as a [`StoreError`]: lost connections and an unreachable or
/// restarting server are [`StoreError::Unavailable`] (retry later), a unique key a
/// [`StoreError::Conflict`], anything else [`StoreError::Backend`].
fn pg_error(e: tokio_postgres::Error) -> StoreError {
    let Some(code) = e.code() else {
        // No SQLSTATE: the connection failed or closed (I/O, a restart, a timeout).
        return StoreError::Unavailable(format!("PostgreSQL: {e}"));
    };
    let class = code.code().get(..2).unwrap_or_default();
    if *code == SqlState::UNIQUE_VIOLATION {
        StoreError::Conflict("the family or token id")
    } else if matches!(class, "08" | "53" | "57") {
        // Connection exceptions, insufficient resources, operator intervention (a
        // shutdown, "the database system is starting up").
        StoreError::Unavailable(format!("PostgreSQL: {e}"))
    } else {
        StoreError::Backend(Box::new(e))
    }
}

fn pool_error(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => pg_error(e),
        other => StoreError::Unavailable(format!("PostgreSQL pool: {other}")),
    }
}

/// Whether the operation should run again: a serialization failure or a deadlock.
fn retryable(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    })
}

fn secs(date: NumericDate) -> i64 {
    i64::try_from(date.as_secs()).unwrap_or(i64::MAX)
}

/// A stored date; a value no [`NumericDate`] can hold breaks the store's invariants.
fn date(secs: i64) -> Result<NumericDate, StoreError> {
    u64::try_from(secs)
        .ok()
        .and_then(|s| NumericDate::from_secs(s).ok())
        .ok_or(StoreError::Inconsistent("a date out of range"))
}

fn id_bytes(bytes: &[u8]) -> Result<TokenId, StoreError> {
    <[u8; 16]>::try_from(bytes)
        .map(TokenId::from_bytes)
        .map_err(|_| StoreError::Inconsistent("a token id of the wrong length"))
}

/// The columns of [`read_record`], prefixed by `r.`.
const RECORD: &str = "r.id, r.secret_hash, r.family, r.subject, r.issued_at, \
     r.idle_expires_at, r.expires_at, r.consumed_at, r.session, r.successor";

fn read_record(row: &Row) -> Result<RefreshRecord, StoreError> {
    let get = |e: tokio_postgres::Error| StoreError::Backend(Box::new(e));
    let hash: &[u8] = row.try_get(1).map_err(get)?;
    let hash = <[u8; 32]>::try_from(hash)
        .map_err(|_| StoreError::Inconsistent("a secret hash of the wrong length"))?;
    let consumed: Option<i64> = row.try_get(7).map_err(get)?;
    let successor: Option<&[u8]> = row.try_get(9).map_err(get)?;
    Ok(RefreshRecord {
        id: id_bytes(row.try_get(0).map_err(get)?)?,
        secret_hash: SecretHash::from_bytes(hash),
        family: FamilyId::from_string(row.try_get(2).map_err(get)?),
        subject: row.try_get(3).map_err(get)?,
        issued_at: date(row.try_get(4).map_err(get)?)?,
        idle_expires_at: date(row.try_get(5).map_err(get)?)?,
        expires_at: date(row.try_get(6).map_err(get)?)?,
        consumed_at: consumed.map(date).transpose()?,
        session: row.try_get(8).map_err(get)?,
        successor: successor.map(id_bytes).transpose()?,
    })
}

async fn insert_record(
    client: &impl GenericClient,
    r: &RefreshRecord,
) -> Result<(), tokio_postgres::Error> {
    let stmt = client
        .prepare_cached(
            "INSERT INTO refresh_tokens (id, secret_hash, family, subject, issued_at, \
             idle_expires_at, expires_at, consumed_at, session, successor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .await?;
    client
        .execute(
            &stmt,
            &[
                &r.id.as_bytes().as_slice(),
                &r.secret_hash.as_bytes().as_slice(),
                &r.family.as_str(),
                &r.subject,
                &secs(r.issued_at),
                &secs(r.idle_expires_at),
                &secs(r.expires_at),
                &r.consumed_at.map(secs),
                &r.session,
                &r.successor.as_ref().map(|s| s.as_bytes().as_slice()),
            ],
        )
        .await?;
    Ok(())
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/database`, or key=value form) with
    /// the default [`PostgresOptions`] and applies the migrations it lacks.
    ///
    /// # Errors
    /// As [`PostgresStore::connect_with`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PostgresOptions::default()).await
    }

    /// Connects to `url` with `options` and applies the migrations the database lacks, in
    /// one transaction under an advisory lock: instances starting at the same moment
    /// migrate once, the others wait and find the schema current.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the server cannot be reached; [`StoreError::Backend`]
    /// for a malformed URL or schema name, or a failed migration;
    /// [`StoreError::SchemaNewer`] when a newer version of this crate migrated the schema.
    pub async fn connect_with(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(|e| {
            // The parser's message never repeats the password.
            StoreError::Backend(format!("invalid PostgreSQL URL: {e}").into())
        })?;
        config.connect_timeout(options.timeout);
        if config.get_application_name().is_none() {
            config.application_name("jwt-auth");
        }
        let schema = match &options.schema {
            Some(schema) if valid_schema(schema) => Some(schema.clone()),
            Some(_) => {
                return Err(StoreError::Backend(
                    "invalid schema name: use a-z, 0-9 and _, starting with a letter or _".into(),
                ));
            }
            None => None,
        };
        if let Some(schema) = &schema {
            config.options(format!("-c search_path={schema}"));
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            .build()
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        let store = Self { pool };
        store.migrate(schema.as_deref()).await?;
        Ok(store)
    }

    async fn migrate(&self, schema: Option<&str>) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let lock = migration_lock(schema.unwrap_or("public"));
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock])
            .await
            .map_err(pg_error)?;
        let mut setup = String::new();
        if let Some(schema) = schema {
            // Checked by `valid_schema`: a plain identifier.
            let _ = write!(setup, "CREATE SCHEMA IF NOT EXISTS {schema};");
        }
        setup.push_str(
            "CREATE TABLE IF NOT EXISTS jwt_auth_schema (\
             version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());",
        );
        tx.batch_execute(&setup).await.map_err(pg_error)?;
        let row = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM jwt_auth_schema", &[])
            .await
            .map_err(pg_error)?;
        let version: i32 = row.try_get(0).map_err(pg_error)?;
        let known = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
        if version > known {
            return Err(StoreError::SchemaNewer {
                found: i64::from(version),
            });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.batch_execute(sql).await.map_err(pg_error)?;
            let applied = i32::try_from(i + 1).unwrap_or(i32::MAX);
            tx.execute(
                "INSERT INTO jwt_auth_schema (version) VALUES ($1)",
                &[&applied],
            )
            .await
            .map_err(pg_error)?;
        }
        tx.commit().await.map_err(pg_error)
    }

    /// The schema version of the database (the number of migrations applied).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`]; [`StoreError::Backend`].
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let row = client
            .query_one("SELECT COALESCE(MAX(version), 0) FROM jwt_auth_schema", &[])
            .await
            .map_err(pg_error)?;
        row.try_get::<_, i32>(0).map(i64::from).map_err(pg_error)
    }

    /// Closes the pool: connections in use close when they come back.
    pub fn close(&self) {
        self.pool.close();
    }

    /// Runs `attempt` (one transaction on a pooled connection, committed), again on a
    /// serialization failure or a deadlock.
    async fn retrying<R, F, Fut>(&self, mut attempt: F) -> Result<R, StoreError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<R, Failure>>,
    {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(Failure::Pg(e)) if retryable(&e) && attempts < ATTEMPTS => {
                    // A few milliseconds, growing, so the contenders do not meet again.
                    tokio::time::sleep(Duration::from_millis(u64::from(attempts) * 3)).await;
                }
                Err(Failure::Pg(e)) => return Err(pg_error(e)),
                Err(Failure::Store(e)) => return Err(e),
            }
        }
    }
}

/// Why a transaction's body failed: PostgreSQL (maybe worth retrying) or the store's own
/// checks.
enum Failure {
    Pg(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Pg(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// A record by id with its family's state, locking the record (`FOR UPDATE`).
async fn locked_record(
    tx: &deadpool_postgres::Transaction<'_>,
    id: &TokenId,
) -> Result<Option<RefreshRecord>, Failure> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT {RECORD} FROM refresh_tokens r WHERE r.id = $1 FOR UPDATE"
        ))
        .await?;
    let row = tx.query_opt(&stmt, &[&id.as_bytes().as_slice()]).await?;
    Ok(row.as_ref().map(read_record).transpose()?)
}

async fn rotate_in(
    tx: &deadpool_postgres::Transaction<'_>,
    request: &RotationRequest,
) -> Result<Rotation, Failure> {
    let view = match locked_record(tx, &request.id).await? {
        None => None,
        Some(record) => {
            // The family's row next (always in this order: record, then family).
            let stmt = tx
                .prepare_cached("SELECT revoked_at FROM families WHERE id = $1 FOR UPDATE")
                .await?;
            let family = tx.query_opt(&stmt, &[&record.family.as_str()]).await?;
            let family_revoked = match &family {
                None => true,
                Some(row) => row.try_get::<_, Option<i64>>(0)?.is_some(),
            };
            let successor = match &record.successor {
                None => None,
                Some(next) => {
                    let stmt = tx
                        .prepare_cached(&format!(
                            "SELECT {RECORD} FROM refresh_tokens r WHERE r.id = $1"
                        ))
                        .await?;
                    let row = tx.query_opt(&stmt, &[&next.as_bytes().as_slice()]).await?;
                    row.as_ref().map(read_record).transpose()?
                }
            };
            Some(RotationView {
                record,
                family_revoked,
                successor,
            })
        }
    };
    let outcome = rotation::decide(request, view.as_ref());
    match outcome.writes(request) {
        Writes::None => {}
        Writes::Consume { consumed, at, next } => {
            let stmt = tx
                .prepare_cached(
                    "UPDATE refresh_tokens SET consumed_at = $1, successor = $2 WHERE id = $3",
                )
                .await?;
            tx.execute(
                &stmt,
                &[
                    &secs(at),
                    &next.id.as_bytes().as_slice(),
                    &consumed.as_bytes().as_slice(),
                ],
            )
            .await?;
            insert_record(tx, next).await?;
        }
        Writes::RevokeFamily { at } => {
            if let Some(view) = &view {
                let stmt = tx
                    .prepare_cached(
                        "UPDATE families SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    )
                    .await?;
                tx.execute(&stmt, &[&secs(at), &view.record.family.as_str()])
                    .await?;
            }
        }
    }
    Ok(outcome)
}

impl Store for PostgresStore {
    async fn create_family(&self, first: &RefreshRecord) -> Result<(), StoreError> {
        self.retrying(|| async {
            let mut client = self.pool.get().await.map_err(pool_error)?;
            let tx = client.transaction().await?;
            tx.execute(
                "INSERT INTO families (id, subject, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
                &[
                    &first.family.as_str(),
                    &first.subject,
                    &secs(first.issued_at),
                    &secs(first.expires_at),
                ],
            )
            .await?;
            insert_record(&tx, first).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    async fn find(&self, id: &TokenId) -> Result<Option<Found>, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {RECORD}, f.revoked_at IS NOT NULL OR f.id IS NULL \
                 FROM refresh_tokens r LEFT JOIN families f ON f.id = r.family WHERE r.id = $1"
            ))
            .await
            .map_err(pg_error)?;
        let row = client
            .query_opt(&stmt, &[&id.as_bytes().as_slice()])
            .await
            .map_err(pg_error)?;
        row.map(|row| {
            Ok(Found {
                record: read_record(&row)?,
                family_revoked: row.try_get(10).map_err(pg_error)?,
            })
        })
        .transpose()
    }

    async fn rotate(&self, request: &RotationRequest) -> Result<Rotation, StoreError> {
        self.retrying(|| async {
            let mut client = self.pool.get().await.map_err(pool_error)?;
            let tx = client.transaction().await?;
            let outcome = rotate_in(&tx, request).await?;
            tx.commit().await?;
            Ok(outcome)
        })
        .await
    }

    async fn revoke_family(&self, family: &FamilyId, now: NumericDate) -> Result<bool, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let n = client
            .execute(
                "UPDATE families SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                &[&secs(now), &family.as_str()],
            )
            .await
            .map_err(pg_error)?;
        Ok(n == 1)
    }

    async fn revoke_subject(
        &self,
        subject: &str,
        now: NumericDate,
    ) -> Result<Vec<FamilyId>, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let rows = client
            .query(
                "UPDATE families SET revoked_at = $1 WHERE subject = $2 AND revoked_at IS NULL \
                 RETURNING id",
                &[&secs(now), &subject],
            )
            .await
            .map_err(pg_error)?;
        let mut ids = rows
            .iter()
            .map(|r| r.try_get::<_, String>(0).map(FamilyId::from_string))
            .collect::<Result<Vec<_>, _>>()
            .map_err(pg_error)?;
        ids.sort();
        Ok(ids)
    }

    async fn save_key_ring(&self, version: u64, document: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        // A compare-and-set: an equal or newer stored version wins.
        let n = client
            .execute(
                "INSERT INTO key_ring (id, version, document) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
                 document = excluded.document WHERE key_ring.version < excluded.version",
                &[&version, &document],
            )
            .await
            .map_err(pg_error)?;
        if n == 0 {
            return Err(StoreError::Conflict(KEY_RING_VERSION));
        }
        Ok(())
    }

    async fn load_key_ring(&self) -> Result<Option<String>, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let row = client
            .query_opt("SELECT document FROM key_ring WHERE id = 1", &[])
            .await
            .map_err(pg_error)?;
        row.map(|r| r.try_get(0).map_err(pg_error)).transpose()
    }

    async fn purge(&self, now: NumericDate) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let mut purged = 0;
        // Bounded batches, each its own short transaction: a large purge never holds
        // locks for long or builds one huge transaction.
        for table in ["refresh_tokens", "families"] {
            let sql = format!(
                "DELETE FROM {table} WHERE id IN \
                 (SELECT id FROM {table} WHERE expires_at <= $1 LIMIT $2)"
            );
            loop {
                let n = client
                    .execute(&sql, &[&secs(now), &PURGE_BATCH])
                    .await
                    .map_err(pg_error)?;
                if table == "refresh_tokens" {
                    purged += n;
                }
                if n < u64::try_from(PURGE_BATCH).unwrap_or(u64::MAX) {
                    break;
                }
            }
        }
        Ok(purged)
    }
}
