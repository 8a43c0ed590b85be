//! `cargo xtask check-modules`: the shape rules of ARCHITECTURE.md that a compiler does not
//! check.
//!
//! - No module cycle inside a crate: when module `a` names `b` (`crate::b...`,
//!   `super::b`, or an item the crate root re-exports from `b`), `b` must not reach `a`
//!   back. A module and its own submodules are one unit here (a parent may use its
//!   children and the other way round); comments and `#[cfg(test)] mod tests` are
//!   ignored, so a doc link or a test does not count.
//! - No source file over [`MAX_LINES`] lines, tests not counted (a `#[cfg(test)]` module
//!   at the end of a file, and files under `tests/`, `benches/`, `examples/`); doc
//!   comments count.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::{Failure, Result};

/// The most lines a source file may have, its tests not counted.
pub(crate) const MAX_LINES: usize = 600;

/// Runs both checks on every crate under `crates/` and on `xtask`.
pub(crate) fn command(root: &Path) -> Result {
    let mut problems = Vec::new();
    let mut crates: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .map_err(|e| Failure(format!("cannot list crates/: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path().join("src")))
        .filter(|p| p.is_dir())
        .collect();
    crates.push(root.join("xtask/src"));
    crates.sort();
    for src in &crates {
        let modules = read_modules(src)?;
        for file in modules.values() {
            let lines = file.lines;
            if lines > MAX_LINES {
                problems.push(format!(
                    "{}: {lines} lines without its tests (at most {MAX_LINES}): split it by concept",
                    file.path.display()
                ));
            }
        }
        for (a, b) in cycles(&modules) {
            problems.push(format!(
                "{}: modules `{a}` and `{b}` use each other",
                src.display()
            ));
        }
    }
    if problems.is_empty() {
        println!(
            "check-modules: {} crates, no module cycle, no file over {MAX_LINES} lines",
            crates.len()
        );
        Ok(())
    } else {
        for p in &problems {
            eprintln!("{p}");
        }
        Err(Failure(format!("{} module rule(s) broken", problems.len())))
    }
}

struct SourceFile {
    path: PathBuf,
    /// The text without `//` comment lines and without the trailing test module.
    text: String,
    /// The number of lines before the trailing test module, comments included.
    lines: usize,
}

/// Every module of the crate whose sources are in `src`, by path (`a::b`; the root is
/// the empty string).
fn read_modules(src: &Path) -> Result<BTreeMap<String, SourceFile>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir)
            .map_err(|e| Failure(format!("cannot list {}: {e}", dir.display())))?;
        for entry in entries.filter_map(std::result::Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let raw = fs::read_to_string(&path)
                .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
            let rel = path.strip_prefix(src).unwrap_or(&path).with_extension("");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if parts
                .last()
                .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
            {
                parts.pop();
            }
            out.insert(
                parts.join("::"),
                SourceFile {
                    path: path.clone(),
                    text: without_tests(&raw),
                    lines: lines_before_tests(&raw),
                },
            );
        }
    }
    Ok(out)
}

/// The text before a `#[cfg(test)]` module, without `//` comment lines.
fn without_tests(raw: &str) -> String {
    let mut out = String::new();
    let mut lines = raw.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The lines of a file before its `#[cfg(test)] mod`, if any.
fn lines_before_tests(raw: &str) -> usize {
    let lines: Vec<&str> = raw.lines().collect();
    lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod "))
        .unwrap_or(lines.len())
}

/// The names of the crate root's re-exports, by the module they come from.
fn reexports(root: Option<&SourceFile>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(root) = root else { return out };
    for statement in root.text.split(';') {
        let s = statement.trim();
        let Some(path) = s
            .strip_prefix("pub use ")
            .or_else(|| s.strip_prefix("pub(crate) use "))
            .or_else(|| {
                s.rsplit_once('\n')
                    .and_then(|(_, last)| last.trim().strip_prefix("pub use "))
            })
        else {
            continue;
        };
        let Some((module, names)) = path.split_once("::") else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                out.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    out
}

/// Identifiers (paths of `::`-separated words) following `prefix` in `text`.
fn paths_after<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{'))
            .unwrap_or(rest.len());
        out.push(&rest[..end]);
    }
    out
}

/// The modules each module names.
fn edges(modules: &BTreeMap<String, SourceFile>) -> BTreeMap<&str, BTreeSet<&str>> {
    let reexported = reexports(modules.get(""));
    let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, file) in modules {
        let mut deps = BTreeSet::new();
        let mut add = |candidate: &str| {
            // The longest module prefix of the path.
            let parts: Vec<&str> = candidate.split("::").filter(|p| !p.is_empty()).collect();
            for k in (1..=parts.len()).rev() {
                let prefix = parts[..k].join("::");
                if let Some((key, _)) = modules.get_key_value(prefix.as_str()) {
                    deps.insert(key.as_str());
                    return;
                }
            }
        };
        for path in paths_after(&file.text, "crate::") {
            let path = path.trim_end_matches(':').trim_end_matches('{');
            if let Some(first) = path.split("::").next()
                && let Some(module) = reexported.get(first)
            {
                add(module);
                continue;
            }
            add(path);
        }
        // `use crate::{A, B}` of root re-exports.
        let mut rest = file.text.as_str();
        while let Some(i) = rest.find("crate::{") {
            rest = &rest[i + "crate::{".len()..];
            let end = rest.find('}').unwrap_or(rest.len());
            for item in rest[..end].split(',') {
                let item = item.trim();
                match reexported.get(item) {
                    Some(module) => add(module),
                    None => add(item),
                }
            }
        }
        let parent: Vec<&str> = name.split("::").filter(|p| !p.is_empty()).collect();
        let parent = parent
            .get(..parent.len().saturating_sub(1))
            .unwrap_or_default()
            .join("::");
        for path in paths_after(&file.text, "super::") {
            let first = path.split("::").next().unwrap_or_default();
            if parent.is_empty() {
                add(first);
            } else {
                add(&format!("{parent}::{first}"));
            }
        }
        deps.remove(name.as_str());
        out.insert(name.as_str(), deps);
    }
    out
}

fn related(a: &str, b: &str) -> bool {
    a.is_empty()
        || b.is_empty()
        || a.starts_with(&format!("{b}::"))
        || b.starts_with(&format!("{a}::"))
}

/// Pairs of modules (neither inside the other) that reach each other.
fn cycles(modules: &BTreeMap<String, SourceFile>) -> Vec<(String, String)> {
    let edges = edges(modules);
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(m) = stack.pop() {
            if m == to {
                return true;
            }
            for next in edges.get(m).into_iter().flatten() {
                if seen.insert(*next) {
                    stack.push(next);
                }
            }
        }
        false
    };
    let mut out = Vec::new();
    for (a, deps) in &edges {
        for b in deps {
            if a < b && !related(a, b) && reaches(b, a) {
                out.push(((*a).to_owned(), (*b).to_owned()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_of(files: &[(&str, &str)]) -> BTreeMap<String, SourceFile> {
        files
            .iter()
            .map(|(name, text)| {
                (
                    (*name).to_owned(),
                    SourceFile {
                        path: PathBuf::from(format!("{name}.rs")),
                        text: without_tests(text),
                        lines: lines_before_tests(text),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_cycle_through_a_reexport_is_found_and_comments_and_tests_are_not() {
        let modules = crate_of(&[
            (
                "",
                "mod a;\nmod b;\npub use a::Alpha;\npub use b::{Beta, Gamma};\n",
            ),
            ("a", "use crate::Beta;\npub struct Alpha;\n"),
            (
                "b",
                "use crate::{Alpha};\npub struct Beta;\npub struct Gamma;\n",
            ),
        ]);
        assert_eq!(cycles(&modules), [("a".to_owned(), "b".to_owned())]);
        let clean = crate_of(&[
            ("", "mod a;\nmod b;\npub use a::Alpha;\npub use b::Beta;\n"),
            ("a", "use crate::Beta;\npub struct Alpha;\n"),
            (
                "b",
                "/// See [`crate::Alpha`].\npub struct Beta;\n#[cfg(test)]\nmod tests {\n use crate::a::Alpha;\n}\n",
            ),
        ]);
        assert!(cycles(&clean).is_empty());
    }

    #[test]
    fn parents_and_children_may_use_each_other() {
        let modules = crate_of(&[
            ("", "mod key;\n"),
            ("key", "mod signing;\nuse signing::S;\n"),
            ("key::signing", "use super::Family;\n"),
        ]);
        assert!(cycles(&modules).is_empty());
        let siblings = crate_of(&[
            ("", "mod key;\n"),
            ("key", "mod signing;\nmod verifying;\n"),
            ("key::signing", "use super::verifying::V;\n"),
            ("key::verifying", "use super::signing::S;\n"),
        ]);
        assert_eq!(
            cycles(&siblings),
            [("key::signing".to_owned(), "key::verifying".to_owned())]
        );
    }

    #[test]
    fn tests_do_not_count_as_lines() {
        let text = "fn a() {}\n\n// note\n#[cfg(test)]\nmod tests {\n fn t() {}\n}\n";
        assert_eq!(lines_before_tests(text), 3);
        assert_eq!(lines_before_tests("a\nb\n"), 2);
    }
}
