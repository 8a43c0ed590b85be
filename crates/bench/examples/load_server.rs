//! The server of `cargo xtask load`: one axum process serving the same `GET` route
//! unauthenticated, behind `jwt-auth-axum` (EdDSA and HS256), and behind a hand-written
//! extractor on `jsonwebtoken` (what most Rust services carry today), plus the issuer
//! router's `POST /refresh` on SQLite (file, WAL, `synchronous=FULL`).
//!
//! `load_server PORT DIR WORKERS`: prints one JSON line (tokens, and the in-process cost
//! of one verification by each checker), then serves until killed.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use http::request::Parts;
use jwt_auth::jws::Algorithm;
use jwt_auth::{
    Audience, Authenticator, Authority, AuthorityConfig, Issuer, KeyEncryptionKey, MemoryStore,
    SqliteStore,
};
use jwt_auth_axum::issuer::{Grant, LoginAttempt, LoginError};
use jwt_auth_axum::{Auth, Authenticated, IssuerConfig, issuer_router};
use serde::{Deserialize, Serialize};

const ISS: &str = "https://auth.load.example";
const AUD: &str = "https://api.load.example";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct App {
    preferred_username: String,
}

#[derive(Serialize)]
struct Me {
    sub: String,
    preferred_username: String,
}

async fn open() -> Json<Me> {
    Json(Me {
        sub: "u_load".into(),
        preferred_username: "load".into(),
    })
}

async fn ours(Authenticated(token): Authenticated<App>) -> Json<Me> {
    let c = token.claims();
    Json(Me {
        sub: c.sub.clone().unwrap_or_default(),
        preferred_username: c.custom.custom.preferred_username.clone(),
    })
}

/// The claims as a jsonwebtoken user declares them.
#[derive(Debug, Clone, Deserialize)]
struct PeerClaims {
    sub: String,
    #[allow(dead_code)]
    sid: String,
    preferred_username: String,
}

/// What a hand-written axum extractor on jsonwebtoken looks like.
#[derive(Clone)]
struct PeerKeys {
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

struct PeerUser(PeerClaims);

impl FromRequestParts<Arc<PeerKeys>> for PeerUser {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut Parts,
        keys: &Arc<PeerKeys>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or(StatusCode::UNAUTHORIZED)?;
        jsonwebtoken::decode::<PeerClaims>(token, &keys.key, &keys.validation)
            .map(|data| Self(data.claims))
            .map_err(|_| StatusCode::UNAUTHORIZED)
    }
}

async fn peer(PeerUser(claims): PeerUser) -> Json<Me> {
    Json(Me {
        sub: claims.sub,
        preferred_username: claims.preferred_username,
    })
}

struct Setup {
    token: String,
    auth: Auth,
    peer: Arc<PeerKeys>,
}

async fn setup(alg: Algorithm) -> Setup {
    let config = AuthorityConfig::new(
        Issuer::new(ISS),
        Audience::new(AUD),
        KeyEncryptionKey::new(&[5u8; 32]).unwrap(),
    )
    .with_algorithm(alg.clone())
    .with_access_ttl(Duration::from_secs(3600));
    let authority = Authority::<_, App>::open(config, MemoryStore::new())
        .await
        .unwrap();
    let token = authority
        .login(
            "u_load",
            App {
                preferred_username: "load".into(),
            },
        )
        .await
        .unwrap()
        .access_token;
    let authenticator = authority.authenticator().unwrap();
    // The same key for the peer (an HMAC secret included).
    let ring = authority.key_ring();
    let active = ring.verifying_keys(jws::NumericDate::now());
    let jwk: serde_json::Value =
        serde_json::from_str(&active[0].to_jwk().to_private_json().unwrap()).unwrap();
    let (key, peer_alg) = match alg {
        Algorithm::HS256 => {
            let secret = jws::base64url::decode(jwk["k"].as_str().unwrap()).unwrap();
            (
                jsonwebtoken::DecodingKey::from_secret(&secret),
                jsonwebtoken::Algorithm::HS256,
            )
        }
        _ => (
            jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap(),
            jsonwebtoken::Algorithm::EdDSA,
        ),
    };
    let mut validation = jsonwebtoken::Validation::new(peer_alg);
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[AUD]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    Setup {
        token,
        auth: Auth::new(Arc::new(authenticator)),
        peer: Arc::new(PeerKeys { key, validation }),
    }
}

/// Nanoseconds per call, the best of five batches.
fn cost(mut f: impl FnMut() -> bool) -> u64 {
    (0..5)
        .map(|_| {
            let n = 2000u32;
            let start = Instant::now();
            for _ in 0..n {
                assert!(f());
            }
            (start.elapsed() / n).as_nanos() as u64
        })
        .min()
        .unwrap()
}

/// The checkers alone, for `GET /cost`.
struct Costs {
    eddsa: Arc<Authenticator>,
    hs256: Arc<Authenticator>,
    eddsa_token: String,
    hs256_token: String,
    peer_eddsa: Arc<PeerKeys>,
    peer_hs256: Arc<PeerKeys>,
}

impl Costs {
    /// Nanoseconds of one verification by each checker, measured now.
    fn measure(&self) -> serde_json::Value {
        let peer = |keys: &PeerKeys, token: &str| {
            jsonwebtoken::decode::<PeerClaims>(token, &keys.key, &keys.validation).is_ok()
        };
        let (e, h) = (
            format!("Bearer {}", self.eddsa_token),
            format!("Bearer {}", self.hs256_token),
        );
        serde_json::json!({
            "eddsa": cost(|| self.eddsa.authenticate::<App>(&e).is_ok()),
            "hs256": cost(|| self.hs256.authenticate::<App>(&h).is_ok()),
            "peer_eddsa": cost(|| peer(&self.peer_eddsa, &self.eddsa_token)),
            "peer_hs256": cost(|| peer(&self.peer_hs256, &self.hs256_token)),
        })
    }
}

/// Measures the checkers between two load runs (on the worker: nothing else runs then).
async fn cost_now(State(costs): State<Arc<Costs>>) -> Json<serde_json::Value> {
    Json(costs.measure())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args[1].parse().unwrap();
    let dir = std::path::PathBuf::from(&args[2]);
    let workers: usize = args[3].parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(serve(port, &dir));
}

async fn serve(port: u16, dir: &std::path::Path) {
    let eddsa = setup(Algorithm::EdDSA).await;
    let hs256 = setup(Algorithm::HS256).await;
    let costs = Arc::new(Costs {
        eddsa: eddsa.auth.authenticator(),
        hs256: hs256.auth.authenticator(),
        eddsa_token: eddsa.token.clone(),
        hs256_token: hs256.token.clone(),
        peer_eddsa: Arc::clone(&eddsa.peer),
        peer_hs256: Arc::clone(&hs256.peer),
    });
    let first = costs.measure();

    // The refresh endpoint on SQLite, as the reference server runs it.
    let db = dir.join("load.db");
    let _ = std::fs::remove_file(&db);
    let config = AuthorityConfig::new(
        Issuer::new(ISS),
        Audience::new(AUD),
        KeyEncryptionKey::new(&[6u8; 32]).unwrap(),
    );
    let store = SqliteStore::open(&db).unwrap();
    let authority = Arc::new(Authority::<_, App>::open(config, store).await.unwrap());
    let origin = format!("http://127.0.0.1:{port}");
    let check = |_: LoginAttempt| async {
        Ok::<_, LoginError>(Grant::new(
            "u_load",
            App {
                preferred_username: "load".into(),
            },
        ))
    };
    let issuer = issuer_router(
        authority,
        check,
        IssuerConfig::new([origin.as_str()]).unwrap(),
    );

    let app = Router::new()
        .route("/open", get(open))
        .merge(
            Router::new()
                .route("/cost", get(cost_now))
                .with_state(costs),
        )
        .merge(
            Router::new()
                .route("/eddsa", get(ours))
                .with_state(eddsa.auth.clone()),
        )
        .merge(
            Router::new()
                .route("/hs256", get(ours))
                .with_state(hs256.auth.clone()),
        )
        .merge(
            Router::new()
                .route("/peer/eddsa", get(peer))
                .with_state(Arc::clone(&eddsa.peer)),
        )
        .merge(
            Router::new()
                .route("/peer/hs256", get(peer))
                .with_state(Arc::clone(&hs256.peer)),
        )
        .merge(issuer);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    println!(
        "{}",
        serde_json::json!({
            "eddsa": eddsa.token,
            "hs256": hs256.token,
            "verify_ns": first,
        })
    );
    axum::serve(listener, app).await.unwrap();
}
