//! What a refused request gets: RFC 6750 `WWW-Authenticate`, a JSON body of a stable
//! shape, `Cache-Control: no-store`, and nothing that helps an attacker.

use std::sync::Arc;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use jwt_auth::AuthError;
use serde::Serialize;

/// A request refused by an extractor or the layer of this crate.
#[derive(Debug)]
pub struct AuthRejection {
    why: Why,
    realm: Arc<str>,
}

#[derive(Debug)]
enum Why {
    /// The token (or the key source) failed: the status comes from the error.
    Auth(AuthError),
    /// The token is valid but lacks this scope: 403.
    InsufficientScope(&'static str),
}

/// The JSON body of every refusal: `{"error": "...", "error_description": "..."}`.
#[derive(Debug, Serialize)]
struct Body {
    error: &'static str,
    error_description: &'static str,
}

impl AuthRejection {
    pub(crate) const fn auth(error: AuthError, realm: Arc<str>) -> Self {
        Self {
            why: Why::Auth(error),
            realm,
        }
    }

    pub(crate) const fn insufficient_scope(scope: &'static str, realm: Arc<str>) -> Self {
        Self {
            why: Why::InsufficientScope(scope),
            realm,
        }
    }

    /// The underlying error, when the token (or the key source) failed; for logs and
    /// metrics, never for the client.
    #[must_use]
    pub const fn error(&self) -> Option<&AuthError> {
        match &self.why {
            Why::Auth(e) => Some(e),
            Why::InsufficientScope(_) => None,
        }
    }

    /// The HTTP status: 401, 403 (`insufficient_scope`), 503 (a store or a remote JWK
    /// Set is unavailable) or 500.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match &self.why {
            Why::Auth(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Why::InsufficientScope(_) => StatusCode::FORBIDDEN,
        }
    }

    /// The `error` member of the JSON body (and of `WWW-Authenticate`, where RFC 6750
    /// has one): `invalid_request` (no token), `invalid_token`, `insufficient_scope`,
    /// `temporarily_unavailable` (503) or `server_error` (500).
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.body().error
    }

    fn body(&self) -> Body {
        match &self.why {
            Why::InsufficientScope(_) => Body {
                error: "insufficient_scope",
                error_description: "The access token lacks the scope this resource requires",
            },
            Why::Auth(AuthError::MissingToken) => Body {
                error: "invalid_request",
                error_description: "No access token was presented",
            },
            Why::Auth(AuthError::Expired) => Body {
                error: "invalid_token",
                error_description: "The access token expired",
            },
            Why::Auth(e) => match e.status() {
                401 => Body {
                    error: "invalid_token",
                    error_description: "The access token is invalid",
                },
                503 => Body {
                    error: "temporarily_unavailable",
                    error_description: "The service cannot check tokens now; retry later",
                },
                _ => Body {
                    error: "server_error",
                    error_description: "The service cannot check tokens",
                },
            },
        }
    }

    fn www_authenticate(&self) -> Option<String> {
        match &self.why {
            Why::Auth(e) if e.status() == 401 => Some(e.www_authenticate(&self.realm)),
            Why::Auth(_) => None,
            Why::InsufficientScope(scope) => Some(format!(
                "{}, error=\"insufficient_scope\", scope=\"{scope}\"",
                AuthError::MissingToken.www_authenticate(&self.realm)
            )),
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match &self.why {
            Why::Auth(e) if e.status() >= 500 => {
                tracing::warn!(error = %e, "jwt-auth-axum: cannot check the access token");
            }
            Why::Auth(e) => tracing::debug!(error = %e, "jwt-auth-axum: access token refused"),
            Why::InsufficientScope(scope) => {
                tracing::debug!(scope, "jwt-auth-axum: access token lacks a scope");
            }
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(value) = self
            .www_authenticate()
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use jwt_auth::StoreError;

    use super::*;

    #[test]
    fn server_side_failures_are_503_or_500_without_a_challenge() {
        let unavailable = AuthRejection::auth(
            AuthError::StoreUnavailable(StoreError::Unavailable("db down".into())),
            Arc::from("api"),
        );
        assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.code(), "temporarily_unavailable");
        assert!(unavailable.www_authenticate().is_none());
        assert!(unavailable.error().is_some());
        let response = unavailable.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
        assert_eq!(
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .map(HeaderValue::as_bytes),
            Some(&b"no-store"[..])
        );

        let broken = AuthRejection::auth(AuthError::NoUsableKey, Arc::from("api"));
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(broken.code(), "server_error");
        assert!(broken.www_authenticate().is_none());

        let scope = AuthRejection::insufficient_scope("admin", Arc::from("api"));
        assert!(scope.error().is_none());
        assert_eq!(scope.code(), "insufficient_scope");
    }

    /// Collects what `tracing` writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(rejection: AuthRejection) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            // Another test's thread may have registered these callsites while no
            // subscriber wanted them: recompute their interest for this one.
            tracing::callsite::rebuild_interest_cache();
            drop(rejection.into_response());
        });
        let bytes = captured
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn server_side_failures_are_warnings_token_failures_debug() {
        let down = logged(AuthRejection::auth(
            AuthError::StoreUnavailable(StoreError::Unavailable("db down".into())),
            Arc::from("api"),
        ));
        assert!(
            down.contains("WARN") && down.contains("cannot check"),
            "{down}"
        );
        let broken = logged(AuthRejection::auth(
            AuthError::NoUsableKey,
            Arc::from("api"),
        ));
        assert!(broken.contains("WARN"), "{broken}");
        let expired = logged(AuthRejection::auth(AuthError::Expired, Arc::from("api")));
        assert!(
            expired.contains("DEBUG") && expired.contains("refused"),
            "{expired}"
        );
        assert!(!expired.contains("WARN"), "{expired}");
    }
}
