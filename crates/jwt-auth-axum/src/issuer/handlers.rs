//! The issuer router's handlers.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use jwt_auth::{AuthError, Authority, CookieError, LoginOptions, RefreshToken, Store, TokenPair};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{CredentialCheck, IssuerConfig, IssuerRejection, LoginAttempt, Password};

pub(super) struct State<S: Store, T, C> {
    pub(super) authority: Arc<Authority<S, T>>,
    pub(super) credentials: C,
    pub(super) config: IssuerConfig,
}

type Shared<S, T, C> = axum::extract::State<Arc<State<S, T, C>>>;

/// Longest user name and password accepted (a password hash bounds its work).
const MAX_USERNAME: usize = 256;
const MAX_PASSWORD: usize = 1024;
const MAX_USER_AGENT: usize = 256;

impl<S: Store, T: Serialize + DeserializeOwned, C> State<S, T, C> {
    fn check_origin(&self, headers: &HeaderMap) -> Result<(), IssuerRejection> {
        let mut origins = headers.get_all(header::ORIGIN).iter();
        let origin = match (origins.next(), origins.next()) {
            (Some(one), None) => one.to_str().ok(),
            _ => None,
        };
        if self.config.origins.allows(origin) {
            Ok(())
        } else {
            tracing::debug!("jwt-auth-axum: cookie endpoint called from a refused origin");
            Err(IssuerRejection::origin())
        }
    }

    /// The refresh cookie: every `Cookie` header (HTTP/2 splits them) read as one.
    fn cookie(&self, headers: &HeaderMap) -> Result<RefreshToken, CookieError> {
        let joined = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        self.config.cookie.read(&joined)
    }

    fn clear(&self) -> String {
        self.config.cookie.clear_cookie()
    }

    /// A refusal from the authority; a session that has ended also loses its cookie.
    fn refuse(&self, error: &AuthError, what: &'static str) -> IssuerRejection {
        let rejection = IssuerRejection::auth(error);
        match rejection.status().as_u16() {
            500.. => tracing::warn!(error = %error, what, "jwt-auth-axum: issuer failed"),
            _ if matches!(error, AuthError::RefreshTokenReused) => {
                tracing::warn!(
                    what,
                    "jwt-auth-axum: refresh token reused; its session is revoked"
                );
            }
            _ => tracing::debug!(error = %error, what, "jwt-auth-axum: refused"),
        }
        match error {
            AuthError::Cookie(CookieError::Missing) | AuthError::StoreUnavailable(_) => rejection,
            e if e.status() == 401 => rejection.clearing(self.clear()),
            _ => rejection,
        }
    }

    /// The answer carrying a token pair: JSON, the cookie, no-store.
    fn tokens(&self, pair: &TokenPair) -> Response {
        #[derive(Serialize)]
        struct Tokens<'a> {
            access_token: &'a str,
            token_type: &'static str,
            expires_in: u64,
            expires_at: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            scope: Option<&'a str>,
        }
        let body = Tokens {
            access_token: &pair.access_token,
            token_type: "Bearer",
            expires_in: pair.expires_in().as_secs(),
            expires_at: pair.access_expires_at.as_secs(),
            scope: pair.scope.as_deref(),
        };
        let cookie = self
            .config
            .cookie
            .set_cookie(&pair.refresh_token, pair.refresh_max_age());
        let mut response = Json(body).into_response();
        let headers = response.headers_mut();
        no_store(headers);
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.insert(header::SET_COOKIE, value);
        }
        response
    }

    fn ended(&self, status: StatusCode) -> Response {
        let mut response = status.into_response();
        let headers = response.headers_mut();
        no_store(headers);
        if let Ok(value) = HeaderValue::from_str(&self.clear()) {
            headers.insert(header::SET_COOKIE, value);
        }
        response
    }
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The body, read up to the limit.
async fn read_body(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Vec<u8>, IssuerRejection> {
    let too_large = || {
        IssuerRejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "The request body is too large",
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| too_large())
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

fn bad_request(description: &'static str) -> IssuerRejection {
    IssuerRejection::new(StatusCode::BAD_REQUEST, "invalid_request", description)
}

pub(super) async fn login<S, T, C>(
    axum::extract::State(state): Shared<S, T, C>,
    request: http::Request<Body>,
) -> Result<Response, IssuerRejection>
where
    S: Store,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    C: CredentialCheck<T>,
{
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
    state.check_origin(&headers)?;
    if !is_json(&headers) {
        return Err(IssuerRejection::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "The login request must be application/json",
        ));
    }
    let bytes = read_body(body, &headers, state.config.body_limit).await?;
    let parsed: LoginBody = serde_json::from_slice(&bytes).map_err(|_| {
        bad_request("The login request must be {\"username\": ..., \"password\": ...}")
    })?;
    drop(zeroize::Zeroizing::new(bytes));
    let password = Password::new(parsed.password);
    if parsed.username.is_empty()
        || parsed.username.len() > MAX_USERNAME
        || password.expose().is_empty()
        || password.expose().len() > MAX_PASSWORD
    {
        return Err(bad_request(
            "The user name or password is empty or too long",
        ));
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| cut(v, MAX_USER_AGENT).to_owned());
    let client_ip = peer.map(|ConnectInfo(addr)| addr.ip());
    let attempt = LoginAttempt {
        username: parsed.username,
        password,
        client_ip,
        user_agent: user_agent.clone(),
    };
    let grant = match state.credentials.check(attempt).await {
        Ok(grant) => grant,
        Err(e) => {
            tracing::info!(error = %e, ip = ?client_ip, "jwt-auth-axum: login refused");
            return Err(IssuerRejection::login(&e));
        }
    };
    let metadata = serde_json::json!({
        "user_agent": user_agent,
        "ip": client_ip.map(|ip| ip.to_string()),
    });
    let options = LoginOptions {
        client_id: None,
        scope: grant.scope,
        metadata: Some(metadata),
    };
    let pair = state
        .authority
        .login_with(&grant.subject, grant.claims, options)
        .await
        .map_err(|e| state.refuse(&e, "login"))?;
    tracing::info!(subject = %grant.subject, session = %pair.session.as_str(), "jwt-auth-axum: logged in");
    Ok(state.tokens(&pair))
}

fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

pub(super) async fn refresh<S, T, C>(
    axum::extract::State(state): Shared<S, T, C>,
    headers: HeaderMap,
) -> Result<Response, IssuerRejection>
where
    S: Store,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    state.check_origin(&headers)?;
    let token = state
        .cookie(&headers)
        .map_err(|e| state.refuse(&AuthError::Cookie(e), "refresh"))?;
    let pair = state
        .authority
        .refresh(token.expose())
        .await
        .map_err(|e| state.refuse(&e, "refresh"))?;
    tracing::debug!(session = %pair.session.as_str(), "jwt-auth-axum: refreshed");
    Ok(state.tokens(&pair))
}

pub(super) async fn logout<S, T, C>(
    axum::extract::State(state): Shared<S, T, C>,
    headers: HeaderMap,
) -> Result<Response, IssuerRejection>
where
    S: Store,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    state.check_origin(&headers)?;
    let Ok(token) = state.cookie(&headers) else {
        // Nothing to revoke: the browser is logged out once its cookie is gone.
        return Ok(state.ended(StatusCode::NO_CONTENT));
    };
    match state.authority.logout(token.expose()).await {
        Ok(()) | Err(AuthError::InvalidRefreshToken) => {
            tracing::debug!("jwt-auth-axum: logged out");
            Ok(state.ended(StatusCode::NO_CONTENT))
        }
        Err(e) => Err(state.refuse(&e, "logout")),
    }
}

pub(super) async fn logout_all<S, T, C>(
    axum::extract::State(state): Shared<S, T, C>,
    headers: HeaderMap,
) -> Result<Response, IssuerRejection>
where
    S: Store,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    #[derive(Serialize)]
    struct Revoked {
        sessions_revoked: usize,
    }
    state.check_origin(&headers)?;
    let token = state
        .cookie(&headers)
        .map_err(|e| state.refuse(&AuthError::Cookie(e), "logout-all"))?;
    let revoked = state
        .authority
        .logout_everywhere(token.expose())
        .await
        .map_err(|e| state.refuse(&e, "logout-all"))?;
    tracing::info!(
        sessions = revoked.len(),
        "jwt-auth-axum: logged out everywhere"
    );
    let mut response = state.ended(StatusCode::OK);
    *response.body_mut() = Body::from(
        serde_json::to_vec(&Revoked {
            sessions_revoked: revoked.len(),
        })
        .unwrap_or_default(),
    );
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

pub(super) async fn jwks<S, T, C>(axum::extract::State(state): Shared<S, T, C>) -> Response
where
    S: Store,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    match state.authority.jwks_json() {
        Ok(json) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/jwk-set+json"),
                ),
                (header::CACHE_CONTROL, cache_for(&state.config)),
            ],
            json,
        )
            .into_response(),
        Err(e) => state.refuse(&e, "jwks").into_response(),
    }
}

fn cache_for(config: &IssuerConfig) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "public, max-age={}",
        config.jwks_max_age.as_secs()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("no-cache"))
}

pub(super) async fn metadata<S, T, C>(axum::extract::State(state): Shared<S, T, C>) -> Response
where
    S: Store,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    #[derive(Serialize)]
    struct Metadata<'a> {
        issuer: &'a str,
        jwks_uri: String,
        response_types_supported: [&'static str; 0],
        access_token_signing_alg_values_supported: Vec<String>,
    }
    let issuer = state.authority.config().issuer().as_str();
    let jwks_uri = state
        .config
        .jwks_uri
        .clone()
        .unwrap_or_else(|| format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')));
    let mut algorithms: Vec<String> = state
        .authority
        .jwks()
        .keys()
        .iter()
        .filter_map(|k| k.alg.as_ref().map(ToString::to_string))
        .collect();
    algorithms.sort();
    algorithms.dedup();
    let body = Metadata {
        issuer,
        jwks_uri,
        response_types_supported: [],
        access_token_signing_alg_values_supported: algorithms,
    };
    (
        [(header::CACHE_CONTROL, cache_for(&state.config))],
        Json(body),
    )
        .into_response()
}

pub(super) async fn method_not_allowed() -> IssuerRejection {
    IssuerRejection::method()
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn user_agents_are_cut_on_a_character_boundary() {
        assert_eq!(cut("abcdef", 3), "abc");
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("abc", 3), "abc");
        // 'é' is two bytes: a cut through it keeps the whole character out.
        assert_eq!(cut("aé", 2), "a");
        assert_eq!(cut("aéb", 3), "aé");
        assert_eq!(cut("", 3), "");
    }
}
