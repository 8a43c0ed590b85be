//! The scheme end to end: logins, access tokens, rotation, reuse, expiry, logout, the
//! deny-list, keys in every state, JWKS, cookies, errors.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jwt_auth::{Audience, Issuer};
use std::sync::Arc;
use std::time::Duration;

use jws::{Algorithm, NumericDate};
use jwt_auth::cookie::{CookieError, CookieOptions};
use jwt_auth::store::{Found, RefreshRecord, Rotation, RotationRequest, Store, StoreError};
use jwt_auth::{
    AccessClaims, AuthError, Authenticator, Authority, AuthorityConfig, DenyList, KeyEncryptionKey,
    KeyRingError, KeyState, LoginOptions, ManualClock, MemoryStore, TokenId,
};
use serde::{Deserialize, Serialize};

const T0: u64 = 1_800_000_000;
const ISS: &str = "https://auth.example";
const AUD: &str = "https://api.example";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct App {
    role: String,
    tenant: u32,
}

fn app() -> App {
    App {
        role: "admin".into(),
        tenant: 7,
    }
}

fn kek() -> KeyEncryptionKey {
    KeyEncryptionKey::new(&[7u8; 32]).unwrap()
}

struct Fixture<S: Store> {
    clock: ManualClock,
    deny: Arc<DenyList>,
    authority: Authority<S, App>,
}

async fn fixture_with<S: Store>(
    store: S,
    config: impl FnOnce(AuthorityConfig) -> AuthorityConfig,
) -> Fixture<S> {
    let clock = ManualClock::new(NumericDate::from_secs(T0).unwrap());
    let deny = Arc::new(DenyList::new(
        1000,
        Duration::from_secs(1800),
        Duration::from_secs(60),
    ));
    let config = config(
        AuthorityConfig::new(Issuer::new(ISS), Audience::new(AUD), kek())
            .with_clock(Arc::new(clock.clone()))
            .with_deny_list(Arc::clone(&deny)),
    );
    let authority = Authority::open(config, store).await.unwrap();
    Fixture {
        clock,
        deny,
        authority,
    }
}

async fn fixture() -> Fixture<MemoryStore> {
    fixture_with(MemoryStore::new(), |c| c).await
}

impl<S: Store> Fixture<S> {
    fn authenticator(&self) -> Authenticator {
        Authenticator::new(
            &self.authority.jwks(),
            &Issuer::new(ISS),
            &Audience::new(AUD),
        )
        .unwrap()
        .with_clock(Arc::new(self.clock.clone()))
        .with_deny_list(Arc::clone(&self.deny))
    }
}

fn header_of(token: &str) -> serde_json::Value {
    let seg = token.split('.').next().unwrap();
    serde_json::from_slice(&jws::base64url::decode(seg).unwrap()).unwrap()
}

#[tokio::test]
async fn access_tokens_follow_rfc_9068_and_verify_without_lookup() {
    let f = fixture().await;
    let pair = f
        .authority
        .login_with(
            "ann",
            app(),
            LoginOptions {
                client_id: Some("web".into()),
                scope: Some("read write".into()),
                metadata: Some(serde_json::json!({"ua": "test"})),
            },
        )
        .await
        .unwrap();
    assert_eq!(pair.expires_in(), Duration::from_secs(1800));
    assert_eq!(pair.refresh_max_age(), Duration::from_secs(14 * 86_400));
    let header = header_of(&pair.access_token);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(
        header["kid"].as_str(),
        f.authority.key_ring().active().unwrap().kid()
    );
    let verified = f
        .authenticator()
        .authenticate::<App>(&format!("Bearer {}", pair.access_token))
        .unwrap();
    let claims = verified.claims();
    assert_eq!(claims.iss.as_deref(), Some(ISS));
    assert_eq!(claims.sub.as_deref(), Some("ann"));
    assert!(claims.aud.as_ref().unwrap().contains(AUD));
    assert_eq!(claims.iat, Some(NumericDate::from_secs(T0).unwrap()));
    assert_eq!(claims.exp, Some(NumericDate::from_secs(T0 + 1800).unwrap()));
    assert_eq!(claims.jti.as_ref().unwrap().len(), 22);
    let access: &AccessClaims<App> = &claims.custom;
    assert_eq!(access.client_id.as_deref(), Some("web"));
    assert_eq!(access.scope.as_deref(), Some("read write"));
    assert_eq!(access.sid, pair.session.as_str());
    assert_eq!(access.custom, app());
    // Metadata stays on the server.
    // (The payload decoded: the token's base64 may hold "ua" by chance.)
    let payload = pair.access_token.split('.').nth(1).unwrap();
    let payload = String::from_utf8(jws::base64url::decode(payload).unwrap()).unwrap();
    assert!(
        !payload.contains("\"ua\"") && !payload.contains("test"),
        "{payload}"
    );
    // Another login: another session and jti.
    let other = f.authority.login("ann", app()).await.unwrap();
    assert_ne!(other.session, pair.session);
}

#[tokio::test]
async fn access_tokens_expire_and_say_so_without_leaking() {
    let f = fixture().await;
    let pair = f.authority.login("ann", app()).await.unwrap();
    let auth = f.authenticator();
    f.clock.advance(Duration::from_secs(1800 + 59));
    assert!(
        auth.authenticate::<App>(&pair.access_token).is_ok(),
        "60 s of leeway"
    );
    f.clock.advance(Duration::from_secs(2));
    let err = auth.authenticate::<App>(&pair.access_token).unwrap_err();
    assert!(matches!(err, AuthError::Expired), "{err}");
    assert_eq!(err.status(), 401);
    assert_eq!(
        err.www_authenticate("api"),
        r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#
    );
    // Invalid tokens of every kind say the same thing.
    // Another canonical last character (an Ed25519 signature's ends in A, Q, g or w): the
    // signature no longer holds.
    let mut forged = pair.access_token;
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'Q' } else { 'A' });
    for bad in [
        "",
        "Bearer ",
        "garbage",
        forged.as_str(),
        "Basic YWxhZGRpbjpvcGVu",
    ] {
        let err = auth.authenticate::<App>(bad).unwrap_err();
        let challenge = err.www_authenticate("api");
        assert!(
            challenge == r#"Bearer realm="api""#
                || challenge
                    == r#"Bearer realm="api", error="invalid_token", error_description="The access token is invalid""#,
            "{bad:?}: {challenge}"
        );
    }
    assert!(matches!(
        auth.authenticate::<App>(""),
        Err(AuthError::MissingToken)
    ));
}

#[tokio::test]
async fn tokens_of_another_issuer_audience_or_type_are_refused() {
    let f = fixture().await;
    let pair = f.authority.login("ann", app()).await.unwrap();
    let jwks = f.authority.jwks();
    let clock = Arc::new(f.clock.clone());
    for (iss, aud) in [
        ("https://evil.example", AUD),
        (ISS, "https://other.example"),
    ] {
        let auth = Authenticator::new(&jwks, &Issuer::new(iss), &Audience::new(aud))
            .unwrap()
            .with_clock(clock.clone());
        assert!(matches!(
            auth.authenticate::<App>(&pair.access_token),
            Err(AuthError::InvalidToken(_))
        ));
    }
    // A plain JWT signed by the same key is not an access token (typ).
    let key = f.authority.key_ring();
    let key = key.active().unwrap();
    let claims = jws::Claims::new(AccessClaims {
        client_id: None,
        scope: None,
        sid: "s".into(),
        custom: app(),
    })
    .with_issuer(ISS)
    .with_subject("ann")
    .with_audience(AUD)
    .with_jwt_id("j")
    .with_lifetime(
        NumericDate::from_secs(T0).unwrap(),
        Duration::from_secs(600),
    );
    let plain = jws::sign(key, &claims).unwrap();
    let err = f.authenticator().authenticate::<App>(&plain).unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::InvalidToken(jwt_auth::TokenError::Signature(jws::Error::Validation(
                jws::ValidationError::InvalidType { .. }
            )))
        ),
        "{err}"
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let f = fixture().await;
    let auth = f.authenticator();
    let first = f.authority.login("ann", app()).await.unwrap();
    f.clock.advance(Duration::from_secs(600));
    let second = f
        .authority
        .refresh(first.refresh_token.expose())
        .await
        .unwrap();
    assert_eq!(second.session, first.session, "same session");
    assert_ne!(second.refresh_token.expose(), first.refresh_token.expose());
    let claims = auth.authenticate::<App>(&second.access_token).unwrap();
    assert_eq!(claims.claims().custom.custom, app(), "claims carried over");
    assert_eq!(
        claims.claims().iat,
        Some(NumericDate::from_secs(T0 + 600).unwrap())
    );
    let third = f
        .authority
        .refresh(second.refresh_token.expose())
        .await
        .unwrap();

    // The first token, stolen and replayed: reuse, the session dies.
    let err = f
        .authority
        .refresh(first.refresh_token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::RefreshTokenReused), "{err}");
    assert_eq!(err.status(), 401);
    let err = f
        .authority
        .refresh(third.refresh_token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Revoked), "{err}");
    // With the deny-list, its access tokens stop at once too.
    assert!(matches!(
        auth.authenticate::<App>(&third.access_token),
        Err(AuthError::SessionRevoked)
    ));
    // Other sessions live on.
    let other = f.authority.login("ann", app()).await.unwrap();
    assert!(
        f.authority
            .refresh(other.refresh_token.expose())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_grace_period_lets_two_tabs_refresh_at_once_without_forking() {
    let f = fixture().await;
    let auth = f.authenticator();
    let first = f.authority.login("ann", app()).await.unwrap();
    let a = f
        .authority
        .refresh(first.refresh_token.expose())
        .await
        .unwrap();
    f.clock.advance(Duration::from_secs(5));
    let b = f
        .authority
        .refresh(first.refresh_token.expose())
        .await
        .unwrap();
    assert_eq!(a.session, b.session);
    assert_eq!(
        a.refresh_token.expose(),
        b.refresh_token.expose(),
        "the second tab gets the same successor: no second live token"
    );
    assert_ne!(a.access_token, b.access_token, "but a fresh access token");
    assert!(auth.authenticate::<App>(&b.access_token).is_ok());
    // The successor is used (by either tab); the parent presented again, even within its
    // grace period, is now reuse: the session dies.
    let c = f.authority.refresh(a.refresh_token.expose()).await.unwrap();
    f.clock.advance(Duration::from_secs(1));
    let err = f
        .authority
        .refresh(first.refresh_token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::RefreshTokenReused), "{err}");
    assert!(matches!(
        f.authority.refresh(c.refresh_token.expose()).await,
        Err(AuthError::Revoked)
    ));
    assert!(matches!(
        auth.authenticate::<App>(&c.access_token),
        Err(AuthError::SessionRevoked)
    ));

    // After the grace period, a repeat is reuse.
    let first = f.authority.login("ann", app()).await.unwrap();
    f.authority
        .refresh(first.refresh_token.expose())
        .await
        .unwrap();
    f.clock.advance(Duration::from_secs(10));
    assert!(matches!(
        f.authority.refresh(first.refresh_token.expose()).await,
        Err(AuthError::RefreshTokenReused)
    ));
    // With the grace turned off, a repeat right away is reuse.
    let f = fixture_with(MemoryStore::new(), |c| {
        c.with_grace_period(Duration::from_secs(0))
    })
    .await;
    let first = f.authority.login("ann", app()).await.unwrap();
    f.authority
        .refresh(first.refresh_token.expose())
        .await
        .unwrap();
    assert!(matches!(
        f.authority.refresh(first.refresh_token.expose()).await,
        Err(AuthError::RefreshTokenReused)
    ));
}

/// A stolen token replayed after it expired still gives the theft away: reuse detection
/// runs before the expiry check.
#[tokio::test]
async fn an_expired_consumed_token_is_reuse_not_expiry() {
    let f = fixture_with(MemoryStore::new(), |c| {
        c.with_refresh_ttl(Duration::from_secs(10_000))
            .with_refresh_idle(Duration::from_secs(3_000))
    })
    .await;
    for wait in [3_000, 10_000] {
        let first = f.authority.login("ann", app()).await.unwrap();
        let second = f
            .authority
            .refresh(first.refresh_token.expose())
            .await
            .unwrap();
        f.clock.advance(Duration::from_secs(wait));
        let err = f
            .authority
            .refresh(first.refresh_token.expose())
            .await
            .unwrap_err();
        assert!(
            matches!(err, AuthError::RefreshTokenReused),
            "{wait}: {err}"
        );
        assert!(matches!(
            f.authority.refresh(second.refresh_token.expose()).await,
            Err(AuthError::Revoked)
        ));
    }
}

#[tokio::test]
async fn refresh_tokens_expire_idle_and_absolute() {
    let f = fixture_with(MemoryStore::new(), |c| {
        c.with_refresh_ttl(Duration::from_secs(10_000))
            .with_refresh_idle(Duration::from_secs(3_000))
    })
    .await;
    // Idle: unused for 3000 s.
    let pair = f.authority.login("ann", app()).await.unwrap();
    assert_eq!(pair.refresh_max_age(), Duration::from_secs(3_000));
    f.clock.advance(Duration::from_secs(3_000));
    assert!(matches!(
        f.authority.refresh(pair.refresh_token.expose()).await,
        Err(AuthError::RefreshTokenExpired)
    ));
    // Used every 2500 s it lives on, but never past the absolute 10000 s.
    let mut pair = f.authority.login("ann", app()).await.unwrap();
    for _ in 0..3 {
        f.clock.advance(Duration::from_secs(2_500));
        pair = f
            .authority
            .refresh(pair.refresh_token.expose())
            .await
            .unwrap();
    }
    assert_eq!(
        pair.refresh_max_age(),
        Duration::from_secs(2_500),
        "capped by the absolute expiry"
    );
    f.clock.advance(Duration::from_secs(2_500));
    assert!(matches!(
        f.authority.refresh(pair.refresh_token.expose()).await,
        Err(AuthError::RefreshTokenExpired)
    ));
}

#[tokio::test]
async fn logout_and_logout_everywhere() {
    let f = fixture().await;
    let auth = f.authenticator();
    let a1 = f.authority.login("ann", app()).await.unwrap();
    let a2 = f.authority.login("ann", app()).await.unwrap();
    let a3 = f.authority.login("ann", app()).await.unwrap();
    let bob = f.authority.login("bob", app()).await.unwrap();

    f.authority.logout(a1.refresh_token.expose()).await.unwrap();
    assert!(matches!(
        f.authority.refresh(a1.refresh_token.expose()).await,
        Err(AuthError::Revoked)
    ));
    assert!(matches!(
        auth.authenticate::<App>(&a1.access_token),
        Err(AuthError::SessionRevoked)
    ));
    assert!(auth.authenticate::<App>(&a2.access_token).is_ok());

    let revoked = f.authority.logout_all("ann").await.unwrap();
    let mut expected = vec![a2.session.clone(), a3.session.clone()];
    expected.sort();
    assert_eq!(revoked, expected);
    for p in [&a2, &a3] {
        assert!(matches!(
            f.authority.refresh(p.refresh_token.expose()).await,
            Err(AuthError::Revoked)
        ));
        assert!(matches!(
            auth.authenticate::<App>(&p.access_token),
            Err(AuthError::SessionRevoked)
        ));
    }
    assert!(auth.authenticate::<App>(&bob.access_token).is_ok());
    assert!(
        f.authority
            .refresh(bob.refresh_token.expose())
            .await
            .is_ok()
    );
    // Without a deny-list, access tokens of a logged-out session live until exp.
    let plain = Authenticator::new(&f.authority.jwks(), &Issuer::new(ISS), &Audience::new(AUD))
        .unwrap()
        .with_clock(Arc::new(f.clock.clone()));
    assert!(plain.authenticate::<App>(&a2.access_token).is_ok());
    // The deny-list forgets a session once its access tokens have expired, leeway
    // included.
    let iat = NumericDate::from_secs(T0).unwrap();
    f.clock.advance(Duration::from_secs(1859));
    assert!(
        f.deny
            .is_denied(a2.session.as_str(), iat, jws::Clock::now(&f.clock))
    );
    f.clock.advance(Duration::from_secs(1));
    assert!(
        !f.deny
            .is_denied(a2.session.as_str(), iat, jws::Clock::now(&f.clock))
    );
}

#[tokio::test]
async fn malformed_unknown_and_wrong_secret_refresh_tokens() {
    let f = fixture().await;
    let pair = f.authority.login("ann", app()).await.unwrap();
    let good = pair.refresh_token.expose().to_owned();
    // A well-formed token whose id is unknown here.
    let other = fixture().await;
    let unknown = other
        .authority
        .login("ann", app())
        .await
        .unwrap()
        .refresh_token
        .expose()
        .to_owned();
    // The right id with another secret: refused, and the session is not touched.
    let (id_part, secret) = good[4..].split_once('.').unwrap();
    let mut wrong = secret.as_bytes().to_vec();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    let wrong_secret = format!("rt1.{id_part}.{}", String::from_utf8(wrong).unwrap());
    for bad in [
        String::new(),
        "rt1.".into(),
        good[..good.len() - 1].to_owned(),
        format!("{good}x"),
        good.replace('.', "!"),
        format!("{}*", &good[..good.len() - 1]),
        unknown,
        wrong_secret,
    ] {
        let err = f.authority.refresh(&bad).await.unwrap_err();
        assert!(
            matches!(err, AuthError::InvalidRefreshToken),
            "{bad:?}: {err}"
        );
        assert!(matches!(
            f.authority.logout(&bad).await,
            Err(AuthError::InvalidRefreshToken)
        ));
    }
    // None of that consumed or revoked anything.
    assert!(f.authority.refresh(&good).await.is_ok());
    assert_eq!(jwt_auth::REFRESH_TOKEN_LEN, good.len());
    assert!(!format!("{:?}", pair.refresh_token).contains(&good[10..]));
}

#[tokio::test]
async fn key_rotation_and_revocation() {
    let f = fixture().await;
    let ring = f.authority.key_ring();
    let states = ring.states();
    assert_eq!(states.len(), 2);
    assert_eq!(states[0].1, KeyState::Active);
    assert_eq!(states[1].1, KeyState::Next);
    let (k1, k2) = (states[0].0.clone(), states[1].0.clone());
    // JWKS: public keys of active and next, with kid, alg, use.
    let jwks: serde_json::Value = serde_json::from_str(&f.authority.jwks_json().unwrap()).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for k in keys {
        assert!(k.get("d").is_none(), "public parts only: {k}");
        assert_eq!(k["alg"], "EdDSA");
        assert_eq!(k["use"], "sig");
    }
    let old = f.authority.login("ann", app()).await.unwrap();

    // rotate: k1 retiring, k2 active, k3 next.
    f.authority.rotate_keys().await.unwrap();
    let states = f.authority.key_ring().states();
    assert_eq!(
        states[0],
        (
            k1.clone(),
            KeyState::Retiring {
                until: NumericDate::from_secs(T0 + 1800 + 60).unwrap()
            }
        )
    );
    assert_eq!(states[1], (k2.clone(), KeyState::Active));
    assert_eq!(states[2].1, KeyState::Next);
    let k3 = states[2].0.clone();
    let new = f.authority.login("ann", app()).await.unwrap();
    assert_eq!(header_of(&new.access_token)["kid"], k2.as_str());
    // Resource servers with the new JWKS accept both.
    let auth = f.authenticator();
    assert!(
        auth.authenticate::<App>(&old.access_token).is_ok(),
        "retiring still verifies"
    );
    assert!(auth.authenticate::<App>(&new.access_token).is_ok());
    assert_eq!(f.authority.jwks().keys().len(), 3);

    // Until every token of k1 has expired (leeway included) it stays published...
    f.clock.advance(Duration::from_secs(1859));
    assert!(f.authority.jwks().get(&k1).is_some());
    assert!(
        f.authenticator()
            .authenticate::<App>(&old.access_token)
            .is_ok(),
        "exp + leeway not yet passed"
    );
    // ...then it is not, and the next rotation drops it.
    f.clock.advance(Duration::from_secs(1));
    assert!(f.authority.jwks().get(&k1).is_none());
    f.authority.rotate_keys().await.unwrap();
    let kids: Vec<String> = f
        .authority
        .key_ring()
        .states()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(!kids.contains(&k1), "{kids:?}");
    assert_eq!(
        f.authority.key_ring().state(&k2),
        Some(KeyState::Retiring {
            until: NumericDate::from_secs(T0 + 1860 + 1860).unwrap()
        })
    );
    assert_eq!(f.authority.key_ring().state(&k3), Some(KeyState::Active));

    // revoke the active key (compromised): the next key takes over at once, and tokens the
    // revoked key signed are refused by resource servers with the new JWKS.
    let before = f.authority.login("ann", app()).await.unwrap();
    assert_eq!(header_of(&before.access_token)["kid"], k3.as_str());
    f.authority.revoke_key(&k3).await.unwrap();
    assert!(matches!(
        f.authority.key_ring().state(&k3),
        Some(KeyState::Revoked { .. })
    ));
    let jwks = f.authority.jwks();
    assert!(jwks.get(&k3).is_none(), "a revoked key is not published");
    let auth = f.authenticator();
    assert!(matches!(
        auth.authenticate::<App>(&before.access_token),
        Err(AuthError::InvalidToken(_))
    ));
    let after = f.authority.login("ann", app()).await.unwrap();
    assert_ne!(header_of(&after.access_token)["kid"], k3.as_str());
    assert!(auth.authenticate::<App>(&after.access_token).is_ok());
    // Revoking the next key: it is never published again, a new next takes its place.
    let next = f
        .authority
        .key_ring()
        .states()
        .into_iter()
        .find(|(_, s)| *s == KeyState::Next)
        .unwrap()
        .0;
    f.authority.revoke_key(&next).await.unwrap();
    assert!(matches!(
        f.authority.key_ring().state(&next),
        Some(KeyState::Revoked { .. })
    ));
    assert!(f.authority.jwks().get(&next).is_none());
    let states = f.authority.key_ring().states();
    assert_eq!(
        states.iter().filter(|(_, s)| *s == KeyState::Next).count(),
        1
    );
    assert_eq!(
        states
            .iter()
            .filter(|(_, s)| *s == KeyState::Active)
            .count(),
        1
    );
    // Revoking a retiring key, and an unknown kid.
    f.authority.revoke_key(&k2).await.unwrap();
    assert!(
        f.authenticator()
            .authenticate::<App>(&new.access_token)
            .is_err()
    );
    assert!(matches!(
        f.authority.revoke_key("nope").await,
        Err(AuthError::KeyRing(KeyRingError::UnknownKid))
    ));
}

#[tokio::test]
async fn the_key_ring_is_sealed_at_rest_and_reloads() {
    let store = Arc::new(MemoryStore::new());
    let f = fixture_with(Arc::clone(&store), |c| c).await;
    f.authority.rotate_keys().await.unwrap();
    let states = f.authority.key_ring().states();
    let doc = store.load_key_ring().await.unwrap().unwrap();
    // No private key material in the clear.
    let private = f
        .authority
        .key_ring()
        .active()
        .unwrap()
        .to_jwk()
        .to_private_json()
        .unwrap();
    let d: serde_json::Value = serde_json::from_str(&private).unwrap();
    assert!(!doc.contains(d["d"].as_str().unwrap()));
    assert!(!doc.contains("\"d\""));
    // Reopened with the same KEK: the same keys and states.
    let again: Authority<_, App> = Authority::open(
        AuthorityConfig::new(Issuer::new(ISS), Audience::new(AUD), kek())
            .with_clock(Arc::new(f.clock.clone())),
        Arc::clone(&store),
    )
    .await
    .unwrap();
    assert_eq!(again.key_ring().states(), states);
    let pair = again.login("ann", app()).await.unwrap();
    assert!(
        f.authenticator()
            .authenticate::<App>(&pair.access_token)
            .is_ok()
    );
    // With another KEK: refused.
    let wrong = KeyEncryptionKey::new(&[8u8; 32]).unwrap();
    let err = Authority::<_, App>::open(
        AuthorityConfig::new(Issuer::new(ISS), Audience::new(AUD), wrong),
        store,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AuthError::KeyRing(KeyRingError::Integrity)),
        "{err}"
    );
    assert_eq!(err.status(), 500);
}

#[tokio::test]
async fn other_algorithms_and_nested_access_tokens() {
    for alg in [Algorithm::ES256, Algorithm::PS256, Algorithm::HS256] {
        let f = fixture_with(MemoryStore::new(), |c| c.with_algorithm(alg.clone())).await;
        let pair = f.authority.login("ann", app()).await.unwrap();
        assert_eq!(header_of(&pair.access_token)["alg"], alg.as_str());
        if alg == Algorithm::HS256 {
            // A shared secret is never published: the JWK Set is empty, and a resource
            // server cannot be built from it (it needs the secret some other way).
            let jwks = f.authority.jwks();
            assert!(jwks.keys().is_empty(), "{:?}", jwks.keys());
            assert!(matches!(
                Authenticator::new(&jwks, &Issuer::new(ISS), &Audience::new(AUD)),
                Err(AuthError::NoUsableKey)
            ));
        } else {
            assert!(
                f.authenticator()
                    .authenticate::<App>(&pair.access_token)
                    .is_ok(),
                "{alg}"
            );
        }
    }
    // Nested: signed, then encrypted to the resource server's key.
    let rs_key = jwe::DecryptionKey::generate_with(
        Algorithm::ECDH_ES_A256KW,
        &jwe::KeySpec::new().with_curve(jwe::Curve::X25519),
    )
    .unwrap();
    let f = fixture_with(MemoryStore::new(), |c| {
        c.with_encryption(rs_key.encryption_key(), jwe::EncryptionAlgorithm::A256GCM)
    })
    .await;
    let pair = f.authority.login("ann", app()).await.unwrap();
    assert_eq!(pair.access_token.split('.').count(), 5, "a JWE");
    assert!(
        f.authenticator()
            .authenticate::<App>(&pair.access_token)
            .is_err(),
        "no decrypter"
    );
    let auth = f.authenticator().with_decrypter(
        jwe::Decrypter::new(rs_key)
            .with_allowed_encryption_algorithms(&[jwe::EncryptionAlgorithm::A256GCM])
            .unwrap(),
    );
    let verified = auth.authenticate::<App>(&pair.access_token).unwrap();
    assert_eq!(verified.claims().sub.as_deref(), Some("ann"));
}

#[tokio::test]
async fn cookies() {
    let f = fixture().await;
    let options = CookieOptions::new();
    let pair = f.authority.login("ann", app()).await.unwrap();
    let set = options.set_cookie(&pair.refresh_token, pair.refresh_max_age());
    assert_eq!(
        set,
        format!(
            "__Host-refresh={}; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Strict",
            pair.refresh_token.expose()
        )
    );
    assert!(!set.contains("Domain"));
    let header = format!(
        "theme=dark; __Host-refresh={}; other=1",
        pair.refresh_token.expose()
    );
    let read = options.read(&header).unwrap();
    assert_eq!(read.expose(), pair.refresh_token.expose());
    assert!(f.authority.refresh(read.expose()).await.is_ok());
    // Cookie tossing: a second cookie of the name (say, planted by a sibling subdomain for
    // a wider path) is refused, whichever comes first, and says nothing to the client.
    let planted = f.authority.login("mallory", app()).await.unwrap();
    for header in [
        format!(
            "__Host-refresh={}; __Host-refresh={}",
            planted.refresh_token.expose(),
            pair.refresh_token.expose()
        ),
        format!(
            "__Host-refresh={}; __Host-refresh={}",
            pair.refresh_token.expose(),
            planted.refresh_token.expose()
        ),
    ] {
        let err = AuthError::from(options.read(&header).unwrap_err());
        assert!(
            matches!(err, AuthError::Cookie(CookieError::Duplicate)),
            "{err}"
        );
        assert_eq!(err.status(), 401);
        assert!(!err.www_authenticate("api").contains("cookie"));
    }
    assert_eq!(
        options.read("__Host-refresh=garbage").unwrap_err(),
        CookieError::Malformed
    );
    assert_eq!(
        options.read("refresh=x; a=b").unwrap_err(),
        CookieError::Missing
    );
    let lax = CookieOptions::new()
        .with_name("__Host-rt")
        .unwrap()
        .with_same_site(jwt_auth::cookie::SameSite::Lax);
    assert!(
        lax.set_cookie(&pair.refresh_token, Duration::from_secs(60))
            .ends_with("Max-Age=60; HttpOnly; Secure; SameSite=Lax")
    );
    assert!(
        lax.set_cookie(&pair.refresh_token, Duration::from_secs(60))
            .starts_with("__Host-rt=")
    );
    assert_eq!(
        CookieOptions::new().with_name("refresh").unwrap_err(),
        CookieError::NameWithoutHostPrefix
    );
    assert_eq!(
        CookieOptions::new()
            .with_name("__Host-bad name;")
            .unwrap_err(),
        CookieError::InvalidName
    );
}

/// Two tabs (or sixteen requests) refresh with the same token at once: with the default
/// grace period they all get the same successor and the session lives on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_within_grace_share_one_successor() {
    let f = Arc::new(fixture().await);
    assert_eq!(f.authority.config().grace_period(), Duration::from_secs(10));
    let auth = f.authenticator();
    let pair = f.authority.login("ann", app()).await.unwrap();
    let token = pair.refresh_token.expose().to_owned();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let f = Arc::clone(&f);
            let token = token.clone();
            tokio::spawn(async move { f.authority.refresh(&token).await })
        })
        .collect();
    let mut pairs = Vec::new();
    for t in tasks {
        pairs.push(t.await.unwrap().unwrap());
    }
    let successor = pairs[0].refresh_token.expose().to_owned();
    let mut jtis = std::collections::HashSet::new();
    for p in &pairs {
        assert_eq!(p.refresh_token.expose(), successor, "one successor for all");
        assert_eq!(p.session, pair.session);
        let claims = auth.authenticate::<App>(&p.access_token).unwrap();
        jtis.insert(claims.claims().jti.clone().unwrap());
    }
    assert_eq!(jtis.len(), pairs.len(), "each gets a fresh access token");
    // The session goes on from the one successor.
    let next = f.authority.refresh(&successor).await.unwrap();
    assert!(auth.authenticate::<App>(&next.access_token).is_ok());
}

/// Without grace, many refreshes with one token have one winner and revoke the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_without_grace_have_one_winner() {
    let f = Arc::new(
        fixture_with(MemoryStore::new(), |c| {
            c.with_grace_period(Duration::from_secs(0))
        })
        .await,
    );
    let pair = f.authority.login("ann", app()).await.unwrap();
    let token = pair.refresh_token.expose().to_owned();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let f = Arc::clone(&f);
            let token = token.clone();
            tokio::spawn(async move { f.authority.refresh(&token).await })
        })
        .collect();
    let mut winners = Vec::new();
    let mut reused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(p) => winners.push(p),
            Err(AuthError::RefreshTokenReused) => reused += 1,
            Err(AuthError::Revoked) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert!(reused >= 1);
    assert!(matches!(
        f.authority.refresh(winners[0].refresh_token.expose()).await,
        Err(AuthError::Revoked)
    ));
}

/// A store whose database is down.
struct DownStore;

fn down() -> StoreError {
    StoreError::Unavailable("connection refused".into())
}

impl Store for DownStore {
    async fn create_family(&self, _: &RefreshRecord) -> Result<(), StoreError> {
        Err(down())
    }
    async fn find(&self, _: &TokenId) -> Result<Option<Found>, StoreError> {
        Err(down())
    }
    async fn rotate(&self, _: &RotationRequest) -> Result<Rotation, StoreError> {
        Err(down())
    }
    async fn revoke_family(
        &self,
        _: &jwt_auth::FamilyId,
        _: NumericDate,
    ) -> Result<bool, StoreError> {
        Err(down())
    }
    async fn revoke_subject(
        &self,
        _: &str,
        _: NumericDate,
    ) -> Result<Vec<jwt_auth::FamilyId>, StoreError> {
        Err(down())
    }
    async fn save_key_ring(&self, _: u64, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn load_key_ring(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    async fn purge(&self, _: NumericDate) -> Result<u64, StoreError> {
        Err(down())
    }
}

#[tokio::test]
async fn a_store_outage_is_its_own_error() {
    let f = fixture_with(DownStore, |c| c).await;
    let err = f.authority.login("ann", app()).await.unwrap_err();
    assert!(matches!(err, AuthError::StoreUnavailable(_)));
    assert_eq!(err.status(), 503);
    assert_eq!(err.www_authenticate("api"), r#"Bearer realm="api""#);
    let elsewhere = fixture().await;
    let token = elsewhere
        .authority
        .login("ann", app())
        .await
        .unwrap()
        .refresh_token;
    assert!(matches!(
        f.authority.refresh(token.expose()).await,
        Err(AuthError::StoreUnavailable(_))
    ));
    assert!(matches!(
        f.authority.logout_all("ann").await,
        Err(AuthError::StoreUnavailable(_))
    ));
}

/// A logged-out session's access token stays refused until it can no longer verify at all
/// (exp plus the verifier's leeway), and a full deny-list refuses rather than forgets.
#[tokio::test]
async fn the_deny_list_covers_the_leeway_and_fails_closed_when_full() {
    let f = fixture().await;
    let auth = f.authenticator();
    let pair = f.authority.login("ann", app()).await.unwrap();
    f.authority
        .logout(pair.refresh_token.expose())
        .await
        .unwrap();
    // exp = T0 + 1800; the verifier accepts it until T0 + 1860.
    f.clock.advance(Duration::from_secs(1859));
    assert!(matches!(
        auth.authenticate::<App>(&pair.access_token),
        Err(AuthError::SessionRevoked)
    ));
    f.clock.advance(Duration::from_secs(1));
    assert!(matches!(
        auth.authenticate::<App>(&pair.access_token),
        Err(AuthError::Expired)
    ));

    // A list of two: three logouts, the oldest entry has to go.
    let clock = ManualClock::new(NumericDate::from_secs(T0).unwrap());
    let deny = Arc::new(DenyList::new(
        2,
        Duration::from_secs(1800),
        Duration::from_secs(60),
    ));
    let authority: Authority<_, App> = Authority::open(
        AuthorityConfig::new(Issuer::new(ISS), Audience::new(AUD), kek())
            .with_clock(Arc::new(clock.clone()))
            .with_deny_list(Arc::clone(&deny)),
        MemoryStore::new(),
    )
    .await
    .unwrap();
    let auth = Authenticator::new(&authority.jwks(), &Issuer::new(ISS), &Audience::new(AUD))
        .unwrap()
        .with_clock(Arc::new(clock.clone()))
        .with_deny_list(Arc::clone(&deny));
    let bystander = authority.login("bob", app()).await.unwrap();
    let mut sessions = Vec::new();
    for _ in 0..3 {
        sessions.push(authority.login("ann", app()).await.unwrap());
    }
    clock.advance(Duration::from_secs(1));
    for s in &sessions {
        authority.logout(s.refresh_token.expose()).await.unwrap();
    }
    assert_eq!(deny.evicted(), 1);
    for s in &sessions {
        assert!(
            matches!(
                auth.authenticate::<App>(&s.access_token),
                Err(AuthError::SessionRevoked)
            ),
            "every logged-out session stays refused"
        );
    }
    // The bystander's older token is refused too (fail closed); it refreshes and goes on.
    assert!(matches!(
        auth.authenticate::<App>(&bystander.access_token),
        Err(AuthError::SessionRevoked)
    ));
    clock.advance(Duration::from_secs(1));
    let fresh = authority
        .refresh(bystander.refresh_token.expose())
        .await
        .unwrap();
    assert!(auth.authenticate::<App>(&fresh.access_token).is_ok());
}

/// The defaults are the documented ones, and the configuration reads back what was set.
#[tokio::test]
async fn the_configuration_says_what_it_does() {
    assert_eq!(jwt_auth::DEFAULT_ACCESS_TTL, Duration::from_secs(30 * 60));
    assert_eq!(
        jwt_auth::DEFAULT_REFRESH_TTL,
        Duration::from_secs(30 * 86_400)
    );
    assert_eq!(
        jwt_auth::DEFAULT_REFRESH_IDLE,
        Duration::from_secs(14 * 86_400)
    );
    assert_eq!(jwt_auth::DEFAULT_GRACE, Duration::from_secs(10));
    assert_eq!(
        jwt_auth::DEFAULT_REVOKED_KEY_RETENTION,
        Duration::from_secs(7 * 86_400)
    );
    let config = AuthorityConfig::new(Issuer::new(ISS), Audience::new(AUD), kek());
    assert_eq!(config.issuer(), &Issuer::new(ISS));
    assert_eq!(config.audience(), [Audience::new(AUD)]);
    assert_eq!(config.access_ttl(), Duration::from_secs(1800));
    assert_eq!(config.grace_period(), Duration::from_secs(10));
    assert_eq!(config.leeway(), Duration::from_secs(60));
    let config = config
        .with_audience(Audience::new("https://other.example"))
        .with_access_ttl(Duration::from_secs(300))
        .with_grace_period(Duration::from_secs(0))
        .with_leeway(Duration::from_secs(5));
    assert_eq!(
        config.audience(),
        [Audience::new(AUD), Audience::new("https://other.example")]
    );
    assert_eq!(
        (config.access_ttl(), config.grace_period(), config.leeway()),
        (
            Duration::from_secs(300),
            Duration::ZERO,
            Duration::from_secs(5)
        )
    );
    // The defaults at work: a revoked key stays 7 days in the ring, no longer.
    let f = fixture().await;
    assert!(
        format!("{:?}", f.authority).starts_with("Authority { issuer: \"https://auth.example\"")
    );
    let next = f.authority.key_ring().states()[1].0.clone();
    f.authority.revoke_key(&next).await.unwrap();
    f.clock.advance(Duration::from_secs(7 * 86_400 - 1));
    f.authority.purge_expired().await.unwrap();
    assert!(f.authority.key_ring().state(&next).is_some());
    f.clock.advance(Duration::from_secs(1));
    f.authority.purge_expired().await.unwrap();
    assert_eq!(f.authority.key_ring().state(&next), None);
}

/// RFC 9864's `Ed25519` is one configuration away; `EdDSA` stays the default until peers
/// catch up.
#[tokio::test]
async fn access_tokens_can_be_signed_as_ed25519() {
    let f = fixture().await;
    assert_eq!(f.authority.key_ring().alg(), &Algorithm::EdDSA);
    let f = fixture_with(MemoryStore::new(), |c| c.with_algorithm(Algorithm::Ed25519)).await;
    let pair = f.authority.login("ann", app()).await.unwrap();
    assert_eq!(header_of(&pair.access_token)["alg"], "Ed25519");
    let jwks: serde_json::Value = serde_json::from_str(&f.authority.jwks_json().unwrap()).unwrap();
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["alg"] == "Ed25519")
    );
    let claims = f
        .authenticator()
        .authenticate::<App>(&pair.access_token)
        .unwrap();
    assert_eq!(claims.claims().sub.as_deref(), Some("ann"));
    // The ring reloads with its algorithm.
    f.authority.rotate_keys().await.unwrap();
    let next = f.authority.login("ann", app()).await.unwrap();
    assert_eq!(header_of(&next.access_token)["alg"], "Ed25519");
}
