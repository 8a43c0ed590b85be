//! Resource servers with the issuer's remote JWK Set (feature `remote`): rotation and
//! revocation at the authority reach them by themselves. The authority publishes its set
//! from a real HTTP server on 127.0.0.1; time is a manual clock shared by both sides.
#![cfg(feature = "remote")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::routing::get;
use jwks_remote::{Options, RemoteJwkSet};
use jws::NumericDate;
use jwt_auth::{
    Audience, AuthError, Authenticator, Authority, AuthorityConfig, Issuer, KeyEncryptionKey,
    ManualClock, MemoryStore, TokenError,
};
use tokio::net::TcpListener;

const T0: u64 = 1_800_000_000;
const ISS: &str = "https://auth.example";
const AUD: &str = "https://api.example";

struct Published {
    authority: Authority<MemoryStore, ()>,
    fetches: AtomicUsize,
}

async fn jwks(State(p): State<Arc<Published>>) -> impl axum::response::IntoResponse {
    p.fetches.fetch_add(1, Ordering::SeqCst);
    (
        [
            (header::CONTENT_TYPE, "application/jwk-set+json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        p.authority.jwks_json().unwrap(),
    )
}

/// An authority publishing its set over HTTP, and a resource server's authenticator on it.
async fn setup() -> (Arc<Published>, Authenticator, ManualClock) {
    let clock = ManualClock::new(NumericDate::from_secs(T0).unwrap());
    let config = AuthorityConfig::new(
        Issuer::new(ISS),
        Audience::new(AUD),
        KeyEncryptionKey::new(&[7u8; 32]).unwrap(),
    )
    .with_clock(Arc::new(clock.clone()));
    let authority = Authority::open(config, MemoryStore::new()).await.unwrap();
    let published = Arc::new(Published {
        authority,
        fetches: AtomicUsize::new(0),
    });
    let app = axum::Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(Arc::clone(&published));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let remote = RemoteJwkSet::with_options(
        &url,
        Options::default()
            .allow_http_loopback()
            .with_clock(Arc::new(clock.clone())),
    )
    .unwrap();
    let authenticator = Authenticator::remote(remote, &Issuer::new(ISS), &Audience::new(AUD))
        .with_clock(Arc::new(clock.clone()));
    (published, authenticator, clock)
}

fn unknown_key(result: Result<impl std::fmt::Debug, AuthError>) -> bool {
    matches!(
        result,
        Err(AuthError::InvalidToken(TokenError::Signature(
            jws::Error::NoMatchingKey { .. }
        )))
    )
}

#[tokio::test]
async fn rotation_and_revocation_reach_a_remote_authenticator() {
    let (published, auth, clock) = setup().await;
    let fetches = || published.fetches.load(Ordering::SeqCst);
    let ann = published.authority.login("ann", ()).await.unwrap();
    let verified = auth
        .authenticate_async::<()>(&format!("Bearer {}", ann.access_token))
        .await
        .unwrap();
    assert_eq!(verified.claims().sub.as_deref(), Some("ann"));
    let first_kid = verified.kid().unwrap().to_owned();
    assert_eq!(fetches(), 1);
    // A forged signature under a known kid is refused without a fetch, past the cooldown
    // too: only an unknown key makes the set refetch.
    clock.advance(Duration::from_secs(31));
    // A character in the middle of the signature changed (a whole 6-bit group).
    let mut forged = ann.access_token.clone().into_bytes();
    let at = forged.len() - 20;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert!(matches!(
        auth.authenticate_async::<()>(&forged).await,
        Err(AuthError::InvalidToken(TokenError::Signature(
            jws::Error::InvalidSignature
        )))
    ));
    assert_eq!(fetches(), 1);

    // A scheduled rotation: the new active key was published as `next` beforehand, so
    // the resource server already holds it.
    clock.advance(Duration::from_secs(29));
    published.authority.rotate_keys().await.unwrap();
    let bob = published.authority.login("bob", ()).await.unwrap();
    let second_kid = auth
        .authenticate_async::<()>(&bob.access_token)
        .await
        .unwrap()
        .kid()
        .unwrap()
        .to_owned();
    assert_ne!(second_kid, first_kid);
    assert_eq!(fetches(), 1);

    // The active key is compromised and revoked: a key this server never saw signs now.
    // Its first token makes one refetch (past the cooldown) and verifies at once; the
    // refetched set no longer holds the revoked key, so its tokens are refused at once.
    published.authority.revoke_key(&second_kid).await.unwrap();
    let cat = published.authority.login("cat", ()).await.unwrap();
    auth.authenticate_async::<()>(&cat.access_token)
        .await
        .unwrap();
    assert_eq!(fetches(), 2);
    assert!(unknown_key(
        auth.authenticate_async::<()>(&bob.access_token).await
    ));
    // The synchronous path reads the same set.
    assert!(unknown_key(auth.authenticate::<()>(&bob.access_token)));
    auth.authenticate::<()>(&ann.access_token).unwrap();
    assert_eq!(fetches(), 2);

    // The retiring key is revoked as well: within the set's max age (300 s, from the
    // authority's Cache-Control) its tokens are refused here too.
    published.authority.revoke_key(&first_kid).await.unwrap();
    clock.advance(Duration::from_secs(299));
    auth.authenticate_async::<()>(&ann.access_token)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(1));
    assert!(unknown_key(
        auth.authenticate_async::<()>(&ann.access_token).await
    ));
    assert_eq!(fetches(), 3);
    // The active key's tokens are unaffected.
    auth.authenticate_async::<()>(&cat.access_token)
        .await
        .unwrap();
}

/// Handlers of multi-threaded servers (axum) need `Send` futures.
#[test]
fn the_async_check_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    fn check(auth: &Authenticator) {
        assert_send(&auth.authenticate_async::<()>("Bearer x"));
    }
    let _ = check;
}

#[tokio::test]
async fn no_set_yet_is_a_503_not_a_401() {
    let clock = ManualClock::new(NumericDate::from_secs(T0).unwrap());
    // Nothing listens on this port (bound, then closed).
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let remote = RemoteJwkSet::with_options(
        &format!("http://127.0.0.1:{port}/jwks"),
        Options::default()
            .allow_http_loopback()
            .with_clock(Arc::new(clock.clone())),
    )
    .unwrap();
    let auth = Authenticator::remote(remote, &Issuer::new(ISS), &Audience::new(AUD))
        .with_clock(Arc::new(clock));
    let err = auth
        .authenticate_async::<()>("Bearer a.b.c")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AuthError::KeysUnavailable(e) if e.is_unavailable()),
        "{err:?}"
    );
    assert_eq!(err.status(), 503);
    assert_eq!(err.www_authenticate("api"), r#"Bearer realm="api""#);
    // The synchronous path does not wait: no set in memory is the same answer, with the
    // last fetch's error.
    let err = auth.authenticate::<()>("Bearer a.b.c").unwrap_err();
    assert!(
        matches!(
            &err,
            AuthError::KeysUnavailable(jwks_remote::Error::Unavailable {
                last_error: Some(_)
            })
        ),
        "{err:?}"
    );
    // A missing token is still a 401 without judging keys.
    assert!(matches!(
        auth.authenticate_async::<()>("Bearer ").await,
        Err(AuthError::MissingToken)
    ));
}
