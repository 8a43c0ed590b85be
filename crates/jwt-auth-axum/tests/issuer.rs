//! The issuer router in process: every endpoint, every refusal's status, headers and
//! body, CSRF (origin, method), body bounds, cookies, rotation and reuse, discovery.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, Response, StatusCode, header};
use jwt_auth::jws::{JwkSet, NumericDate};
use jwt_auth::store::{Found, RefreshRecord, Rotation, RotationRequest};
use jwt_auth::{
    Audience, Authenticator, Authority, AuthorityConfig, DenyList, FamilyId, Issuer,
    KeyEncryptionKey, ManualClock, MemoryStore, Store, StoreError, TokenId,
};
use jwt_auth_axum::issuer::{Grant, LoginAttempt, LoginError};
use jwt_auth_axum::{Auth, Authenticated, IssuerConfig, issuer_router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower::ServiceExt;

const ISS: &str = "https://auth.example";
const AUD: &str = "https://api.example";
const ORIGIN: &str = "https://app.example";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct App {
    name: String,
}

/// A memory store that can be taken down.
#[derive(Default)]
struct Flaky {
    inner: MemoryStore,
    down: AtomicBool,
    /// Rotations answer a record whose session data is not JSON (a server-side fault).
    corrupt: AtomicBool,
}

impl Flaky {
    fn up(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable("down for the test".into()))
        } else {
            Ok(())
        }
    }
}

impl Store for Flaky {
    async fn create_family(&self, first: &RefreshRecord) -> Result<(), StoreError> {
        self.up()?;
        self.inner.create_family(first).await
    }
    async fn find(&self, id: &TokenId) -> Result<Option<Found>, StoreError> {
        self.up()?;
        self.inner.find(id).await
    }
    async fn rotate(&self, request: &RotationRequest) -> Result<Rotation, StoreError> {
        self.up()?;
        match self.inner.rotate(request).await? {
            Rotation::Rotated(mut next) if self.corrupt.load(Ordering::SeqCst) => {
                next.session = "{not json".into();
                Ok(Rotation::Rotated(next))
            }
            other => Ok(other),
        }
    }
    async fn revoke_family(&self, family: &FamilyId, now: NumericDate) -> Result<bool, StoreError> {
        self.up()?;
        self.inner.revoke_family(family, now).await
    }
    async fn revoke_subject(
        &self,
        subject: &str,
        now: NumericDate,
    ) -> Result<Vec<FamilyId>, StoreError> {
        self.up()?;
        self.inner.revoke_subject(subject, now).await
    }
    async fn save_key_ring(&self, version: u64, document: &str) -> Result<(), StoreError> {
        self.up()?;
        self.inner.save_key_ring(version, document).await
    }
    async fn load_key_ring(&self) -> Result<Option<String>, StoreError> {
        self.up()?;
        self.inner.load_key_ring().await
    }
    async fn purge(&self, now: NumericDate) -> Result<u64, StoreError> {
        self.up()?;
        self.inner.purge(now).await
    }
}

struct Fixture {
    router: Router,
    authority: Arc<Authority<Arc<Flaky>, App>>,
    store: Arc<Flaky>,
    clock: ManualClock,
    auth: Auth,
    seen_ip: Arc<std::sync::Mutex<Option<IpAddr>>>,
}

async fn check(attempt: LoginAttempt) -> Result<Grant<App>, LoginError> {
    match (attempt.username.as_str(), attempt.password.expose()) {
        ("ann", "correct horse") => {
            Ok(Grant::new("user-1", App { name: "Ann".into() }).with_scope("read write"))
        }
        ("bob", "battery staple") => Ok(Grant::new("user-2", App { name: "Bob".into() })),
        ("slow", _) => Err(LoginError::Throttled {
            retry_after: Duration::from_secs(30),
        }),
        ("ldap", _) => Err(LoginError::Unavailable),
        _ => Err(LoginError::InvalidCredentials),
    }
}

async fn fixture() -> Fixture {
    let clock = ManualClock::new(NumericDate::from_secs(1_800_000_000).unwrap());
    let deny = Arc::new(DenyList::new(
        1000,
        Duration::from_secs(1800),
        Duration::from_secs(60),
    ));
    let store = Arc::new(Flaky::default());
    let config = AuthorityConfig::new(
        Issuer::new(ISS),
        Audience::new(AUD),
        KeyEncryptionKey::new(&[9u8; 32]).unwrap(),
    )
    .with_clock(Arc::new(clock.clone()))
    .with_deny_list(Arc::clone(&deny));
    let authority = Arc::new(Authority::open(config, Arc::clone(&store)).await.unwrap());
    let authenticator =
        Authenticator::new(&authority.jwks(), &Issuer::new(ISS), &Audience::new(AUD))
            .unwrap()
            .with_clock(Arc::new(clock.clone()))
            .with_deny_list(deny);
    let auth = Auth::new(Arc::new(authenticator));
    let seen_ip = Arc::new(std::sync::Mutex::new(None));
    let seen = Arc::clone(&seen_ip);
    let credentials = move |attempt: LoginAttempt| {
        *seen.lock().unwrap() = attempt.client_ip;
        check(attempt)
    };
    let config = IssuerConfig::new([ORIGIN])
        .unwrap()
        .with_key_rotation(Duration::from_secs(24 * 3600))
        .with_body_limit(1024);
    let router = issuer_router(Arc::clone(&authority), credentials, config);
    Fixture {
        router,
        authority,
        store,
        clock,
        auth,
        seen_ip,
    }
}

struct Call<'a> {
    method: &'a str,
    path: &'a str,
    origin: Option<&'a str>,
    cookie: Option<String>,
    content_type: Option<&'a str>,
    body: Body,
}

impl<'a> Call<'a> {
    fn post(path: &'a str) -> Self {
        Self {
            method: "POST",
            path,
            origin: Some(ORIGIN),
            cookie: None,
            content_type: None,
            body: Body::empty(),
        }
    }
    fn login(user: &str, password: &str) -> Self {
        let mut call = Self::post("/login");
        call.content_type = Some("application/json");
        call.body =
            Body::from(serde_json::json!({"username": user, "password": password}).to_string());
        call
    }
    fn cookie(mut self, token: &str) -> Self {
        self.cookie = Some(format!("__Host-refresh={token}"));
        self
    }
    fn origin(mut self, origin: Option<&'a str>) -> Self {
        self.origin = origin;
        self
    }
    fn request(self) -> Request<Body> {
        let mut request = Request::builder().method(self.method).uri(self.path);
        if let Some(origin) = self.origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(cookie) = self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(ct) = self.content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        request.body(self.body).unwrap()
    }
}

struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
    fn set_cookie(&self) -> Option<&str> {
        self.header(header::SET_COOKIE)
    }
    /// The refresh token the answer's `Set-Cookie` carries.
    fn refresh_token(&self) -> String {
        let cookie = self.set_cookie().expect("a Set-Cookie");
        let value = cookie.split(';').next().unwrap();
        value.strip_prefix("__Host-refresh=").unwrap().to_owned()
    }
    fn access_token(&self) -> &str {
        self.body["access_token"].as_str().unwrap()
    }
    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
    fn is_refusal(&self, status: StatusCode, error: &str) {
        assert_eq!(self.status, status, "{:?}", self.body);
        assert_eq!(self.error(), error, "{:?}", self.body);
        assert!(self.body["error_description"].is_string());
        assert_eq!(self.header(header::CACHE_CONTROL), Some("no-store"));
    }
    fn clears_cookie(&self) -> bool {
        self.set_cookie()
            .is_some_and(|c| c.starts_with("__Host-refresh=;") && c.contains("Max-Age=0"))
    }
}

async fn answer(response: Response<Body>) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Answer {
        status,
        headers,
        body,
    }
}

impl Fixture {
    async fn call(&self, call: Call<'_>) -> Answer {
        self.send(call.request()).await
    }
    async fn send(&self, request: Request<Body>) -> Answer {
        answer(self.router.clone().oneshot(request).await.unwrap()).await
    }
    async fn login(&self) -> Answer {
        let answer = self.call(Call::login("ann", "correct horse")).await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        answer
    }
    /// Whether the access token opens a protected route.
    async fn opens(&self, access_token: &str) -> StatusCode {
        async fn me(Authenticated(t): Authenticated<App>) -> String {
            t.claims().custom.custom.name.clone()
        }
        let api = Router::new()
            .route("/me", axum::routing::get(me))
            .with_state(self.auth.clone());
        let request = Request::get("/me")
            .header(header::AUTHORIZATION, format!("Bearer {access_token}"))
            .body(Body::empty())
            .unwrap();
        api.oneshot(request).await.unwrap().status()
    }
}

#[tokio::test]
async fn login_answers_the_access_token_in_json_and_the_refresh_token_in_its_cookie() {
    let f = fixture().await;
    let mut request = Call::login("ann", "correct horse").request();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((
            Ipv4Addr::new(192, 0, 2, 7),
            4444,
        ))));
    let a = f.send(request).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 1800);
    assert_eq!(a.body["expires_at"], 1_800_000_000 + 1800);
    assert_eq!(a.body["scope"], "read write");
    assert_eq!(a.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(a.header(header::PRAGMA), Some("no-cache"));
    assert_eq!(a.header(header::CONTENT_TYPE), Some("application/json"));
    let cookie = a.set_cookie().unwrap();
    for attribute in [
        "Path=/",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Max-Age=1209600",
    ] {
        assert!(
            cookie.split("; ").any(|a| a == attribute),
            "{attribute} in {cookie}"
        );
    }
    assert!(!a.refresh_token().is_empty());
    assert!(
        !a.body.to_string().contains(&a.refresh_token()),
        "the refresh token stays out of the body"
    );
    assert_eq!(f.opens(a.access_token()).await, StatusCode::OK);
    assert_eq!(
        *f.seen_ip.lock().unwrap(),
        Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)))
    );
    // Without a scope, none is said.
    let bob = f.call(Call::login("bob", "battery staple")).await;
    assert_eq!(bob.status, StatusCode::OK);
    assert!(bob.body.get("scope").is_none());
}

#[tokio::test]
async fn login_refusals() {
    let f = fixture().await;
    let wrong = f.call(Call::login("ann", "wrong")).await;
    wrong.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    assert!(wrong.set_cookie().is_none());
    let slow = f.call(Call::login("slow", "x")).await;
    slow.is_refusal(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    assert_eq!(slow.header(header::RETRY_AFTER), Some("30"));
    f.call(Call::login("ldap", "x"))
        .await
        .is_refusal(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable");
    f.call(Call::login("", "x"))
        .await
        .is_refusal(StatusCode::BAD_REQUEST, "invalid_request");
    f.call(Call::login("ann", ""))
        .await
        .is_refusal(StatusCode::BAD_REQUEST, "invalid_request");
    f.call(Call::login(&"a".repeat(257), "x"))
        .await
        .is_refusal(StatusCode::BAD_REQUEST, "invalid_request");

    let mut form = Call::login("ann", "correct horse");
    form.content_type = Some("application/x-www-form-urlencoded");
    f.call(form)
        .await
        .is_refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request");
    let mut params = Call::login("ann", "correct horse");
    params.content_type = Some("Application/JSON; charset=utf-8");
    assert_eq!(f.call(params).await.status, StatusCode::OK);
    let mut garbage = Call::login("ann", "x");
    garbage.body = Body::from("{\"username\": ");
    f.call(garbage)
        .await
        .is_refusal(StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn the_longest_name_and_password_reach_the_check() {
    let f = fixture().await;
    // 256 + 1024 bytes of JSON exceed the fixture's 1 KiB body limit: the default 4 KiB.
    let config = IssuerConfig::new([ORIGIN]).unwrap();
    let router = issuer_router(Arc::clone(&f.authority), check, config);
    let call = Call::login(&"a".repeat(256), &"p".repeat(1024));
    let a = answer(router.clone().oneshot(call.request()).await.unwrap()).await;
    a.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    let call = Call::login("a", &"p".repeat(1025));
    let a = answer(router.oneshot(call.request()).await.unwrap()).await;
    a.is_refusal(StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn bodies_are_bounded_declared_or_streamed() {
    let f = fixture().await;
    let mut big = Call::login("ann", "x");
    big.body = Body::from(vec![b' '; 1025]);
    f.call(big)
        .await
        .is_refusal(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");
    // Without a Content-Length: a stream cut at the limit.
    let chunks = futures_stream(vec![vec![b' '; 600], vec![b' '; 600]]);
    let mut streamed = Call::login("ann", "x");
    streamed.body = Body::from_stream(chunks);
    f.call(streamed)
        .await
        .is_refusal(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");
    // Exactly at the limit is read.
    let json = serde_json::json!({"username": "ann", "password": "correct horse"}).to_string();
    let mut exact = Call::login("ann", "x");
    exact.body = Body::from(format!("{json:<1024}"));
    assert_eq!(f.call(exact).await.status, StatusCode::OK);
}

fn futures_stream(
    chunks: Vec<Vec<u8>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    struct Chunks(std::vec::IntoIter<Vec<u8>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next().map(Ok))
        }
    }
    Chunks(chunks.into_iter())
}

#[tokio::test]
async fn cookie_endpoints_refuse_a_missing_or_foreign_origin_and_other_methods() {
    let f = fixture().await;
    let token = f.login().await.refresh_token();
    for path in ["/login", "/refresh", "/logout", "/logout-all"] {
        for origin in [
            None,
            Some("https://evil.example"),
            Some("null"),
            Some("http://app.example"),
        ] {
            let call = Call::post(path).origin(origin).cookie(&token);
            let a = f.call(call).await;
            a.is_refusal(StatusCode::FORBIDDEN, "invalid_origin");
            assert!(a.set_cookie().is_none(), "{path}");
        }
        // Two Origin headers: refused.
        let mut request = Call::post(path).cookie(&token).request();
        request
            .headers_mut()
            .append(header::ORIGIN, ORIGIN.parse().unwrap());
        f.send(request)
            .await
            .is_refusal(StatusCode::FORBIDDEN, "invalid_origin");
        // GET (a link, an image): 405, with Allow.
        let mut get = Call::post(path).cookie(&token);
        get.method = "GET";
        let a = f.call(get).await;
        a.is_refusal(StatusCode::METHOD_NOT_ALLOWED, "invalid_request");
        assert_eq!(a.header(header::ALLOW), Some("POST"));
    }
    // None of that touched the session.
    let a = f.call(Call::post("/refresh").cookie(&token)).await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_rotates_and_a_replayed_cookie_ends_the_session() {
    let f = fixture().await;
    let first = f.login().await;
    let parent = first.refresh_token();
    f.clock.advance(Duration::from_secs(60));
    let second = f.call(Call::post("/refresh").cookie(&parent)).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(second.body["scope"], "read write");
    assert_eq!(second.body["expires_at"], 1_800_000_060 + 1800);
    let child = second.refresh_token();
    assert_ne!(child, parent);
    assert_eq!(f.opens(second.access_token()).await, StatusCode::OK);
    // Within the grace period, the parent again: the same successor, nothing revoked.
    let again = f.call(Call::post("/refresh").cookie(&parent)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.refresh_token(), child);
    // The child is used; then the parent is replayed: reuse, the session ends.
    f.clock.advance(Duration::from_secs(5));
    let third = f.call(Call::post("/refresh").cookie(&child)).await;
    assert_eq!(third.status, StatusCode::OK);
    let grandchild = third.refresh_token();
    let replay = f.call(Call::post("/refresh").cookie(&parent)).await;
    replay.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    assert!(replay.clears_cookie());
    // The legitimate holder's next refresh fails too, and its access token is refused.
    let next = f.call(Call::post("/refresh").cookie(&grandchild)).await;
    next.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    assert!(next.clears_cookie());
    assert_eq!(
        f.opens(third.access_token()).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn refresh_refusals_of_the_cookie() {
    let f = fixture().await;
    let token = f.login().await.refresh_token();
    let missing = f.call(Call::post("/refresh")).await;
    missing.is_refusal(StatusCode::UNAUTHORIZED, "invalid_request");
    assert!(missing.set_cookie().is_none());
    let mut tossed = Call::post("/refresh");
    tossed.cookie = Some(format!("__Host-refresh={token}; __Host-refresh={token}"));
    let a = f.call(tossed).await;
    a.is_refusal(StatusCode::BAD_REQUEST, "invalid_request");
    assert!(a.clears_cookie());
    let a = f.call(Call::post("/refresh").cookie("not-a-token")).await;
    a.is_refusal(StatusCode::BAD_REQUEST, "invalid_request");
    // A well-formed token that does not exist.
    let unknown = unknown_token();
    let a = f.call(Call::post("/refresh").cookie(&unknown)).await;
    a.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    assert!(a.clears_cookie());
    // Two Cookie headers (as HTTP/2 sends them) are read as one.
    let mut request = Call::post("/refresh").request();
    request
        .headers_mut()
        .append(header::COOKIE, "theme=dark".parse().unwrap());
    request.headers_mut().append(
        header::COOKIE,
        format!("__Host-refresh={token}").parse().unwrap(),
    );
    assert_eq!(f.send(request).await.status, StatusCode::OK);
    // An expired one (idle 14 days).
    let old = f.login().await.refresh_token();
    f.clock.advance(Duration::from_secs(14 * 24 * 3600));
    let a = f.call(Call::post("/refresh").cookie(&old)).await;
    a.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    assert!(a.clears_cookie());
}

#[tokio::test]
async fn logout_revokes_the_session_and_clears_the_cookie() {
    let f = fixture().await;
    let login = f.login().await;
    let token = login.refresh_token();
    let out = f.call(Call::post("/logout").cookie(&token)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.clears_cookie());
    assert_eq!(out.header(header::CACHE_CONTROL), Some("no-store"));
    f.call(Call::post("/refresh").cookie(&token))
        .await
        .is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    // The deny-list refuses the session's access token at once.
    assert_eq!(
        f.opens(login.access_token()).await,
        StatusCode::UNAUTHORIZED
    );
    // Logging out without a cookie, or with a dead one, is still a logout.
    let none = f.call(Call::post("/logout")).await;
    assert_eq!(none.status, StatusCode::NO_CONTENT);
    assert!(none.clears_cookie());
    let unknown = unknown_token();
    let dead = f.call(Call::post("/logout").cookie(&unknown)).await;
    assert_eq!(dead.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn logout_all_revokes_every_session_of_the_user_only() {
    let f = fixture().await;
    let laptop = f.login().await;
    let phone = f.login().await;
    let bob = f.call(Call::login("bob", "battery staple")).await;
    let a = f
        .call(Call::post("/logout-all").cookie(&laptop.refresh_token()))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["sessions_revoked"], 2);
    assert!(a.clears_cookie());
    assert_eq!(a.header(header::CACHE_CONTROL), Some("no-store"));
    for token in [laptop.refresh_token(), phone.refresh_token()] {
        f.call(Call::post("/refresh").cookie(&token))
            .await
            .is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    }
    assert_eq!(
        f.opens(phone.access_token()).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        f.call(Call::post("/refresh").cookie(&bob.refresh_token()))
            .await
            .status,
        StatusCode::OK
    );
    // A revoked session's cookie cannot do it again; no cookie is 401.
    let again = f
        .call(Call::post("/logout-all").cookie(&laptop.refresh_token()))
        .await;
    again.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    f.call(Call::post("/logout-all"))
        .await
        .is_refusal(StatusCode::UNAUTHORIZED, "invalid_request");
    // Nor can one past its absolute expiry (30 days), even if never used.
    let late = f.login().await.refresh_token();
    f.clock.advance(Duration::from_secs(30 * 24 * 3600));
    f.call(Call::post("/logout-all").cookie(&late))
        .await
        .is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
}

#[tokio::test]
async fn a_store_outage_is_503_and_keeps_the_cookie() {
    let f = fixture().await;
    let token = f.login().await.refresh_token();
    f.store.down.store(true, Ordering::SeqCst);
    for call in [
        Call::post("/refresh").cookie(&token),
        Call::post("/logout").cookie(&token),
        Call::post("/logout-all").cookie(&token),
        Call::login("ann", "correct horse"),
    ] {
        let a = f.call(call).await;
        a.is_refusal(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable");
        assert_eq!(a.header(header::RETRY_AFTER), Some("1"));
        assert!(
            a.set_cookie().is_none(),
            "an outage must not log the browser out"
        );
    }
    f.store.down.store(false, Ordering::SeqCst);
    assert_eq!(
        f.call(Call::post("/refresh").cookie(&token)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn jwks_and_metadata() {
    let f = fixture().await;
    let mut get = Call::post("/.well-known/jwks.json").origin(None);
    get.method = "GET";
    let a = f.call(get).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.header(header::CONTENT_TYPE),
        Some("application/jwk-set+json")
    );
    // Rotation every 24 h: cached for 12 h.
    assert_eq!(
        a.header(header::CACHE_CONTROL),
        Some("public, max-age=43200")
    );
    let set = JwkSet::from_json(a.body.to_string().as_bytes()).unwrap();
    assert_eq!(set.keys().len(), 2, "the active key and the next one");
    assert!(!a.body.to_string().contains("\"d\""));

    let mut get = Call::post("/.well-known/oauth-authorization-server").origin(None);
    get.method = "GET";
    let m = f.call(get).await;
    assert_eq!(m.status, StatusCode::OK);
    assert_eq!(m.body["issuer"], ISS);
    assert_eq!(m.body["jwks_uri"], format!("{ISS}/.well-known/jwks.json"));
    assert_eq!(
        m.body["access_token_signing_alg_values_supported"],
        serde_json::json!(["EdDSA"])
    );
    assert_eq!(m.body["response_types_supported"], serde_json::json!([]));
    let mut post = Call::post("/.well-known/jwks.json");
    post.method = "POST";
    let a = f.call(post).await;
    a.is_refusal(StatusCode::METHOD_NOT_ALLOWED, "invalid_request");
}

#[test]
fn the_jwks_cache_follows_the_rotation_schedule_within_bounds() {
    let config = |interval| {
        IssuerConfig::new([ORIGIN])
            .unwrap()
            .with_key_rotation(Duration::from_secs(interval))
            .jwks_max_age()
            .as_secs()
    };
    assert_eq!(
        IssuerConfig::new([ORIGIN])
            .unwrap()
            .jwks_max_age()
            .as_secs(),
        300
    );
    assert_eq!(config(3600), 1800);
    assert_eq!(config(60), 60);
    assert_eq!(config(7 * 24 * 3600), 86_400);
    assert!(IssuerConfig::new(["https://app.example/path"]).is_err());
}

#[tokio::test]
async fn a_replaced_authenticator_serves_every_clone() {
    let f = fixture().await;
    let login = f.login().await;
    let clone = f.auth.clone();
    // An authenticator for another issuer's keys: the token is no longer trusted.
    let other = Authority::<_, App>::open(
        AuthorityConfig::new(
            Issuer::new(ISS),
            Audience::new(AUD),
            KeyEncryptionKey::new(&[1u8; 32]).unwrap(),
        ),
        MemoryStore::new(),
    )
    .await
    .unwrap();
    clone.replace(Arc::new(
        Authenticator::new(&other.jwks(), &Issuer::new(ISS), &Audience::new(AUD))
            .unwrap()
            .with_clock(Arc::new(f.clock.clone())),
    ));
    assert_eq!(
        f.opens(login.access_token()).await,
        StatusCode::UNAUTHORIZED
    );
}

/// A resource server finds the keys through the router's RFC 8414 metadata, over HTTP.
#[tokio::test]
async fn a_resource_server_discovers_the_keys_through_the_metadata() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let issuer = format!("http://{addr}");
    let config = AuthorityConfig::new(
        Issuer::new(&issuer),
        Audience::new(AUD),
        KeyEncryptionKey::new(&[3u8; 32]).unwrap(),
    );
    let authority = Arc::new(
        Authority::<_, App>::open(config, MemoryStore::new())
            .await
            .unwrap(),
    );
    let router = issuer_router(
        Arc::clone(&authority),
        check,
        IssuerConfig::new([ORIGIN]).unwrap(),
    );
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let options = jwks_remote::Options::default().allow_http_loopback();
    let remote = jwks_remote::RemoteJwkSet::from_discovery_with(&issuer, options)
        .await
        .unwrap();
    let pair = authority
        .login("user-1", App { name: "Ann".into() })
        .await
        .unwrap();
    let authenticator = Authenticator::remote(remote, &Issuer::new(&issuer), &Audience::new(AUD));
    let verified = authenticator
        .authenticate_async::<App>(&pair.access_token)
        .await
        .unwrap();
    assert_eq!(verified.claims().sub.as_deref(), Some("user-1"));
    server.abort();
}

/// A well-formed refresh token that no store holds.
fn unknown_token() -> String {
    let token = format!("rt1.{}.{}", "Q".repeat(21) + "A", "A".repeat(43));
    assert!(jwt_auth::RefreshToken::parse(&token).is_ok());
    token
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_read() {
    let f = fixture().await;
    let mut request = Call::login("ann", "correct horse").request();
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, "1025".parse().unwrap());
    f.send(request)
        .await
        .is_refusal(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");
    // A truthful Content-Length within the limit, or exactly at it, is read.
    let json = serde_json::json!({"username": "ann", "password": "correct horse"}).to_string();
    for body in [json.clone(), format!("{json:<1024}")] {
        let mut call = Call::login("ann", "x");
        let len = body.len();
        call.body = Body::from(body);
        let mut request = call.request();
        request
            .headers_mut()
            .insert(header::CONTENT_LENGTH, len.to_string().parse().unwrap());
        assert_eq!(f.send(request).await.status, StatusCode::OK, "{len} bytes");
    }
}

#[tokio::test]
async fn a_server_fault_is_500_keeps_the_cookie_and_is_logged_as_a_warning() {
    let f = fixture().await;
    let token = f.login().await.refresh_token();
    f.store.corrupt.store(true, Ordering::SeqCst);
    let (a, log) = logged(f.call(Call::post("/refresh").cookie(&token))).await;
    a.is_refusal(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    assert!(
        a.set_cookie().is_none(),
        "a server fault must not log the browser out"
    );
    assert!(
        log.contains("WARN") && log.contains("issuer failed"),
        "{log}"
    );
}

#[tokio::test]
async fn reuse_is_logged_as_a_warning_other_refusals_at_debug() {
    let f = fixture().await;
    let parent = f.login().await.refresh_token();
    let child = f
        .call(Call::post("/refresh").cookie(&parent))
        .await
        .refresh_token();
    f.clock.advance(Duration::from_secs(1));
    f.call(Call::post("/refresh").cookie(&child)).await;
    let (a, log) = logged(f.call(Call::post("/refresh").cookie(&parent))).await;
    a.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    assert!(log.contains("WARN") && log.contains("reused"), "{log}");
    assert!(!log.contains(&parent), "the token stays out of the log");
    let (a, log) = logged(f.call(Call::post("/refresh").cookie(&unknown_token()))).await;
    a.is_refusal(StatusCode::UNAUTHORIZED, "invalid_grant");
    assert!(log.contains("DEBUG") && !log.contains("WARN"), "{log}");
}

/// Collects what `tracing` writes while `future` runs (the test's thread).
async fn logged<F: Future>(future: F) -> (F::Output, String) {
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    // Another test's thread may have registered these callsites while no subscriber
    // wanted them; recompute their interest now that this thread's subscriber exists.
    tracing::callsite::rebuild_interest_cache();
    let output = future.await;
    drop(guard);
    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    (output, text)
}
