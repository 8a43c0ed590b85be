use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::*;

fn parse<'a, T: Deserialize<'a>>(json: &'a str) -> Result<Claims<T>, JsonError> {
    Claims::from_json(json.as_bytes(), &Limits::default())
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Borrowed<'a> {
    name: &'a str,
    #[serde(borrow)]
    note: Cow<'a, str>,
}

#[test]
fn registered_claims_are_typed() {
    let c: Claims = parse(
        r#"{"iss":"joe","sub":"s","aud":["a","b"],"exp":1300819380,"nbf":1,"iat":2.9,"jti":"j"}"#,
    )
    .unwrap();
    assert_eq!(c.iss.as_deref(), Some("joe"));
    assert_eq!(
        c.aud,
        Some(Audience::Multiple(vec!["a".into(), "b".into()]))
    );
    assert_eq!(c.exp.unwrap().as_secs(), 1_300_819_380);
    assert_eq!(c.iat.unwrap().as_secs(), 2);
    assert_eq!(c.jti.as_deref(), Some("j"));
}

#[test]
fn custom_claims_can_borrow_from_the_payload() {
    let json = r#"{"sub":"x","name":"Ann","note":"a\nb"}"#;
    let c: Claims<Borrowed<'_>> = parse(json).unwrap();
    assert_eq!(c.custom.name, "Ann");
    assert!(std::ptr::eq(
        c.custom.name.as_ptr(),
        json[json.find("Ann").unwrap()..].as_ptr()
    ));
    assert_eq!(c.custom.note, "a\nb");
    assert_eq!(c.sub.as_deref(), Some("x"));
}

#[test]
fn custom_claims_never_see_registered_claims() {
    let c: Claims<BTreeMap<String, Value>> =
        parse(r#"{"exp":5,"a":1,"iss":"i","b":[true]}"#).unwrap();
    assert_eq!(c.custom.keys().collect::<Vec<_>>(), ["a", "b"]);
    let c: Claims<Value> = parse(r#"{"exp":5,"a":1}"#).unwrap();
    assert_eq!(c.custom, json!({"a": 1}));
}

#[test]
fn unit_custom_claims_still_check_the_rest() {
    let c: Claims = parse(r#"{"a":1,"exp":5}"#).unwrap();
    assert_eq!(c.exp.unwrap().as_secs(), 5);
    assert!(matches!(
        parse::<()>(r#"{"a":1,"a":2}"#),
        Err(JsonError::DuplicateMember { .. })
    ));
    assert!(matches!(
        parse::<()>(r#"{"a":1,"exp":"5"}"#),
        Err(JsonError::InvalidMember { .. })
    ));
}

#[test]
fn struct_that_stops_early_does_not_skip_checks() {
    #[derive(Deserialize)]
    struct One {
        #[allow(dead_code)]
        a: u8,
    }
    // A derived struct reads every member; registered claims after `a` are still typed.
    let c: Claims<One> = parse(r#"{"a":1,"exp":9,"z":{"q":1}}"#).unwrap();
    assert_eq!(c.exp.unwrap().as_secs(), 9);
    assert!(parse::<One>(r#"{"a":1,"z":1,"z":2}"#).is_err());
}

#[test]
fn duplicate_claims_are_rejected() {
    for doc in [
        r#"{"exp":1,"exp":2}"#,
        r#"{"iss":"a","iss":"a"}"#,
        r#"{"x":1,"x":1}"#,
        r#"{"x":1,"\u0078":1}"#,
        r#"{"\u0078":1,"x":1}"#,
        r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"a":10}"#,
        r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"m":15}"#,
    ] {
        let err = parse::<Value>(doc).unwrap_err();
        assert!(
            matches!(err, JsonError::DuplicateMember { .. }),
            "{doc}: {err}"
        );
    }
}

#[test]
fn distinct_names_that_look_alike_are_not_duplicates() {
    // Same length and first byte, past the names kept inline, escaped or not.
    let names: Vec<String> = (b'a'..=b't').map(|c| format!("x{}", c as char)).collect();
    let mut members: Vec<String> = names.iter().map(|n| format!(r#""{n}":1"#)).collect();
    members.push(r#""\u0078z":2"#.to_owned());
    let doc = format!("{{{}}}", members.join(","));
    let claims = parse::<Value>(&doc).unwrap();
    assert_eq!(claims.custom.as_object().unwrap().len(), 21);
}

#[test]
fn invalid_registered_claims_name_the_claim() {
    for (doc, claim) in [
        (r#"{"exp":null}"#, "exp"),
        (r#"{"exp":true}"#, "exp"),
        (r#"{"exp":"9e9"}"#, "exp"),
        (r#"{"exp":-1}"#, "exp"),
        (r#"{"nbf":1e400}"#, "nbf"),
        (r#"{"iat":[]}"#, "iat"),
        (r#"{"iss":1}"#, "iss"),
        (r#"{"sub":null}"#, "sub"),
        (r#"{"jti":{}}"#, "jti"),
        (r#"{"aud":1}"#, "aud"),
        (r#"{"aud":["a",1]}"#, "aud"),
    ] {
        match parse::<()>(doc) {
            Err(JsonError::InvalidMember { name, .. }) => assert_eq!(name, claim, "{doc}"),
            other => panic!("{doc}: {other:?}"),
        }
    }
}

#[test]
fn not_an_object() {
    for doc in ["[]", "1", "\"x\"", "null", "", "{", r#"{"a":1} 2"#] {
        assert!(parse::<()>(doc).is_err(), "{doc}");
    }
}

#[test]
fn depth_limit_applies_to_custom_claims() {
    let doc = format!(r#"{{"exp":1,"x":{}0{}}}"#, "[".repeat(30), "]".repeat(30));
    assert!(matches!(
        parse::<Value>(&doc),
        Err(JsonError::TooDeep { limit: 16 })
    ));
    let limits = Limits::default().with_max_json_depth(64);
    assert!(Claims::<Value>::from_json(doc.as_bytes(), &limits).is_ok());
}

#[test]
fn serialization_puts_registered_claims_first_then_custom() {
    #[derive(Serialize)]
    struct Extra {
        scope: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        nothing: Option<u8>,
    }
    let c = Claims::new(Extra {
        scope: "read",
        nothing: None,
    })
    .with_issuer("i")
    .with_audience(["a", "b"])
    .with_jwt_id("j");
    assert_eq!(
        String::from_utf8(c.to_json().unwrap()).unwrap(),
        r#"{"iss":"i","aud":["a","b"],"jti":"j","scope":"read"}"#
    );
    assert_eq!(Claims::new(()).to_json().unwrap(), b"{}");
    let mut map = BTreeMap::new();
    map.insert("k", 1);
    assert_eq!(Claims::new(map).to_json().unwrap(), br#"{"k":1}"#);
    assert_eq!(
        Claims::new(Some(json!({"x":1}))).to_json().unwrap(),
        br#"{"x":1}"#
    );
}

#[test]
fn custom_claims_must_be_an_object_without_registered_names() {
    assert!(Claims::new(5).to_json().is_err());
    assert!(Claims::new(vec![1]).to_json().is_err());
    assert!(Claims::new("s").to_json().is_err());
    assert!(Claims::new(json!({"exp": 1})).to_json().is_err());
    #[derive(Serialize)]
    struct Bad {
        sub: String,
    }
    let err = Claims::new(Bad { sub: "x".into() }).to_json().unwrap_err();
    assert!(err.to_string().contains("\"sub\""), "{err}");
}

#[test]
fn audience_forms_round_trip() {
    let one: Claims = parse(r#"{"aud":"a"}"#).unwrap();
    assert_eq!(one.to_json().unwrap(), br#"{"aud":"a"}"#);
    let many: Claims = parse(r#"{"aud":["a"]}"#).unwrap();
    assert_eq!(many.to_json().unwrap(), br#"{"aud":["a"]}"#);
    assert!(many.aud.as_ref().unwrap().contains("a"));
    assert!(!many.aud.unwrap().contains("b"));
}

#[test]
fn serde_deserialize_impl_is_strict_too() {
    assert!(serde_json::from_str::<Claims>(r#"{"exp":null}"#).is_err());
    assert!(serde_json::from_str::<Claims>(r#"{"a":1,"a":1}"#).is_err());
    let c: Claims<BTreeMap<String, u8>> = serde_json::from_str(r#"{"a":1,"sub":"s"}"#).unwrap();
    assert_eq!(c.custom.len(), 1);
}

#[test]
fn rfc7519_section_3_1_example() {
    let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let parts = crate::JwsCompact::parse(token, &Limits::default()).unwrap();
    let header = crate::Header::from_segment(parts.header, &Limits::default()).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.alg, Some(crate::Algorithm::HS256));
    let payload = crate::base64url::decode(parts.payload).unwrap();
    assert_eq!(
        payload,
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
    );
    let claims: Claims<BTreeMap<String, bool>> =
        Claims::from_json(&payload, &Limits::default()).unwrap();
    assert_eq!(claims.iss.as_deref(), Some("joe"));
    assert_eq!(claims.exp.unwrap().as_secs(), 1_300_819_380);
    assert!(claims.custom["http://example.com/is_root"]);
}

#[test]
fn large_floats_in_custom_claims_round_trip_exactly() {
    // Found by the `claims` fuzz target: without correctly rounded float parsing the
    // value written back parses to a different number.
    let doc = "{\"iss\":\"ke\",\r\n \"e*xp\":133333333000000000000153995510616588724.90}";
    let c: Claims<Value> = parse(doc).unwrap();
    let json = c.to_json().unwrap();
    let again: Claims<Value> = Claims::from_json(&json, &Limits::default()).unwrap();
    assert_eq!(again, c);
}

#[test]
fn duplicate_names_are_refused_at_every_depth_of_the_callers_claims() {
    use std::collections::HashMap;
    let limits = Limits::default();
    let dup = |json: &str| {
        matches!(
            Claims::<Value>::from_json(json.as_bytes(), &limits),
            Err(JsonError::DuplicateMember { .. })
        )
    };
    // The example of the issue: a nested duplicate that a `Value` would resolve silently.
    assert!(dup(
        r#"{"realm_access":{"roles":["user"],"roles":["admin"]}}"#
    ));
    assert!(dup(r#"{"a":[{"x":1},{"y":1,"y":2}]}"#));
    assert!(dup(r#"{"a":{"b":{"c":{"d":1,"d":1}}}}"#));
    // The same name escaped is the same name.
    assert!(dup(r#"{"a":{"roles":1,"\u0072oles":2}}"#));
    // Many names (the hash-set path).
    let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
    assert!(dup(&format!("{{\"a\":{{{},\"k39\":0}}}}", many.join(","))));
    assert!(!dup(&format!("{{\"a\":{{{}}}}}", many.join(","))));
    // Typed as a map, too.
    assert!(matches!(
        Claims::<HashMap<String, HashMap<String, u8>>>::from_json(
            br#"{"m":{"a":1,"a":2}}"#,
            &limits
        ),
        Err(JsonError::DuplicateMember { .. })
    ));
    // Equal names in different objects, and a "{" inside a string, are fine.
    let ok = Claims::<Value>::from_json(
        br#"{"a":{"x":1},"b":{"x":2},"c":"{{{","sub":"ann"}"#,
        &limits,
    )
    .unwrap();
    assert_eq!(ok.custom["b"]["x"], 2);
    assert_eq!(ok.sub.as_deref(), Some("ann"));
    let err = Claims::<Value>::from_json(
        br#"{"realm_access":{"roles":["user"],"roles":["admin"]}}"#,
        &limits,
    )
    .unwrap_err();
    assert!(err.to_string().contains("\"roles\""), "{err}");
}
