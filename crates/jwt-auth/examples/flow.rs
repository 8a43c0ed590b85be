//! The whole flow against SQLite, one step at a time: login, authenticated request,
//! two tabs refreshing at once (one successor, no logout), refresh (rotation), a stolen
//! refresh token replayed (reuse detected, session revoked), key rotation, logout, logout
//! everywhere.
//!
//! Run with `cargo run -p jwt-auth --example flow`.
#![allow(clippy::print_stdout)]

use jwt_auth::{Audience, Issuer};
use std::sync::Arc;
use std::time::Duration;

use jwt_auth::cookie::CookieOptions;
use jwt_auth::{
    AuthError, Authenticator, Authority, AuthorityConfig, DenyList, KeyEncryptionKey, LoginOptions,
    SqliteStore,
};
use serde::{Deserialize, Serialize};

/// The application's own claims, carried by every access token.
#[derive(Debug, Serialize, Deserialize)]
struct Profile {
    name: String,
    roles: Vec<String>,
}

/// The example stops (and exits non-zero) when the scheme does not behave as described.
fn unexpected(what: &str) -> Box<dyn std::error::Error> {
    format!("unexpected: {what}").into()
}

fn short(token: &str) -> String {
    format!(
        "{}...({} chars)",
        &token[..token.len().min(24)],
        token.len()
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join(format!("jwt-auth-flow-{}.db", std::process::id()));
    println!(
        "1. SQLite store at {} (WAL, migrations applied on open)",
        path.display()
    );
    let store = SqliteStore::open(&path)?;

    // In production the key-encryption key comes from a secrets manager, never the database.
    let kek = KeyEncryptionKey::new(&[0x42; 32])?;
    // Entries last the access-token lifetime plus the resource servers' leeway (60 s).
    let deny = Arc::new(DenyList::new(
        10_000,
        jwt_auth::DEFAULT_ACCESS_TTL,
        Duration::from_secs(60),
    ));
    let cookie = CookieOptions::new();
    let config = AuthorityConfig::new(
        Issuer::new("https://auth.example"),
        Audience::new("https://api.example"),
        kek,
    )
    .with_deny_list(Arc::clone(&deny));
    let authority: Authority<_, Profile> = Authority::open(config, store).await?;
    println!(
        "2. Authority ready; /.well-known/jwks.json:\n   {}",
        authority.jwks_json()?
    );

    let profile = Profile {
        name: "Ann".into(),
        roles: vec!["admin".into()],
    };
    let options = LoginOptions {
        client_id: Some("web".into()),
        scope: Some("read write".into()),
        metadata: Some(serde_json::json!({ "user_agent": "example" })),
    };
    let pair = authority.login_with("ann", profile, options).await?;
    println!(
        "3. Login: access token {} (expires in {} s)",
        short(&pair.access_token),
        pair.expires_in().as_secs()
    );
    println!(
        "   Set-Cookie: {}",
        cookie
            .set_cookie(&pair.refresh_token, pair.refresh_max_age())
            .replace(pair.refresh_token.expose(), "<refresh token>")
    );

    let api = Authenticator::new(
        &authority.jwks(),
        &Issuer::new("https://auth.example"),
        &Audience::new("https://api.example"),
    )?
    .with_deny_list(Arc::clone(&deny));
    let verified = api.authenticate::<Profile>(&format!("Bearer {}", pair.access_token))?;
    let claims = verified.claims();
    println!(
        "4. API request authenticated without lookup: sub={} name={} roles={:?} scope={} sid={}",
        claims.sub.as_deref().unwrap_or_default(),
        claims.custom.custom.name,
        claims.custom.custom.roles,
        claims.custom.scope.as_deref().unwrap_or_default(),
        claims.custom.sid
    );

    // Two tabs of the same browser find the access token expired and refresh at once,
    // with the same cookie. Within the grace period (10 s by default) both get the same
    // successor: nobody is logged out, and the session has still one live refresh token.
    let (tab_a, tab_b) = tokio::join!(
        authority.refresh(pair.refresh_token.expose()),
        authority.refresh(pair.refresh_token.expose())
    );
    let (tab_a, tab_b) = (tab_a?, tab_b?);
    if tab_a.refresh_token.expose() != tab_b.refresh_token.expose() {
        return Err(unexpected("two tabs got two live refresh tokens"));
    }
    println!(
        "5. Two tabs refreshed at once: both got the same successor refresh token and their \
         own access token; the session goes on"
    );

    let rotated = authority.refresh(tab_a.refresh_token.expose()).await?;
    println!("   A later refresh: a new pair in the same session; the successor is consumed");

    match authority.refresh(pair.refresh_token.expose()).await {
        Err(AuthError::RefreshTokenReused) => {
            println!(
                "6. The first refresh token replayed (its successor was used): reuse detected, \
                 the session is revoked"
            );
        }
        other => return Err(unexpected(&format!("replay gave {other:?}"))),
    }
    match authority.refresh(rotated.refresh_token.expose()).await {
        Err(e @ AuthError::Revoked) => {
            println!("   ...so even the latest refresh token fails: {e}");
        }
        other => return Err(unexpected(&format!("refresh gave {other:?}"))),
    }
    match api.authenticate::<Profile>(&rotated.access_token) {
        Err(e) => println!(
            "   ...and its access token is refused (deny-list): {e}; the client sees {}",
            e.www_authenticate("api")
        ),
        Ok(_) => return Err(unexpected("a revoked session's access token was accepted")),
    }

    let again = authority
        .login(
            "ann",
            Profile {
                name: "Ann".into(),
                roles: vec![],
            },
        )
        .await?;
    authority.rotate_keys().await?;
    println!("7. Keys rotated: {:?}", authority.key_ring().states());
    let api = Authenticator::new(
        &authority.jwks(),
        &Issuer::new("https://auth.example"),
        &Audience::new("https://api.example"),
    )?;
    api.authenticate::<Profile>(&again.access_token)?;
    println!("   a token signed before the rotation still verifies (its key is retiring)");

    authority.logout(again.refresh_token.expose()).await?;
    println!("8. Logout: Set-Cookie: {}", cookie.clear_cookie());
    for _ in 0..2 {
        authority
            .login(
                "ann",
                Profile {
                    name: "Ann".into(),
                    roles: vec![],
                },
            )
            .await?;
    }
    let revoked = authority.logout_all("ann").await?;
    println!(
        "9. Logout everywhere: {} more sessions revoked",
        revoked.len()
    );

    drop(authority);
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    println!("Done.");
    Ok(())
}
