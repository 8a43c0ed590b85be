//! `cargo xtask release` on a throwaway fixture workspace: a git repository made by the
//! test, with two publishable crates (one inheriting the workspace version, one with its
//! own), an unpublished one, and a changelog.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Fixture {
    dir: PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const ROOT_MANIFEST: &str = r#"[workspace]
resolver = "3"
members = ["core", "app", "tool"]

[workspace.package]
# The version every crate shares.
version = "0.3.1"  # bumped by xtask
edition = "2024"
license = "MIT"

[workspace.dependencies]
fixture-core = { path = "core", version = "0.3.1" } # ours
"#;

const CORE_MANIFEST: &str = r#"[package]
name = "fixture-core"
description = "core"
version.workspace = true
edition.workspace = true
license.workspace = true
"#;

const APP_MANIFEST: &str = r#"[package]
name = "fixture-app"
description = "app"
version = "0.3.1" # its own
edition = "2024"
license = "MIT"

[dependencies]
# keep this comment
fixture-core = { path = "../core", version = "0.3.1" }

[dev-dependencies]
fixture-core.workspace = true
"#;

const TOOL_MANIFEST: &str = r#"[package]
name = "fixture-tool"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
fixture-app = { path = "../app" }
"#;

const CHANGELOG: &str = "# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n### Added\n- A feature.\n\n## [0.3.1] - 2026-01-01\n\n- Earlier.\n\n[Unreleased]: https://example.com/r/compare/v0.3.1...HEAD\n[0.3.1]: https://example.com/r/compare/v0.3.0...v0.3.1\n";

fn git(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn fixture(name: &str) -> Fixture {
    let dir = std::env::temp_dir().join(format!("xtask-release-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in [
        ("Cargo.toml", ROOT_MANIFEST),
        ("core/Cargo.toml", CORE_MANIFEST),
        ("core/src/lib.rs", "//! core\n"),
        ("app/Cargo.toml", APP_MANIFEST),
        ("app/src/lib.rs", "//! app\n"),
        ("tool/Cargo.toml", TOOL_MANIFEST),
        ("tool/src/main.rs", "fn main() {}\n"),
        ("CHANGELOG.md", CHANGELOG),
        (".gitignore", "/target\n"),
    ] {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let status = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["generate-lockfile", "--offline"])
        .status()
        .unwrap();
    assert!(status.success());
    git(&dir, &["init", "--quiet", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "--quiet", "-m", "initial"]);
    Fixture { dir }
}

fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap()
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap()
}

fn snapshot(dir: &Path) -> Vec<String> {
    [
        "Cargo.toml",
        "core/Cargo.toml",
        "app/Cargo.toml",
        "tool/Cargo.toml",
        "CHANGELOG.md",
        "Cargo.lock",
    ]
    .iter()
    .map(|p| read(dir, p))
    .collect()
}

#[test]
fn dry_run_changes_nothing() {
    let f = fixture("dry");
    let before = snapshot(&f.dir);
    let out = xtask(&f.dir, &["release", "minor", "--skip-checks"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("release 0.3.1 -> 0.4.0"), "{stdout}");
    assert!(stdout.contains("fixture-core, fixture-app"), "{stdout}");
    assert!(stdout.contains("dry run"), "{stdout}");
    assert_eq!(snapshot(&f.dir), before);
    assert!(String::from_utf8_lossy(&git(&f.dir, &["status", "--porcelain"]).stdout).is_empty());
    assert!(String::from_utf8_lossy(&git(&f.dir, &["tag"]).stdout).is_empty());
}

#[test]
fn execute_bumps_moves_the_changelog_commits_and_tags() {
    let f = fixture("exec");
    let out = xtask(&f.dir, &["release", "minor", "--skip-checks", "--execute"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Versions and requirements bumped, formatting and comments kept.
    assert_eq!(
        read(&f.dir, "Cargo.toml"),
        ROOT_MANIFEST.replace("0.3.1", "0.4.0")
    );
    assert_eq!(
        read(&f.dir, "app/Cargo.toml"),
        APP_MANIFEST.replace("0.3.1", "0.4.0")
    );
    assert_eq!(read(&f.dir, "core/Cargo.toml"), CORE_MANIFEST);
    // The unpublished crate is untouched.
    assert_eq!(read(&f.dir, "tool/Cargo.toml"), TOOL_MANIFEST);
    assert!(read(&f.dir, "Cargo.lock").contains("name = \"fixture-core\"\nversion = \"0.4.0\""));
    // The changelog.
    let changelog = read(&f.dir, "CHANGELOG.md");
    let today = jwt_claims::NumericDate::now().to_string()[..10].to_owned();
    assert!(
        changelog.contains(&format!(
            "## [Unreleased]\n\n## [0.4.0] - {today}\n\n### Added\n- A feature.\n\n## [0.3.1] - 2026-01-01"
        )),
        "{changelog}"
    );
    assert!(changelog.contains("[Unreleased]: https://example.com/r/compare/v0.4.0...HEAD\n[0.4.0]: https://example.com/r/compare/v0.3.1...v0.4.0\n"));
    // The commit and the annotated tag.
    let log =
        String::from_utf8_lossy(&git(&f.dir, &["log", "-1", "--format=%s"]).stdout).into_owned();
    assert_eq!(log.trim(), "release v0.4.0");
    let kind =
        String::from_utf8_lossy(&git(&f.dir, &["cat-file", "-t", "v0.4.0"]).stdout).into_owned();
    assert_eq!(kind.trim(), "tag");
    assert!(String::from_utf8_lossy(&git(&f.dir, &["status", "--porcelain"]).stdout).is_empty());
}

#[test]
fn refusals() {
    // A dirty tree.
    let f = fixture("dirty");
    std::fs::write(f.dir.join("core/src/lib.rs"), "//! changed\n").unwrap();
    let out = xtask(&f.dir, &["release", "patch", "--skip-checks"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("dirty"));

    // A version that is not greater.
    let f = fixture("older");
    for v in ["0.3.1", "0.3.0", "0.2.9"] {
        let out = xtask(&f.dir, &["release", v, "--skip-checks"]);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not greater"),
            "{v}"
        );
    }

    // Crate versions that differ before the bump.
    let f = fixture("differ");
    std::fs::write(
        f.dir.join("app/Cargo.toml"),
        APP_MANIFEST.replacen("0.3.1", "0.3.2", 1),
    )
    .unwrap();
    git(&f.dir, &["commit", "--quiet", "-am", "drift"]);
    let out = xtask(&f.dir, &["release", "minor", "--skip-checks"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("differ"));

    // An empty Unreleased section.
    let f = fixture("empty");
    std::fs::write(
        f.dir.join("CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n## [0.3.1] - 2026-01-01\n\n- Earlier.\n",
    )
    .unwrap();
    git(&f.dir, &["commit", "--quiet", "-am", "empty"]);
    let out = xtask(&f.dir, &["release", "minor", "--skip-checks", "--execute"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no entries"));
    assert!(String::from_utf8_lossy(&git(&f.dir, &["tag"]).stdout).is_empty());

    // Not a version at all.
    let out = xtask(&f.dir, &["release", "bigger", "--skip-checks"]);
    assert!(!out.status.success());
}
