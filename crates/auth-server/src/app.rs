//! The server: the issuer router, `/api/me`, the page, `/healthz`, security headers,
//! key rotation and purging in the background.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use jwt_auth::cookie::CookieOptions;
use jwt_auth::jws::Algorithm;
use jwt_auth::{Audience, Authority, AuthorityConfig, Issuer, KeyEncryptionKey, Revocations};
use jwt_auth_axum::issuer::{Grant, LoginAttempt, LoginError};
use jwt_auth_axum::{Auth, Authenticated, IssuerConfig, issuer_router};
use serde::{Deserialize, Serialize};

use crate::config::Serve;
use crate::store::AnyStore;
use crate::throttle::{DEFAULT_CAPACITY, Throttle};
use crate::users::Users;

/// The application's claims in every access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserClaims {
    /// The user's name (`preferred_username`).
    pub(crate) preferred_username: String,
}

/// The store: shared so that shutdown can close it once the server is done.
pub(crate) type SharedStore = Arc<AnyStore>;
pub(crate) type ServerAuthority = Authority<SharedStore, UserClaims>;

/// A built server.
pub(crate) struct App {
    pub(crate) router: Router,
    /// The issuer's keys and the authenticator that follows them.
    pub(crate) keys: Keys,
    /// The issuer (`iss`).
    pub(crate) issuer: String,
}

const INDEX_HTML: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const APP_CSS: &str = include_str!("page/app.css");

/// The page's policy: scripts and styles from this origin only (no inline script),
/// requests to this origin only, never framed.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Opens the authority (its key ring) on an open store.
pub(crate) async fn open_authority(
    serve: &Serve,
    store: SharedStore,
    kek: KeyEncryptionKey,
    deny: Arc<dyn Revocations>,
) -> Result<ServerAuthority, String> {
    let issuer_url = serve.issuer();
    let issuer = Issuer::new(&issuer_url);
    let audience = Audience::new(serve.audience.as_deref().unwrap_or(&issuer_url));
    let alg = Algorithm::from_name(&serve.algorithm);
    if !alg.is_signature() {
        return Err(format!(
            "{:?} is not a signature algorithm",
            serve.algorithm
        ));
    }
    let config = AuthorityConfig::new(issuer, audience, kek)
        .with_algorithm(alg)
        .with_access_ttl(serve.access_ttl)
        .with_refresh_ttl(serve.refresh_ttl)
        .with_refresh_idle(serve.refresh_idle)
        .with_grace_period(serve.refresh_grace)
        .with_revocations(deny);
    Authority::open(config, store)
        .await
        .map_err(|e| format!("cannot open the key ring: {e}"))
}

/// Builds the server on an open store.
pub(crate) async fn build(
    serve: &Serve,
    store: SharedStore,
    users: Users,
    kek: KeyEncryptionKey,
    deny: Arc<dyn Revocations>,
) -> Result<App, String> {
    let issuer_url = serve.issuer();
    let authority = Arc::new(open_authority(serve, store, kek, deny).await?);
    let auth = Auth::new(Arc::new(
        authority.authenticator().map_err(|e| e.to_string())?,
    ))
    .with_realm(&issuer_url);

    let origins: Vec<String> = if serve.allowed_origins.is_empty() {
        vec![origin_of(&issuer_url)]
    } else {
        serve.allowed_origins.clone()
    };
    let cookie = cookie_options(&serve.cookie_name)?;
    let issuer_config = IssuerConfig::new(origins.iter().map(String::as_str))
        .map_err(|e| e.to_string())?
        .with_cookie(cookie)
        .with_key_rotation(serve.key_rotation);
    let check = credential_check(users, serve);
    let router = Router::new()
        .route("/api/me", get(me))
        .route("/healthz", get(healthz))
        .route("/", get(index))
        .route("/app.js", get(app_js))
        .route("/app.css", get(app_css))
        .with_state(auth.clone())
        .merge(issuer_router(Arc::clone(&authority), check, issuer_config))
        .fallback(not_found)
        .layer(axum::middleware::map_response(security_headers));
    Ok(App {
        router,
        keys: Keys { authority, auth },
        issuer: issuer_url,
    })
}

fn cookie_options(name: &str) -> Result<CookieOptions, String> {
    let options = CookieOptions::new();
    if name.starts_with("__Host-") {
        options.with_name(name)
    } else {
        options.with_name_without_host_prefix(name)
    }
    .map_err(|e| format!("cookie name {name:?}: {e}"))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{authority}")
        }
        None => url.to_owned(),
    }
}

/// The future of one credential check.
type CheckFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<Grant<UserClaims>, LoginError>> + Send>>;

/// Argon2id against the user table, throttled per account and per address.
fn credential_check(
    users: Users,
    serve: &Serve,
) -> impl Fn(LoginAttempt) -> CheckFuture + Send + Sync + 'static {
    let accounts = Arc::new(Throttle::new(
        serve.max_failures_per_account,
        serve.throttle_window,
        DEFAULT_CAPACITY,
    ));
    let addresses = Arc::new(Throttle::new(
        serve.max_failures_per_ip,
        serve.throttle_window,
        DEFAULT_CAPACITY,
    ));
    move |attempt: LoginAttempt| {
        let users = users.clone();
        let accounts = Arc::clone(&accounts);
        let addresses = Arc::clone(&addresses);
        Box::pin(async move {
            let now = Instant::now();
            let account = attempt.username.clone();
            let address = attempt.client_ip.map(|ip: IpAddr| ip.to_string());
            let locked = accounts.check(&account, now).err().into_iter().chain(
                address
                    .as_deref()
                    .and_then(|a| addresses.check(a, now).err()),
            );
            if let Some(retry_after) = locked.max() {
                return Err(LoginError::Throttled {
                    retry_after: retry_after.max(Duration::from_secs(1)),
                });
            }
            match users.verify(attempt.username, attempt.password).await {
                Ok(Some(user)) => {
                    accounts.succeed(&account);
                    Ok(Grant::new(
                        user.id,
                        UserClaims {
                            preferred_username: user.name,
                        },
                    ))
                }
                Ok(None) => {
                    accounts.fail(&account, now);
                    if let Some(address) = &address {
                        addresses.fail(address, now);
                    }
                    Err(LoginError::InvalidCredentials)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "user directory failed");
                    Err(LoginError::Unavailable)
                }
            }
        })
    }
}

#[derive(Serialize)]
struct Me {
    sub: String,
    preferred_username: String,
    sid: String,
    iat: Option<u64>,
    exp: Option<u64>,
}

async fn me(Authenticated(token): Authenticated<UserClaims>) -> Response {
    let claims = token.claims();
    let body = Me {
        sub: claims.sub.clone().unwrap_or_default(),
        preferred_username: claims.custom.custom.preferred_username.clone(),
        sid: claims.custom.sid.clone(),
        iat: claims.iat.map(|d| d.as_secs()),
        exp: claims.exp.map(|d| d.as_secs()),
    };
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

async fn healthz() -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({"status": "ok"})),
    )
        .into_response()
}

async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        INDEX_HTML,
    )
        .into_response()
}

async fn app_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        APP_JS,
    )
        .into_response()
}

async fn app_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        APP_CSS,
    )
        .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(
            serde_json::json!({"error": "not_found", "error_description": "No such resource"}),
        ),
    )
        .into_response()
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        http::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Until `stop` fires: every `reload`, reads the key ring back from the store and rotates
/// it when `rotation` has passed since the last rotation (by any instance: the store's
/// compare-and-set makes it one rotation per interval between them); purges expired
/// sessions hourly. Whenever the ring changed, the server's own authenticator follows.
pub(crate) async fn maintain(
    app: Keys,
    rotation: Duration,
    reload: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let reload = reload.max(Duration::from_millis(100));
    let mut keys = tokio::time::interval_at(tokio::time::Instant::now() + reload, reload);
    keys.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let purge_every = Duration::from_secs(3600);
    let mut purge =
        tokio::time::interval_at(tokio::time::Instant::now() + purge_every, purge_every);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = keys.tick() => {
                let before = app.authority.key_ring().version();
                match app.authority.rotate_keys_if_due(rotation).await {
                    Ok(true) => tracing::info!("signing keys rotated"),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "key ring reload failed; retrying"),
                }
                let after = app.authority.key_ring().version();
                if after != before {
                    tracing::info!(version = after, "key ring changed");
                    app.refresh_authenticator();
                }
            }
            _ = purge.tick() => {
                match app.authority.purge_expired().await {
                    Ok(n) => tracing::info!(records = n, "expired sessions purged"),
                    Err(e) => tracing::warn!(error = %e, "purge failed"),
                }
                app.refresh_authenticator();
            }
        }
    }
}

/// The authority, and the `Auth` of the server's own routes, which follows its keys.
pub(crate) struct Keys {
    pub(crate) authority: Arc<ServerAuthority>,
    pub(crate) auth: Auth,
}

impl Keys {
    fn refresh_authenticator(&self) {
        match self.authority.authenticator() {
            Ok(authenticator) => self.auth.replace(Arc::new(authenticator)),
            Err(e) => tracing::warn!(error = %e, "cannot rebuild the authenticator"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_urls() {
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("https://auth.example/tenant?x"),
            "https://auth.example"
        );
    }
}
