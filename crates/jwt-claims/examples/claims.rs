//! Builds a claim set, prints it as an (unsecured) JWT, reads it back and validates it.
//!
//! Run with `cargo run -p jwt-claims --example claims`.
#![allow(clippy::print_stdout)]

use jwt_claims::{Claims, Limits, NumericDate, Validation, unsecured};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Serialize, Deserialize)]
struct AppClaims {
    scope: String,
    roles: Vec<String>,
}

fn main() -> Result<(), jwt_claims::Error> {
    let now = NumericDate::now();
    let claims = Claims::new(AppClaims {
        scope: "read write".into(),
        roles: vec!["admin".into()],
    })
    .with_issuer("https://auth.example.com")
    .with_subject("user-42")
    .with_audience("https://api.example.com")
    .with_jwt_id("4f1c0b6e")
    .with_lifetime(now, Duration::from_secs(30 * 60));

    let json = claims.to_json()?;
    println!("claims:  {}", String::from_utf8_lossy(&json));

    // `alg: none`: a JWT is only a representation until `jws` signs it.
    let token = unsecured::encode(&claims)?;
    println!("token:   {token}");

    let read = unsecured::insecure_decode::<AppClaims>(&token, &Limits::default())?;
    let policy = Validation::new()
        .with_issuer("https://auth.example.com")
        .with_audience("https://api.example.com");
    read.validate(&policy)?;
    let exp = read.claims().exp.unwrap_or(now);
    println!(
        "valid:   subject {:?}, roles {:?}, expires {exp}",
        read.claims().sub.as_deref().unwrap_or_default(),
        read.claims().custom.roles
    );

    // Thirty-one minutes later the same token has expired.
    let later = policy.with_clock(jwt_claims::FixedClock(now.saturating_add(31 * 60 + 60)));
    match read.validate(&later) {
        Err(e) => println!("later:   {e}"),
        Ok(()) => println!("later:   still valid?"),
    }
    Ok(())
}
