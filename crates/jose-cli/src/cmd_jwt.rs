//! `jose jwt sign` and `jose jwt verify`.

use std::path::Path;
use std::time::Duration;

use jws::jwt_claims::json::JsonObject;
use jws::{Audience, Claims, FixedClock, Header, Limits, NumericDate, Validation};

use crate::cmd_jwe::{DECRYPTION_FAILED, decrypter, decryption_keys, encryption_keys};
use crate::error::{CliError, Result};
use crate::io::{read_input, read_token, write_line};
use crate::keys::KeyFile;
use crate::{JwtSignArgs, JwtVerifyArgs};

/// The default lifetime of a signed JWT: 30 minutes.
const DEFAULT_LIFETIME: u64 = 30 * 60;

fn now_or_clock(now: Option<u64>) -> Result<NumericDate> {
    now.map_or_else(
        || Ok(NumericDate::now()),
        |secs| NumericDate::from_secs(secs).map_err(|e| CliError::usage(format!("--now: {e}"))),
    )
}

fn random_jti() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|_| CliError::rejected("the operating system's random generator failed"))?;
    Ok(jws::base64url::encode(bytes))
}

/// The `--claims` argument: a JSON object, or a file holding one.
fn claims_arg(arg: Option<&str>) -> Result<Claims<JsonObject>> {
    let Some(arg) = arg else {
        return Ok(Claims::new(JsonObject::new()));
    };
    let bytes = if arg.trim_start().starts_with('{') {
        zeroize::Zeroizing::new(arg.as_bytes().to_vec())
    } else {
        read_input(Some(Path::new(arg)))?
    };
    Claims::<JsonObject>::from_json(&bytes, &Limits::default())
        .map_err(|e| CliError::usage(format!("--claims: {e}")))
}

/// `jose jwt sign`.
pub(crate) fn sign(args: &JwtSignArgs) -> Result<()> {
    let now = now_or_clock(args.now)?;
    let file = KeyFile::load(Some(&args.key))?;
    file.single("a JWT is signed by one key")?;
    let keys = file.signing_keys(args.alg.as_ref())?;
    let key = keys.first().ok_or_else(|| file.refuse("no signing key"))?;

    let mut claims = claims_arg(args.claims.as_deref())?;
    if let Some(iss) = &args.iss {
        claims.iss = Some(iss.clone());
    }
    if let Some(sub) = &args.sub {
        claims.sub = Some(sub.clone());
    }
    match args.aud.as_slice() {
        [] => {}
        [one] => claims.aud = Some(Audience::from(one.as_str())),
        many => claims.aud = Some(Audience::from(many.to_vec())),
    }
    match (args.exp, claims.exp) {
        (Some(lifetime), _) => claims.exp = Some(now.saturating_add(lifetime)),
        (None, None) => claims.exp = Some(now.saturating_add(DEFAULT_LIFETIME)),
        (None, Some(_)) => {}
    }
    if claims.iat.is_none() {
        claims.iat = Some(now);
    }
    if let Some(offset) = args.nbf {
        claims.nbf = Some(now.saturating_add(offset));
    }
    match args.jti.as_deref() {
        None => {}
        Some("") => claims.jti = Some(random_jti()?),
        Some(jti) => claims.jti = Some(jti.to_owned()),
    }
    let header = Header::default().with_typ(args.typ.clone());
    let token = jws::sign_with_header(key, header, &claims)?;

    let token = match &args.encrypt_to {
        None => token,
        Some(path) => {
            let recipient = KeyFile::load(Some(path))?;
            recipient.single("a nested JWT has one recipient")?;
            let keys = encryption_keys(&recipient, args.encrypt_alg.as_ref())?;
            let enc = args
                .enc
                .clone()
                .ok_or_else(|| CliError::usage("--encrypt-to needs --enc"))?;
            let options = jwe::EncryptOptions::new().with_cty("JWT");
            let key = keys
                .first()
                .ok_or_else(|| recipient.refuse("no encryption key"))?;
            jwe::encrypt(key, enc, token.as_bytes(), &options).map_err(|e| match e {
                jwe::Error::Key(_) => recipient.refuse(e),
                other => CliError::usage(other),
            })?
        }
    };
    write_line(&token)
}

/// `jose jwt verify`.
pub(crate) fn verify(args: &JwtVerifyArgs) -> Result<()> {
    let (verifier, _) = crate::cmd_jws::trusted(args.key.as_deref(), &args.remote, &args.alg)?;
    let mut policy = Validation::new()
        .with_leeway(Duration::from_secs(args.leeway))
        .map_err(|e| CliError::usage(format!("--leeway: {e}")))?;
    for iss in &args.iss {
        policy = policy.with_issuer(iss.clone());
    }
    for aud in &args.aud {
        policy = policy.with_audience(aud.clone());
    }
    if let Some(sub) = &args.sub {
        policy = policy.with_subject(sub.clone());
    }
    if let Some(typ) = &args.typ {
        policy = policy.with_typ(typ.clone());
    }
    if args.now.is_some() {
        policy = policy.with_clock(FixedClock(now_or_clock(args.now)?));
    }
    let decrypter = match &args.decrypt_key {
        None => None,
        Some(path) => {
            let keys = decryption_keys(&KeyFile::load(Some(path))?, &args.decrypt_alg)?;
            Some(decrypter(keys, &args.enc)?)
        }
    };
    let token = read_token(args.token.as_ref())?;
    let verified = match &decrypter {
        None => verifier.verify::<JsonObject>(&token, &policy)?,
        Some(decrypter) => {
            jwe::nested::decrypt_then_verify::<JsonObject>(&token, decrypter, &verifier, &policy)
                .map_err(|e| match e {
                    jwe::Error::Jws(inner) => CliError::from(inner),
                    jwe::Error::Header(
                        why @ (jwe::HeaderError::NotNestedJwt | jwe::HeaderError::NestedNotUtf8),
                    ) => CliError::rejected(why),
                    _ => CliError::rejected(DECRYPTION_FAILED),
                })?
        }
    };
    let json = serde_json::to_string_pretty(verified.claims())
        .map_err(|e| CliError::rejected(format!("cannot print the claims: {e}")))?;
    write_line(&json)
}
