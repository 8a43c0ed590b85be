//! Property tests: encoding then decoding is the identity, and strict base64url accepts
//! exactly the canonical strings.
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;

use jwt_claims::{
    Algorithm, Audience, Claims, EncryptionAlgorithm, Header, Limits, NumericDate, base64url,
    unsecured,
};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use serde_json::{Value, json};

fn date() -> impl Strategy<Value = NumericDate> {
    (0..=NumericDate::MAX.as_secs()).prop_map(|s| NumericDate::from_secs(s).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, including quotes, backslashes and control characters that JSON escapes.
    any::<String>().prop_map(|s| s.chars().take(24).collect())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(text(), inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn extension_name() -> impl Strategy<Value = String> {
    text().prop_filter("registered", |n| {
        !jwt_claims::REGISTERED_PARAMETERS.contains(&n.as_str()) && n != "b64"
    })
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        proptest::sample::select(Algorithm::ALL.to_vec()),
        text().prop_map(|n| Algorithm::from_name(&n)),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..40)
}

prop_compose! {
    fn header()(
        alg in option::of(algorithm()),
        enc in option::of(proptest::sample::select(EncryptionAlgorithm::ALL.to_vec())),
        kid in option::of(text()),
        typ in option::of(text()),
        cty in option::of(text()),
        jku in option::of(text()),
        x5c in option::of(vec(bytes(), 1..3)),
        x5t in option::of(bytes()),
        apu in option::of(bytes()),
        iv in option::of(bytes()),
        p2c in option::of(any::<u64>()),
        b64 in option::of(any::<bool>()),
        crit in option::of(vec(text(), 1..3)),
        jwk in option::of(btree_map(text(), json_value(), 0..3)),
        extra in btree_map(extension_name(), json_value(), 0..4),
    ) -> Header {
        let mut h = Header::default();
        h.alg = alg;
        h.enc = enc;
        h.kid = kid;
        h.typ = typ;
        h.cty = cty;
        h.jku = jku;
        h.x5c = x5c;
        h.x5t = x5t;
        h.apu = apu;
        h.iv = iv;
        h.p2c = p2c;
        h.b64 = b64;
        h.crit = crit;
        h.jwk = jwk.map(|m| m.into_iter().collect());
        h.extra = extra.into_iter().collect();
        h
    }
}

fn custom_name() -> impl Strategy<Value = String> {
    text().prop_filter("registered", |n| {
        jwt_claims::RegisteredClaim::from_name(n).is_none()
    })
}

prop_compose! {
    fn claims()(
        iss in option::of(text()),
        sub in option::of(text()),
        aud in option::of(prop_oneof![
            text().prop_map(Audience::Single),
            vec(text(), 0..3).prop_map(Audience::Multiple),
        ]),
        exp in option::of(date()),
        nbf in option::of(date()),
        iat in option::of(date()),
        jti in option::of(text()),
        custom in btree_map(custom_name(), json_value(), 0..6),
    ) -> Claims<BTreeMap<String, Value>> {
        Claims { iss, sub, aud, exp, nbf, iat, jti, custom }
    }
}

fn deep_limits() -> Limits {
    Limits::default()
        .with_max_json_depth(32)
        .with_max_token_len(1 << 20)
}

proptest! {
    #[test]
    fn base64url_decode_encode_is_identity(data in vec(any::<u8>(), 0..300)) {
        let encoded = base64url::encode(&data);
        prop_assert_eq!(base64url::decoded_len(encoded.len()), Some(data.len()));
        prop_assert_eq!(base64url::decode(&encoded).unwrap(), data);
    }

    #[test]
    fn base64url_accepts_exactly_canonical_strings(s in "[A-Za-z0-9_=+/ .-]{0,12}") {
        match base64url::decode(&s) {
            // Whatever is accepted is the one encoding of its bytes.
            Ok(bytes) => prop_assert_eq!(base64url::encode(bytes), s),
            // Whatever is refused is not the encoding of anything.
            Err(_) => prop_assert!(
                s.contains(['=', '+', '/', ' ', '.'])
                    || s.len() % 4 == 1
                    || base64url::encode(base64url::decode(&s[..s.len() - 1]).unwrap_or_default()) != s
            ),
        }
    }

    #[test]
    fn base64url_non_canonical_is_refused(data in vec(any::<u8>(), 1..50), bump in 1u8..4) {
        // Setting an unused low bit of the last character makes a non-canonical string.
        let encoded = base64url::encode(&data);
        let unused_bits = match data.len() % 3 { 1 => 4, 2 => 2, _ => 0 };
        prop_assume!(unused_bits > 0 && u32::from(bump) < (1 << unused_bits));
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = *encoded.as_bytes().last().unwrap();
        let idx = alphabet.iter().position(|&c| c == last).unwrap();
        let mut bad = encoded.into_bytes();
        *bad.last_mut().unwrap() = alphabet[idx | usize::from(bump)];
        prop_assert!(base64url::decode(&bad).is_err());
    }

    #[test]
    fn header_encode_decode_is_identity(h in header()) {
        let json = h.to_json().unwrap();
        prop_assert_eq!(&Header::from_json(&json, &deep_limits()).unwrap(), &h);
        let segment = h.to_segment().unwrap();
        prop_assert_eq!(Header::from_segment(&segment, &deep_limits()).unwrap(), h);
    }

    #[test]
    fn claims_encode_decode_is_identity(c in claims()) {
        let json = c.to_json().unwrap();
        let back = Claims::<BTreeMap<String, Value>>::from_json(&json, &deep_limits()).unwrap();
        prop_assert_eq!(back, c);
    }

    #[test]
    fn unsecured_token_round_trip(c in claims()) {
        let token = unsecured::encode(&c).unwrap();
        let back = unsecured::insecure_decode::<BTreeMap<String, Value>>(&token, &deep_limits()).unwrap();
        prop_assert_eq!(back.claims(), &c);
        prop_assert_eq!(back.header(), &Header::new(Algorithm::None));
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(data in vec(any::<u8>(), 0..200)) {
        let _ = Header::from_json(&data, &Limits::default());
        let _ = Claims::<Value>::from_json(&data, &Limits::default());
        if let Ok(s) = std::str::from_utf8(&data) {
            let _ = unsecured::insecure_decode::<Value>(s, &Limits::default());
        }
    }
}

#[test]
fn json_value_strategy_reaches_objects() {
    // Guards the strategy above: nested objects are generated and round-trip.
    let c = Claims::new(BTreeMap::from([(
        "o".to_owned(),
        json!({"a": [1, {"b": null}]}),
    )]));
    let json = c.to_json().unwrap();
    assert_eq!(Claims::from_json(&json, &Limits::default()).ok(), Some(c));
}
