//! The command-line sessions of the READMEs work when pasted: each runs in bash with
//! `set -euo pipefail`, with the `jose` under test first on the `PATH`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::Dir;

const MARKER: &str = "<!-- session: tested by crates/jose-cli/tests/readme.rs -->";

/// The commands of the `sh` block after the marker, without the install step.
fn session(readme: &str) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(readme)).unwrap();
    let after = text
        .split_once(MARKER)
        .unwrap_or_else(|| panic!("{readme}: no session"))
        .1;
    let block = after
        .trim_start()
        .strip_prefix("```sh\n")
        .unwrap_or_else(|| panic!("{readme}: the marker is not followed by a sh block"));
    let block = block.split_once("```").unwrap().0;
    block
        .lines()
        .filter(|l| !l.starts_with("cargo install"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn run(readme: &str) {
    let script = session(readme);
    assert!(script.contains("jose jwt verify"), "{readme}: {script}");
    let d = Dir::new("readme");
    let bin_dir = Path::new(common::bin()).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .current_dir(&d.0)
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        out.status.success(),
        "{readme}: the session failed:\n{stderr}\n{stdout}"
    );
    for expected in [
        "\"sub\": \"ann\"",
        "\"UNVERIFIED\"",
        "\nhello\n",
        "\nsecret\n",
        "\"kty\":\"OKP\"",
    ] {
        assert!(
            stdout.contains(expected),
            "{readme}: no {expected:?} in:\n{stdout}"
        );
    }
}

#[test]
fn the_workspace_readme_session_works() {
    run("../../README.md");
}

#[test]
fn the_crate_readme_session_works() {
    run("README.md");
}
