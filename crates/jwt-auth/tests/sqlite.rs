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
        store.save_key_ring("ring").await.unwrap();
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
    assert_eq!(version, 2);
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
            let Rotation::Rotated(next) = store.rotate(&request(&current, T0 + n, 0)).await.unwrap()
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
            store.rotate(&request(&head, T0 + 100_000, 0)).await.unwrap(),
            Rotation::Rotated(_)
        ));
    }
}
