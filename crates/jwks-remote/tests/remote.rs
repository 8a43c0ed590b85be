//! A remote set against a real HTTP server on 127.0.0.1, started by each test; time is a
//! manual clock, so no test waits for a cooldown or a max-age.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jwks_remote::{Error, FetchError, KeyPolicy, Options, RemoteJwkSet};
use jws::{Algorithm, Claims, Clock, JwkSet, NumericDate, SigningKey, Validation, Verifier};
use tokio::net::TcpListener;

const T0: u64 = 1_800_000_000;

/// A clock the test moves.
#[derive(Debug, Clone)]
struct TestClock(Arc<AtomicU64>);

impl TestClock {
    fn new() -> Self {
        Self(Arc::new(AtomicU64::new(T0)))
    }
    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    fn now_secs(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Clock for TestClock {
    fn now(&self) -> NumericDate {
        NumericDate::from_secs(self.0.load(Ordering::SeqCst)).unwrap()
    }
}

/// What the issuer's server answers, changed by the tests.
#[derive(Debug, Clone)]
struct Answer {
    status: StatusCode,
    content_type: Option<&'static str>,
    cache_control: Option<String>,
    body: String,
    delay: Duration,
    location: Option<String>,
}

impl Answer {
    fn jwks(set: &JwkSet) -> Self {
        Self {
            status: StatusCode::OK,
            content_type: Some("application/json"),
            cache_control: None,
            body: serde_json::to_string(set).unwrap(),
            delay: Duration::ZERO,
            location: None,
        }
    }
}

#[derive(Debug)]
struct Issuer {
    answer: Mutex<Answer>,
    discovery: Mutex<Option<(StatusCode, String)>>,
    oauth: Mutex<Option<(StatusCode, &'static str, String)>>,
    fetches: AtomicUsize,
}

async fn serve_jwks(State(issuer): State<Arc<Issuer>>) -> Response {
    issuer.fetches.fetch_add(1, Ordering::SeqCst);
    let answer = issuer.answer.lock().unwrap().clone();
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    let mut headers = HeaderMap::new();
    if let Some(t) = answer.content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
    }
    if let Some(cc) = &answer.cache_control {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_str(cc).unwrap());
    }
    if let Some(l) = &answer.location {
        headers.insert(header::LOCATION, HeaderValue::from_str(l).unwrap());
    }
    (answer.status, headers, axum::body::Body::from(answer.body)).into_response()
}

async fn serve_oauth(State(issuer): State<Arc<Issuer>>) -> Response {
    match issuer.oauth.lock().unwrap().clone() {
        Some((status, content_type, body)) => {
            (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn serve_discovery(State(issuer): State<Arc<Issuer>>) -> Response {
    match issuer.discovery.lock().unwrap().clone() {
        Some((status, body)) => {
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A running issuer: its base URL and its state.
struct Server {
    base: String,
    issuer: Arc<Issuer>,
}

impl Server {
    async fn start(answer: Answer) -> Self {
        let issuer = Arc::new(Issuer {
            answer: Mutex::new(answer),
            discovery: Mutex::new(None),
            oauth: Mutex::new(None),
            fetches: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route("/jwks", get(serve_jwks))
            .route(
                "/tenant/.well-known/openid-configuration",
                get(serve_discovery),
            )
            .route(
                "/.well-known/oauth-authorization-server/tenant",
                get(serve_oauth),
            )
            .with_state(Arc::clone(&issuer));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base, issuer }
    }

    fn url(&self) -> String {
        format!("{}/jwks", self.base)
    }

    fn fetches(&self) -> usize {
        self.issuer.fetches.load(Ordering::SeqCst)
    }

    fn answer(&self, change: impl FnOnce(&mut Answer)) {
        change(&mut self.issuer.answer.lock().unwrap());
    }

    fn publish(&self, keys: &[&SigningKey]) {
        let set = JwkSet::from_keys(keys.iter().map(|k| k.verifying_key().to_jwk()).collect());
        self.answer(|a| a.body = serde_json::to_string(&set).unwrap());
    }
}

fn key(kid: &str) -> SigningKey {
    SigningKey::generate(Algorithm::EdDSA)
        .unwrap()
        .with_kid(kid)
}

fn token(key: &SigningKey, clock: &TestClock) -> String {
    let now = NumericDate::from_secs(clock.now_secs()).unwrap();
    let claims = Claims::new(())
        .with_issuer("https://issuer.test")
        .with_lifetime(now, Duration::from_secs(7 * 24 * 3600));
    jws::sign(key, &claims).unwrap()
}

fn validation(clock: &TestClock) -> Validation {
    Validation::new()
        .with_issuer("https://issuer.test")
        .with_clock(clock.clone())
}

fn options(clock: &TestClock) -> Options {
    Options::default()
        .allow_http_loopback()
        .with_clock(Arc::new(clock.clone()))
}

/// A server publishing `keys`, and a remote set on it with a manual clock.
async fn setup(keys: &[&SigningKey]) -> (Server, RemoteJwkSet, TestClock) {
    let server = Server::start(Answer::jwks(&JwkSet::new())).await;
    server.publish(keys);
    let clock = TestClock::new();
    let remote = RemoteJwkSet::with_options(&server.url(), options(&clock)).unwrap();
    (server, remote, clock)
}

async fn verify(remote: &RemoteJwkSet, token: &str, clock: &TestClock) -> Result<(), Error> {
    remote
        .verify::<()>(token, &validation(clock))
        .await
        .map(|_| ())
}

/// `n` tasks verify `token` at once; all must succeed.
async fn all_verify_at_once(remote: &RemoteJwkSet, token: &str, clock: &TestClock, n: usize) {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (remote, token, clock) = (remote.clone(), token.to_owned(), clock.clone());
        tasks.push(tokio::spawn(async move {
            verify(&remote, &token, &clock).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

fn no_matching_key(result: Result<(), Error>) -> bool {
    matches!(result, Err(Error::Jws(jws::Error::NoMatchingKey { .. })))
}

#[tokio::test]
async fn rotation_at_the_issuer_is_picked_up_by_an_unknown_kid() {
    let a = key("a");
    let b = key("b");
    let (server, remote, clock) = setup(&[&a]).await;
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    assert_eq!(server.fetches(), 1);

    // The issuer rotates: b is published and signs. Within the cooldown of the first
    // fetch the set is not refetched, so b's tokens are refused for now...
    server.publish(&[&a, &b]);
    clock.advance(10);
    assert!(no_matching_key(
        verify(&remote, &token(&b, &clock), &clock).await
    ));
    assert_eq!(server.fetches(), 1);
    assert_eq!(remote.stats().cooldown_skips, 1);

    // ...and past it, the unknown kid makes one refetch, and b verifies at once.
    clock.advance(30);
    verify(&remote, &token(&b, &clock), &clock).await.unwrap();
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    assert_eq!(server.fetches(), 2);
    let stats = remote.stats();
    assert_eq!(stats.unknown_kid_refetches, 1);
    assert_eq!(stats.fetches, 2);
    assert_eq!(stats.failures, 0);
    assert_eq!(stats.stale_serves, 0);
    assert_eq!(stats.age, Some(Duration::ZERO));
    assert_eq!(remote.jwk_set().unwrap().keys().len(), 2);
}

#[tokio::test]
async fn a_removed_key_stops_verifying_at_the_next_refresh() {
    let a = key("a");
    let b = key("b");
    let (server, remote, clock) = setup(&[&a, &b]).await;
    let old = token(&a, &clock);
    verify(&remote, &old, &clock).await.unwrap();

    // a is revoked at the issuer; until the set's max age (10 min by default) is over,
    // this server still trusts it: that is the documented propagation bound.
    server.publish(&[&b]);
    clock.advance(599);
    verify(&remote, &old, &clock).await.unwrap();
    assert_eq!(server.fetches(), 1);

    clock.advance(1);
    assert!(no_matching_key(verify(&remote, &old, &clock).await));
    assert_eq!(
        server.fetches(),
        2,
        "one refresh, and no refetch in the cooldown"
    );
    verify(&remote, &token(&b, &clock), &clock).await.unwrap();
    // The kid is now answered from the negative cache, past the cooldown too.
    clock.advance(31);
    assert!(no_matching_key(verify(&remote, &old, &clock).await));
    assert_eq!(server.fetches(), 3, "one refetch past the cooldown");
    clock.advance(31);
    assert!(no_matching_key(verify(&remote, &old, &clock).await));
    assert_eq!(server.fetches(), 3);
    assert_eq!(remote.stats().negative_hits, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_random_kids_makes_at_most_one_fetch_per_cooldown() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    clock.advance(31);

    // 10,000 tokens, each with a fresh random kid, from 64 tasks at once.
    let attacker = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let tokens: Vec<String> = (0..10_000)
        .map(|i| {
            token(
                &attacker
                    .clone()
                    .with_kid(format!("random-{i}-{}", rand_suffix())),
                &clock,
            )
        })
        .collect();
    let tokens = Arc::new(tokens);
    let mut tasks = Vec::new();
    for t in 0..64 {
        let remote = remote.clone();
        let tokens = Arc::clone(&tokens);
        let clock = clock.clone();
        tasks.push(tokio::spawn(async move {
            let mut refused = 0;
            for token in tokens.iter().skip(t).step_by(64) {
                if no_matching_key(verify(&remote, token, &clock).await) {
                    refused += 1;
                }
            }
            refused
        }));
    }
    let mut refused = 0;
    for t in tasks {
        refused += t.await.unwrap();
    }
    assert_eq!(refused, 10_000);
    assert_eq!(server.fetches(), 2, "the warm-up fetch and one refetch");
    let stats = remote.stats();
    assert_eq!(stats.unknown_kid_refetches, 1);
    assert!(
        stats.cooldown_skips + stats.negative_hits >= 9_000,
        "{stats:?}"
    );

    // A legitimate token still verifies, without a fetch.
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    // One cooldown later, another flood makes one more fetch.
    clock.advance(30);
    for token in tokens.iter().take(1000) {
        assert!(no_matching_key(verify(&remote, token, &clock).await));
    }
    assert_eq!(server.fetches(), 3);
}

fn rand_suffix() -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    u64::from_le_bytes(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_set_is_refreshed_once_for_all_waiters() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    let token = token(&a, &clock);
    verify(&remote, &token, &clock).await.unwrap();
    server.answer(|ans| ans.delay = Duration::from_millis(200));
    clock.advance(600);
    all_verify_at_once(&remote, &token, &clock, 64).await;
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let a = key("a");
    let (server, _, clock) = setup(&[&a]).await;
    server.answer(|ans| ans.delay = Duration::from_secs(5));
    let remote = RemoteJwkSet::with_options(
        &server.url(),
        options(&clock).with_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let err = verify(&remote, &token(&a, &clock), &clock)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    match &err {
        Error::Unavailable {
            last_error: Some(e),
        } => assert!(matches!(**e, FetchError::Timeout(t) if t == Duration::from_millis(300))),
        other => panic!("{other:?}"),
    }
    assert!(err.is_unavailable());
    // Within the cooldown, the next request does not try again: it gets the same answer.
    assert!(matches!(
        verify(&remote, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable {
            last_error: Some(_)
        })
    ));
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn failed_refreshes_serve_the_last_good_set_then_fail_closed() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    let good = token(&a, &clock);
    verify(&remote, &good, &clock).await.unwrap();

    // Expired, and the issuer answers 500: the last good set keeps serving.
    server.answer(|ans| ans.status = StatusCode::INTERNAL_SERVER_ERROR);
    clock.advance(600);
    verify(&remote, &good, &clock).await.unwrap();
    assert_eq!(server.fetches(), 2);
    // Garbage (after the cooldown): still the last good set.
    server.answer(|ans| {
        ans.status = StatusCode::OK;
        ans.body = "<html>maintenance</html>".into();
    });
    clock.advance(30);
    verify(&remote, &good, &clock).await.unwrap();
    assert_eq!(server.fetches(), 3);
    let stats = remote.stats();
    assert_eq!(stats.failures, 2);
    assert!(stats.stale_serves >= 2);

    // 24 h after expiry, it fails closed and says why.
    clock.advance(24 * 3600 - 30 - 1);
    server.answer(|ans| ans.status = StatusCode::BAD_GATEWAY);
    verify(&remote, &good, &clock).await.unwrap();
    clock.advance(1);
    match verify(&remote, &good, &clock).await {
        Err(Error::Stale {
            expired_for,
            last_error: Some(e),
        }) => {
            assert_eq!(expired_for, Duration::from_secs(24 * 3600));
            assert!(matches!(*e, FetchError::Status(502)), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
    // The issuer recovers: the next fetch (past the cooldown) serves again.
    server.publish(&[&a]);
    server.answer(|ans| ans.status = StatusCode::OK);
    clock.advance(30);
    verify(&remote, &good, &clock).await.unwrap();
}

/// A change to the issuer's answer.
type Change = Box<dyn Fn(&mut Answer)>;
/// What the failure must be.
type Expect = fn(&FetchError) -> bool;

#[tokio::test]
async fn garbage_and_wrong_content_types_are_refused() {
    let a = key("a");
    let cases: Vec<(Change, Expect)> = vec![
        (Box::new(|ans| ans.body = "not json".into()), |e| {
            matches!(e, FetchError::InvalidSet(_))
        }),
        (Box::new(|ans| ans.body = r#"{"keys":{}}"#.into()), |e| {
            matches!(e, FetchError::InvalidSet(_))
        }),
        (Box::new(|ans| ans.body = r#"{"keys":[]}"#.into()), |e| {
            matches!(e, FetchError::NoUsableKey)
        }),
        (
            Box::new(|ans| ans.content_type = Some("text/html")),
            |e| matches!(e, FetchError::ContentType(Some(t)) if t == "text/html"),
        ),
        (Box::new(|ans| ans.content_type = None), |e| {
            matches!(e, FetchError::ContentType(None))
        }),
        (Box::new(|ans| ans.status = StatusCode::NO_CONTENT), |e| {
            matches!(e, FetchError::Status(204))
        }),
        (Box::new(|ans| ans.status = StatusCode::NOT_FOUND), |e| {
            matches!(e, FetchError::Status(404))
        }),
    ];
    for (change, expected) in cases {
        let (server, remote, clock) = setup(&[&a]).await;
        server.answer(change);
        match verify(&remote, &token(&a, &clock), &clock).await {
            Err(Error::Unavailable {
                last_error: Some(e),
            }) => assert!(expected(&e), "{e:?}"),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn private_keys_in_a_fetched_set_refuse_it() {
    let a = key("a");
    let (server, remote, clock) = setup(&[]).await;
    let private = JwkSet::from_keys(vec![a.to_jwk()])
        .to_private_json()
        .unwrap();
    server.answer(|ans| ans.body = private.to_string());
    match verify(&remote, &token(&a, &clock), &clock).await {
        Err(Error::Unavailable {
            last_error: Some(e),
        }) => assert!(
            matches!(&*e, FetchError::PrivateKey { kid: Some(k) } if k == "a"),
            "{e:?}"
        ),
        other => panic!("{other:?}"),
    }
    // A shared secret is private too.
    let (server, remote, clock) = setup(&[]).await;
    server.answer(|ans| {
        ans.body = r#"{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U","alg":"HS256"}]}"#.into();
    });
    assert!(matches!(
        verify(&remote, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(*e, FetchError::PrivateKey { kid: None })
    ));
}

#[tokio::test]
async fn bad_keys_are_skipped_or_refuse_the_set_by_policy() {
    let a = key("a");
    let mut set: serde_json::Value =
        serde_json::to_value(JwkSet::from_keys(vec![a.verifying_key().to_jwk()])).unwrap();
    // A malformed Ed25519 key (x of 3 bytes), an RSA key of 1024 bits, a key for encryption,
    // and a key type from the future.
    set["keys"].as_array_mut().unwrap().extend([
        serde_json::json!({"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"short","alg":"EdDSA"}),
        serde_json::json!({"kty":"RSA","kid":"weak","alg":"RS256","e":"AQAB",
            "n": jws::jwt_claims::base64url::encode([0xc5u8; 128])}),
        serde_json::json!({"kty":"EC","crv":"P-256","use":"enc","alg":"ECDH-ES","kid":"enc",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}),
        serde_json::json!({"kty":"PQC","kid":"future"}),
    ]);
    let body = set.to_string();

    let (server, remote, clock) = setup(&[]).await;
    server.answer(|ans| ans.body = body.clone());
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    assert_eq!(remote.verifier().await.unwrap().keys().len(), 1);

    let server2 = Server::start(Answer::jwks(&JwkSet::new())).await;
    server2.answer(|ans| ans.body = body.clone());
    let strict = RemoteJwkSet::with_options(
        &server2.url(),
        options(&clock).with_key_policy(KeyPolicy::RefuseSet),
    )
    .unwrap();
    match verify(&strict, &token(&a, &clock), &clock).await {
        Err(Error::Unavailable {
            last_error: Some(e),
        }) => assert!(matches!(*e, FetchError::InvalidSet(_)), "{e:?}"),
        other => panic!("{other:?}"),
    }
    drop(server);
}

#[tokio::test]
async fn an_oversize_body_is_refused_with_or_without_a_length() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    let big = format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(300 * 1024));
    server.answer(|ans| ans.body = big.clone());
    assert!(matches!(
        verify(&remote, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(*e, FetchError::TooLarge { limit: 262_144 })
    ));

    // No Content-Length: the body is read up to the cap, then abandoned.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 1024];
        let _ = socket.read(&mut request).await;
        let _ = socket
            .write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n",
            )
            .await;
        let chunk = [b' '; 16 * 1024];
        // 64 MiB, unless the client stops reading first.
        for _ in 0..4096 {
            if socket.write_all(&chunk).await.is_err() {
                return;
            }
        }
    });
    let remote = RemoteJwkSet::with_options(&url, options(&clock)).unwrap();
    assert!(matches!(
        verify(&remote, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(*e, FetchError::TooLarge { .. })
    ));
}

#[tokio::test]
async fn redirects_are_refused_unless_allowed_and_then_checked() {
    let a = key("a");
    let (server, _, clock) = setup(&[&a]).await;
    let target = Server::start(Answer::jwks(&JwkSet::new())).await;
    target.publish(&[&a]);
    server.answer(|ans| {
        ans.status = StatusCode::FOUND;
        ans.location = Some(target.url());
    });
    let refused = RemoteJwkSet::with_options(&server.url(), options(&clock)).unwrap();
    assert!(matches!(
        verify(&refused, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(*e, FetchError::Redirect { status: 302 })
    ));
    assert_eq!(target.fetches(), 0);

    let follows =
        RemoteJwkSet::with_options(&server.url(), options(&clock).with_max_redirects(1)).unwrap();
    verify(&follows, &token(&a, &clock), &clock).await.unwrap();
    assert_eq!(target.fetches(), 1);

    // A redirect loop stops at the limit.
    server.answer(|ans| ans.location = Some("/jwks".into()));
    let before = server.fetches();
    let looping =
        RemoteJwkSet::with_options(&server.url(), options(&clock).with_max_redirects(3)).unwrap();
    assert!(matches!(
        verify(&looping, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(*e, FetchError::Redirect { status: 302 })
    ));
    assert_eq!(
        server.fetches() - before,
        4,
        "the request and three redirects"
    );

    // A redirect to a non-loopback http URL fails the URL policy.
    server.answer(|ans| ans.location = Some("http://issuer.example/jwks".into()));
    let insecure =
        RemoteJwkSet::with_options(&server.url(), options(&clock).with_max_redirects(1)).unwrap();
    assert!(matches!(
        verify(&insecure, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(&*e, FetchError::InsecureUrl { scheme } if scheme == "http")
    ));
}

#[tokio::test]
async fn cache_control_is_honoured_and_clamped() {
    let a = key("a");
    for (cache_control, fresh_for) in [
        (Some("max-age=120"), 120),
        (Some("public, max-age=5"), 60),
        (Some("no-store"), 60),
        (Some("max-age=999999"), 24 * 3600),
        (None, 600),
    ] {
        let (server, remote, clock) = setup(&[&a]).await;
        server.answer(|ans| ans.cache_control = cache_control.map(str::to_owned));
        let t = token(&a, &clock);
        verify(&remote, &t, &clock).await.unwrap();
        clock.advance(fresh_for - 1);
        // On this current-thread runtime, the refresh-ahead this verification starts
        // cannot run before the test yields; only a verification of an expired set waits.
        verify(&remote, &t, &clock).await.unwrap();
        assert_eq!(
            server.fetches(),
            1,
            "{cache_control:?}: fresh for {fresh_for} s"
        );
        clock.advance(1);
        verify(&remote, &t, &clock).await.unwrap();
        assert_eq!(
            server.fetches(),
            2,
            "{cache_control:?}: refetched at {fresh_for} s"
        );
    }
}

#[tokio::test]
async fn the_set_is_refreshed_ahead_of_expiry_in_the_background() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    let t = token(&a, &clock);
    verify(&remote, &t, &clock).await.unwrap();
    clock.advance(539);
    verify(&remote, &t, &clock).await.unwrap();
    tokio::task::yield_now().await;
    assert_eq!(server.fetches(), 1);
    clock.advance(1); // 540 s: the last tenth of 600 s.
    verify(&remote, &t, &clock).await.unwrap();
    for _ in 0..200 {
        if server.fetches() == 2 && remote.stats().age == Some(Duration::ZERO) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.fetches(), 2);
    assert_eq!(remote.stats().age, Some(Duration::ZERO));
    // The new set is fresh for another 600 s.
    clock.advance(599);
    verify(&remote, &t, &clock).await.unwrap();
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn synchronous_callers_read_the_current_set() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    // Nothing yet: `current` starts a background fetch.
    assert!(matches!(
        remote.current(),
        Err(Error::Unavailable { last_error: None })
    ));
    for _ in 0..200 {
        if remote.current().is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let verifier: Arc<Verifier> = remote.current().unwrap();
    verifier
        .verify::<()>(&token(&a, &clock), &validation(&clock))
        .unwrap();
    assert_eq!(server.fetches(), 1);

    // In the last tenth of the freshness, it starts a background refresh.
    clock.advance(539);
    assert!(remote.current().is_ok());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.fetches(), 1);
    clock.advance(1);
    assert!(remote.current().is_ok());
    for _ in 0..200 {
        if remote.stats().age == Some(Duration::ZERO) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.fetches(), 2);
    assert_eq!(
        remote.stats().age,
        Some(Duration::ZERO),
        "the new set is in"
    );

    // Expired: it still answers (without waiting) within the stale-if-error bound, and
    // not past it.
    server.answer(|ans| ans.status = StatusCode::INTERNAL_SERVER_ERROR);
    clock.advance(600);
    assert!(remote.current().is_ok());
    tokio::time::sleep(Duration::from_millis(100)).await; // the background refresh fails
    assert!(remote.current().is_ok());
    assert_eq!(server.fetches(), 3);
    clock.advance(24 * 3600);
    match remote.current() {
        Err(Error::Stale {
            expired_for,
            last_error: Some(e),
        }) => {
            assert_eq!(expired_for, Duration::from_secs(24 * 3600));
            assert!(matches!(*e, FetchError::Status(500)), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn concurrent_refreshes_share_one_fetch() {
    let a = key("a");
    let (server, remote, _) = setup(&[&a]).await;
    server.answer(|ans| ans.delay = Duration::from_millis(200));
    let (first, second) = tokio::join!(remote.refresh(), remote.refresh());
    first.unwrap();
    second.unwrap();
    assert_eq!(server.fetches(), 1);
    // With a set in memory already, the same.
    let (first, second) = tokio::join!(remote.refresh(), remote.refresh());
    first.unwrap();
    second.unwrap();
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn a_background_refresh_keeps_the_cooldown_of_a_failed_fetch() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    remote.refresh().await.unwrap();
    server.answer(|ans| ans.status = StatusCode::INTERNAL_SERVER_ERROR);
    clock.advance(540);
    // Due for refresh: a background refresh is spawned (it runs when this test yields)...
    assert!(remote.current().is_ok());
    // ...and an explicit refresh fails first; the background one then finds the cooldown.
    assert!(remote.refresh().await.is_err());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn no_background_task_is_spawned_within_the_cooldown() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    remote.refresh().await.unwrap();
    server.answer(|ans| ans.status = StatusCode::INTERNAL_SERVER_ERROR);
    clock.advance(540);
    assert!(remote.refresh().await.is_err());
    // Due for refresh, but a fetch failed just now: verifications spawn nothing.
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    for _ in 0..10 {
        assert!(remote.current().is_ok());
        verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    }
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        tasks
    );
    // After the cooldown, one background refresh.
    clock.advance(30);
    assert!(remote.current().is_ok());
    assert!(remote.current().is_ok());
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        tasks + 1
    );
}

/// Collects what `tracing` writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn fetches_and_failures_are_traced() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Another test's thread may have registered these callsites while no subscriber
    // wanted them; recompute their interest now that this thread's subscriber exists.
    tracing::callsite::rebuild_interest_cache();
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    server.answer(|ans| ans.cache_control = Some("max-age=120".into()));
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    server.answer(|ans| ans.status = StatusCode::INTERNAL_SERVER_ERROR);
    clock.advance(125);
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("JWK Set fetched"), "{log}");
    assert!(
        log.contains("keys=1") && log.contains("max_age=120"),
        "{log}"
    );
    assert!(log.contains("JWK Set fetch failed"), "{log}");
    assert!(log.contains("HTTP status 500"), "{log}");
    assert!(log.contains("expired_for_secs=5"), "{log}");
}

#[tokio::test]
async fn refresh_fetches_now_and_reports_failures() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    remote.refresh().await.unwrap();
    remote.refresh().await.unwrap();
    assert_eq!(
        server.fetches(),
        2,
        "an explicit refresh ignores the cooldown"
    );
    server.answer(|ans| ans.status = StatusCode::SERVICE_UNAVAILABLE);
    assert!(matches!(
        remote.refresh().await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(*e, FetchError::Status(503))
    ));
    // The last good set is kept.
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
}

#[tokio::test]
async fn plain_http_needs_the_loopback_opt_in() {
    let server = Server::start(Answer::jwks(&JwkSet::new())).await;
    assert!(matches!(
        RemoteJwkSet::new(&server.url()),
        Err(Error::Setup(FetchError::InsecureUrl { .. }))
    ));
    assert!(matches!(
        RemoteJwkSet::with_options(
            "http://issuer.example/jwks",
            Options::default().allow_http_loopback()
        ),
        Err(Error::Setup(FetchError::InsecureUrl { .. }))
    ));
}

#[tokio::test]
async fn discovery_finds_the_set_and_checks_the_issuer() {
    let a = key("a");
    let (server, _, clock) = setup(&[&a]).await;
    let issuer = format!("{}/tenant", server.base);
    let document = |iss: &str, jwks: &str| {
        serde_json::json!({"issuer": iss, "jwks_uri": jwks, "response_types_supported": ["code"]})
            .to_string()
    };
    // RFC 8414's URL answers 404 here: the OpenID one is used.
    *server.issuer.discovery.lock().unwrap() =
        Some((StatusCode::OK, document(&issuer, &server.url())));
    let remote = RemoteJwkSet::from_discovery_with(&issuer, options(&clock))
        .await
        .unwrap();
    assert_eq!(remote.url(), server.url());
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();

    for wrong in [
        format!("{issuer}/"),
        server.base.clone(),
        "https://evil.example/tenant".into(),
    ] {
        *server.issuer.discovery.lock().unwrap() =
            Some((StatusCode::OK, document(&wrong, &server.url())));
        match RemoteJwkSet::from_discovery_with(&issuer, options(&clock)).await {
            Err(Error::Setup(FetchError::Discovery(
                jwks_remote::DiscoveryError::IssuerMismatch { expected, .. },
            ))) => assert_eq!(expected, issuer),
            other => panic!("{wrong}: {other:?}"),
        }
    }
    // A jwks_uri that is not https (nor an allowed loopback) is refused.
    *server.issuer.discovery.lock().unwrap() = Some((
        StatusCode::OK,
        document(&issuer, "http://issuer.example/jwks"),
    ));
    assert!(matches!(
        RemoteJwkSet::from_discovery_with(&issuer, options(&clock)).await,
        Err(Error::Setup(FetchError::InsecureUrl { .. }))
    ));
    // RFC 8414's document, when there is one, is the one used.
    let elsewhere = Server::start(Answer::jwks(&JwkSet::new())).await;
    elsewhere.publish(&[&a]);
    *server.issuer.discovery.lock().unwrap() =
        Some((StatusCode::OK, document(&issuer, &server.url())));
    *server.issuer.oauth.lock().unwrap() = Some((
        StatusCode::OK,
        "application/json",
        document(&issuer, &elsewhere.url()),
    ));
    let remote = RemoteJwkSet::from_discovery_with(&issuer, options(&clock))
        .await
        .unwrap();
    assert_eq!(remote.url(), elsewhere.url());
    // A page that is not JSON there (a single-page app answers every path): OpenID's.
    *server.issuer.oauth.lock().unwrap() =
        Some((StatusCode::OK, "text/html", "<html></html>".into()));
    let remote = RemoteJwkSet::from_discovery_with(&issuer, options(&clock))
        .await
        .unwrap();
    assert_eq!(remote.url(), server.url());
    // A server error there is an answer: no fallback.
    *server.issuer.oauth.lock().unwrap() =
        Some((StatusCode::BAD_GATEWAY, "application/json", "{}".into()));
    assert!(matches!(
        RemoteJwkSet::from_discovery_with(&issuer, options(&clock)).await,
        Err(Error::Setup(FetchError::Status(502)))
    ));
    *server.issuer.oauth.lock().unwrap() = None;
    // Neither document: the OpenID URL's 404 is the answer.
    *server.issuer.discovery.lock().unwrap() = None;
    assert!(matches!(
        RemoteJwkSet::from_discovery_with(&issuer, options(&clock)).await,
        Err(Error::Setup(FetchError::Status(404)))
    ));
}

#[tokio::test]
async fn allowed_algorithms_must_sign_and_restrict_the_set() {
    let a = key("a");
    let (server, _, clock) = setup(&[&a]).await;
    assert!(matches!(
        RemoteJwkSet::with_options(
            &server.url(),
            options(&clock).with_allowed_algorithms(&[Algorithm::A128KW])
        ),
        Err(Error::NotSignatureAlgorithm(Algorithm::A128KW))
    ));
    // Allowing only ES256: the EdDSA key serves nothing, so no key is usable.
    let es = RemoteJwkSet::with_options(
        &server.url(),
        options(&clock).with_allowed_algorithms(&[Algorithm::ES256]),
    )
    .unwrap();
    assert!(matches!(
        verify(&es, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(*e, FetchError::NoUsableKey)
    ));
    // A key without `alg` serves the allowed algorithms of its kind, and only with them.
    let mut jwk = a.verifying_key().to_jwk();
    jwk.alg = None;
    server.answer(|ans| ans.body = serde_json::to_string(&JwkSet::from(jwk)).unwrap());
    let default = RemoteJwkSet::with_options(&server.url(), options(&clock)).unwrap();
    assert!(matches!(
        verify(&default, &token(&a, &clock), &clock).await,
        Err(Error::Unavailable { last_error: Some(e) }) if matches!(*e, FetchError::NoUsableKey)
    ));
    let eddsa = RemoteJwkSet::with_options(
        &server.url(),
        options(&clock).with_allowed_algorithms(&[Algorithm::EdDSA]),
    )
    .unwrap();
    verify(&eddsa, &token(&a, &clock), &clock).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_share_the_first_fetch() {
    let a = key("a");
    let (server, remote, clock) = setup(&[&a]).await;
    server.answer(|ans| ans.delay = Duration::from_millis(200));
    let token = token(&a, &clock);
    all_verify_at_once(&remote, &token, &clock, 64).await;
    assert_eq!(server.fetches(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tokens_of_a_new_key_share_one_refetch() {
    let a = key("a");
    let b = key("b");
    let (server, remote, clock) = setup(&[&a]).await;
    verify(&remote, &token(&a, &clock), &clock).await.unwrap();
    server.publish(&[&a, &b]);
    server.answer(|ans| ans.delay = Duration::from_millis(200));
    clock.advance(31);
    let token = token(&b, &clock);
    all_verify_at_once(&remote, &token, &clock, 16).await;
    assert_eq!(server.fetches(), 2);
    assert_eq!(remote.stats().unknown_kid_refetches, 1);
}

/// The default client speaks TLS to an https URL: a server that answers in plain HTTP
/// fails the handshake, reported as a transport error (no panic, no downgrade).
#[cfg(feature = "reqwest")]
#[tokio::test]
async fn the_default_client_requires_tls_for_https() {
    let a = key("a");
    let server = Server::start(Answer::jwks(&JwkSet::new())).await;
    server.publish(&[&a]);
    let clock = TestClock::new();
    let url = server.url().replacen("http://", "https://", 1);
    let remote = RemoteJwkSet::with_options(&url, options(&clock)).unwrap();
    match verify(&remote, &token(&a, &clock), &clock).await {
        Err(Error::Unavailable {
            last_error: Some(e),
        }) => assert!(matches!(*e, FetchError::Transport(_)), "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.fetches(), 0, "no plain-HTTP request was answered");
}
