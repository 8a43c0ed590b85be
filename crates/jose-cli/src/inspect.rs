//! `jose inspect`: what a token says about itself, none of it checked.

use std::path::PathBuf;

use jws::NumericDate;
use jws::base64url;
use jws::jwt_claims::json::value_from_slice;
use serde_json::{Map, Value, json};

use crate::error::{CliError, Result};
use crate::io::{read_token, warn, write_line};

/// Nesting allowed in a header or payload shown.
const MAX_DEPTH: usize = 64;

const MARKER: &str = "UNVERIFIED: nothing here was checked: not the signature, not the claims, \
                      not the dates";

fn malformed(why: impl std::fmt::Display) -> CliError {
    CliError::rejected(format!("malformed token: {why}"))
}

fn decode(what: &str, segment: &str) -> Result<Vec<u8>> {
    base64url::decode(segment).map_err(|e| malformed(format!("{what}: {e}")))
}

fn header(segment: &str) -> Result<Value> {
    let bytes = decode("protected header", segment)?;
    match value_from_slice(&bytes, MAX_DEPTH) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(malformed("the protected header is not a JSON object")),
        Err(e) => Err(malformed(format!("protected header: {e}"))),
    }
}

/// The payload as JSON when it is JSON, as text when it is UTF-8, else as base64url.
fn payload_value(bytes: &[u8]) -> Value {
    if let Ok(v) = value_from_slice(bytes, MAX_DEPTH) {
        return v;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => json!({ "base64url": base64url::encode(bytes) }),
    }
}

/// `exp`, `nbf` and `iat` of a claim set in ISO 8601.
fn dates(payload: &Value) -> Option<Value> {
    let claims = payload.as_object()?;
    let mut out = Map::new();
    for name in ["exp", "nbf", "iat"] {
        if let Some(date) = claims
            .get(name)
            .and_then(Value::as_f64)
            .and_then(|n| NumericDate::from_secs_f64(n).ok())
        {
            out.insert(name.into(), Value::String(date.to_string()));
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn jws_payload(report: &mut Map<String, Value>, unencoded: bool, segment: &str) -> Result<()> {
    let bytes = if unencoded {
        segment.as_bytes().to_vec()
    } else {
        decode("payload", segment)?
    };
    if bytes.is_empty() {
        report.insert("payload".into(), Value::Null);
        report.insert("detached".into(), Value::Bool(true));
        return Ok(());
    }
    let payload = payload_value(&bytes);
    if let Some(d) = dates(&payload) {
        report.insert("dates".into(), d);
    }
    report.insert("payload".into(), payload);
    Ok(())
}

fn is_unencoded(header: &Value) -> bool {
    header.get("b64") == Some(&Value::Bool(false))
}

fn compact(token: &str) -> Result<Map<String, Value>> {
    let parts: Vec<&str> = token.split('.').collect();
    let mut report = Map::new();
    report.insert("UNVERIFIED".into(), Value::String(MARKER.into()));
    match parts.as_slice() {
        [h, p, s] => {
            let header = header(h)?;
            decode("signature", s)?;
            report.insert("type".into(), "JWS".into());
            report.insert("serialization".into(), "compact".into());
            let unencoded = is_unencoded(&header);
            report.insert("header".into(), header);
            jws_payload(&mut report, unencoded, p)?;
        }
        [h, k, iv, c, t] => {
            let header = header(h)?;
            report.insert("type".into(), "JWE".into());
            report.insert("serialization".into(), "compact".into());
            report.insert("header".into(), header);
            for (name, seg) in [
                ("encrypted_key", k),
                ("iv", iv),
                ("ciphertext", c),
                ("tag", t),
            ] {
                let len = decode(name, seg)?.len();
                report.insert(format!("{name}_bytes"), Value::from(len));
            }
        }
        _ => {
            return Err(malformed(format!(
                "{} segments (a JWS has 3, a JWE 5)",
                parts.len()
            )));
        }
    }
    Ok(report)
}

fn string_member<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(malformed(format!("\"{name}\" must be a string"))),
    }
}

/// A signature's or recipient's headers: `protected` decoded, `header` as is.
fn entry(obj: &Map<String, Value>) -> Result<Value> {
    let mut out = Map::new();
    if let Some(p) = string_member(obj, "protected")? {
        out.insert("protected".into(), header(p)?);
    }
    if let Some(h) = obj.get("header") {
        out.insert("header".into(), h.clone());
    }
    Ok(Value::Object(out))
}

fn json_document(token: &str) -> Result<Map<String, Value>> {
    let doc = match value_from_slice(token.as_bytes(), MAX_DEPTH) {
        Ok(Value::Object(doc)) => doc,
        Ok(_) => return Err(malformed("the JSON serialization is not an object")),
        Err(e) => return Err(malformed(e)),
    };
    let mut report = Map::new();
    report.insert("UNVERIFIED".into(), Value::String(MARKER.into()));
    if doc.contains_key("ciphertext") {
        report.insert("type".into(), "JWE".into());
        let general = doc.contains_key("recipients");
        report.insert(
            "serialization".into(),
            if general {
                "general JSON"
            } else {
                "flattened JSON"
            }
            .into(),
        );
        if let Some(p) = string_member(&doc, "protected")? {
            report.insert("protected".into(), header(p)?);
        }
        if let Some(u) = doc.get("unprotected") {
            report.insert("unprotected".into(), u.clone());
        }
        let recipients = match doc.get("recipients") {
            Some(Value::Array(list)) => list
                .iter()
                .map(|r| {
                    r.as_object()
                        .map(|o| o.get("header").cloned().unwrap_or(Value::Null))
                        .ok_or_else(|| malformed("a recipient is not an object"))
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => return Err(malformed("\"recipients\" must be an array")),
            None => vec![doc.get("header").cloned().unwrap_or(Value::Null)],
        };
        report.insert("recipients".into(), Value::Array(recipients));
        return Ok(report);
    }
    let Some(payload) = string_member(&doc, "payload")?
        .or(Some(""))
        .filter(|_| doc.contains_key("signatures") || doc.contains_key("signature"))
    else {
        return Err(malformed(
            "neither a JWS (signature) nor a JWE (ciphertext) document",
        ));
    };
    report.insert("type".into(), "JWS".into());
    let entries = match doc.get("signatures") {
        Some(Value::Array(list)) => {
            report.insert("serialization".into(), "general JSON".into());
            list.iter()
                .map(|s| {
                    s.as_object()
                        .ok_or_else(|| malformed("a signature is not an object"))
                        .and_then(entry)
                })
                .collect::<Result<Vec<_>>>()?
        }
        Some(_) => return Err(malformed("\"signatures\" must be an array")),
        None => {
            report.insert("serialization".into(), "flattened JSON".into());
            vec![entry(&doc)?]
        }
    };
    let unencoded = entries
        .iter()
        .any(|e| e.get("protected").is_some_and(is_unencoded));
    report.insert("signatures".into(), Value::Array(entries));
    jws_payload(&mut report, unencoded, payload)?;
    Ok(report)
}

/// `jose inspect`.
pub(crate) fn inspect(path: Option<&PathBuf>) -> Result<()> {
    let token = read_token(path)?;
    let report = if token.starts_with('{') {
        json_document(&token)?
    } else {
        compact(&token)?
    };
    let text = serde_json::to_string_pretty(&Value::Object(report))
        .map_err(|e| malformed(format!("cannot print: {e}")))?;
    warn(MARKER);
    write_line(&text)
}
