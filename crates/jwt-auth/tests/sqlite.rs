//! What only the SQLite store has: a file that survives reopening, migrations, WAL, and a
//! crash in the middle of rotations that loses nothing committed and shows nothing
//! half-written.
#![cfg(feature = "sqlite")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{T0, at, request};
use jwt_auth::store::{RefreshRecord, Rotation, Store};
use jwt_auth::{FamilyId, SqliteStore, TokenId};

fn record(family: &FamilyId, now: u64) -> RefreshRecord {
    common::record(family, "ann", now)
}

fn db_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jwt-auth-sqlite");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

#[tokio::test]
async fn a_file_survives_reopening_with_migrations_applied_once() {
    let path = db_path("reopen");
    let family = FamilyId::random().unwrap();
    let first = record(&family, T0);
    let second = {
        let store = SqliteStore::open(&path).unwrap();
        store.create_family(&first).await.unwrap();
        let Rotation::Rotated(second) = store.rotate(&request(&first.id, T0 + 1, 0)).await.unwrap()
        else {
            panic!("not rotated");
        };
        store.save_key_ring(1, "ring").await.unwrap();
        store.close().await.unwrap();
        second
    };
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.find(&second.id).await.unwrap().unwrap().record,
        second
    );
    assert_eq!(
        store
            .find(&first.id)
            .await
            .unwrap()
            .unwrap()
            .record
            .consumed_at,
        Some(at(T0 + 1))
    );
    assert_eq!(
        store.load_key_ring().await.unwrap().as_deref(),
        Some("ring")
    );
    store.close().await.unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // Only hashes are stored.
    let hash: Vec<u8> = conn
        .query_row("SELECT secret_hash FROM refresh_tokens LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(hash.len(), 32);
}

#[test]
fn a_newer_schema_is_refused() {
    let path = db_path("newer");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(SqliteStore::open(&path).unwrap().close())
        .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
    assert!(SqliteStore::open("/nonexistent-dir/x.db").is_err());
}

/// The child: rotates one family's token as fast as it can, printing each committed count,
/// until it is killed. Does nothing unless run by the parent below.
#[test]
fn crash_child_process() {
    let Ok(path) = std::env::var("JWT_AUTH_CRASH_DB") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = SqliteStore::open(&path).unwrap();
        let family = FamilyId::random().unwrap();
        let first = record(&family, T0);
        store.create_family(&first).await.unwrap();
        let mut current = first.id;
        let mut out = std::io::stdout().lock();
        writeln!(out, "family {family}").unwrap();
        for n in 1u64.. {
            let Rotation::Rotated(next) =
                store.rotate(&request(&current, T0 + n, 0)).await.unwrap()
            else {
                panic!("not rotated");
            };
            writeln!(out, "committed {n}").unwrap();
            out.flush().unwrap();
            current = next.id;
        }
    });
}

#[tokio::test]
async fn a_crash_loses_nothing_committed_and_leaves_nothing_half_written() {
    for round in 0i64..3 {
        let path = db_path(&format!("crash{round}"));
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("JWT_AUTH_CRASH_DB", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut family = None;
        let mut committed = 0i64;
        let deadline = Instant::now() + Duration::from_secs(60);
        // Let it commit a varying number of rotations, then kill it (SIGKILL) mid-stride.
        let target = 100 + round * 77;
        while committed < target && Instant::now() < deadline {
            let line = lines.next().unwrap().unwrap();
            // libtest prints "test crash_child_process ... " on the same line.
            if let Some((_, f)) = line.split_once("family ") {
                family = Some(f.to_owned());
            } else if let Some(n) = line.strip_prefix("committed ") {
                committed = n.parse().unwrap();
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(committed >= target, "the child was too slow: {committed}");
        // Reports the child wrote before it died but that were not read yet still count.
        for line in lines.map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("committed ") {
                committed = n.parse().unwrap_or(committed);
            }
        }
        let family = family.unwrap();

        // Reopening recovers the WAL.
        SqliteStore::open(&path).unwrap().close().await.unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let total: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM refresh_tokens WHERE family = ?1",
                [&family],
                |r| r.get(0),
            )
            .unwrap();
        let live: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM refresh_tokens WHERE family = ?1 AND consumed_at IS NULL",
                [&family],
                |r| r.get(0),
            )
            .unwrap();
        // Every reported rotation is there (plus the first token and maybe one rotation
        // committed after the last report)...
        assert!(
            total > committed,
            "round {round}: {total} records for {committed} commits"
        );
        assert!(
            total <= committed + 2,
            "round {round}: {total} records for {committed} commits"
        );
        // ...and exactly one token is live: no rotation consumed without its successor,
        // no successor without the consumption.
        assert_eq!(live, 1, "round {round}");
        let head: Vec<u8> = conn
            .query_row(
                "SELECT id FROM refresh_tokens WHERE family = ?1 AND consumed_at IS NULL",
                [&family],
                |r| r.get(0),
            )
            .unwrap();
        drop(conn);
        // The session goes on from its live token.
        let store = SqliteStore::open(&path).unwrap();
        let head = TokenId::from_bytes(head.try_into().unwrap());
        assert!(!store.find(&head).await.unwrap().unwrap().family_revoked);
        assert!(matches!(
            store
                .rotate(&request(&head, T0 + 100_000, 0))
                .await
                .unwrap(),
            Rotation::Rotated(_)
        ));
    }
}

/// A database written by the first schema (no `successor` column) migrates on open: its
/// records read back, and its consumed tokens (with no successor recorded) count as reuse.
#[tokio::test]
async fn a_first_version_database_migrates() {
    let path = db_path("v1");
    let family = FamilyId::random().unwrap();
    let live = record(&family, T0);
    let consumed = record(&family, T0);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE families (id TEXT PRIMARY KEY, subject TEXT NOT NULL, \
             created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);
             CREATE INDEX families_subject ON families (subject);
             CREATE TABLE refresh_tokens (id BLOB PRIMARY KEY, secret_hash BLOB NOT NULL, \
             family TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE, \
             subject TEXT NOT NULL, issued_at INTEGER NOT NULL, \
             idle_expires_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, \
             consumed_at INTEGER, session TEXT NOT NULL);
             CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
             CREATE TABLE key_ring (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL);
             PRAGMA user_version = 1;",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO families VALUES (?1, 'ann', ?2, ?3, NULL)",
            rusqlite::params![
                family.as_str(),
                i64::try_from(T0).unwrap(),
                i64::try_from(live.expires_at.as_secs()).unwrap()
            ],
        )
        .unwrap();
        for (r, consumed_at) in [(&live, None), (&consumed, Some(T0 + 1))] {
            conn.execute(
                "INSERT INTO refresh_tokens VALUES (?1, ?2, ?3, 'ann', ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    r.id.as_bytes(),
                    r.secret_hash.as_bytes(),
                    family.as_str(),
                    i64::try_from(r.issued_at.as_secs()).unwrap(),
                    i64::try_from(r.idle_expires_at.as_secs()).unwrap(),
                    i64::try_from(r.expires_at.as_secs()).unwrap(),
                    consumed_at.map(|c| i64::try_from(c).unwrap()),
                    r.session,
                ],
            )
            .unwrap();
        }
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("INSERT INTO key_ring VALUES (1, 'ring of v1')", [])
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.find(&live.id).await.unwrap().unwrap().record, live);
    // The ring written before versions were stored is kept, and any version replaces it.
    assert_eq!(
        store.load_key_ring().await.unwrap().as_deref(),
        Some("ring of v1")
    );
    store.save_key_ring(1, "ring").await.unwrap();
    assert_eq!(
        store
            .rotate(&request(&consumed.id, T0 + 2, 10))
            .await
            .unwrap(),
        Rotation::Reused,
        "consumed before the migration, with no successor to repeat"
    );
    assert_eq!(
        store.rotate(&request(&live.id, T0 + 3, 10)).await.unwrap(),
        Rotation::Revoked
    );
    store.close().await.unwrap();
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
}
