//! `--jwks-url`: the trusted keys of `jose verify` and `jose jwt verify` fetched from an
//! issuer's JWK Set, by the rules of the `jwks-remote` crate.

use jwks_remote::{Error, FetchError, Options, RemoteJwkSet};
use jws::{Algorithm, Verifier};

use crate::error::{CliError, Result};

/// Fetches the set at `url` once and returns the verifier of its signature keys: each
/// key serves the `alg` it names, or the `allowed` algorithms when some are given.
pub(crate) fn verifier(
    url: &str,
    allowed: &[Algorithm],
    allow_http_loopback: bool,
) -> Result<Verifier> {
    let mut options = Options::default();
    if !allowed.is_empty() {
        options = options.with_allowed_algorithms(allowed);
    }
    if allow_http_loopback {
        options = options.allow_http_loopback();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the HTTP client: {e}")))?;
    let verifier = runtime.block_on(async {
        let remote = RemoteJwkSet::with_options(url, options)?;
        remote.refresh().await?;
        remote.verifier().await
    });
    verifier
        .map(std::sync::Arc::unwrap_or_clone)
        .map_err(|e| match e {
            Error::NotSignatureAlgorithm(alg) => {
                CliError::usage(format!("algorithm \"{alg}\" is not a signature algorithm"))
            }
            Error::Setup(e @ (FetchError::InsecureUrl { .. } | FetchError::InvalidUrl(_))) => {
                let hint = if matches!(e, FetchError::InsecureUrl { .. }) && !allow_http_loopback {
                    " (for a loopback test server: --allow-http-loopback)"
                } else {
                    ""
                };
                CliError::usage(format!("--jwks-url: {e}{hint}"))
            }
            other => CliError::key(format!("JWK Set at {url}: {other}")),
        })
}
