//! The issuer side: logins, refreshes, logouts, keys.

use std::marker::PhantomData;
use std::sync::RwLock;
use std::time::Duration;

use jwe::EncryptOptions;
use jws::{Claims, Header, JwkSet, NumericDate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::keyring::{KeyRing, KeyRingError};
use crate::store::{RefreshRecord, Rotation, RotationRequest, Store, StoreError};
use crate::token::{FamilyId, RefreshToken, random};
use crate::{AccessClaims, AuthError, Authenticator};

mod config;
mod keys;

pub use config::{
    AuthorityConfig, DEFAULT_ACCESS_TTL, DEFAULT_GRACE, DEFAULT_REFRESH_IDLE, DEFAULT_REFRESH_TTL,
    DEFAULT_REVOKED_KEY_RETENTION,
};

/// Optional details of a login, carried by every access token of the session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginOptions {
    /// `client_id` (RFC 9068): the client the tokens are for.
    pub client_id: Option<String>,
    /// `scope`: space-separated scopes.
    pub scope: Option<String>,
    /// Client metadata kept with the session (user agent, IP address...), never put in
    /// tokens.
    pub metadata: Option<serde_json::Value>,
}

/// What a session's access tokens carry, kept with its refresh tokens.
#[derive(Serialize, Deserialize)]
struct Session<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata: Option<serde_json::Value>,
    claims: T,
}

/// An access token and a refresh token, as a login or refresh returns them.
#[derive(Debug, Clone)]
pub struct TokenPair {
    /// The access token (a JWS, or a JWE around one): send it in
    /// `Authorization: Bearer`, keep it in memory.
    pub access_token: String,
    /// When the access token expires.
    pub access_expires_at: NumericDate,
    /// The refresh token: put it in an `HttpOnly` cookie ([`crate::cookie`]).
    pub refresh_token: RefreshToken,
    /// When the refresh token stops being usable (idle or absolute expiry, whichever is
    /// first).
    pub refresh_expires_at: NumericDate,
    /// The session (`sid`).
    pub session: FamilyId,
    /// The session's scopes (space-separated), as its access tokens carry them.
    pub scope: Option<String>,
    issued_at: NumericDate,
}

impl TokenPair {
    /// The access token's lifetime in seconds (OAuth `expires_in`).
    #[must_use]
    pub const fn expires_in(&self) -> Duration {
        Duration::from_secs(self.access_expires_at.secs_since(self.issued_at))
    }

    /// The refresh cookie's `Max-Age`.
    #[must_use]
    pub const fn refresh_max_age(&self) -> Duration {
        Duration::from_secs(self.refresh_expires_at.secs_since(self.issued_at))
    }
}

/// The issuer of a token-based authentication scheme: logs users in, rotates refresh
/// tokens, detects their reuse, logs out, rotates and revokes signing keys.
///
/// `T` is the application's own claims, carried by every access token of a session.
pub struct Authority<S: Store, T = ()> {
    config: AuthorityConfig,
    store: S,
    ring: RwLock<KeyRing>,
    /// Serializes changes of the ring (read, change, store, swap), so none is lost.
    ring_change: tokio::sync::Mutex<()>,
    claims: PhantomData<fn() -> T>,
}

impl<S: Store, T> std::fmt::Debug for Authority<S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("issuer", &self.config.issuer.as_str())
            .finish_non_exhaustive()
    }
}

fn random_id() -> Result<String, AuthError> {
    let mut jti = [0u8; 16];
    random(&mut jti)?;
    Ok(jws::base64url::encode(jti))
}

impl<S: Store, T: Serialize + DeserializeOwned> Authority<S, T> {
    /// Opens the authority on `store`: loads its sealed key ring, or generates one and
    /// stores it.
    ///
    /// # Errors
    /// [`AuthError::KeyRing`] when the stored ring cannot be opened with the configured
    /// key-encryption key or fails its integrity check; [`AuthError::StoreUnavailable`].
    pub async fn open(config: AuthorityConfig, store: S) -> Result<Self, AuthError> {
        let ring = match store.load_key_ring().await? {
            Some(doc) => KeyRing::open(&doc, &config.kek)?,
            None => {
                let ring = KeyRing::generate(config.alg.clone(), config.clock.now())?;
                match store
                    .save_key_ring(ring.version(), &ring.seal(&config.kek)?)
                    .await
                {
                    Ok(()) => ring,
                    // Another instance opening at the same moment stored its ring first.
                    Err(StoreError::Conflict(_)) => KeyRing::open(
                        &store.load_key_ring().await?.ok_or(KeyRingError::Missing)?,
                        &config.kek,
                    )?,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        Ok(Self {
            config,
            store,
            ring: RwLock::new(ring),
            ring_change: tokio::sync::Mutex::new(()),
            claims: PhantomData,
        })
    }

    /// The configuration.
    pub const fn config(&self) -> &AuthorityConfig {
        &self.config
    }

    /// The store.
    pub const fn store(&self) -> &S {
        &self.store
    }

    fn now(&self) -> NumericDate {
        self.config.clock.now()
    }

    fn ring(&self) -> std::sync::RwLockReadGuard<'_, KeyRing> {
        // Every change to the ring is complete before the lock is released.
        self.ring
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Logs `subject` in: a new session with its first token pair.
    ///
    /// # Errors
    /// [`AuthError::StoreUnavailable`]; [`AuthError::Serialize`] when `claims` do not
    /// serialize as a JSON object.
    pub async fn login(&self, subject: &str, claims: T) -> Result<TokenPair, AuthError> {
        self.login_with(subject, claims, LoginOptions::default())
            .await
    }

    /// [`Authority::login`] with a client id, scopes and client metadata.
    ///
    /// # Errors
    /// As [`Authority::login`].
    pub async fn login_with(
        &self,
        subject: &str,
        claims: T,
        options: LoginOptions,
    ) -> Result<TokenPair, AuthError> {
        let now = self.now();
        let session = Session {
            client_id: options.client_id,
            scope: options.scope,
            metadata: options.metadata,
            claims,
        };
        let session_json = serde_json::to_string(&session).map_err(AuthError::Serialize)?;
        let family = FamilyId::random()?;
        let expires_at = now.saturating_add(self.config.refresh_ttl);
        let (refresh_token, record) =
            self.new_record(&family, subject, now, expires_at, session_json)?;
        self.unrevoked_signing_key(now).await?;
        let access = self.access_token(subject, &family, &session, now)?;
        self.store.create_family(&record).await?;
        Ok(self.pair(access, refresh_token, &record, (family, session.scope), now))
    }

    fn new_record(
        &self,
        family: &FamilyId,
        subject: &str,
        now: NumericDate,
        expires_at: NumericDate,
        session: String,
    ) -> Result<(RefreshToken, RefreshRecord), AuthError> {
        let (token, id, secret_hash) = RefreshToken::generate()?;
        let idle = now.saturating_add(self.config.refresh_idle);
        Ok((
            token,
            RefreshRecord {
                id,
                secret_hash,
                family: family.clone(),
                subject: subject.to_owned(),
                issued_at: now,
                idle_expires_at: idle.min(expires_at),
                expires_at,
                consumed_at: None,
                successor: None,
                session,
            },
        ))
    }

    fn pair(
        &self,
        (access_token, access_expires_at): (String, NumericDate),
        refresh_token: RefreshToken,
        record: &RefreshRecord,
        (session, scope): (FamilyId, Option<String>),
        now: NumericDate,
    ) -> TokenPair {
        TokenPair {
            access_token,
            access_expires_at,
            refresh_token,
            refresh_expires_at: record.idle_expires_at,
            session,
            scope,
            issued_at: now,
        }
    }

    /// A new access token for the session.
    fn access_token(
        &self,
        subject: &str,
        family: &FamilyId,
        session: &Session<T>,
        now: NumericDate,
    ) -> Result<(String, NumericDate), AuthError> {
        let exp = now.saturating_add(self.config.access_ttl);
        let audience = match self.config.audience.as_slice() {
            [one] => jws::Audience::from(one.as_str()),
            many => jws::Audience::from(
                many.iter()
                    .map(|a| a.as_str().to_owned())
                    .collect::<Vec<_>>(),
            ),
        };
        let claims = Claims::new(AccessClaims {
            client_id: session.client_id.clone(),
            scope: session.scope.clone(),
            sid: family.as_str().to_owned(),
            custom: &session.claims,
        })
        .with_issuer(self.config.issuer.as_str())
        .with_subject(subject)
        .with_audience(audience)
        .with_issued_at(now)
        .with_expiry(exp)
        .with_jwt_id(random_id()?);
        let header = Header::default().with_typ("at+jwt");
        let signed = {
            let ring = self.ring();
            jws::sign_with_header(ring.active()?, header, &claims).map_err(AuthError::Sign)?
        };
        let token = match &self.config.encrypt_to {
            None => signed,
            Some((key, enc)) => jwe::encrypt(
                key,
                enc.clone(),
                signed.as_bytes(),
                &EncryptOptions::new().with_cty("JWT"),
            )
            .map_err(AuthError::Encrypt)?,
        };
        Ok((token, exp))
    }

    /// Lists a revoked session on the deny-list, if there is one.
    async fn deny(&self, family: &FamilyId, now: NumericDate) -> Result<(), AuthError> {
        if let Some(list) = &self.config.deny_list {
            list.revoke_session(family.as_str(), now).await?;
        }
        Ok(())
    }

    /// Looks a presented refresh token up and checks its secret in constant time.
    async fn check(
        &self,
        token: &str,
    ) -> Result<(crate::store::Found, zeroize::Zeroizing<[u8; 32]>), AuthError> {
        let (id, secret) = crate::token::split(token)?;
        let found = self
            .store
            .find(&id)
            .await?
            .ok_or(AuthError::InvalidRefreshToken)?;
        if !found.record.secret_hash.matches(&secret) {
            return Err(AuthError::InvalidRefreshToken);
        }
        Ok((found, secret))
    }

    /// Exchanges a refresh token for a new pair in the same session, consuming it.
    ///
    /// The rule ([`crate::store::rotation`]): the token is found and its secret checked;
    /// a revoked session answers [`AuthError::Revoked`]; a token used before answers, within
    /// the grace period and while its successor is unused, that same successor again (with
    /// a fresh access token), and otherwise [`AuthError::RefreshTokenReused`], revoking the
    /// session; only then does expiry count. A new successor keeps the session's absolute
    /// expiry.
    ///
    /// # Errors
    /// [`AuthError::InvalidRefreshToken`] for a malformed or unknown token;
    /// [`AuthError::RefreshTokenExpired`]; [`AuthError::Revoked`] for a session that was
    /// logged out; [`AuthError::RefreshTokenReused`] when the token had already been used:
    /// the whole session is then revoked; [`AuthError::StoreUnavailable`].
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let now = self.now();
        let (found, secret) = self.check(refresh_token).await?;
        let record = found.record;
        let (next_token, successor_id, successor_hash) = self
            .config
            .kek
            .successor_key()
            .successor(&record.id, &secret);
        let request = RotationRequest {
            id: record.id,
            now,
            grace: self.config.grace,
            idle: self.config.refresh_idle,
            successor_id,
            successor_hash,
        };
        match self.store.rotate(&request).await? {
            // Signed only once the rotation holds: a reused token costs no signature.
            Rotation::Rotated(next) | Rotation::Repeated(next) => {
                let session: Session<T> =
                    serde_json::from_str(&next.session).map_err(AuthError::Serialize)?;
                self.unrevoked_signing_key(now).await?;
                let access = self.access_token(&next.subject, &next.family, &session, now)?;
                let family = next.family.clone();
                Ok(self.pair(access, next_token, &next, (family, session.scope), now))
            }
            Rotation::Reused => {
                self.deny(&record.family, now).await?;
                Err(AuthError::RefreshTokenReused)
            }
            Rotation::Revoked => {
                // Listed again (idempotent): had listing failed when the session was
                // revoked, the client's retry lands here and lists it now.
                self.deny(&record.family, now).await?;
                Err(AuthError::Revoked)
            }
            Rotation::Expired => Err(AuthError::RefreshTokenExpired),
            Rotation::NotFound => Err(AuthError::InvalidRefreshToken),
        }
    }

    /// Logs out the session of this refresh token: the session is revoked (its refresh
    /// tokens never work again) and, with a deny-list, its access tokens are refused.
    ///
    /// # Errors
    /// [`AuthError::InvalidRefreshToken`]; [`AuthError::StoreUnavailable`].
    pub async fn logout(&self, refresh_token: &str) -> Result<(), AuthError> {
        let now = self.now();
        let (found, _secret) = self.check(refresh_token).await?;
        self.store.revoke_family(&found.record.family, now).await?;
        self.deny(&found.record.family, now).await
    }

    /// Logs `subject` out everywhere: every session revoked. Returns the sessions revoked.
    ///
    /// # Errors
    /// [`AuthError::StoreUnavailable`].
    pub async fn logout_all(&self, subject: &str) -> Result<Vec<FamilyId>, AuthError> {
        let now = self.now();
        let revoked = self.store.revoke_subject(subject, now).await?;
        for family in &revoked {
            self.deny(family, now).await?;
        }
        Ok(revoked)
    }

    /// Logs out everywhere the user whose refresh token this is (the web's "log out
    /// everywhere" button, authenticated by the refresh cookie): every session of the
    /// token's subject revoked. Returns the sessions revoked.
    ///
    /// The token must still belong to a live session (not revoked, not past its absolute
    /// expiry): a token from a session that has ended can no longer act for the user.
    ///
    /// # Errors
    /// [`AuthError::InvalidRefreshToken`]; [`AuthError::Revoked`];
    /// [`AuthError::RefreshTokenExpired`]; [`AuthError::StoreUnavailable`].
    pub async fn logout_everywhere(&self, refresh_token: &str) -> Result<Vec<FamilyId>, AuthError> {
        let now = self.now();
        let (found, _secret) = self.check(refresh_token).await?;
        if found.family_revoked {
            return Err(AuthError::Revoked);
        }
        if found.record.expires_at <= now {
            return Err(AuthError::RefreshTokenExpired);
        }
        self.logout_all(&found.record.subject).await
    }

    /// Deletes the records and sessions whose absolute expiry has passed, and prunes the
    /// key ring (retiring keys whose tokens have all expired, revoked keys past their
    /// retention). Run it from a periodic task; returns how many records went.
    ///
    /// # Errors
    /// [`AuthError::StoreUnavailable`]; [`AuthError::KeyRing`].
    pub async fn purge_expired(&self) -> Result<u64, AuthError> {
        let now = self.now();
        let purged = self.store.purge(now).await?;
        let prunable = self.ring().has_prunable(now, self.config.revoked_retention);
        if prunable {
            self.change_ring(|_| Ok(true)).await?;
        }
        Ok(purged)
    }

    /// A copy of the key ring (states, public keys).
    pub fn key_ring(&self) -> KeyRing {
        self.ring().clone()
    }

    /// The public JWK Set for resource servers (`/.well-known/jwks.json`).
    pub fn jwks(&self) -> JwkSet {
        self.ring().jwks(self.now())
    }

    /// An [`Authenticator`] for this authority's own access tokens: the ring's verifying
    /// keys (an HMAC ring's secret included: it stays in the process), this issuer and
    /// first audience, the configured clock and deny-list. For an issuer that also serves
    /// an API; build it again after [`Authority::rotate_keys`] or
    /// [`Authority::revoke_key`]. Nested (encrypted) access tokens also need
    /// [`Authenticator::with_decrypter`].
    ///
    /// # Errors
    /// [`AuthError::Key`], [`AuthError::NoUsableKey`] (never for a ring this crate made).
    pub fn authenticator(&self) -> Result<Authenticator, AuthError> {
        let mut set = JwkSet::default();
        for key in self.ring().verifying_keys(self.now()) {
            set.push(key.to_jwk());
        }
        let audience = self.config.audience.first().ok_or(AuthError::NoUsableKey)?;
        let authenticator = Authenticator::new(&set, &self.config.issuer, audience)?
            .with_clock(std::sync::Arc::clone(&self.config.clock));
        Ok(match &self.config.deny_list {
            Some(list) => authenticator.with_revocations(std::sync::Arc::clone(list)),
            None => authenticator,
        })
    }

    /// The `/.well-known/jwks.json` document.
    ///
    /// # Errors
    /// [`AuthError::Serialize`] (never in practice).
    pub fn jwks_json(&self) -> Result<String, AuthError> {
        serde_json::to_string(&self.jwks()).map_err(AuthError::Serialize)
    }
}
