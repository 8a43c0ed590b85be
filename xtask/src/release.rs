//! `cargo xtask release (major|minor|patch|X.Y.Z) [--execute] [--publish]`.
//!
//! A dry run by default: it checks, computes and reports, and writes nothing. With
//! `--execute` it bumps every publishable crate and every requirement on them, moves the
//! changelog's `Unreleased` section under the new version, commits `release vX.Y.Z` and
//! tags it. It pushes nothing and publishes nothing unless `--publish` is given too.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use toml_edit::{DocumentMut, Item, Value};

use crate::metadata::{self, Member};
use crate::{Failure, Result, cargo_in, run, step};

/// A semantic version `MAJOR.MINOR.PATCH` (pre-release tags are not used here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version(u64, u64, u64);

impl Version {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let mut it = s.trim().split('.').map(str::parse::<u64>);
        let v = Self(it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?);
        it.next().is_none().then_some(v)
    }

    fn bump(self, how: &str) -> Option<Self> {
        let Self(major, minor, patch) = self;
        match how {
            "major" => Some(Self(major + 1, 0, 0)),
            "minor" => Some(Self(major, minor + 1, 0)),
            "patch" => Some(Self(major, minor, patch + 1)),
            explicit => Self::parse(explicit),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

struct Options {
    bump: String,
    execute: bool,
    publish: bool,
    skip_checks: bool,
}

fn parse_args(args: &[String]) -> Result<Options> {
    let mut bump = None;
    let mut opts = Options {
        bump: String::new(),
        execute: false,
        publish: false,
        skip_checks: false,
    };
    for arg in args {
        match arg.as_str() {
            "--execute" => opts.execute = true,
            "--publish" => opts.publish = true,
            "--skip-checks" => opts.skip_checks = true,
            flag if flag.starts_with('-') => {
                return Err(Failure(format!("release: unknown flag {flag:?}")));
            }
            value => {
                if bump.replace(value.to_owned()).is_some() {
                    return Err(Failure("release: give one version or bump".into()));
                }
            }
        }
    }
    opts.bump = bump
        .ok_or_else(|| Failure("release: say major, minor, patch or an explicit X.Y.Z".into()))?;
    if opts.publish && !opts.execute {
        return Err(Failure("release: --publish needs --execute".into()));
    }
    Ok(opts)
}

fn git(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(root);
    cmd
}

fn git_output(root: &Path, args: &[&str]) -> Result<String> {
    let out = git(root)
        .args(args)
        .output()
        .map_err(|e| Failure(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Failure(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A file and the content it would have after the release.
struct Edit {
    path: PathBuf,
    before: String,
    after: String,
}

/// Sets `version` in a dependency entry (inline table or table) that has a `path`.
fn bump_requirement(item: &mut Item, new: &str) -> bool {
    let has_path = item.get("path").is_some();
    let has_workspace = item.get("workspace").is_some();
    if has_workspace || !has_path || item.get("version").is_none() {
        return false;
    }
    match item {
        Item::Value(Value::InlineTable(t)) => {
            if let Some(v) = t.get_mut("version") {
                let decor = v.decor().clone();
                *v = Value::from(new);
                *v.decor_mut() = decor;
            }
            true
        }
        Item::Table(t) => {
            if let Some(v) = t.get_mut("version").and_then(Item::as_value_mut) {
                let decor = v.decor().clone();
                *v = Value::from(new);
                *v.decor_mut() = decor;
            }
            true
        }
        _ => false,
    }
}

/// Bumps the requirements on our crates in every dependency table of a manifest.
fn bump_dependency_tables(doc: &mut DocumentMut, ours: &[String], new: &str) -> usize {
    let mut changed = 0;
    let mut visit = |table: &mut toml_edit::Table| {
        for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(deps) = table.get_mut(kind).and_then(Item::as_table_like_mut) {
                for (name, item) in deps.iter_mut() {
                    if ours.iter().any(|o| o == name.get()) && bump_requirement(item, new) {
                        changed += 1;
                    }
                }
            }
        }
    };
    visit(doc.as_table_mut());
    if let Some(ws) = doc.get_mut("workspace").and_then(Item::as_table_mut) {
        visit(ws);
    }
    changed
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))
}

fn parse_toml(path: &Path, text: &str) -> Result<DocumentMut> {
    text.parse()
        .map_err(|e| Failure(format!("{} is not valid TOML: {e}", path.display())))
}

/// The new content of every manifest that changes.
fn plan_manifests(root: &Path, members: &[Member], new: Version) -> Result<Vec<Edit>> {
    let ours: Vec<String> = members
        .iter()
        .filter(|m| m.publishable)
        .map(|m| m.name.clone())
        .collect();
    let new_s = new.to_string();
    let mut manifests: Vec<PathBuf> = vec![root.join("Cargo.toml")];
    for m in members {
        if !manifests.contains(&m.manifest) {
            manifests.push(m.manifest.clone());
        }
    }
    let mut edits = Vec::new();
    for path in manifests {
        let before = read(&path)?;
        let mut doc = parse_toml(&path, &before)?;
        let is_publishable_member = members.iter().any(|m| m.publishable && m.manifest == path);
        if is_publishable_member
            && let Some(pkg) = doc.get_mut("package").and_then(Item::as_table_mut)
            && let Some(v) = pkg.get_mut("version")
            && v.as_value().is_some_and(Value::is_str)
        {
            let decor = v.as_value().map(|v| v.decor().clone());
            *v = toml_edit::value(new_s.as_str());
            if let (Some(d), Some(v)) = (decor, v.as_value_mut()) {
                *v.decor_mut() = d;
            }
        }
        if path == root.join("Cargo.toml") {
            // `version.workspace = true` members take it from here.
            let inherits = members.iter().any(|m| {
                m.publishable
                    && read(&m.manifest).is_ok_and(|t| {
                        parse_toml(&m.manifest, &t).is_ok_and(|d| {
                            d.get("package")
                                .and_then(|p| p.get("version"))
                                .is_some_and(|v| v.get("workspace").is_some())
                        })
                    })
            });
            if inherits
                && let Some(v) = doc
                    .get_mut("workspace")
                    .and_then(|w| w.get_mut("package"))
                    .and_then(|p| p.get_mut("version"))
                    .and_then(Item::as_value_mut)
            {
                let decor = v.decor().clone();
                *v = Value::from(new_s.as_str());
                *v.decor_mut() = decor;
            }
        }
        bump_dependency_tables(&mut doc, &ours, &new_s);
        let after = doc.to_string();
        if after != before {
            edits.push(Edit {
                path,
                before,
                after,
            });
        }
    }
    Ok(edits)
}

/// Today's date (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let now = jwt_claims::NumericDate::now().to_string();
    now.get(..10).unwrap_or(&now).to_owned()
}

/// The changelog with `Unreleased` moved under the new version.
fn plan_changelog(root: &Path, old: Version, new: Version) -> Result<Edit> {
    let path = root.join("CHANGELOG.md");
    let before = read(&path)?;
    let Some(start) = before.find("## [Unreleased]") else {
        return Err(Failure(
            "CHANGELOG.md has no \"## [Unreleased]\" section".into(),
        ));
    };
    let heading_end = before[start..]
        .find('\n')
        .map_or(before.len(), |i| start + i + 1);
    let section_end = before[heading_end..].find("\n## [").map_or_else(
        || {
            before[heading_end..]
                .find("\n[")
                .map_or(before.len(), |i| heading_end + i + 1)
        },
        |i| heading_end + i + 1,
    );
    let body = &before[heading_end..section_end];
    let has_entries = body.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("- ") || l.starts_with("* ")
    });
    if !has_entries {
        return Err(Failure(
            "CHANGELOG.md: the Unreleased section has no entries; say what this release changes"
                .into(),
        ));
    }
    let mut after = String::with_capacity(before.len() + 64);
    after.push_str(&before[..start]);
    after.push_str("## [Unreleased]\n\n");
    after.push_str(&format!("## [{new}] - {}\n", today()));
    after.push_str(body);
    after.push_str(&before[section_end..]);
    // Keep a Changelog link references, when present.
    let unreleased_link = "...HEAD";
    if let Some(line) = after
        .lines()
        .find(|l| l.starts_with("[Unreleased]:") && l.ends_with(unreleased_link))
        .map(str::to_owned)
    {
        let base = line
            .trim_start_matches("[Unreleased]:")
            .trim()
            .trim_end_matches(unreleased_link)
            .to_owned();
        if let Some(repo) = base.rsplit_once("/compare/").map(|(r, _)| r.to_owned()) {
            let replacement = format!(
                "[Unreleased]: {repo}/compare/v{new}...HEAD\n[{new}]: {repo}/compare/v{old}...v{new}"
            );
            after = after.replace(&line, &replacement);
        }
    }
    Ok(Edit {
        path,
        before,
        after,
    })
}

/// `cargo xtask release ...`, in the workspace at `root`.
pub(crate) fn command(root: &Path, args: &[String]) -> Result {
    let opts = parse_args(args)?;
    let status = git_output(root, &["status", "--porcelain"])?;
    if !status.trim().is_empty() {
        return Err(Failure(format!(
            "the working tree is dirty; commit or stash first:\n{}",
            status.trim_end()
        )));
    }
    let members = metadata::members(root)?;
    let publishable: Vec<&Member> = members.iter().filter(|m| m.publishable).collect();
    let Some(first) = publishable.first() else {
        return Err(Failure("no publishable crate in the workspace".into()));
    };
    if let Some(odd) = publishable.iter().find(|m| m.version != first.version) {
        return Err(Failure(format!(
            "crate versions differ before the bump: {} is {}, {} is {}",
            first.name, first.version, odd.name, odd.version
        )));
    }
    let old = Version::parse(&first.version)
        .ok_or_else(|| Failure(format!("cannot read version {:?}", first.version)))?;
    let new = old
        .bump(&opts.bump)
        .ok_or_else(|| Failure(format!("not a bump or a version: {:?}", opts.bump)))?;
    if new <= old {
        return Err(Failure(format!(
            "the new version {new} is not greater than the current {old}"
        )));
    }
    let changelog = plan_changelog(root, old, new)?;
    if !opts.skip_checks {
        step("release checks (cargo xtask ci)", || crate::ci_in(root))?;
    }
    let mut edits = plan_manifests(root, &members, new)?;
    edits.push(changelog);
    let order = metadata::publish_order(&members)?;

    println!("release {old} -> {new}");
    println!(
        "crates, in publish order: {}",
        order
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for edit in &edits {
        let changed = edit
            .before
            .lines()
            .zip(edit.after.lines())
            .filter(|(a, b)| a != b)
            .count()
            + edit
                .after
                .lines()
                .count()
                .abs_diff(edit.before.lines().count());
        println!("  would change {} ({changed} lines)", rel(root, &edit.path));
    }
    for m in &order {
        let out = cargo_in(root)
            .args([
                "package",
                "--list",
                "--allow-dirty",
                "--offline",
                "-p",
                &m.name,
            ])
            .output()
            .map_err(|e| Failure(format!("cannot run cargo package: {e}")))?;
        if out.status.success() {
            let files = String::from_utf8_lossy(&out.stdout).lines().count();
            println!("  {} {new}: {files} files would be uploaded", m.name);
        } else {
            return Err(Failure(format!(
                "cargo package -p {} failed: {}",
                m.name,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    if !opts.execute {
        println!("dry run: nothing was written. Run again with --execute to release.");
        return Ok(());
    }

    for edit in &edits {
        std::fs::write(&edit.path, &edit.after)
            .map_err(|e| Failure(format!("cannot write {}: {e}", edit.path.display())))?;
    }
    if root.join("Cargo.lock").exists() {
        run(cargo_in(root).args(["update", "--workspace", "--offline"]))?;
    }
    let tag = format!("v{new}");
    let message = format!("release {tag}");
    run(git(root).args(["commit", "--quiet", "-am", &message]))?;
    run(git(root).args(["tag", "-a", &tag, "-m", &message]))?;
    println!("committed \"{message}\" and tagged {tag}");
    if opts.publish {
        for m in &order {
            run(cargo_in(root).args(["publish", "-p", &m.name]))?;
        }
        println!("published; push the commit and the tag with: git push --follow-tags");
    } else {
        println!(
            "nothing pushed or published; to publish: cargo xtask release {new} --execute --publish"
        );
    }
    Ok(())
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let v = Version::parse("1.2.3").unwrap();
        assert_eq!(v.bump("major"), Some(Version(2, 0, 0)));
        assert_eq!(v.bump("minor"), Some(Version(1, 3, 0)));
        assert_eq!(v.bump("patch"), Some(Version(1, 2, 4)));
        assert_eq!(v.bump("1.10.0"), Some(Version(1, 10, 0)));
        assert!(Version(1, 10, 0) > Version(1, 9, 9));
        assert_eq!(Version::parse("1.2"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
        assert_eq!(Version::parse("1.x.3"), None);
        assert_eq!(v.to_string(), "1.2.3");
    }

    #[test]
    fn requirement_bump_keeps_formatting() {
        let text = "[dependencies]\n# ours\na = { path = \"../a\", version = \"0.1.0\" } # trailing\nb = \"1\"\nc = { workspace = true }\n";
        let mut doc: DocumentMut = text.parse().unwrap();
        let n = bump_dependency_tables(&mut doc, &["a".into(), "c".into()], "0.2.0");
        assert_eq!(n, 1);
        assert_eq!(
            doc.to_string(),
            "[dependencies]\n# ours\na = { path = \"../a\", version = \"0.2.0\" } # trailing\nb = \"1\"\nc = { workspace = true }\n"
        );
    }
}
