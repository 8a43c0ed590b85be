//! The SQLite store: a file (or `:memory:`), migrations applied on open, WAL, each operation
//! one transaction.
//!
//! One worker thread owns the connection and runs the operations in order (SQLite has one
//! writer at a time anyway); the async methods hand it work and await the answer, so no
//! executor thread ever blocks on the database.

use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;

use jws::NumericDate;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{Found, RefreshRecord, Rotation, Store, StoreError};
use crate::token::{FamilyId, SecretHash, TokenId};

/// The schema, one migration per version (`PRAGMA user_version`).
const MIGRATIONS: &[&str] = &[r"
CREATE TABLE families (
    id          TEXT PRIMARY KEY,
    subject     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX families_subject ON families (subject);
CREATE TABLE refresh_tokens (
    id              BLOB PRIMARY KEY,
    secret_hash     BLOB NOT NULL,
    family          TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    subject         TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    consumed_at     INTEGER,
    session         TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE TABLE key_ring (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    document TEXT NOT NULL
);
"];

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A [`Store`] on SQLite.
#[derive(Debug)]
pub struct SqliteStore {
    jobs: Option<mpsc::Sender<Job>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

fn db_error(e: &rusqlite::Error) -> StoreError {
    StoreError(format!("SQLite: {e}"))
}

fn closed() -> StoreError {
    StoreError("the SQLite worker has stopped".into())
}

fn secs(date: NumericDate) -> i64 {
    // NumericDate::MAX is far below i64::MAX.
    i64::try_from(date.as_secs()).unwrap_or(i64::MAX)
}

fn date(secs: i64) -> rusqlite::Result<NumericDate> {
    u64::try_from(secs)
        .ok()
        .and_then(|s| NumericDate::from_secs(s).ok())
        .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(0, secs))
}

/// Applies the migrations the database has not seen.
fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if version > known {
        return Err(rusqlite::Error::InvalidQuery);
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path).map_err(|e| db_error(&e))?;
    let setup = |conn: &mut Connection| -> rusqlite::Result<()> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL for files (":memory:" answers "memory"); FULL so that a committed rotation
        // survives even a power loss.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(conn)
    };
    setup(&mut conn).map_err(|e| match e {
        rusqlite::Error::InvalidQuery => {
            StoreError("the database schema is newer than this version of jwt-auth".into())
        }
        other => db_error(&other),
    })?;
    Ok(conn)
}

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RefreshRecord> {
    let id: [u8; 16] = row.get(0)?;
    let hash: [u8; 32] = row.get(1)?;
    let consumed: Option<i64> = row.get(7)?;
    Ok(RefreshRecord {
        id: TokenId::from_bytes(id),
        secret_hash: SecretHash::from_bytes(hash),
        family: FamilyId::from_string(row.get(2)?),
        subject: row.get(3)?,
        issued_at: date(row.get(4)?)?,
        idle_expires_at: date(row.get(5)?)?,
        expires_at: date(row.get(6)?)?,
        consumed_at: consumed.map(date).transpose()?,
        session: row.get(8)?,
    })
}

fn insert_record(conn: &Connection, r: &RefreshRecord) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (id, secret_hash, family, subject, issued_at, \
         idle_expires_at, expires_at, consumed_at, session) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.id.as_bytes(),
            r.secret_hash.as_bytes(),
            r.family.as_str(),
            r.subject,
            secs(r.issued_at),
            secs(r.idle_expires_at),
            secs(r.expires_at),
            r.consumed_at.map(secs),
            r.session,
        ],
    )?;
    Ok(())
}

impl SqliteStore {
    /// Opens (or creates) the database at `path` (`:memory:` for a private in-memory one),
    /// applies the migrations it lacks and starts its worker.
    ///
    /// # Errors
    /// [`StoreError`] when the file cannot be opened or migrated, or its schema is newer
    /// than this crate knows.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let conn = open_connection(path.as_ref())?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let worker = std::thread::Builder::new()
            .name("jwt-auth-sqlite".into())
            .spawn(move || {
                let mut conn = conn;
                while let Ok(job) = queue.recv() {
                    job(&mut conn);
                }
            })
            .map_err(|e| StoreError(format!("cannot start the SQLite worker: {e}")))?;
        Ok(Self {
            jobs: Some(jobs),
            worker: Mutex::new(Some(worker)),
        })
    }

    /// Runs `f` on the worker and awaits its result.
    async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // The caller may have gone away; then nobody needs the answer.
            let _ = reply.send(f(conn).map_err(|e| db_error(&e)));
        });
        self.jobs
            .as_ref()
            .ok_or_else(closed)?
            .send(job)
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

impl Drop for SqliteStore {
    /// Stops the worker after the work already handed to it, and closes the database.
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(worker) = self.worker.get_mut().ok().and_then(Option::take) {
            let _ = worker.join();
        }
    }
}

impl Store for SqliteStore {
    async fn create_family(&self, first: &RefreshRecord) -> Result<(), StoreError> {
        let first = first.clone();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO families (id, subject, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    first.family.as_str(),
                    first.subject,
                    secs(first.issued_at),
                    secs(first.expires_at)
                ],
            )?;
            insert_record(&tx, &first)?;
            tx.commit()
        })
        .await
    }

    async fn find(&self, id: &TokenId) -> Result<Option<Found>, StoreError> {
        let id = *id;
        self.call(move |conn| {
            conn.query_row(
                "SELECT r.id, r.secret_hash, r.family, r.subject, r.issued_at, r.idle_expires_at, \
                 r.expires_at, r.consumed_at, r.session, f.revoked_at IS NOT NULL OR f.id IS NULL \
                 FROM refresh_tokens r LEFT JOIN families f ON f.id = r.family WHERE r.id = ?1",
                params![id.as_bytes()],
                |row| {
                    Ok(Found {
                        record: read_record(row)?,
                        family_revoked: row.get(9)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn rotate(
        &self,
        id: &TokenId,
        now: NumericDate,
        grace: u64,
        next: &RefreshRecord,
    ) -> Result<Rotation, StoreError> {
        let id = *id;
        let next = next.clone();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(String, Option<i64>, bool)> = tx
                .query_row(
                    "SELECT r.family, r.consumed_at, f.revoked_at IS NOT NULL OR f.id IS NULL \
                     FROM refresh_tokens r LEFT JOIN families f ON f.id = r.family WHERE r.id = ?1",
                    params![id.as_bytes()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((family, consumed_at, revoked)) = row else {
                return Ok(Rotation::NotFound);
            };
            if revoked {
                return Ok(Rotation::Revoked);
            }
            if family != next.family.as_str() {
                return Err(rusqlite::Error::InvalidParameterName(
                    "the next record does not fit the family".into(),
                ));
            }
            match consumed_at.map(date).transpose()? {
                None => {
                    tx.execute(
                        "UPDATE refresh_tokens SET consumed_at = ?1 WHERE id = ?2",
                        params![secs(now), id.as_bytes()],
                    )?;
                }
                Some(at) if now.secs_since(at) < grace => {}
                Some(_) => {
                    tx.execute(
                        "UPDATE families SET revoked_at = ?1 WHERE id = ?2",
                        params![secs(now), family],
                    )?;
                    tx.commit()?;
                    return Ok(Rotation::Reused);
                }
            }
            insert_record(&tx, &next)?;
            tx.commit()?;
            Ok(Rotation::Rotated)
        })
        .await
    }

    async fn revoke_family(&self, family: &FamilyId, now: NumericDate) -> Result<bool, StoreError> {
        let family = family.clone();
        self.call(move |conn| {
            let n = conn.execute(
                "UPDATE families SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![secs(now), family.as_str()],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn revoke_subject(
        &self,
        subject: &str,
        now: NumericDate,
    ) -> Result<Vec<FamilyId>, StoreError> {
        let subject = subject.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let ids = {
                let mut stmt = tx.prepare(
                    "SELECT id FROM families WHERE subject = ?1 AND revoked_at IS NULL ORDER BY id",
                )?;
                stmt.query_map(params![subject], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?
            };
            tx.execute(
                "UPDATE families SET revoked_at = ?1 WHERE subject = ?2 AND revoked_at IS NULL",
                params![secs(now), subject],
            )?;
            tx.commit()?;
            Ok(ids.into_iter().map(FamilyId::from_string).collect())
        })
        .await
    }

    async fn save_key_ring(&self, document: &str) -> Result<(), StoreError> {
        let document = document.to_owned();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO key_ring (id, document) VALUES (1, ?1) \
                 ON CONFLICT (id) DO UPDATE SET document = excluded.document",
                params![document],
            )?;
            Ok(())
        })
        .await
    }

    async fn load_key_ring(&self) -> Result<Option<String>, StoreError> {
        self.call(|conn| {
            conn.query_row("SELECT document FROM key_ring WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
        })
        .await
    }

    async fn purge(&self, now: NumericDate) -> Result<u64, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = tx.execute(
                "DELETE FROM refresh_tokens WHERE expires_at <= ?1",
                params![secs(now)],
            )?;
            tx.execute(
                "DELETE FROM families WHERE expires_at <= ?1",
                params![secs(now)],
            )?;
            tx.commit()?;
            Ok(n as u64)
        })
        .await
    }
}
