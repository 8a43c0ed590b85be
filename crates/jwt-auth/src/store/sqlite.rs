//! The SQLite store: a file (or `:memory:`), migrations applied on open, WAL, each operation
//! one transaction.
//!
//! One worker thread owns the connection and runs the operations in order (SQLite has one
//! writer at a time anyway); the async methods hand it work and await the answer, so no
//! executor thread ever blocks on the database. Dropping the store never waits for the
//! worker either (it finishes the work already handed to it, then closes the database);
//! [`SqliteStore::close`] awaits that.

use std::path::Path;
use std::sync::mpsc;

use jws::NumericDate;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::rotation::{self, Rotation, RotationRequest, RotationView, Writes};
use super::{Found, KEY_RING_VERSION, RefreshRecord, Store, StoreError};
use crate::token::{FamilyId, SecretHash, TokenId};

/// The schema, one migration per version (`PRAGMA user_version`).
const MIGRATIONS: &[&str] = &[
    r"
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
",
    r"
ALTER TABLE refresh_tokens ADD COLUMN successor BLOB;
",
    r"
ALTER TABLE key_ring ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
",
];

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A [`Store`] on SQLite.
#[derive(Debug)]
pub struct SqliteStore {
    jobs: Option<mpsc::Sender<Job>>,
    /// Fires once the worker has closed the database.
    closed: Option<tokio::sync::oneshot::Receiver<()>>,
}

fn db_error(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

fn closed_error() -> StoreError {
    StoreError::Unavailable("the SQLite worker has stopped".into())
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

/// Why a database cannot be opened.
enum OpenError {
    Sqlite(rusqlite::Error),
    /// The schema was written by a newer version of this crate.
    NewerSchema(i64),
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

/// Applies the migrations the database has not seen.
fn migrate(conn: &mut Connection) -> Result<(), OpenError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if version > known {
        return Err(OpenError::NewerSchema(version));
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
    let mut conn = Connection::open(path).map_err(db_error)?;
    let setup = |conn: &mut Connection| -> Result<(), OpenError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL for files (":memory:" answers "memory"); FULL so that a committed rotation
        // survives even a power loss.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(conn)
    };
    setup(&mut conn).map_err(|e| match e {
        OpenError::NewerSchema(found) => StoreError::SchemaNewer { found },
        OpenError::Sqlite(other) => db_error(other),
    })?;
    Ok(conn)
}

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RefreshRecord> {
    let id: [u8; 16] = row.get(0)?;
    let hash: [u8; 32] = row.get(1)?;
    let consumed: Option<i64> = row.get(7)?;
    let successor: Option<[u8; 16]> = row.get(9)?;
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
        successor: successor.map(TokenId::from_bytes),
    })
}

/// A record by id, with whether its family is revoked (or gone) as column 10.
const FIND: &str = "SELECT r.id, r.secret_hash, r.family, r.subject, r.issued_at, \
     r.idle_expires_at, r.expires_at, r.consumed_at, r.session, r.successor, \
     f.revoked_at IS NOT NULL OR f.id IS NULL \
     FROM refresh_tokens r LEFT JOIN families f ON f.id = r.family WHERE r.id = ?1";

fn insert_record(conn: &Connection, r: &RefreshRecord) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (id, secret_hash, family, subject, issued_at, \
         idle_expires_at, expires_at, consumed_at, session, successor) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
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
            r.successor.as_ref().map(TokenId::as_bytes),
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
        let (done, closed) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("jwt-auth-sqlite".into())
            .spawn(move || {
                let mut conn = conn;
                while let Ok(job) = queue.recv() {
                    job(&mut conn);
                }
                drop(conn);
                // Nobody may be waiting for the close.
                let _ = done.send(());
            })
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        Ok(Self {
            jobs: Some(jobs),
            closed: Some(closed),
        })
    }

    /// Closes the store: the worker finishes the work already handed to it and closes the
    /// database; this returns once it has (dropping the store does the same without
    /// waiting).
    ///
    /// # Errors
    /// [`StoreError`] when the worker stopped abnormally.
    pub async fn close(mut self) -> Result<(), StoreError> {
        drop(self.jobs.take());
        match self.closed.take() {
            Some(closed) => closed.await.map_err(|_| closed_error()),
            None => Ok(()),
        }
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
            let _ = reply.send(f(conn).map_err(db_error));
        });
        self.jobs
            .as_ref()
            .ok_or_else(closed_error)?
            .send(job)
            .map_err(|_| closed_error())?;
        answer.await.map_err(|_| closed_error())?
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
            conn.query_row(FIND, params![id.as_bytes()], |row| {
                Ok(Found {
                    record: read_record(row)?,
                    family_revoked: row.get(10)?,
                })
            })
            .optional()
        })
        .await
    }

    async fn rotate(&self, request: &RotationRequest) -> Result<Rotation, StoreError> {
        let request = request.clone();
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found = tx
                .query_row(FIND, params![request.id.as_bytes()], |row| {
                    Ok((read_record(row)?, row.get::<_, bool>(10)?))
                })
                .optional()?;
            let view = match found {
                None => None,
                Some((record, family_revoked)) => {
                    let successor = match &record.successor {
                        None => None,
                        Some(next) => tx
                            .query_row(FIND, params![next.as_bytes()], read_record)
                            .optional()?,
                    };
                    Some(RotationView {
                        record,
                        family_revoked,
                        successor,
                    })
                }
            };
            let outcome = rotation::decide(&request, view.as_ref());
            match outcome.writes(&request) {
                Writes::None => return Ok(outcome),
                Writes::Consume { consumed, at, next } => {
                    tx.execute(
                        "UPDATE refresh_tokens SET consumed_at = ?1, successor = ?2 WHERE id = ?3",
                        params![secs(at), next.id.as_bytes(), consumed.as_bytes()],
                    )?;
                    insert_record(&tx, next)?;
                }
                Writes::RevokeFamily { at } => {
                    if let Some(view) = &view {
                        tx.execute(
                            "UPDATE families SET revoked_at = ?1 WHERE id = ?2",
                            params![secs(at), view.record.family.as_str()],
                        )?;
                    }
                }
            }
            tx.commit()?;
            Ok(outcome)
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

    async fn save_key_ring(&self, version: u64, document: &str) -> Result<(), StoreError> {
        let document = document.to_owned();
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        let stored = self
            .call(move |conn| {
                // A compare-and-set: an equal or newer stored version wins.
                conn.execute(
                    "INSERT INTO key_ring (id, document, version) VALUES (1, ?1, ?2) \
                     ON CONFLICT (id) DO UPDATE SET document = excluded.document, \
                     version = excluded.version WHERE key_ring.version < excluded.version",
                    params![document, version],
                )
            })
            .await?;
        if stored == 0 {
            return Err(StoreError::Conflict(KEY_RING_VERSION));
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    use super::*;

    /// Dropping the store on an async runtime's thread returns at once, even while the
    /// worker is busy; the worker finishes its work and closes the database afterwards.
    #[test]
    fn drop_does_not_wait_for_the_worker() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store = SqliteStore::open(":memory:").unwrap();
        let (release, wait) = mpsc::channel::<()>();
        let finished = Arc::new(AtomicBool::new(false));
        let done = Arc::clone(&finished);
        let job: Job = Box::new(move |_conn| {
            // Busy until the test says so (or, should drop block, for at most 10 s).
            let _ = wait.recv_timeout(Duration::from_secs(10));
            done.store(true, Ordering::SeqCst);
        });
        store.jobs.as_ref().unwrap().send(job).unwrap();
        rt.block_on(async move { drop(store) });
        assert!(
            !finished.load(Ordering::SeqCst),
            "drop returned while the worker was still busy"
        );
        // The worker may have given up waiting already; then nobody needs the message.
        let _ = release.send(());
    }

    /// `close` waits for the work handed over before it, then for the database to close.
    #[test]
    fn close_waits_for_the_worker() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store = SqliteStore::open(":memory:").unwrap();
        let finished = Arc::new(AtomicBool::new(false));
        let done = Arc::clone(&finished);
        let job: Job = Box::new(move |_conn| {
            std::thread::sleep(Duration::from_millis(50));
            done.store(true, Ordering::SeqCst);
        });
        store.jobs.as_ref().unwrap().send(job).unwrap();
        rt.block_on(store.close()).unwrap();
        assert!(finished.load(Ordering::SeqCst));
    }
}
