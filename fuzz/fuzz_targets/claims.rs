#![no_main]
//! The claim set parser, with dynamic and borrowed custom claims: no panic; what parses
//! serializes and parses back equal.

use std::borrow::Cow;
use std::collections::BTreeMap;

use jwt_claims::{Claims, Limits, Validation};
use libfuzzer_sys::fuzz_target;

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Borrowed<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    scope: Option<&'a str>,
    n: Option<u32>,
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let _ = Claims::<Borrowed<'_>>::from_json(data, &limits);
    let _ = Claims::<()>::from_json(data, &limits);
    if let Ok(claims) = Claims::<BTreeMap<String, serde_json::Value>>::from_json(data, &limits) {
        let _ = Validation::new().validate(&jwt_claims::Header::default(), &claims);
        let json = claims.to_json().expect("parsed claims serialize");
        let again = Claims::<BTreeMap<String, serde_json::Value>>::from_json(
            &json,
            &limits.with_max_json_depth(limits.max_json_depth + 1),
        )
        .expect("serialized claims parse");
        assert_eq!(again, claims);
    }
});
