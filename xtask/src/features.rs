//! `cargo xtask check-features`: each library crate builds with no default features and
//! with each feature alone, so that users can pick only what they need.

use std::path::Path;

use crate::{Result, cargo_in, metadata, run, step};

pub(crate) fn command(root: &Path) -> Result {
    for m in metadata::members(root)?
        .iter()
        .filter(|m| m.publishable && m.has_lib)
    {
        step(&format!("{}: --no-default-features", m.name), || {
            run(cargo_in(root).args(["check", "--quiet", "-p", &m.name, "--no-default-features"]))
        })?;
        for feature in &m.features {
            step(&format!("{}: --features {feature}", m.name), || {
                run(cargo_in(root).args([
                    "check",
                    "--quiet",
                    "-p",
                    &m.name,
                    "--no-default-features",
                    "--features",
                    feature,
                ]))
            })?;
        }
    }
    Ok(())
}
