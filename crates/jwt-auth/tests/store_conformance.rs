//! One conformance suite, run against every store: the semantics of `jwt_auth::store`,
//! including concurrent rotations of one token (exactly one winner, family revoked).
//!
//! A new store passes when `conformance!(name, constructor)` passes for it.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use jws::NumericDate;
use jwt_auth::store::{RefreshRecord, Rotation, Store};
use jwt_auth::{FamilyId, SecretHash, TokenId};

fn at(secs: u64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

const T0: u64 = 1_800_000_000;

fn record(family: &FamilyId, subject: &str, now: u64) -> RefreshRecord {
    let mut hash = [0u8; 32];
    hash[..16].copy_from_slice(TokenId::random().unwrap().as_bytes());
    RefreshRecord {
        id: TokenId::random().unwrap(),
        secret_hash: SecretHash::from_bytes(hash),
        family: family.clone(),
        subject: subject.to_owned(),
        issued_at: at(now),
        idle_expires_at: at(now + 14 * 86_400),
        expires_at: at(T0 + 30 * 86_400),
        consumed_at: None,
        session: r#"{"claims":{"role":"admin"},"scope":"read"}"#.into(),
    }
}

async fn create_and_find<S: Store>(store: &S) {
    let family = FamilyId::random().unwrap();
    let first = record(&family, "ann", T0);
    store.create_family(&first).await.unwrap();
    let found = store.find(&first.id).await.unwrap().unwrap();
    assert_eq!(found.record, first, "every field round-trips");
    assert!(!found.family_revoked);
    assert!(
        store
            .find(&TokenId::random().unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.create_family(&first).await.is_err(), "ids are unique");
}

async fn rotation_and_reuse<S: Store>(store: &S) {
    let family = FamilyId::random().unwrap();
    let first = record(&family, "ann", T0);
    store.create_family(&first).await.unwrap();
    let second = record(&family, "ann", T0 + 10);
    assert_eq!(
        store
            .rotate(&first.id, at(T0 + 10), 0, &second)
            .await
            .unwrap(),
        Rotation::Rotated
    );
    let old = store.find(&first.id).await.unwrap().unwrap();
    assert_eq!(old.record.consumed_at, Some(at(T0 + 10)));
    let new = store.find(&second.id).await.unwrap().unwrap();
    assert_eq!(new.record, second);
    // The consumed token again: reuse, and the family is revoked.
    let third = record(&family, "ann", T0 + 20);
    assert_eq!(
        store
            .rotate(&first.id, at(T0 + 20), 0, &third)
            .await
            .unwrap(),
        Rotation::Reused
    );
    assert!(
        store.find(&third.id).await.unwrap().is_none(),
        "nothing stored on reuse"
    );
    assert!(
        store
            .find(&second.id)
            .await
            .unwrap()
            .unwrap()
            .family_revoked
    );
    // Even the legitimate latest token no longer rotates.
    let fourth = record(&family, "ann", T0 + 30);
    assert_eq!(
        store
            .rotate(&second.id, at(T0 + 30), 0, &fourth)
            .await
            .unwrap(),
        Rotation::Revoked
    );
    assert!(store.find(&fourth.id).await.unwrap().is_none());
    // Unknown ids.
    let stray = record(&family, "ann", T0);
    assert_eq!(
        store
            .rotate(&TokenId::random().unwrap(), at(T0), 0, &stray)
            .await
            .unwrap(),
        Rotation::NotFound
    );
}

async fn grace_period<S: Store>(store: &S) {
    let family = FamilyId::random().unwrap();
    let first = record(&family, "ann", T0);
    store.create_family(&first).await.unwrap();
    let a = record(&family, "ann", T0);
    let b = record(&family, "ann", T0 + 5);
    let c = record(&family, "ann", T0 + 10);
    assert_eq!(
        store.rotate(&first.id, at(T0), 10, &a).await.unwrap(),
        Rotation::Rotated
    );
    // A second use 5 s later, within 10 s of grace: a benign race.
    assert_eq!(
        store.rotate(&first.id, at(T0 + 5), 10, &b).await.unwrap(),
        Rotation::Rotated
    );
    assert!(!store.find(&a.id).await.unwrap().unwrap().family_revoked);
    assert!(store.find(&b.id).await.unwrap().is_some());
    // Once the grace is over it is reuse.
    assert_eq!(
        store.rotate(&first.id, at(T0 + 10), 10, &c).await.unwrap(),
        Rotation::Reused
    );
    assert!(store.find(&a.id).await.unwrap().unwrap().family_revoked);
}

async fn revocations<S: Store>(store: &S) {
    let mut ann = Vec::new();
    for _ in 0..3 {
        let family = FamilyId::random().unwrap();
        let r = record(&family, "ann", T0);
        store.create_family(&r).await.unwrap();
        ann.push((family, r));
    }
    let bob_family = FamilyId::random().unwrap();
    let bob = record(&bob_family, "bob", T0);
    store.create_family(&bob).await.unwrap();

    // One family.
    assert!(store.revoke_family(&ann[0].0, at(T0 + 1)).await.unwrap());
    assert!(
        !store.revoke_family(&ann[0].0, at(T0 + 2)).await.unwrap(),
        "already revoked"
    );
    assert!(
        !store
            .revoke_family(&FamilyId::random().unwrap(), at(T0))
            .await
            .unwrap()
    );
    let next = record(&ann[0].0, "ann", T0 + 3);
    assert_eq!(
        store
            .rotate(&ann[0].1.id, at(T0 + 3), 0, &next)
            .await
            .unwrap(),
        Rotation::Revoked
    );

    // Every family of a user, not another user's.
    let mut expected: Vec<FamilyId> = vec![ann[1].0.clone(), ann[2].0.clone()];
    expected.sort();
    assert_eq!(
        store.revoke_subject("ann", at(T0 + 4)).await.unwrap(),
        expected
    );
    assert!(
        store
            .revoke_subject("ann", at(T0 + 5))
            .await
            .unwrap()
            .is_empty()
    );
    for (_, r) in &ann {
        assert!(store.find(&r.id).await.unwrap().unwrap().family_revoked);
    }
    assert!(!store.find(&bob.id).await.unwrap().unwrap().family_revoked);
    let bob_next = record(&bob_family, "bob", T0 + 6);
    assert_eq!(
        store
            .rotate(&bob.id, at(T0 + 6), 0, &bob_next)
            .await
            .unwrap(),
        Rotation::Rotated
    );
}

async fn key_ring_document<S: Store>(store: &S) {
    assert_eq!(store.load_key_ring().await.unwrap(), None);
    store.save_key_ring("{\"v\":1}").await.unwrap();
    assert_eq!(
        store.load_key_ring().await.unwrap().as_deref(),
        Some("{\"v\":1}")
    );
    store.save_key_ring("{\"v\":2}").await.unwrap();
    assert_eq!(
        store.load_key_ring().await.unwrap().as_deref(),
        Some("{\"v\":2}")
    );
}

async fn purge<S: Store>(store: &S) {
    let family = FamilyId::random().unwrap();
    let mut short = record(&family, "ann", T0);
    short.expires_at = at(T0 + 100);
    store.create_family(&short).await.unwrap();
    let keep = record(&FamilyId::random().unwrap(), "ann", T0);
    store.create_family(&keep).await.unwrap();
    assert_eq!(store.purge(at(T0 + 99)).await.unwrap(), 0);
    assert_eq!(store.purge(at(T0 + 100)).await.unwrap(), 1);
    assert!(store.find(&short.id).await.unwrap().is_none());
    assert!(store.find(&keep.id).await.unwrap().is_some());
}

/// Many tasks present the same token at once: exactly one rotation wins; the others see
/// reuse (or, after the family is revoked, revocation); the family ends revoked.
async fn concurrent_rotations<S: Store>(store: Arc<S>) {
    for round in 0..5 {
        let family = FamilyId::random().unwrap();
        let first = record(&family, "ann", T0);
        store.create_family(&first).await.unwrap();
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = Arc::clone(&store);
                let next = record(&family, "ann", T0 + 1);
                let id = first.id;
                tokio::spawn(async move {
                    (
                        store.rotate(&id, at(T0 + 1 + i % 2), 0, &next).await,
                        next.id,
                    )
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        let winners: Vec<_> = outcomes
            .iter()
            .filter(|(r, _)| *r == Ok(Rotation::Rotated))
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        assert!(
            outcomes.iter().any(|(r, _)| *r == Ok(Rotation::Reused)),
            "round {round}"
        );
        assert!(outcomes.iter().all(|(r, _)| matches!(
            r,
            Ok(Rotation::Rotated | Rotation::Reused | Rotation::Revoked)
        )));
        let winner = store.find(&winners[0].1).await.unwrap().unwrap();
        assert!(
            winner.family_revoked,
            "round {round}: the family is revoked"
        );
        // Only the winner's successor was stored.
        for (r, id) in &outcomes {
            if *r != Ok(Rotation::Rotated) {
                assert!(store.find(id).await.unwrap().is_none());
            }
        }
    }
}

/// Rotations of different sessions at once all succeed, each chain intact.
async fn concurrent_sessions<S: Store>(store: Arc<S>) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let family = FamilyId::random().unwrap();
                let mut current = record(&family, "ann", T0);
                store.create_family(&current).await.unwrap();
                for step in 1..=20 {
                    let next = record(&family, "ann", T0 + step);
                    assert_eq!(
                        store
                            .rotate(&current.id, at(T0 + step), 0, &next)
                            .await
                            .unwrap(),
                        Rotation::Rotated
                    );
                    current = next;
                }
                current.id
            })
        })
        .collect();
    for t in tasks {
        let last = t.await.unwrap();
        let found = store.find(&last).await.unwrap().unwrap();
        assert!(!found.family_revoked);
        assert_eq!(found.record.consumed_at, None);
    }
}

macro_rules! conformance {
    ($name:ident, $make:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn create_and_find() {
                super::create_and_find(&$make).await;
            }
            #[tokio::test]
            async fn rotation_and_reuse() {
                super::rotation_and_reuse(&$make).await;
            }
            #[tokio::test]
            async fn grace_period() {
                super::grace_period(&$make).await;
            }
            #[tokio::test]
            async fn revocations() {
                super::revocations(&$make).await;
            }
            #[tokio::test]
            async fn key_ring_document() {
                super::key_ring_document(&$make).await;
            }
            #[tokio::test]
            async fn purge() {
                super::purge(&$make).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_rotations() {
                super::concurrent_rotations(Arc::new($make)).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_sessions() {
                super::concurrent_sessions(Arc::new($make)).await;
            }
        }
    };
}

conformance!(memory, jwt_auth::MemoryStore::new());
conformance!(
    sqlite_in_memory,
    jwt_auth::SqliteStore::open(":memory:").unwrap()
);
conformance!(sqlite_file, {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("jwt-auth-conformance");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.db", TokenId::random().unwrap().to_base64url()));
    jwt_auth::SqliteStore::open(path).unwrap()
});
