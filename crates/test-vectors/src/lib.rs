//! Test helpers shared by the workspace's crates (see the README): hex decoding, Project
//! Wycheproof test groups, and the RFC example vectors each crate keeps under
//! `tests/data/`. They panic on malformed input: they read fixed, trusted test data.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use serde_json::Value;

/// The bytes of a hex string (as Wycheproof writes them).
///
/// # Panics
/// On an odd length or a non-hex digit.
#[must_use]
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length: {}", s.len());
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The hex-encoded member `name` of a Wycheproof test, empty when absent.
#[must_use]
pub fn hex_field(test: &Value, name: &str) -> Vec<u8> {
    hex(test[name].as_str().unwrap_or_default())
}

/// The `testGroups` of a Wycheproof file.
///
/// # Panics
/// When the JSON is not a Wycheproof file.
#[must_use]
pub fn wycheproof_groups(json: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(json).unwrap();
    doc["testGroups"].as_array().unwrap().clone()
}

/// The tests of a Wycheproof group.
#[must_use]
pub fn wycheproof_tests(group: &Value) -> &[Value] {
    group["tests"].as_array().map_or(&[], Vec::as_slice)
}

/// The JSON file `tests/data/<name>` of the crate at `manifest_dir` (pass
/// `env!("CARGO_MANIFEST_DIR")`).
///
/// # Panics
/// When the file is missing or not JSON.
#[must_use]
pub fn data(manifest_dir: &str, name: &str) -> Value {
    let path = Path::new(manifest_dir).join("tests/data").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The crate README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_groups() {
        assert_eq!(hex(""), Vec::<u8>::new());
        assert_eq!(hex("0aFf"), [10, 255]);
        let groups = wycheproof_groups(r#"{"testGroups":[{"tests":[{"k":"01"}]},{}]}"#);
        assert_eq!(groups.len(), 2);
        assert_eq!(wycheproof_tests(&groups[0]).len(), 1);
        assert!(wycheproof_tests(&groups[1]).is_empty());
        assert_eq!(hex_field(&wycheproof_tests(&groups[0])[0], "k"), [1]);
        assert!(hex_field(&wycheproof_tests(&groups[0])[0], "absent").is_empty());
    }
}
