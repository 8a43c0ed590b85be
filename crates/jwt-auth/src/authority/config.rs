//! What an [`Authority`](super::Authority) issues and how: lifetimes, grace, leeway,
//! algorithm, encryption, clock, deny-list.

use std::sync::Arc;
use std::time::Duration;

use jwe::{EncryptionAlgorithm, EncryptionKey};
use jws::{Algorithm, Clock, SystemClock, Validation};

use crate::deny::Revocations;
use crate::keyring::KeyEncryptionKey;
use crate::{Audience, Issuer};

/// Thirty minutes: the default access-token lifetime.
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(30 * 60);
/// Thirty days: the default absolute lifetime of a session's refresh tokens.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// Fourteen days: the default idle lifetime of a refresh token.
pub const DEFAULT_REFRESH_IDLE: Duration = Duration::from_secs(14 * 24 * 3600);
/// Ten seconds: the default grace period of refresh-token rotation (see
/// [`AuthorityConfig::with_grace_period`]).
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);
/// Seven days: how long a revoked key stays in the ring (never published) by default.
pub const DEFAULT_REVOKED_KEY_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// What an [`Authority`](crate::Authority) issues and how.
#[derive(Debug, Clone)]
pub struct AuthorityConfig {
    pub(super) issuer: Issuer,
    pub(super) audience: Vec<Audience>,
    pub(super) alg: Algorithm,
    pub(super) access_ttl: u64,
    pub(super) refresh_ttl: u64,
    pub(super) refresh_idle: u64,
    pub(super) grace: u64,
    pub(super) leeway: u64,
    pub(super) revoked_retention: u64,
    pub(super) encrypt_to: Option<(EncryptionKey, EncryptionAlgorithm)>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) deny_list: Option<Arc<dyn Revocations>>,
    pub(super) kek: KeyEncryptionKey,
}

impl AuthorityConfig {
    /// An issuer (`iss`) issuing to an audience (`aud`), whose keys are sealed at rest by
    /// `kek`. Defaults: EdDSA, access tokens of 30 minutes, refresh tokens of 30 days
    /// absolute and 14 days idle, a grace period of 10 s, a leeway of 60 s, revoked keys
    /// kept 7 days, the system clock.
    #[must_use]
    pub fn new(issuer: Issuer, audience: Audience, kek: KeyEncryptionKey) -> Self {
        Self {
            issuer,
            audience: vec![audience],
            alg: Algorithm::EdDSA,
            access_ttl: DEFAULT_ACCESS_TTL.as_secs(),
            refresh_ttl: DEFAULT_REFRESH_TTL.as_secs(),
            refresh_idle: DEFAULT_REFRESH_IDLE.as_secs(),
            grace: DEFAULT_GRACE.as_secs(),
            leeway: Validation::DEFAULT_LEEWAY.as_secs(),
            revoked_retention: DEFAULT_REVOKED_KEY_RETENTION.as_secs(),
            encrypt_to: None,
            clock: Arc::new(SystemClock),
            deny_list: None,
            kek,
        }
    }

    /// Adds an audience.
    #[must_use]
    pub fn with_audience(mut self, audience: Audience) -> Self {
        self.audience.push(audience);
        self
    }

    /// The signing algorithm of new key rings (any algorithm `jws` signs with). The
    /// default stays `EdDSA`, which every JOSE implementation reads; RFC 9864's
    /// fully-specified `Ed25519` (the same signatures under the new name) is one call
    /// away once the resource servers accept it.
    #[must_use]
    pub fn with_algorithm(mut self, alg: Algorithm) -> Self {
        self.alg = alg;
        self
    }

    /// The access-token lifetime (whole seconds).
    #[must_use]
    pub const fn with_access_ttl(mut self, duration: Duration) -> Self {
        self.access_ttl = duration.as_secs();
        self
    }

    /// The absolute lifetime of a session's refresh tokens (whole seconds).
    #[must_use]
    pub const fn with_refresh_ttl(mut self, duration: Duration) -> Self {
        self.refresh_ttl = duration.as_secs();
        self
    }

    /// How long a refresh token may go unused (whole seconds).
    #[must_use]
    pub const fn with_refresh_idle(mut self, duration: Duration) -> Self {
        self.refresh_idle = duration.as_secs();
        self
    }

    /// The time during which a refresh token that was just rotated may be presented again
    /// and get **the same** successor (and a fresh access token): two tabs, or two
    /// requests racing after a page load, refresh at once without logging the user out.
    /// No second live token ever exists; presenting the token after its successor was
    /// used, an older token, or after the grace period is reuse and revokes the session.
    ///
    /// Default 10 s (Supabase uses 10 s, Okta 30 s, Auth0 none). The trade-off: a thief
    /// who replays a stolen token within the grace period of its legitimate rotation gets
    /// the same successor as the user, and the two then share one chain until the next
    /// presentation outside a grace period gives the theft away. 0 turns the grace off:
    /// every second presentation is reuse, at the price of logging out users whose tabs
    /// race.
    #[must_use]
    pub const fn with_grace_period(mut self, duration: Duration) -> Self {
        self.grace = duration.as_secs();
        self
    }

    /// The leeway resource servers allow past an access token's `exp` (60 s by default,
    /// as [`Validation`]): a retiring key is published until its last token's `exp` plus
    /// this.
    #[must_use]
    pub const fn with_leeway(mut self, duration: Duration) -> Self {
        self.leeway = duration.as_secs();
        self
    }

    /// How long a revoked key stays in the ring (never published, so that
    /// [`KeyRing::state`](crate::KeyRing::state) still answers for it) before it is pruned. Default 7 days.
    #[must_use]
    pub const fn with_revoked_key_retention(mut self, duration: Duration) -> Self {
        self.revoked_retention = duration.as_secs();
        self
    }

    /// Issues access tokens as nested JWTs: signed, then encrypted to `key` with `enc`,
    /// so that browsers and proxies cannot read their claims.
    #[must_use]
    pub fn with_encryption(mut self, key: EncryptionKey, enc: EncryptionAlgorithm) -> Self {
        self.encrypt_to = Some((key, enc));
        self
    }

    /// The clock (tests inject a [`ManualClock`](crate::ManualClock)).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Lists the sessions of logouts and of detected reuse, and revoked keys, in `list`,
    /// shared with the [`Authenticator`](crate::Authenticator)s that should refuse their
    /// access tokens: an in-process [`DenyList`](crate::DenyList) or a shared one
    /// (`RedisDenyList`, feature `redis`).
    #[must_use]
    pub fn with_deny_list<R: Revocations>(self, list: Arc<R>) -> Self {
        self.with_revocations(list)
    }

    /// As [`AuthorityConfig::with_deny_list`], for a list already behind a trait object.
    #[must_use]
    pub fn with_revocations(mut self, list: Arc<dyn Revocations>) -> Self {
        self.deny_list = Some(list);
        self
    }

    /// The issuer.
    #[must_use]
    pub const fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The audiences.
    #[must_use]
    pub fn audience(&self) -> &[Audience] {
        &self.audience
    }

    /// The access-token lifetime.
    #[must_use]
    pub const fn access_ttl(&self) -> Duration {
        Duration::from_secs(self.access_ttl)
    }

    /// The grace period of refresh-token rotation.
    #[must_use]
    pub const fn grace_period(&self) -> Duration {
        Duration::from_secs(self.grace)
    }

    /// The leeway allowed past `exp`.
    #[must_use]
    pub const fn leeway(&self) -> Duration {
        Duration::from_secs(self.leeway)
    }
}
