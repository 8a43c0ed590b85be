//! The extractors and the layer, in process (`tower::ServiceExt::oneshot`): statuses,
//! RFC 6750 headers, JSON bodies, no-store, scopes, the layer before any handler.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::{Request, StatusCode, header};
use jwt_auth::jws::NumericDate;
use jwt_auth::{
    Audience, Authenticator, Authority, AuthorityConfig, Issuer, KeyEncryptionKey, LoginOptions,
    ManualClock, MemoryStore,
};
use jwt_auth_axum::{Auth, Authenticated, MaybeAuthenticated, RequireAuthLayer, Scope, Scoped};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

const ISS: &str = "https://auth.example";
const AUD: &str = "https://api.example";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct App {
    tenant: u32,
}

struct Admin;
impl Scope for Admin {
    const NAME: &'static str = "admin";
}

struct Fixture {
    authority: Authority<MemoryStore, App>,
    clock: ManualClock,
    auth: Auth,
}

async fn fixture() -> Fixture {
    let clock = ManualClock::new(NumericDate::from_secs(1_800_000_000).unwrap());
    let config = AuthorityConfig::new(
        Issuer::new(ISS),
        Audience::new(AUD),
        KeyEncryptionKey::new(&[7u8; 32]).unwrap(),
    )
    .with_clock(Arc::new(clock.clone()));
    let authority = Authority::open(config, MemoryStore::new()).await.unwrap();
    let authenticator =
        Authenticator::new(&authority.jwks(), &Issuer::new(ISS), &Audience::new(AUD))
            .unwrap()
            .with_clock(Arc::new(clock.clone()));
    let auth = Auth::new(Arc::new(authenticator)).with_realm("example");
    Fixture {
        authority,
        clock,
        auth,
    }
}

impl Fixture {
    async fn token(&self, scope: Option<&str>) -> String {
        self.authority
            .login_with(
                "ann",
                App { tenant: 7 },
                LoginOptions {
                    scope: scope.map(str::to_owned),
                    ..LoginOptions::default()
                },
            )
            .await
            .unwrap()
            .access_token
    }
}

async fn me(Authenticated(token): Authenticated<App>) -> String {
    format!(
        "{} {}",
        token.claims().sub.as_deref().unwrap_or_default(),
        token.claims().custom.custom.tenant
    )
}

async fn maybe(MaybeAuthenticated(token): MaybeAuthenticated<App>) -> String {
    token.map_or_else(
        || "anonymous".to_owned(),
        |t| t.claims().sub.clone().unwrap_or_default(),
    )
}

async fn may_write(token: Authenticated<App>) -> &'static str {
    if token.has_scope("write") {
        "write"
    } else {
        "read only"
    }
}

async fn admin(token: Scoped<Admin, App>) -> String {
    format!(
        "admin {}",
        token.claims().sub.as_deref().unwrap_or_default()
    )
}

fn app(auth: &Auth) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .route("/admin", get(admin))
        .route("/write", get(may_write))
        .with_state(auth.clone())
}

struct Answer {
    status: StatusCode,
    www_authenticate: Option<String>,
    cache_control: Option<String>,
    body: String,
}

async fn call(router: Router, path: &str, authorization: &[&str]) -> Answer {
    let mut request = Request::get(path);
    for value in authorization {
        request = request.header(header::AUTHORIZATION, *value);
    }
    let response = router
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let www_authenticate = header(header::WWW_AUTHENTICATE);
    let cache_control = header(header::CACHE_CONTROL);
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        www_authenticate,
        cache_control,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn a_valid_token_reaches_the_handler() {
    let f = fixture().await;
    let token = f.token(None).await;
    let a = call(app(&f.auth), "/me", &[&format!("Bearer {token}")]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, "ann 7");
    // The scheme is matched without regard to case.
    let a = call(app(&f.auth), "/me", &[&format!("bearer {token}")]).await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn refusals_follow_rfc_6750_and_say_nothing_more() {
    let f = fixture().await;
    let token = f.token(None).await;

    let missing = call(app(&f.auth), "/me", &[]).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.www_authenticate.as_deref(),
        Some(r#"Bearer realm="example""#)
    );
    assert_eq!(missing.cache_control.as_deref(), Some("no-store"));
    assert_eq!(
        json(&missing.body),
        serde_json::json!({"error": "invalid_request", "error_description": "No access token was presented"})
    );

    let mut forged = token.clone().into_bytes();
    let at = forged.len() - 20;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    for bad in [
        format!("Bearer {forged}"),
        "Bearer not.a.token".to_owned(),
        "Basic YW5uOnB3".to_owned(),
    ] {
        let a = call(app(&f.auth), "/me", &[&bad]).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(
            a.www_authenticate.as_deref(),
            Some(
                r#"Bearer realm="example", error="invalid_token", error_description="The access token is invalid""#
            )
        );
        assert_eq!(json(&a.body)["error"], "invalid_token");
        assert_eq!(a.cache_control.as_deref(), Some("no-store"));
    }
    // Two Authorization headers: refused, whichever is valid.
    let twice = call(
        app(&f.auth),
        "/me",
        &[&format!("Bearer {token}"), &format!("Bearer {token}")],
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNAUTHORIZED);

    // Expired: the client is told so, to refresh.
    f.clock.advance(Duration::from_secs(31 * 60 + 61));
    let expired = call(app(&f.auth), "/me", &[&format!("Bearer {token}")]).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.www_authenticate.as_deref(),
        Some(
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#
        )
    );
    assert_eq!(
        json(&expired.body)["error_description"],
        "The access token expired"
    );
}

#[tokio::test]
async fn an_optional_token_is_none_when_absent_and_refused_when_bad() {
    let f = fixture().await;
    let token = f.token(None).await;
    let anonymous = call(app(&f.auth), "/maybe", &[]).await;
    assert_eq!(
        (anonymous.status, anonymous.body.as_str()),
        (StatusCode::OK, "anonymous")
    );
    let known = call(app(&f.auth), "/maybe", &[&format!("Bearer {token}")]).await;
    assert_eq!((known.status, known.body.as_str()), (StatusCode::OK, "ann"));
    let bad = call(app(&f.auth), "/maybe", &["Bearer x.y.z"]).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn scopes_fail_closed_with_403() {
    let f = fixture().await;
    for scope in [
        None,
        Some("read"),
        Some("administrator read"),
        Some("Admin"),
    ] {
        let token = f.token(scope).await;
        let a = call(app(&f.auth), "/admin", &[&format!("Bearer {token}")]).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{scope:?}");
        assert_eq!(
            a.www_authenticate.as_deref(),
            Some(r#"Bearer realm="example", error="insufficient_scope", scope="admin""#)
        );
        assert_eq!(json(&a.body)["error"], "insufficient_scope");
        assert_eq!(a.cache_control.as_deref(), Some("no-store"));
    }
    let token = f.token(Some("read admin")).await;
    let a = call(app(&f.auth), "/admin", &[&format!("Bearer {token}")]).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "admin ann"));
    // A handler can ask itself.
    for (scope, answer) in [
        (Some("read write"), "write"),
        (Some("writer"), "read only"),
        (None, "read only"),
    ] {
        let token = f.token(scope).await;
        let a = call(app(&f.auth), "/write", &[&format!("Bearer {token}")]).await;
        assert_eq!(a.body, answer, "{scope:?}");
    }
    // No token at all is a 401, not a 403.
    let a = call(app(&f.auth), "/admin", &[]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_layer_refuses_before_any_handler_and_hands_over_the_claims() {
    let f = fixture().await;
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let open = move || {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            "open"
        }
    };
    let router = Router::new()
        .route("/me", get(me))
        .route("/open", get(open))
        .layer(RequireAuthLayer::<App>::new(f.auth.clone()))
        .with_state(f.auth.clone());
    let refused = call(router.clone(), "/open", &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.www_authenticate.as_deref(),
        Some(r#"Bearer realm="example""#)
    );
    assert_eq!(served.load(Ordering::SeqCst), 0);

    let token = f.token(None).await;
    let a = call(router.clone(), "/open", &[&format!("Bearer {token}")]).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "open"));
    assert_eq!(served.load(Ordering::SeqCst), 1);
    let a = call(router, "/me", &[&format!("Bearer {token}")]).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "ann 7"));
}

/// A service that is never ready: the layer must say so, not answer for it.
#[derive(Clone)]
struct NotReady;

impl tower::Service<Request<Body>> for NotReady {
    type Response = axum::response::Response;
    type Error = &'static str;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Err("overloaded"))
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        std::future::ready(Err("called while not ready"))
    }
}

#[tokio::test]
async fn the_layer_passes_on_the_inner_services_readiness() {
    use tower::Layer;
    let f = fixture().await;
    let service = RequireAuthLayer::<App>::new(f.auth.clone()).layer(NotReady);
    let request = Request::get("/").body(Body::empty()).unwrap();
    assert_eq!(service.oneshot(request).await.unwrap_err(), "overloaded");
}
