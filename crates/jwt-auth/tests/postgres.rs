//! The PostgreSQL store beyond the conformance suite: migrations (concurrent, idempotent,
//! refusing a newer schema), errors by what to do about them, purge in batches, and
//! authorities on one database. Needs `DATABASE_URL` (skipped with a notice otherwise;
//! failing under `CI=true`).
#![cfg(feature = "postgres")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{END, T0, at, record, request};
use jwt_auth::store::{Rotation, Store};
use jwt_auth::{
    Audience, AuthError, Authority, AuthorityConfig, FamilyId, Issuer, KeyEncryptionKey,
    ManualClock, PostgresOptions, PostgresStore, StoreError,
};

async fn connect(url: &str, schema: &str) -> Result<PostgresStore, StoreError> {
    PostgresStore::connect_with(url, PostgresOptions::new().with_schema(schema)).await
}

async fn sql(url: &str, statements: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    client.batch_execute(statements).await.unwrap();
    drop(client);
    let _ = task.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_at_once_migrate_once() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = common::fresh_schema("migrations");
    let opens: Vec<_> = (0..6)
        .map(|_| {
            let (url, schema) = (url.clone(), schema.clone());
            tokio::spawn(async move { connect(&url, &schema).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.unwrap().unwrap());
    }
    for store in &stores {
        assert_eq!(store.schema_version().await.unwrap(), 1);
    }
    // Opening again changes nothing; the data stays.
    let family = FamilyId::random().unwrap();
    let first = record(&family, "ann", T0);
    stores[0].create_family(&first).await.unwrap();
    let again = connect(&url, &schema).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), 1);
    assert_eq!(again.find(&first.id).await.unwrap().unwrap().record, first);
    // A schema migrated by a newer version of the crate is refused, not touched.
    sql(
        &url,
        &format!("INSERT INTO {schema}.jwt_auth_schema (version) VALUES (99)"),
    )
    .await;
    assert!(matches!(
        connect(&url, &schema).await,
        Err(StoreError::SchemaNewer { found: 99 })
    ));
    common::drop_schema(&url, &schema).await;
}

#[tokio::test]
async fn errors_say_what_to_do_and_never_show_the_password() {
    let Some(url) = common::database_url() else {
        return;
    };
    // Nobody listens there: unavailable (retry later), within the timeout.
    let started = std::time::Instant::now();
    let err = PostgresStore::connect_with(
        "postgres://ann:s3cret-pw@127.0.0.1:1/test",
        PostgresOptions::new().with_timeout(Duration::from_secs(2)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!format!("{err} {err:?}").contains("s3cret-pw"));
    for bad in [
        "not a url at all://",
        "postgres://ann:s3cret-pw@host:notaport/db",
    ] {
        let err = PostgresStore::connect(bad).await.unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("s3cret-pw"), "{err}");
    }
    for bad in ["Public", "a;drop table x", "1st", ""] {
        let err = connect(&url, bad).await.unwrap_err();
        assert!(err.to_string().contains("invalid schema name"), "{err}");
    }
    let schema = common::fresh_schema("errors");
    let store = connect(&url, &schema).await.unwrap();
    let debug = format!("{store:?}");
    assert!(debug.starts_with("PostgresStore"), "{debug}");
    assert!(!debug.contains("postgres://"), "{debug}");
    // A duplicate id is a conflict, as in every store.
    let first = record(&FamilyId::random().unwrap(), "ann", T0);
    store.create_family(&first).await.unwrap();
    assert!(matches!(
        store.create_family(&first).await,
        Err(StoreError::Conflict(_))
    ));
    // A closed pool: unavailable.
    store.close();
    assert!(matches!(
        store.find(&first.id).await,
        Err(StoreError::Unavailable(_))
    ));
    common::drop_schema(&url, &schema).await;
}

#[tokio::test]
async fn purge_deletes_in_batches_until_done() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = common::fresh_schema("purge");
    let store = connect(&url, &schema).await.unwrap();
    // 2,345 expired records (more than two batches) in 2,345 families, and one alive.
    sql(
        &url,
        &format!(
            "INSERT INTO {schema}.families SELECT 'f' || i, 'ann', {T0}, {T0} + 10, NULL \
             FROM generate_series(1, 2345) i; \
             INSERT INTO {schema}.refresh_tokens SELECT \
             decode(lpad(to_hex(i), 32, '0'), 'hex'), decode(repeat('00', 32), 'hex'), \
             'f' || i, 'ann', {T0}, {T0} + 10, {T0} + 10, NULL, NULL, '{{}}' \
             FROM generate_series(1, 2345) i;"
        ),
    )
    .await;
    let alive = record(&FamilyId::random().unwrap(), "bob", T0);
    store.create_family(&alive).await.unwrap();
    assert_eq!(store.purge(at(T0 + 9)).await.unwrap(), 0);
    assert_eq!(store.purge(at(T0 + 10)).await.unwrap(), 2345);
    assert_eq!(store.purge(at(T0 + 10)).await.unwrap(), 0);
    assert_eq!(store.find(&alive.id).await.unwrap().unwrap().record, alive);
    assert_eq!(store.purge(at(END)).await.unwrap(), 1);
    common::drop_schema(&url, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_connections_rotating_one_token_make_one_successor() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = common::fresh_schema("race");
    // Separate pools, as separate instances have.
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(Arc::new(connect(&url, &schema).await.unwrap()));
    }
    for round in 0..20 {
        let first = record(&FamilyId::random().unwrap(), "ann", T0);
        stores[0].create_family(&first).await.unwrap();
        let grace = if round % 2 == 0 { 0 } else { 30 };
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = Arc::clone(&stores[i % stores.len()]);
                let req = request(&first.id, T0 + 1, grace);
                tokio::spawn(async move { store.rotate(&req).await.unwrap() })
            })
            .collect();
        let mut rotated = 0;
        let mut successors = std::collections::HashSet::new();
        for task in tasks {
            match task.await.unwrap() {
                Rotation::Rotated(next) => {
                    rotated += 1;
                    successors.insert(next.id);
                }
                Rotation::Repeated(next) => {
                    successors.insert(next.id);
                }
                Rotation::Reused | Rotation::Revoked => assert_eq!(grace, 0),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(rotated, 1, "round {round}");
        assert_eq!(successors.len(), 1, "round {round}: one successor");
        let found = stores[1].find(&first.id).await.unwrap().unwrap();
        assert_eq!(found.family_revoked, grace == 0, "round {round}");
    }
    common::drop_schema(&url, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorities_on_one_database_share_sessions_and_keys() {
    let Some(url) = common::database_url() else {
        return;
    };
    let schema = common::fresh_schema("authorities");
    let clock = ManualClock::new(at(T0));
    let open = || async {
        let store = connect(&url, &schema).await.unwrap();
        Authority::<_, ()>::open(
            AuthorityConfig::new(
                Issuer::new("https://auth.example"),
                Audience::new("https://api.example"),
                KeyEncryptionKey::new(&[3u8; 32]).unwrap(),
            )
            .with_clock(Arc::new(clock.clone())),
            store,
        )
        .await
        .unwrap()
    };
    let (a, b) = tokio::join!(open(), open());
    assert_eq!(a.jwks(), b.jwks(), "one ring for both");
    let pair = a.login("ann", ()).await.unwrap();
    let next = b.refresh(pair.refresh_token.expose()).await.unwrap();
    assert!(matches!(
        a.refresh(pair.refresh_token.expose()).await,
        Ok(_) | Err(AuthError::RefreshTokenReused)
    ));
    b.logout(next.refresh_token.expose()).await.unwrap();
    assert!(matches!(
        a.refresh(next.refresh_token.expose()).await,
        Err(AuthError::Revoked)
    ));
    // A rotation on one is seen by the other once it reloads.
    a.rotate_keys().await.unwrap();
    assert_ne!(a.jwks(), b.jwks());
    b.reload_keys().await.unwrap();
    assert_eq!(a.jwks(), b.jwks());
    common::drop_schema(&url, &schema).await;
}
