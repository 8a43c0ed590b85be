//! The HTTP exchange behind a small trait, so that users bring their own client and tests
//! count fetches; and the checks every response goes through, whoever fetched it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use url::Url;

use crate::FetchError;

/// A boxed future, as [`Fetcher::fetch`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What to fetch and within which bounds.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FetchRequest {
    /// The URL, already checked against the policy (https, or loopback http when allowed).
    pub url: Url,
    /// The largest body to read, in bytes: stop reading and return
    /// [`FetchError::TooLarge`] past it.
    pub max_body: usize,
    /// The time the whole exchange may take (it is enforced around the fetcher as well).
    pub timeout: Duration,
}

/// An HTTP `GET` client for JWK Sets and discovery documents.
///
/// An implementation sends one `GET` with `Accept: application/json`, **does not follow
/// redirects** (a 3xx goes back as it is; the caller decides), reads at most
/// [`FetchRequest::max_body`] bytes of the body and returns the status, the headers and
/// the body. Status, content type, redirects and `Cache-Control` are checked by the
/// caller, the same way for every fetcher.
///
/// ```
/// use jwks_remote::{BoxFuture, FetchError, FetchRequest, Fetcher};
///
/// /// Serves a fixed document: handy in tests, and counts nothing.
/// #[derive(Debug)]
/// struct Fixed(&'static str);
///
/// impl Fetcher for Fixed {
///     fn fetch<'a>(&'a self, _: &'a FetchRequest) -> BoxFuture<'a, Result<http::Response<Vec<u8>>, FetchError>> {
///         Box::pin(async move {
///             http::Response::builder()
///                 .header("content-type", "application/json")
///                 .body(self.0.as_bytes().to_vec())
///                 .map_err(|e| FetchError::Transport(e.into()))
///         })
///     }
/// }
/// ```
pub trait Fetcher: Send + Sync + fmt::Debug {
    /// Fetches `request.url`.
    fn fetch<'a>(
        &'a self,
        request: &'a FetchRequest,
    ) -> BoxFuture<'a, Result<http::Response<Vec<u8>>, FetchError>>;
}

/// A fetcher that serves one fixed document (status 200, `application/json`, and the
/// `Cache-Control` given) and counts its fetches: for tests, benchmarks, and sets
/// distributed out of band.
///
/// ```
/// use std::sync::Arc;
/// use jwks_remote::{FixedFetcher, Options, RemoteJwkSet};
///
/// let fetcher = Arc::new(FixedFetcher::new(r#"{"keys":[]}"#).with_cache_control("max-age=300"));
/// let remote = RemoteJwkSet::with_options(
///     "https://issuer.example/jwks.json",
///     Options::default().with_fetcher(fetcher.clone()),
/// ).unwrap();
/// assert_eq!(fetcher.fetches(), 0);
/// ```
#[derive(Debug, Default)]
pub struct FixedFetcher {
    body: Vec<u8>,
    cache_control: Option<String>,
    fetches: std::sync::atomic::AtomicU64,
}

impl FixedFetcher {
    /// Serves `body`.
    #[must_use]
    pub fn new(body: impl Into<Vec<u8>>) -> Self {
        Self {
            body: body.into(),
            ..Self::default()
        }
    }

    /// Answers with this `Cache-Control` value.
    #[must_use]
    pub fn with_cache_control(mut self, value: &str) -> Self {
        self.cache_control = Some(value.to_owned());
        self
    }

    /// How many times it was asked.
    #[must_use]
    pub fn fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Fetcher for FixedFetcher {
    fn fetch<'a>(
        &'a self,
        _: &'a FetchRequest,
    ) -> BoxFuture<'a, Result<http::Response<Vec<u8>>, FetchError>> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut response =
            http::Response::builder().header(http::header::CONTENT_TYPE, "application/json");
        if let Some(value) = &self.cache_control {
            response = response.header(http::header::CACHE_CONTROL, value);
        }
        let response = response
            .body(self.body.clone())
            .map_err(|e| FetchError::Transport(e.into()));
        Box::pin(std::future::ready(response))
    }
}

/// A checked response: status 200, JSON, within the cap.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) cache_control: Option<String>,
    pub(crate) age: Option<String>,
}

/// Fetches `url` with `fetcher`, following at most `max_redirects` redirects (each target
/// checked against the URL policy), within `timeout` in all, and checks the response.
pub(crate) async fn get(
    fetcher: &dyn Fetcher,
    url: &Url,
    max_body: usize,
    timeout: Duration,
    max_redirects: usize,
    allow_http_loopback: bool,
) -> Result<Fetched, FetchError> {
    let exchange = async {
        let mut url = url.clone();
        let mut redirects = 0;
        loop {
            let request = FetchRequest {
                url: url.clone(),
                max_body,
                timeout,
            };
            let response = fetcher.fetch(&request).await?;
            let status = response.status();
            if status.is_redirection() {
                let target = response
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| url.join(v).ok());
                match target {
                    Some(target) if redirects < max_redirects => {
                        crate::url_policy::check(&target, allow_http_loopback)?;
                        redirects += 1;
                        url = target;
                        continue;
                    }
                    _ => {
                        return Err(FetchError::Redirect {
                            status: status.as_u16(),
                        });
                    }
                }
            }
            return check(response, max_body);
        }
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(FetchError::Timeout(timeout)))
}

/// Status 200, a JSON content type, a body within the cap.
fn check(response: http::Response<Vec<u8>>, max_body: usize) -> Result<Fetched, FetchError> {
    let status = response.status();
    if status != http::StatusCode::OK {
        return Err(FetchError::Status(status.as_u16()));
    }
    let header = |name: http::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header(http::header::CONTENT_TYPE);
    if !content_type.as_deref().is_some_and(is_json) {
        return Err(FetchError::ContentType(
            content_type.map(|t| jws::jwt_claims::json::truncate(&t)),
        ));
    }
    let cache_control = header(http::header::CACHE_CONTROL);
    let age = header(http::header::AGE);
    let body = response.into_body();
    if body.len() > max_body {
        return Err(FetchError::TooLarge { limit: max_body });
    }
    Ok(Fetched {
        body,
        cache_control,
        age,
    })
}

/// `application/json`, `application/jwk-set+json` or any `application/*+json`, with or
/// without parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence
        .strip_prefix("application/")
        .is_some_and(|sub| sub == "json" || (sub.ends_with("+json") && sub.len() > 5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for t in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/jwk-set+json",
            "application/ld+json;x=y",
        ] {
            assert!(is_json(t), "{t}");
        }
        for t in [
            "text/html",
            "application/jsonp",
            "application/+json",
            "text/json",
            "",
            "application/octet-stream",
            "multipart/json",
        ] {
            assert!(!is_json(t), "{t}");
        }
    }

    fn response(status: u16, content_type: Option<&str>, body: &str) -> http::Response<Vec<u8>> {
        let mut b = http::Response::builder().status(status);
        if let Some(t) = content_type {
            b = b.header("content-type", t);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn responses_are_checked() {
        let ok = check(response(200, Some("application/json"), "{}"), 2).unwrap();
        assert_eq!(ok.body, b"{}");
        assert!(matches!(
            check(response(200, Some("application/json"), "{ }"), 2),
            Err(FetchError::TooLarge { limit: 2 })
        ));
        assert!(matches!(
            check(response(201, Some("application/json"), "{}"), 2),
            Err(FetchError::Status(201))
        ));
        assert!(matches!(
            check(response(200, None, "{}"), 2),
            Err(FetchError::ContentType(None))
        ));
        assert!(matches!(
            check(response(200, Some("text/html"), "{}"), 2),
            Err(FetchError::ContentType(Some(t))) if t == "text/html"
        ));
    }
}
