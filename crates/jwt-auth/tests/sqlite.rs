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

use jws::NumericDate;
use jwt_auth::store::{RefreshRecord, Rotation, Store};
use jwt_auth::{FamilyId, SecretHash, SqliteStore, TokenId};

const T0: u64 = 1_800_000_000;

fn at(secs: u64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

fn record(family: &FamilyId, now: u64) -> RefreshRecord {
    RefreshRecord {
        id: TokenId::random().unwrap(),
        secret_hash: SecretHash::from_bytes([3; 32]),
        family: family.clone(),
        subject: "ann".into(),
        issued_at: at(now),
        idle_expires_at: at(now + 86_400),
        expires_at: at(T0 + 30 * 86_400),
        consumed_at: None,
        session: "{}".into(),
    }
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
    let second = record(&family, T0 + 1);
    {
        let store = SqliteStore::open(&path).unwrap();
        store.create_family(&first).await.unwrap();
        assert_eq!(
            store
                .rotate(&first.id, at(T0 + 1), 0, &second)
                .await
                .unwrap(),
            Rotation::Rotated
        );
        store.save_key_ring("ring").await.unwrap();
    }
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
    drop(store);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
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
    drop(SqliteStore::open(&path).unwrap());
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
        let mut current = record(&family, T0);
        store.create_family(&current).await.unwrap();
        let mut out = std::io::stdout().lock();
        writeln!(out, "family {family}").unwrap();
        for n in 1u64.. {
            let next = record(&family, T0 + n);
            assert_eq!(
                store
                    .rotate(&current.id, at(T0 + n), 0, &next)
                    .await
                    .unwrap(),
                Rotation::Rotated
            );
            writeln!(out, "committed {n}").unwrap();
            out.flush().unwrap();
            current = next;
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
        let store = SqliteStore::open(&path).unwrap();
        drop(store);
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
        let found = store.find(&head).await.unwrap().unwrap();
        let next = record(&found.record.family, T0 + 100_000);
        assert_eq!(
            store
                .rotate(&head, at(T0 + 100_000), 0, &next)
                .await
                .unwrap(),
            Rotation::Rotated
        );
    }
}
