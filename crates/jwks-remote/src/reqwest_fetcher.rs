//! The default fetcher: reqwest over rustls.

use std::time::Duration;

use crate::FetchError;
use crate::fetch::{BoxFuture, FetchRequest, Fetcher};

/// Fetches with [`reqwest`]: rustls with the aws-lc-rs crypto provider and the platform's
/// certificate verifier, redirects never followed by the client, the body read chunk by
/// chunk and abandoned past the cap.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    client: reqwest::Client,
}

impl HttpFetcher {
    /// A client with a 5 s connect timeout and no redirect policy.
    ///
    /// # Errors
    /// [`FetchError::Transport`] when the TLS backend cannot be set up (e.g. no root
    /// certificates on the platform).
    pub fn new() -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("jwks-remote/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Transport(e.into()))?;
        Ok(Self { client })
    }

    /// Uses this client. Build it with `redirect(Policy::none())`: redirects are decided
    /// by [`Options::with_max_redirects`](crate::Options::with_max_redirects), which
    /// checks every target against the URL policy.
    #[must_use]
    pub const fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

impl Fetcher for HttpFetcher {
    fn fetch<'a>(
        &'a self,
        request: &'a FetchRequest,
    ) -> BoxFuture<'a, Result<http::Response<Vec<u8>>, FetchError>> {
        Box::pin(async move {
            let transport = |e: reqwest::Error| {
                if e.is_timeout() {
                    FetchError::Timeout(request.timeout)
                } else {
                    FetchError::Transport(e.without_url().into())
                }
            };
            let mut response = self
                .client
                .get(request.url.clone())
                .header(
                    http::header::ACCEPT,
                    "application/jwk-set+json, application/json",
                )
                .timeout(request.timeout)
                .send()
                .await
                .map_err(transport)?;
            let too_large = FetchError::TooLarge {
                limit: request.max_body,
            };
            if response
                .content_length()
                .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > request.max_body))
            {
                return Err(too_large);
            }
            let mut out = http::Response::builder().status(response.status());
            if let Some(headers) = out.headers_mut() {
                *headers = std::mem::take(response.headers_mut());
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                if body.len() + chunk.len() > request.max_body {
                    return Err(too_large);
                }
                body.extend_from_slice(&chunk);
            }
            out.body(body).map_err(|e| FetchError::Transport(e.into()))
        })
    }
}
