//! What the issuer router's endpoints answer when they refuse: a stable JSON body,
//! `Cache-Control: no-store`, and nothing that helps an attacker.

use std::time::Duration;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use jwt_auth::{AuthError, CookieError};
use serde::Serialize;

use super::LoginError;

/// A request refused by the issuer router.
#[derive(Debug)]
pub struct IssuerRejection {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
    retry_after: Option<Duration>,
    /// The `Set-Cookie` that clears the refresh cookie, for a session that has ended.
    clear_cookie: Option<String>,
}

#[derive(Serialize)]
struct Body {
    error: &'static str,
    error_description: &'static str,
}

impl IssuerRejection {
    pub(super) const fn new(
        status: StatusCode,
        error: &'static str,
        description: &'static str,
    ) -> Self {
        Self {
            status,
            error,
            description,
            retry_after: None,
            clear_cookie: None,
        }
    }

    pub(super) const fn origin() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "invalid_origin",
            "The request's Origin is missing or not allowed",
        )
    }

    pub(super) const fn method() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "This endpoint takes another method",
        )
    }

    pub(super) fn clearing(mut self, clear_cookie: String) -> Self {
        self.clear_cookie = Some(clear_cookie);
        self
    }

    /// From a failure of the authority: the refresh token's failures are 401
    /// `invalid_grant`, a missing cookie 401 `invalid_request`, a tossed cookie 400; a
    /// store outage 503 (with `Retry-After`), server faults 500.
    pub(super) fn auth(error: &AuthError) -> Self {
        match error {
            AuthError::Cookie(CookieError::Missing) => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_request",
                "No refresh cookie was presented",
            ),
            AuthError::Cookie(_) => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The refresh cookie is malformed or present more than once",
            ),
            AuthError::StoreUnavailable(_) => {
                let mut rejection = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "The service cannot serve sessions now; retry later",
                );
                rejection.retry_after = Some(Duration::from_secs(1));
                rejection
            }
            e if e.status() == 401 => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "The session has ended; log in again",
            ),
            _ => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The service failed",
            ),
        }
    }

    pub(super) fn login(error: &LoginError) -> Self {
        match error {
            LoginError::InvalidCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "The user name or password is wrong",
            ),
            LoginError::Throttled { retry_after } => {
                let mut rejection = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    "Too many login attempts; retry later",
                );
                rejection.retry_after = Some(*retry_after);
                rejection
            }
            LoginError::Unavailable => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "The service cannot log users in now; retry later",
            ),
        }
    }

    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The `error` member of the JSON body: `invalid_request`, `invalid_origin`,
    /// `invalid_grant`, `too_many_requests`, `temporarily_unavailable`, `server_error`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.error
    }
}

impl IntoResponse for IssuerRejection {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(Body {
                error: self.error,
                error_description: self.description,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(after) = self.retry_after {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(after.as_secs().max(1)),
            );
        }
        if let Some(value) = self
            .clear_cookie
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            headers.insert(header::SET_COOKIE, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use jwt_auth::StoreError;

    use super::*;

    #[test]
    fn each_refusal_has_its_status_and_code() {
        let cases = [
            (IssuerRejection::origin(), 403, "invalid_origin"),
            (IssuerRejection::method(), 405, "invalid_request"),
            (
                IssuerRejection::auth(&AuthError::Cookie(CookieError::Missing)),
                401,
                "invalid_request",
            ),
            (
                IssuerRejection::auth(&AuthError::Cookie(CookieError::Duplicate)),
                400,
                "invalid_request",
            ),
            (
                IssuerRejection::auth(&AuthError::RefreshTokenReused),
                401,
                "invalid_grant",
            ),
            (
                IssuerRejection::auth(&AuthError::Revoked),
                401,
                "invalid_grant",
            ),
            (
                IssuerRejection::auth(&AuthError::StoreUnavailable(StoreError::Unavailable(
                    "down".into(),
                ))),
                503,
                "temporarily_unavailable",
            ),
            (
                IssuerRejection::auth(&AuthError::NoUsableKey),
                500,
                "server_error",
            ),
            (
                IssuerRejection::auth(&AuthError::Random),
                500,
                "server_error",
            ),
            (
                IssuerRejection::login(&LoginError::InvalidCredentials),
                401,
                "invalid_grant",
            ),
            (
                IssuerRejection::login(&LoginError::Throttled {
                    retry_after: Duration::from_secs(3),
                }),
                429,
                "too_many_requests",
            ),
            (
                IssuerRejection::login(&LoginError::Unavailable),
                503,
                "temporarily_unavailable",
            ),
        ];
        for (rejection, status, code) in cases {
            assert_eq!(rejection.status().as_u16(), status, "{rejection:?}");
            assert_eq!(rejection.code(), code, "{rejection:?}");
        }
    }
}
