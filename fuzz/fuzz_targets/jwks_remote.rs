#![no_main]
//! What a remote JWK Set reads from the network: the fetched set (strict parse, private
//! keys refused, both key policies), the discovery document (issuer check), and the
//! `Cache-Control`/`Age` values. No panic; the freshness always within its bounds.

use std::time::Duration;

use jwks_remote::{DiscoveryDocument, KeyPolicy, Options, freshness, parse_set};
use jws::Algorithm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let skip = Options::default();
    let strict = Options::default().with_key_policy(KeyPolicy::RefuseSet);
    let allowed = Options::default().with_allowed_algorithms(&[Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256]);
    let lenient = parse_set(data, &skip);
    // A set the strict policy accepts, the lenient one accepts with the same keys.
    if let Ok(n) = parse_set(data, &strict) {
        assert_eq!(lenient.as_ref().ok(), Some(&n));
    }
    let _ = parse_set(data, &allowed);

    if let Ok(doc) = DiscoveryDocument::from_json(data, "https://issuer.example") {
        assert_eq!(doc.issuer(), "https://issuer.example");
    }

    let text = String::from_utf8_lossy(data);
    let (cache_control, age) = text.split_once('\n').unwrap_or((&text, ""));
    let (min, max) = (Duration::from_secs(60), Duration::from_secs(86_400));
    let f = freshness(Some(cache_control), Some(age), Duration::from_secs(600), min, max);
    assert!(f >= min && f <= max);
});
