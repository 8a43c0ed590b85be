//! What `cargo metadata` says about the workspace: its crates, their versions, features
//! and the order in which they can be published.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use crate::{Failure, Result, cargo_in};

/// A workspace member.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) manifest: PathBuf,
    pub(crate) publishable: bool,
    pub(crate) has_lib: bool,
    pub(crate) features: Vec<String>,
    /// Names of workspace members this one depends on (normal and build dependencies).
    pub(crate) deps: Vec<String>,
}

/// The workspace members of the workspace at `root`.
pub(crate) fn members(root: &std::path::Path) -> Result<Vec<Member>> {
    let out = cargo_in(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .map_err(|e| Failure(format!("cannot run cargo metadata: {e}")))?;
    if !out.status.success() {
        return Err(Failure(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let doc: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| Failure(format!("cargo metadata printed invalid JSON: {e}")))?;
    let packages = doc["packages"].as_array().cloned().unwrap_or_default();
    let names: BTreeSet<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    let mut members = Vec::new();
    for p in &packages {
        let name = p["name"].as_str().unwrap_or_default().to_owned();
        // `publish: []` means never; null means anywhere.
        let publishable = !matches!(&p["publish"], Value::Array(a) if a.is_empty());
        let has_lib = p["targets"].as_array().is_some_and(|ts| {
            ts.iter().any(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "lib"))
            })
        });
        let features = p["features"]
            .as_object()
            .map(|f| f.keys().filter(|k| *k != "default").cloned().collect())
            .unwrap_or_default();
        let deps = p["dependencies"]
            .as_array()
            .map(|ds| {
                ds.iter()
                    .filter(|d| d["kind"].is_null() || d["kind"] == "build")
                    .filter_map(|d| d["name"].as_str())
                    .filter(|n| names.contains(*n))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        members.push(Member {
            name,
            version: p["version"].as_str().unwrap_or_default().to_owned(),
            manifest: PathBuf::from(p["manifest_path"].as_str().unwrap_or_default()),
            publishable,
            has_lib,
            features,
            deps,
        });
    }
    Ok(members)
}

/// The publishable members, each after the members it depends on (ties by name).
pub(crate) fn publish_order(members: &[Member]) -> Result<Vec<Member>> {
    let publishable: BTreeMap<&str, &Member> = members
        .iter()
        .filter(|m| m.publishable)
        .map(|m| (m.name.as_str(), m))
        .collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < publishable.len() {
        let ready = publishable.values().find(|m| {
            !done.contains(m.name.as_str())
                && m.deps
                    .iter()
                    .all(|d| done.contains(d.as_str()) || !publishable.contains_key(d.as_str()))
        });
        let Some(next) = ready else {
            return Err(Failure(
                "the publishable crates depend on each other in a cycle".into(),
            ));
        };
        done.insert(next.name.as_str());
        order.push((*next).clone());
    }
    Ok(order)
}
