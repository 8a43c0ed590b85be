//! `cargo xtask fuzz`: the cargo-fuzz targets under `fuzz/`, on the committed corpora.

use std::path::PathBuf;
use std::process::Command;

use crate::{Failure, Result, root, run, step};

/// Seconds each target runs in a smoke run (CI).
pub(crate) const SMOKE_SECS: u64 = 20;
/// Seconds each target runs by default.
const DEFAULT_SECS: u64 = 120;

/// `cargo xtask fuzz [TARGET] [--time SECONDS] [--smoke]`.
pub(crate) fn command(args: &[String]) -> Result {
    let mut target = None;
    let mut secs = DEFAULT_SECS;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--smoke" => secs = SMOKE_SECS,
            "--time" => {
                let value = it
                    .next()
                    .ok_or_else(|| Failure("--time needs a number of seconds".into()))?;
                secs = value
                    .parse()
                    .map_err(|_| Failure(format!("--time: not a number of seconds: {value:?}")))?;
            }
            flag if flag.starts_with('-') => {
                return Err(Failure(format!("fuzz: unknown flag {flag:?}")));
            }
            name => {
                if target.replace(name.to_owned()).is_some() {
                    return Err(Failure("fuzz: give at most one target".into()));
                }
            }
        }
    }
    let all = targets()?;
    let chosen = match target {
        None => all,
        Some(name) if all.contains(&name) => vec![name],
        Some(name) => {
            return Err(Failure(format!(
                "no fuzz target {name:?}; targets: {}",
                all.join(", ")
            )));
        }
    };
    run_targets(&chosen, secs)
}

/// The target names, read from `fuzz/Cargo.toml`.
pub(crate) fn targets() -> Result<Vec<String>> {
    let path = root().join("fuzz/Cargo.toml");
    let manifest = std::fs::read_to_string(&path)
        .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin
            && let Some(name) = line
                .strip_prefix("name")
                .map(str::trim_start)
                .and_then(|l| l.strip_prefix('='))
        {
            names.push(name.trim().trim_matches('"').to_owned());
        }
    }
    if names.is_empty() {
        return Err(Failure(format!("no [[bin]] target in {}", path.display())));
    }
    Ok(names)
}

/// How cargo-fuzz is run here: the nightly toolchain when there is one, else the stable
/// toolchain with nightly flags allowed and no sanitizer (coverage-guided all the same).
struct Toolchain {
    nightly: bool,
}

impl Toolchain {
    fn detect() -> Self {
        let nightly = Command::new("rustup")
            .args(["run", "nightly", "rustc", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !nightly {
            println!("no nightly toolchain: fuzzing on stable without a sanitizer");
        }
        Self { nightly }
    }

    fn cargo_fuzz(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(root().join("fuzz"));
        // What `cargo run` set for us must not pick the toolchain of the fuzz build.
        for var in [
            "CARGO",
            "RUSTC",
            "RUSTDOC",
            "RUSTUP_TOOLCHAIN",
            "CARGO_TARGET_DIR",
        ] {
            cmd.env_remove(var);
        }
        if self.nightly {
            cmd.arg("+nightly");
        } else {
            cmd.arg("+stable").env("RUSTC_BOOTSTRAP", "1");
        }
        cmd.arg("fuzz");
        let (sub, rest) = args.split_first().map_or(("", &[][..]), |(s, r)| (*s, r));
        cmd.arg(sub);
        if !self.nightly {
            cmd.args(["--sanitizer", "none"]);
        }
        cmd.args(rest);
        cmd
    }

    fn replay_command(&self, target: &str, artifact: &str) -> String {
        if self.nightly {
            format!("cd fuzz && cargo +nightly fuzz run {target} {artifact}")
        } else {
            format!(
                "cd fuzz && RUSTC_BOOTSTRAP=1 cargo +stable fuzz run --sanitizer none {target} {artifact}"
            )
        }
    }
}

/// Installs cargo-fuzz when `cargo fuzz` is missing.
fn ensure_cargo_fuzz() -> Result {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    println!("cargo-fuzz is missing: installing it");
    run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))
}

/// Builds every target once, then runs each for `secs` seconds on its corpus.
pub(crate) fn run_targets(targets: &[String], secs: u64) -> Result {
    ensure_cargo_fuzz()?;
    let toolchain = Toolchain::detect();
    step("fuzz build", || run(&mut toolchain.cargo_fuzz(&["build"])))?;
    for target in targets {
        let corpus = root().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .map_err(|e| Failure(format!("cannot create {}: {e}", corpus.display())))?;
        let time = format!("-max_total_time={secs}");
        let corpus_arg = corpus.display().to_string();
        let result = step(&format!("fuzz {target} ({secs} s)"), || {
            run(&mut toolchain.cargo_fuzz(&["run", target, &corpus_arg, "--", &time]))
        });
        if let Err(Failure(message)) = result {
            let artifact = newest_artifact(target).map_or_else(
                || format!("fuzz/artifacts/{target}/<crash file>"),
                |p| p.display().to_string(),
            );
            let relative = artifact
                .strip_prefix(&format!("{}/fuzz/", root().display()))
                .unwrap_or(&artifact)
                .to_owned();
            return Err(Failure(format!(
                "{message}\nfuzz target {target} found a failing input: {artifact}\nreplay it with: {}",
                toolchain.replay_command(target, &relative)
            )));
        }
    }
    Ok(())
}

fn newest_artifact(target: &str) -> Option<PathBuf> {
    let dir = root().join("fuzz/artifacts").join(target);
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, path)| path)
}
