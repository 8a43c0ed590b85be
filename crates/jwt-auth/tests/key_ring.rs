//! The key ring at rest: confidential, tamper-evident, never rolled back, pruned.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jwt_auth::{Audience, Issuer};
use std::sync::Arc;
use std::time::Duration;

use jws::NumericDate;
use jwt_auth::store::Store;
use jwt_auth::{
    AuthError, Authenticator, Authority, AuthorityConfig, KeyEncryptionKey, KeyRing, KeyRingError,
    KeyState, ManualClock, MemoryStore,
};

const T0: u64 = 1_800_000_000;
const ISS: &str = "https://auth.example";
const AUD: &str = "https://api.example";

fn kek() -> KeyEncryptionKey {
    KeyEncryptionKey::new(&[7u8; 32]).unwrap()
}

fn clock() -> ManualClock {
    ManualClock::new(NumericDate::from_secs(T0).unwrap())
}

async fn authority(
    store: Arc<MemoryStore>,
    clock: &ManualClock,
    config: impl FnOnce(AuthorityConfig) -> AuthorityConfig,
) -> Result<Authority<Arc<MemoryStore>>, AuthError> {
    Authority::open(
        config(
            AuthorityConfig::new(Issuer::new(ISS), Audience::new(AUD), kek())
                .with_clock(Arc::new(clock.clone())),
        ),
        store,
    )
    .await
}

fn integrity(result: Result<KeyRing, AuthError>) -> bool {
    matches!(result, Err(AuthError::KeyRing(KeyRingError::Integrity)))
}

#[test]
fn the_key_encryption_key_is_32_secret_bytes() {
    for len in [0, 16, 31, 33, 64] {
        assert!(matches!(
            KeyEncryptionKey::new(&vec![1; len]),
            Err(AuthError::KeyRing(KeyRingError::KeyEncryptionKeyLength))
        ));
    }
    let debug = format!("{:?}", KeyEncryptionKey::new(&[0xAB; 32]).unwrap());
    assert_eq!(debug, "KeyEncryptionKey(<redacted>)");
}

#[tokio::test]
async fn nothing_of_the_ring_is_readable_at_rest() {
    let store = Arc::new(MemoryStore::new());
    let clock = clock();
    let a = authority(Arc::clone(&store), &clock, |c| c).await.unwrap();
    let next = a.key_ring().states()[1].0.clone();
    a.revoke_key(&next).await.unwrap();
    let doc = store.load_key_ring().await.unwrap().unwrap();
    let ring = a.key_ring();
    for (kid, _) in ring.states() {
        assert!(!doc.contains(&kid), "kid {kid} in the clear");
    }
    for word in ["active", "revoked", "next", "EdDSA", "\"d\""] {
        assert!(!doc.contains(word), "{word} in the clear: {doc}");
    }
    let private = ring.active().unwrap().to_jwk().to_private_json().unwrap();
    let d: serde_json::Value = serde_json::from_str(&private).unwrap();
    assert!(!doc.contains(d["d"].as_str().unwrap()));
    // It opens with the key, to the same states and version.
    let opened = KeyRing::open(&doc, &kek()).unwrap();
    assert_eq!(opened.states(), ring.states());
    assert_eq!(opened.version(), ring.version());
    assert_eq!(KeyRing::stored_version(&doc).unwrap(), ring.version());
}

#[tokio::test]
async fn a_tampered_ring_is_refused() {
    let store = Arc::new(MemoryStore::new());
    let clock = clock();
    let a = authority(Arc::clone(&store), &clock, |c| c).await.unwrap();
    let doc = store.load_key_ring().await.unwrap().unwrap();
    let outer: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let jwe = outer["ring"].as_str().unwrap().to_owned();
    let with_ring = |ring: &str, version: &serde_json::Value| {
        serde_json::json!({ "format": 2, "version": version, "ring": ring }).to_string()
    };
    // One character changed in each part of the JWE: header, IV, ciphertext, tag.
    let parts: Vec<&str> = jwe.split('.').collect();
    for part in [0, 2, 3, 4] {
        let mut changed: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
        let mut chars: Vec<char> = changed[part].chars().collect();
        chars[1] = if chars[1] == 'A' { 'B' } else { 'A' };
        changed[part] = chars.into_iter().collect();
        let tampered = with_ring(&changed.join("."), &outer["version"]);
        assert!(integrity(KeyRing::open(&tampered, &kek())), "part {part}");
    }
    // The outer version changed: it no longer matches the sealed one.
    let bumped = with_ring(&jwe, &serde_json::json!(7));
    assert!(integrity(KeyRing::open(&bumped, &kek())));
    // A ring sealed by someone else (a key of their own as the active signer): refused.
    let planted = KeyRing::generate(jws::Algorithm::EdDSA, NumericDate::from_secs(T0).unwrap())
        .unwrap()
        .seal(&KeyEncryptionKey::new(&[6u8; 32]).unwrap())
        .unwrap();
    assert!(integrity(KeyRing::open(&planted, &kek())));
    // (Written straight into the database: the outer version is whatever the writer likes.)
    store.save_key_ring(99, &planted).await.unwrap();
    assert!(matches!(
        authority(Arc::clone(&store), &clock, |c| c).await,
        Err(AuthError::KeyRing(KeyRingError::Integrity))
    ));
    // The running issuer refuses it too, and keeps signing with its own ring.
    assert!(matches!(
        a.reload_keys().await,
        Err(AuthError::KeyRing(KeyRingError::Integrity))
    ));
    assert!(matches!(
        a.rotate_keys().await,
        Err(AuthError::KeyRing(KeyRingError::Integrity))
    ));
    assert!(a.login("ann", ()).await.is_ok());
    // Not a ring at all, or a format this crate does not read.
    for (doc, want) in [
        ("not json".to_owned(), KeyRingError::Integrity),
        ("{}".to_owned(), KeyRingError::Integrity),
        (
            r#"{"version":1,"alg":"EdDSA","keys":[]}"#.to_owned(),
            KeyRingError::UnsupportedFormat(1),
        ),
        (
            with_ring(&jwe, &serde_json::json!(1)).replace("\"format\":2", "\"format\":3"),
            KeyRingError::UnsupportedFormat(3),
        ),
    ] {
        match KeyRing::open(&doc, &kek()) {
            Err(AuthError::KeyRing(got)) => assert_eq!(got, want, "{doc}"),
            other => panic!("{doc}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_older_ring_written_back_is_refused() {
    let store = Arc::new(MemoryStore::new());
    let clock = clock();
    let a = authority(Arc::clone(&store), &clock, |c| c).await.unwrap();
    let old = store.load_key_ring().await.unwrap().unwrap();
    let compromised = a.key_ring().states()[0].0.clone();
    a.revoke_key(&compromised).await.unwrap();
    assert_eq!(a.key_ring().version(), 2);
    // Someone writes the ring from before the revocation back.
    // (Straight into the database: the store's version column is whatever the writer likes.)
    store.save_key_ring(99, &old).await.unwrap();
    let err = a.reload_keys().await.unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::KeyRing(KeyRingError::Rollback { stored: 1, held: 2 })
        ),
        "{err}"
    );
    assert_eq!(err.status(), 500);
    assert!(matches!(
        a.rotate_keys().await,
        Err(AuthError::KeyRing(KeyRingError::Rollback { .. }))
    ));
    // The issuer keeps the key revoked and never signs with it.
    assert!(matches!(
        a.key_ring().state(&compromised),
        Some(KeyState::Revoked { .. })
    ));
    let pair = a.login("ann", ()).await.unwrap();
    let header = pair.access_token.split('.').next().unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&jws::base64url::decode(header).unwrap()).unwrap();
    assert_ne!(header["kid"], compromised.as_str());
}

#[tokio::test]
async fn another_instance_picks_up_rotations_and_revocations() {
    let store = Arc::new(MemoryStore::new());
    let clock = clock();
    let a = authority(Arc::clone(&store), &clock, |c| c).await.unwrap();
    let b = authority(Arc::clone(&store), &clock, |c| c).await.unwrap();
    assert_eq!(a.key_ring().states(), b.key_ring().states());
    a.rotate_keys().await.unwrap();
    assert_ne!(a.key_ring().states(), b.key_ring().states());
    b.reload_keys().await.unwrap();
    assert_eq!(a.key_ring().states(), b.key_ring().states());
    assert_eq!(b.key_ring().version(), 2);
    // B changes the ring on top of A's change, not over it.
    let kid = b.key_ring().active().unwrap().kid().unwrap().to_owned();
    b.revoke_key(&kid).await.unwrap();
    a.reload_keys().await.unwrap();
    assert!(matches!(
        a.key_ring().state(&kid),
        Some(KeyState::Revoked { .. })
    ));
    assert_eq!(a.jwks().keys().len(), b.jwks().keys().len());
    let pair = a.login("ann", ()).await.unwrap();
    let api = Authenticator::new(&b.jwks(), &Issuer::new(ISS), &Audience::new(AUD))
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    assert!(api.authenticate::<()>(&pair.access_token).is_ok());
    // Reloading the same version changes nothing.
    let before = a.key_ring().states();
    a.reload_keys().await.unwrap();
    assert_eq!(a.key_ring().states(), before);
}

#[tokio::test]
async fn revoked_keys_are_pruned_after_their_retention_and_retiring_ones_after_their_tokens() {
    let store = Arc::new(MemoryStore::new());
    let clock = clock();
    let a = authority(Arc::clone(&store), &clock, |c| {
        c.with_revoked_key_retention(Duration::from_secs(100))
            .with_access_ttl(Duration::from_secs(600))
            .with_leeway(Duration::from_secs(30))
    })
    .await
    .unwrap();
    let next = a.key_ring().states()[1].0.clone();
    a.revoke_key(&next).await.unwrap();
    clock.advance(Duration::from_secs(99));
    assert_eq!(a.purge_expired().await.unwrap(), 0);
    assert!(
        a.key_ring().state(&next).is_some(),
        "kept for its retention"
    );
    let version = a.key_ring().version();
    clock.advance(Duration::from_secs(1));
    a.purge_expired().await.unwrap();
    assert_eq!(a.key_ring().state(&next), None, "pruned");
    assert_eq!(a.key_ring().version(), version + 1, "a stored change");
    let stored = KeyRing::open(&store.load_key_ring().await.unwrap().unwrap(), &kek()).unwrap();
    assert_eq!(stored.states(), a.key_ring().states());
    // Nothing to prune: the ring is not rewritten.
    let version = a.key_ring().version();
    a.purge_expired().await.unwrap();
    assert_eq!(a.key_ring().version(), version);

    // A retiring key lasts the access-token lifetime plus the leeway.
    let active = a.key_ring().active().unwrap().kid().unwrap().to_owned();
    a.rotate_keys().await.unwrap();
    let until = NumericDate::from_secs(T0 + 100 + 600 + 30).unwrap();
    assert_eq!(
        a.key_ring().state(&active),
        Some(KeyState::Retiring { until })
    );
    clock.advance(Duration::from_secs(629));
    a.purge_expired().await.unwrap();
    assert!(a.key_ring().state(&active).is_some());
    assert!(a.jwks().get(&active).is_some());
    clock.advance(Duration::from_secs(1));
    assert!(a.jwks().get(&active).is_none());
    a.purge_expired().await.unwrap();
    assert_eq!(a.key_ring().state(&active), None);
}

#[test]
fn key_ring_errors_say_what_went_wrong_and_map_to_500() {
    let cases = [
        (KeyRingError::KeyEncryptionKeyLength, "must be 32 bytes"),
        (
            KeyRingError::Integrity,
            "wrong key-encryption key, or a damaged or tampered",
        ),
        (
            KeyRingError::Rollback { stored: 3, held: 5 },
            "(version 3) is older than the one held (version 5)",
        ),
        (
            KeyRingError::UnsupportedFormat(1),
            "format 1 is not supported",
        ),
        (KeyRingError::Missing, "holds no key ring"),
        (KeyRingError::NoActiveKey, "no active key"),
        (KeyRingError::UnknownKid, "no key of the ring has this kid"),
        (KeyRingError::Key("boom".into()), "key error: boom"),
    ];
    for (e, text) in cases {
        assert!(e.to_string().contains(text), "{e}");
        let auth = AuthError::from(e);
        assert_eq!(auth.status(), 500);
        assert!(auth.to_string().starts_with("key ring: "));
        assert!(std::error::Error::source(&auth).is_some());
        assert_eq!(auth.www_authenticate("api"), r#"Bearer realm="api""#);
    }
}

#[test]
fn verifying_keys_are_the_active_and_the_retiring_ones_in_time() {
    let t0 = NumericDate::from_secs(T0).unwrap();
    let mut ring = KeyRing::generate(jws::Algorithm::EdDSA, t0).unwrap();
    let kids = |ring: &KeyRing, now: u64| -> Vec<String> {
        ring.verifying_keys(NumericDate::from_secs(now).unwrap())
            .iter()
            .map(|k| k.kid().unwrap().to_owned())
            .collect()
    };
    let first = ring.active().unwrap().kid().unwrap().to_owned();
    assert_eq!(kids(&ring, T0), vec![first.as_str()], "not the next key");
    ring.rotate(t0, 100).unwrap();
    let second = ring.active().unwrap().kid().unwrap().to_owned();
    assert_eq!(kids(&ring, T0 + 99), vec![first.as_str(), second.as_str()]);
    assert_eq!(
        kids(&ring, T0 + 100),
        vec![second.as_str()],
        "retired at until"
    );
    ring.revoke(&second, t0).unwrap();
    assert!(!kids(&ring, T0).contains(&second), "never a revoked key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_sharing_a_store_rotate_once_per_interval_and_lose_no_change() {
    let store = Arc::new(MemoryStore::new());
    let clock = clock();
    // Two instances open on an empty store at once: one ring, the same for both.
    let (a, b) = tokio::join!(
        authority(Arc::clone(&store), &clock, |c| c),
        authority(Arc::clone(&store), &clock, |c| c)
    );
    let (a, b) = (Arc::new(a.unwrap()), Arc::new(b.unwrap()));
    assert_eq!(a.jwks(), b.jwks());
    assert_eq!(a.key_ring().version(), 1);
    let day = Duration::from_secs(86_400);
    assert!(!a.rotate_keys_if_due(day).await.unwrap(), "not yet due");
    assert_eq!(a.key_ring().version(), 1);

    // Due: both instances try at once, on their own schedules; one rotation is stored.
    clock.advance(day);
    let (ra, rb) = tokio::join!(
        tokio::spawn({
            let a = Arc::clone(&a);
            async move { a.rotate_keys_if_due(day).await.unwrap() }
        }),
        tokio::spawn({
            let b = Arc::clone(&b);
            async move { b.rotate_keys_if_due(day).await.unwrap() }
        })
    );
    assert_eq!(
        u8::from(ra.unwrap()) + u8::from(rb.unwrap()),
        1,
        "one rotation"
    );
    assert_eq!(a.key_ring().version(), 2);
    assert_eq!(
        b.key_ring().version(),
        2,
        "the other adopted the stored ring"
    );
    assert_eq!(a.jwks(), b.jwks());
    assert_eq!(
        a.key_ring().active().unwrap().kid(),
        b.key_ring().active().unwrap().kid()
    );
    // One second short of the next interval: nothing; at the interval: due again.
    clock.advance(day - Duration::from_secs(1));
    assert!(!b.rotate_keys_if_due(day).await.unwrap());
    clock.advance(Duration::from_secs(1));
    assert!(b.rotate_keys_if_due(day).await.unwrap());

    // Unconditional changes at once from both: both are applied, one after the other
    // (the loser of the compare-and-set starts again from the winner's ring).
    let before = b.key_ring().version();
    let kid = b.key_ring().states()[0].0.clone();
    let (rotated, revoked) = tokio::join!(
        tokio::spawn({
            let a = Arc::clone(&a);
            async move { a.rotate_keys().await }
        }),
        tokio::spawn({
            let b = Arc::clone(&b);
            async move { b.revoke_key(&kid).await }
        })
    );
    rotated.unwrap().unwrap();
    revoked.unwrap().unwrap();
    a.reload_keys().await.unwrap();
    b.reload_keys().await.unwrap();
    let ring = a.key_ring();
    assert_eq!(ring.version(), before + 2);
    assert_eq!(ring.states(), b.key_ring().states());
    let stored = KeyRing::open(&store.load_key_ring().await.unwrap().unwrap(), &kek()).unwrap();
    assert_eq!(stored.version(), before + 2);
}

#[test]
fn a_rotation_is_due_when_the_newest_key_is_an_interval_old() {
    let t = |s| NumericDate::from_secs(s).unwrap();
    let mut ring = KeyRing::generate(jws::Algorithm::EdDSA, t(T0)).unwrap();
    let hour = Duration::from_secs(3600);
    assert!(!ring.rotation_due(t(T0), hour));
    assert!(!ring.rotation_due(t(T0 + 3599), hour));
    assert!(ring.rotation_due(t(T0 + 3600), hour));
    ring.rotate(t(T0 + 5000), 100).unwrap();
    assert!(!ring.rotation_due(t(T0 + 5000 + 3599), hour));
    assert!(ring.rotation_due(t(T0 + 5000 + 3600), hour));
}
