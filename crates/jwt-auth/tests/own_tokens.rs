//! `Authority::authenticator`: an issuer checks its own access tokens, HMAC rings included.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use jwt_auth::jws::{Algorithm, NumericDate};
use jwt_auth::{
    Audience, AuthError, Authority, AuthorityConfig, DenyList, Issuer, KeyEncryptionKey,
    LoginOptions, ManualClock, MemoryStore,
};

#[tokio::test]
async fn an_authority_checks_its_own_tokens_with_its_clock_and_deny_list() {
    for alg in [Algorithm::EdDSA, Algorithm::HS256] {
        let clock = ManualClock::new(NumericDate::from_secs(1_800_000_000).unwrap());
        let deny = Arc::new(DenyList::new(
            10,
            Duration::from_secs(1800),
            Duration::from_secs(60),
        ));
        let config = AuthorityConfig::new(
            Issuer::new("https://auth.example"),
            Audience::new("https://api.example"),
            KeyEncryptionKey::new(&[4u8; 32]).unwrap(),
        )
        .with_algorithm(alg.clone())
        .with_clock(Arc::new(clock.clone()))
        .with_deny_list(deny);
        let authority = Authority::<_, ()>::open(config, MemoryStore::new())
            .await
            .unwrap();
        let options = LoginOptions {
            scope: Some("read".into()),
            ..LoginOptions::default()
        };
        let pair = authority.login_with("ann", (), options).await.unwrap();
        assert_eq!(pair.scope.as_deref(), Some("read"), "{alg:?}");
        let own = authority.authenticator().unwrap();
        let verified = own.authenticate::<()>(&pair.access_token).unwrap();
        assert_eq!(verified.claims().sub.as_deref(), Some("ann"));
        // The session's scope comes back with every refresh.
        let next = authority
            .refresh(pair.refresh_token.expose())
            .await
            .unwrap();
        assert_eq!(next.scope.as_deref(), Some("read"));
        // The authority's clock: past expiry and leeway, refused as expired.
        clock.advance(Duration::from_secs(1800 + 61));
        assert!(matches!(
            own.authenticate::<()>(&pair.access_token),
            Err(AuthError::Expired)
        ));
        // The authority's deny-list: a logged-out session's token is refused at once.
        let pair = authority.login("ann", ()).await.unwrap();
        authority.logout(pair.refresh_token.expose()).await.unwrap();
        assert!(matches!(
            own.authenticate::<()>(&pair.access_token),
            Err(AuthError::SessionRevoked)
        ));
    }
}
