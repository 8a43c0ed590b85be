//! One conformance suite, run against every store: the semantics of `jwt_auth::store`,
//! the rotation rule applied atomically (one successor, the same for every presentation
//! within the grace period; reuse revokes the family; reuse before expiry), and purge.
//!
//! A new store passes when `conformance!(name, constructor)` passes for it.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::Arc;

use common::{END, IDLE, T0, at, record, request, successor_of};
use jwt_auth::store::{Rotation, Store, StoreError};
use jwt_auth::{FamilyId, TokenId};

async fn revoked<S: Store>(store: &S, id: &TokenId) -> bool {
    store.find(id).await.unwrap().unwrap().family_revoked
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
    // A new family whose first record reuses an id, or a new record in an existing family.
    let mut same_id = record(&FamilyId::random().unwrap(), "ann", T0);
    same_id.id = first.id;
    assert!(store.create_family(&same_id).await.is_err());
    let same_family = record(&family, "ann", T0);
    assert!(store.create_family(&same_family).await.is_err());
    assert!(store.find(&same_family.id).await.unwrap().is_none());
    assert_eq!(store.find(&first.id).await.unwrap().unwrap().record, first);
}

async fn rotation_and_reuse<S: Store>(store: &S) {
    let family = FamilyId::random().unwrap();
    let first = record(&family, "ann", T0);
    store.create_family(&first).await.unwrap();
    let req = request(&first.id, T0 + 10, 0);
    let Rotation::Rotated(second) = store.rotate(&req).await.unwrap() else {
        panic!("not rotated");
    };
    assert_eq!(
        (second.id, second.secret_hash),
        (req.successor_id, req.successor_hash)
    );
    assert_eq!(second.family, family);
    assert_eq!(second.subject, "ann");
    assert_eq!(second.issued_at, at(T0 + 10));
    assert_eq!(second.idle_expires_at, at(T0 + 10 + IDLE));
    assert_eq!(second.expires_at, first.expires_at);
    assert_eq!(second.session, first.session);
    let old = store.find(&first.id).await.unwrap().unwrap();
    assert_eq!(old.record.consumed_at, Some(at(T0 + 10)));
    assert_eq!(old.record.successor, Some(second.id));
    assert_eq!(
        store.find(&second.id).await.unwrap().unwrap().record,
        second
    );

    // The consumed token again: reuse, and the family is revoked; nothing is stored.
    let mut replay = request(&first.id, T0 + 20, 0);
    replay.successor_id = TokenId::random().unwrap();
    assert_eq!(store.rotate(&replay).await.unwrap(), Rotation::Reused);
    assert!(store.find(&replay.successor_id).await.unwrap().is_none());
    assert!(revoked(store, &second.id).await);
    // Even the legitimate latest token no longer rotates.
    let latest = request(&second.id, T0 + 30, 0);
    assert_eq!(store.rotate(&latest).await.unwrap(), Rotation::Revoked);
    assert!(store.find(&latest.successor_id).await.unwrap().is_none());
    // Unknown ids.
    assert_eq!(
        store
            .rotate(&request(&TokenId::random().unwrap(), T0, 0))
            .await
            .unwrap(),
        Rotation::NotFound
    );
}

/// Within the grace period the same successor comes back, stored once; after it, reuse.
async fn grace_period<S: Store>(store: &S) {
    let family = FamilyId::random().unwrap();
    let first = record(&family, "ann", T0);
    store.create_family(&first).await.unwrap();
    let Rotation::Rotated(a) = store.rotate(&request(&first.id, T0, 10)).await.unwrap() else {
        panic!("not rotated");
    };
    for later in [0, 5, 9] {
        assert_eq!(
            store
                .rotate(&request(&first.id, T0 + later, 10))
                .await
                .unwrap(),
            Rotation::Repeated(a.clone()),
            "{later} s later: the same successor"
        );
    }
    assert!(!revoked(store, &a.id).await);
    assert_eq!(store.find(&a.id).await.unwrap().unwrap().record, a);
    // Once the grace is over it is reuse.
    assert_eq!(
        store
            .rotate(&request(&first.id, T0 + 10, 10))
            .await
            .unwrap(),
        Rotation::Reused
    );
    assert!(revoked(store, &a.id).await);
}

/// The parent presented after its successor was used (within the parent's grace) is
/// reuse; so is a grandparent. The immediate parent of the live token only repeats.
async fn replays_of_ancestors<S: Store>(store: &S) {
    for ancestor in [1, 2] {
        let family = FamilyId::random().unwrap();
        let first = record(&family, "ann", T0);
        store.create_family(&first).await.unwrap();
        let mut chain = vec![first.id];
        for step in 1..=3 {
            let Rotation::Rotated(next) = store
                .rotate(&request(chain.last().unwrap(), T0 + step, 10))
                .await
                .unwrap()
            else {
                panic!("not rotated");
            };
            chain.push(next.id);
        }
        // chain = [r0, r1, r2, r3]: r3 is live, r2 its parent.
        let Rotation::Repeated(live) = store.rotate(&request(&chain[2], T0 + 4, 10)).await.unwrap()
        else {
            panic!("the live token's parent repeats");
        };
        assert_eq!(live.id, chain[3]);
        let replayed = chain[2 - ancestor];
        assert_eq!(
            store.rotate(&request(&replayed, T0 + 4, 10)).await.unwrap(),
            Rotation::Reused,
            "ancestor {ancestor}"
        );
        assert!(revoked(store, &chain[3]).await);
        assert_eq!(
            store.rotate(&request(&chain[3], T0 + 5, 10)).await.unwrap(),
            Rotation::Revoked
        );
    }
}

/// Reuse is detected before expiry: an expired, consumed token revokes its family.
async fn expiry_and_replay<S: Store>(store: &S) {
    // Consumed, then expired (idle and absolute): reuse all the same.
    for replay_at in [T0 + 1 + IDLE, END + 5] {
        let family = FamilyId::random().unwrap();
        let first = record(&family, "ann", T0);
        store.create_family(&first).await.unwrap();
        let Rotation::Rotated(a) = store.rotate(&request(&first.id, T0 + 1, 10)).await.unwrap()
        else {
            panic!("not rotated");
        };
        assert_eq!(
            store
                .rotate(&request(&first.id, replay_at, 10))
                .await
                .unwrap(),
            Rotation::Reused
        );
        assert!(revoked(store, &a.id).await);
    }
    // Unconsumed and expired: expired, and nothing changes.
    let family = FamilyId::random().unwrap();
    let first = record(&family, "ann", T0);
    store.create_family(&first).await.unwrap();
    let late = request(&first.id, T0 + IDLE, 10);
    assert_eq!(store.rotate(&late).await.unwrap(), Rotation::Expired);
    let found = store.find(&first.id).await.unwrap().unwrap();
    assert_eq!(found.record, first);
    assert!(!found.family_revoked);
    assert!(store.find(&late.successor_id).await.unwrap().is_none());
}

/// However often a session rotates, its absolute expiry stays where login put it.
async fn rotation_never_extends_the_session<S: Store>(store: &S) {
    let family = FamilyId::random().unwrap();
    let first = record(&family, "ann", T0);
    store.create_family(&first).await.unwrap();
    let mut current = first.id;
    let mut now = T0;
    while now + IDLE / 2 < END {
        now += IDLE / 2;
        let Rotation::Rotated(next) = store.rotate(&request(&current, now, 0)).await.unwrap()
        else {
            panic!("not rotated at {now}");
        };
        assert_eq!(next.expires_at, at(END));
        assert_eq!(next.idle_expires_at, at((now + IDLE).min(END)));
        current = next.id;
    }
    assert_eq!(
        store.rotate(&request(&current, END, 0)).await.unwrap(),
        Rotation::Expired
    );
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
    assert_eq!(
        store
            .rotate(&request(&ann[0].1.id, T0 + 3, 0))
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
        assert!(revoked(store, &r.id).await);
    }
    assert!(!revoked(store, &bob.id).await);
    assert!(matches!(
        store.rotate(&request(&bob.id, T0 + 6, 0)).await.unwrap(),
        Rotation::Rotated(_)
    ));
}

/// The key ring is one document, saved by compare-and-set on its version.
async fn key_ring_document<S: Store>(store: &S) {
    assert_eq!(store.load_key_ring().await.unwrap(), None);
    store.save_key_ring(1, "{\"v\":1}").await.unwrap();
    assert_eq!(
        store.load_key_ring().await.unwrap().as_deref(),
        Some("{\"v\":1}")
    );
    store.save_key_ring(2, "{\"v\":2}").await.unwrap();
    assert_eq!(
        store.load_key_ring().await.unwrap().as_deref(),
        Some("{\"v\":2}")
    );
    // The same version or an older one: refused, and the stored document stays.
    for version in [2, 1, 0] {
        assert!(
            matches!(
                store.save_key_ring(version, "{\"v\":\"lost\"}").await,
                Err(StoreError::Conflict(_))
            ),
            "version {version}"
        );
    }
    store.save_key_ring(7, "{\"v\":7}").await.unwrap();
    assert_eq!(
        store.load_key_ring().await.unwrap().as_deref(),
        Some("{\"v\":7}")
    );
}

/// Purge deletes exactly the records and families whose absolute expiry is at or before
/// `now`: consumed or not, revoked or not; nothing that is still alive.
async fn purge<S: Store>(store: &S) {
    // A family expiring at T0 + 100 with three records (two consumed), one expiring a
    // second later, a revoked one expiring with the first, and a long one.
    let short = FamilyId::random().unwrap();
    let mut first = record(&short, "ann", T0);
    first.expires_at = at(T0 + 100);
    first.idle_expires_at = at(T0 + 100);
    store.create_family(&first).await.unwrap();
    let mut current = first.id;
    let mut short_ids = vec![first.id];
    for step in 1..=2 {
        let Rotation::Rotated(next) = store
            .rotate(&request(&current, T0 + step, 0))
            .await
            .unwrap()
        else {
            panic!("not rotated");
        };
        short_ids.push(next.id);
        current = next.id;
    }
    let mut later = record(&FamilyId::random().unwrap(), "ann", T0);
    later.expires_at = at(T0 + 101);
    store.create_family(&later).await.unwrap();
    let revoked_family = FamilyId::random().unwrap();
    let mut gone = record(&revoked_family, "bob", T0);
    gone.expires_at = at(T0 + 100);
    store.create_family(&gone).await.unwrap();
    store
        .revoke_family(&revoked_family, at(T0 + 1))
        .await
        .unwrap();
    let keep = record(&FamilyId::random().unwrap(), "ann", T0);
    store.create_family(&keep).await.unwrap();

    assert_eq!(store.purge(at(T0 + 99)).await.unwrap(), 0);
    for id in short_ids.iter().chain([&later.id, &gone.id, &keep.id]) {
        assert!(
            store.find(id).await.unwrap().is_some(),
            "nothing went early"
        );
    }
    assert_eq!(store.purge(at(T0 + 100)).await.unwrap(), 4);
    for id in short_ids.iter().chain([&gone.id]) {
        assert!(store.find(id).await.unwrap().is_none());
    }
    assert!(store.find(&later.id).await.unwrap().is_some());
    assert!(store.find(&keep.id).await.unwrap().is_some());
    // The purged family went with its records; the others are still there.
    assert!(!store.revoke_family(&short, at(T0 + 100)).await.unwrap());
    assert!(
        store
            .revoke_family(&later.family, at(T0 + 100))
            .await
            .unwrap()
    );
    assert_eq!(store.purge(at(T0 + 100)).await.unwrap(), 0, "idempotent");
    assert_eq!(store.purge(at(T0 + 101)).await.unwrap(), 1);
    assert!(store.find(&keep.id).await.unwrap().is_some());
}

/// Many tasks present the same token at once, without grace: exactly one rotation wins;
/// the others see reuse (or, after the family is revoked, revocation); the family ends
/// revoked.
async fn concurrent_rotations_without_grace<S: Store>(store: Arc<S>) {
    for round in 0..5 {
        let family = FamilyId::random().unwrap();
        let first = record(&family, "ann", T0);
        store.create_family(&first).await.unwrap();
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = Arc::clone(&store);
                let id = first.id;
                tokio::spawn(async move { store.rotate(&request(&id, T0 + 1 + i % 2, 0)).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap().unwrap());
        }
        let winners: Vec<_> = outcomes
            .iter()
            .filter(|r| matches!(r, Rotation::Rotated(_)))
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        assert!(outcomes.contains(&Rotation::Reused), "round {round}");
        assert!(outcomes.iter().all(|r| matches!(
            r,
            Rotation::Rotated(_) | Rotation::Reused | Rotation::Revoked
        )));
        assert!(revoked(store.as_ref(), &first.id).await, "round {round}");
    }
}

/// Two, then sixteen tasks present the same token at once within the grace period: one
/// rotation, every other presentation gets the same successor, the family lives on with
/// exactly that one live token.
async fn concurrent_rotations_within_grace<S: Store>(store: Arc<S>) {
    for tasks in [2u64, 16] {
        let family = FamilyId::random().unwrap();
        let first = record(&family, "ann", T0);
        store.create_family(&first).await.unwrap();
        let handles: Vec<_> = (0..tasks)
            .map(|i| {
                let store = Arc::clone(&store);
                let id = first.id;
                tokio::spawn(async move { store.rotate(&request(&id, T0 + i % 3, 10)).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for h in handles {
            outcomes.push(h.await.unwrap().unwrap());
        }
        let rotated: Vec<_> = outcomes
            .iter()
            .filter_map(|r| match r {
                Rotation::Rotated(next) => Some(next.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(rotated.len(), 1, "{tasks} tasks: {outcomes:?}");
        let successor = &rotated[0];
        for r in &outcomes {
            match r {
                Rotation::Rotated(next) | Rotation::Repeated(next) => {
                    assert_eq!(next, successor, "{tasks} tasks: one successor for all");
                }
                other => panic!("{tasks} tasks: {other:?}"),
            }
        }
        let found = store.find(&successor.id).await.unwrap().unwrap();
        assert!(!found.family_revoked);
        assert_eq!(found.record.consumed_at, None);
        // The one successor rotates on as usual.
        assert!(matches!(
            store
                .rotate(&request(&successor.id, T0 + 20, 10))
                .await
                .unwrap(),
            Rotation::Rotated(_)
        ));
        let (derived, _) = successor_of(&first.id);
        assert_eq!(successor.id, derived);
    }
}

/// Rotations of different sessions at once all succeed, each chain intact.
async fn concurrent_sessions<S: Store>(store: Arc<S>) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let family = FamilyId::random().unwrap();
                let first = record(&family, "ann", T0);
                store.create_family(&first).await.unwrap();
                let mut current = first.id;
                for step in 1..=20 {
                    let Rotation::Rotated(next) = store
                        .rotate(&request(&current, T0 + step, 0))
                        .await
                        .unwrap()
                    else {
                        panic!("not rotated");
                    };
                    current = next.id;
                }
                current
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

/// Instances saving the key ring at once: for each version exactly one save wins.
async fn concurrent_key_ring_saves<S: Store>(store: Arc<S>) {
    for version in 1..=5u64 {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    store
                        .save_key_ring(version, &format!("{version}/{i}"))
                        .await
                        .map(|()| i)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(i) => winners.push(i),
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(winners.len(), 1, "version {version}: {winners:?}");
        assert_eq!(
            store.load_key_ring().await.unwrap(),
            Some(format!("{version}/{}", winners[0]))
        );
    }
}

/// A store for one test, and what to do once the test is over (drop its schema).
struct Fixture<S> {
    store: S,
    finish: Option<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<S> Fixture<S> {
    fn new(store: S) -> Option<Self> {
        Some(Self {
            store,
            finish: None,
        })
    }

    async fn finish(self) {
        if let Some(finish) = self.finish {
            finish.await;
        }
    }
}

/// `conformance!(name, async { Option<Fixture<S>> })`: every test of the suite on a fresh
/// store (`None`: the backend is not available here, the test is skipped with a notice).
macro_rules! conformance {
    ($name:ident, $make:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn create_and_find() {
                let Some(fixture) = $make.await else { return };
                super::create_and_find(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test]
            async fn rotation_and_reuse() {
                let Some(fixture) = $make.await else { return };
                super::rotation_and_reuse(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test]
            async fn grace_period() {
                let Some(fixture) = $make.await else { return };
                super::grace_period(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test]
            async fn replays_of_ancestors() {
                let Some(fixture) = $make.await else { return };
                super::replays_of_ancestors(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test]
            async fn expiry_and_replay() {
                let Some(fixture) = $make.await else { return };
                super::expiry_and_replay(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test]
            async fn rotation_never_extends_the_session() {
                let Some(fixture) = $make.await else { return };
                super::rotation_never_extends_the_session(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test]
            async fn revocations() {
                let Some(fixture) = $make.await else { return };
                super::revocations(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test]
            async fn key_ring_document() {
                let Some(fixture) = $make.await else { return };
                super::key_ring_document(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test]
            async fn purge() {
                let Some(fixture) = $make.await else { return };
                super::purge(&fixture.store).await;
                fixture.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_rotations_without_grace() {
                let Some(Fixture { store, finish }) = $make.await else {
                    return;
                };
                super::concurrent_rotations_without_grace(Arc::new(store)).await;
                Fixture::<()> { store: (), finish }.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_rotations_within_grace() {
                let Some(Fixture { store, finish }) = $make.await else {
                    return;
                };
                super::concurrent_rotations_within_grace(Arc::new(store)).await;
                Fixture::<()> { store: (), finish }.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_sessions() {
                let Some(Fixture { store, finish }) = $make.await else {
                    return;
                };
                super::concurrent_sessions(Arc::new(store)).await;
                Fixture::<()> { store: (), finish }.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_key_ring_saves() {
                let Some(Fixture { store, finish }) = $make.await else {
                    return;
                };
                super::concurrent_key_ring_saves(Arc::new(store)).await;
                Fixture::<()> { store: (), finish }.finish().await;
            }
        }
    };
}

conformance!(memory, async { Fixture::new(jwt_auth::MemoryStore::new()) });
conformance!(sqlite_in_memory, async {
    Fixture::new(jwt_auth::SqliteStore::open(":memory:").unwrap())
});
conformance!(sqlite_file, async {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("jwt-auth-conformance");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.db", TokenId::random().unwrap().to_base64url()));
    Fixture::new(jwt_auth::SqliteStore::open(path).unwrap())
});
#[cfg(feature = "postgres")]
conformance!(postgres, async {
    let url = common::database_url()?;
    let schema = common::fresh_schema("conformance");
    let store = jwt_auth::PostgresStore::connect_with(
        &url,
        jwt_auth::PostgresOptions::new().with_schema(schema.clone()),
    )
    .await
    .unwrap();
    Some(Fixture {
        store,
        finish: Some(Box::pin(
            async move { common::drop_schema(&url, &schema).await },
        )),
    })
});
