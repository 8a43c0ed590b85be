//! The examples of RFC 7519.
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;

use jwt_claims::{
    Algorithm, Error, FixedClock, Header, JwsCompact, Limits, NumericDate, Validation,
    ValidationError, base64url, unsecured,
};

/// RFC 7519 section 6.1: an unsecured JWT.
const UNSECURED: &str = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";

/// RFC 7519 section 3.1: an HS256 JWS (the signature is not checked here).
const SIGNED: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

type Extra = BTreeMap<String, bool>;

#[test]
fn section_6_1_unsecured_jwt_decodes_to_the_rfc_claims() {
    let read = unsecured::insecure_decode::<Extra>(UNSECURED, &Limits::default()).unwrap();
    assert_eq!(read.header(), &Header::new(Algorithm::None));
    let claims = read.claims();
    assert_eq!(claims.iss.as_deref(), Some("joe"));
    assert_eq!(
        claims.exp,
        Some(NumericDate::from_secs(1_300_819_380).unwrap())
    );
    assert_eq!(claims.custom.get("http://example.com/is_root"), Some(&true));
    assert_eq!(claims.custom.len(), 1);
}

#[test]
fn section_6_1_validates_at_its_time_and_expires_after() {
    let read = unsecured::insecure_decode::<Extra>(UNSECURED, &Limits::default()).unwrap();
    let before = NumericDate::from_secs(1_300_819_000).unwrap();
    read.validate(
        &Validation::new()
            .with_issuer("joe")
            .with_clock(FixedClock(before)),
    )
    .unwrap();
    let after = NumericDate::from_secs(1_300_819_380 + 60).unwrap();
    assert!(matches!(
        read.validate(&Validation::new().with_clock(FixedClock(after))),
        Err(ValidationError::Expired { .. })
    ));
}

#[test]
fn section_3_1_reads_without_verification_and_is_not_unsecured() {
    let read = unsecured::insecure_decode::<Extra>(SIGNED, &Limits::default()).unwrap();
    assert_eq!(read.header().typ.as_deref(), Some("JWT"));
    assert_eq!(read.header().alg, Some(Algorithm::HS256));
    assert_eq!(read.claims().iss.as_deref(), Some("joe"));
    let parts = JwsCompact::parse(SIGNED, &Limits::default()).unwrap();
    assert_eq!(
        base64url::decode(parts.header).unwrap(),
        b"{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"
    );
}

#[test]
fn unsecured_rejections() {
    let l = Limits::default();
    // A signature on an unsecured JWT.
    let with_sig = format!("{UNSECURED}c2ln");
    assert!(matches!(
        unsecured::insecure_decode::<Extra>(&with_sig, &l),
        Err(Error::UnexpectedSignature)
    ));
    // No alg.
    let no_alg = format!("{}.e30.", base64url::encode(b"{}"));
    assert!(matches!(
        unsecured::insecure_decode::<()>(&no_alg, &l),
        Err(Error::MissingAlgorithm)
    ));
    // crit is never understood here.
    let crit = format!(
        "{}.e30.",
        base64url::encode(br#"{"alg":"none","crit":["x"],"x":1}"#)
    );
    assert!(matches!(
        unsecured::insecure_decode::<()>(&crit, &l),
        Err(Error::Crit(_))
    ));
    // Header of the wrong JSON type, duplicate members, padding, whitespace.
    for token in [
        format!("{}.e30.", base64url::encode(b"[]")),
        format!(
            "{}.e30.",
            base64url::encode(br#"{"alg":"none","alg":"none"}"#)
        ),
        "eyJhbGciOiJub25lIn0=.e30.".to_owned(),
        "eyJhbGciOiJub25lIn0.e30=.".to_owned(),
        "eyJhbGciOiJub25lIn0 .e30.".to_owned(),
        "eyJhbGciOiJub25lIn0.e30..".to_owned(),
        format!(
            "eyJhbGciOiJub25lIn0.{}.",
            base64url::encode(br#"{"exp":null}"#)
        ),
    ] {
        assert!(
            unsecured::insecure_decode::<()>(&token, &l).is_err(),
            "{token}"
        );
    }
}

#[test]
fn encode_with_header_refuses_other_algorithms() {
    let claims = jwt_claims::Claims::new(());
    assert!(matches!(
        unsecured::encode_with_header(&Header::new(Algorithm::HS256), &claims),
        Err(Error::NotUnsecured { .. })
    ));
    assert!(matches!(
        unsecured::encode_with_header(&Header::default(), &claims),
        Err(Error::MissingAlgorithm)
    ));
    let token =
        unsecured::encode_with_header(&Header::new(Algorithm::None).with_typ("JWT"), &claims)
            .unwrap();
    assert_eq!(token, "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.");
}

#[test]
fn borrowed_claims_through_insecure_decode() {
    #[derive(serde::Deserialize)]
    struct Name<'a> {
        name: &'a str,
    }
    let token =
        unsecured::encode(&jwt_claims::Claims::new(serde_json::json!({"name": "Ann"}))).unwrap();
    let mut buf = Vec::new();
    let read =
        unsecured::insecure_decode_borrowed::<Name<'_>>(&token, &Limits::default(), &mut buf)
            .unwrap();
    assert_eq!(read.claims().custom.name, "Ann");
}
