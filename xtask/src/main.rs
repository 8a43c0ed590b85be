//! Project automation, run as `cargo xtask <command>`.
//!
//! - `cargo xtask ci`: every CI step, in order, timed; stops at the first failure.
//! - `cargo xtask fuzz [TARGET] [--time SECONDS] [--smoke]`: the cargo-fuzz targets.
//! - `cargo xtask bench [--save]`: the comparison benchmarks as a Markdown table.
//! - `cargo xtask load [--save]`: HTTP load with wrk on loopback (BENCHMARKS.md's load section).
//! - `cargo xtask release (major|minor|patch|X.Y.Z) [--execute] [--publish]`.
//! - `cargo xtask check-features`: each library crate with no default features and with
//!   each feature alone.
//! - `cargo xtask check-modules`: no module cycle, no source file over 600 lines.
//!
//! `--root DIR` before the command runs it on another workspace (the release tests use it).
// `serde_json::Value` indexing returns `Null` for absent members; it never panics.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod bench;
mod features;
mod fuzz;
mod load;
mod machine;
mod metadata;
mod modules;
mod release;

const USAGE: &str = "\
usage: cargo xtask [--root DIR] <command>

commands:
  ci                                   run every CI step (fmt, clippy, check-modules, test,
                                       doc, fuzz smoke, check-features), timed, stopping at
                                       the first failure
  fuzz [TARGET] [--time SECS] [--smoke]
                                       run cargo-fuzz targets (all by default) on fuzz/corpus;
                                       --smoke gives each target a short run (CI)
  bench [--save]                       run the comparison benchmarks, print a Markdown table;
                                       --save writes BENCHMARKS.md
  load [--save] [--seconds N] [--rounds N]
                                       HTTP load with wrk (installed from Debian's packages
                                       when missing): authenticated vs unauthenticated GET,
                                       a jsonwebtoken extractor, refresh rotations on SQLite;
                                       --save writes its section of BENCHMARKS.md
  release (major|minor|patch|X.Y.Z) [--execute] [--publish] [--skip-checks]
                                       bump every publishable crate, move the changelog,
                                       commit and tag (dry run without --execute)
  check-features                       build each library crate with no default features and
                                       with each feature alone
  check-modules                        no module cycle in a crate, no source file over 600
                                       lines (tests not counted)
";

/// A failure that ends the command, with what to tell the user.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) String);

pub(crate) type Result<T = ()> = std::result::Result<T, Failure>;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let root = if args.first().is_some_and(|a| a == "--root") {
        let Some(dir) = args.get(1).cloned() else {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        };
        args.drain(..2);
        PathBuf::from(dir)
    } else {
        root()
    };
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("ci") => match rest.first() {
            Some(extra) => Err(Failure(format!("ci takes no argument, got {extra:?}"))),
            None => ci_in(&root),
        },
        Some("fuzz") => fuzz::command(rest),
        Some("bench") => bench::command(&root, rest),
        Some("load") => load::command(&root, rest),
        Some("release") => release::command(&root, rest),
        Some("check-features") => features::command(&root),
        Some("check-modules") => modules::command(&root),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory).
pub(crate) fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `cargo`, as the one that runs us, in the workspace at `dir`.
pub(crate) fn cargo_in(dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(dir);
    cmd
}

/// Runs a command to completion, its output going straight to ours.
pub(crate) fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| Failure(format!("cannot start {shown}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure(format!("{shown} failed ({status})")))
    }
}

/// Runs one named step, printing its name before and its time after.
pub(crate) fn step(name: &str, f: impl FnOnce() -> Result) -> Result {
    println!("\n==> {name}");
    let start = Instant::now();
    let result = f();
    let secs = start.elapsed().as_secs_f64();
    match &result {
        Ok(()) => println!("==> {name}: ok ({secs:.1} s)"),
        Err(Failure(m)) => println!("==> {name}: FAILED after {secs:.1} s: {m}"),
    }
    result.map_err(|Failure(m)| Failure(format!("step \"{name}\" failed: {m}")))
}

/// The features outside the defaults that the tests, lints and docs cover as well (the
/// README's test command names them).
const OPTIONAL_FEATURES: &str = "jwt-auth/remote";

/// The CI steps, in the order `.ci/run` runs them, for the workspace at `root`.
pub(crate) fn ci_in(root: &Path) -> Result {
    let start = Instant::now();
    let cargo = || cargo_in(root);
    step("fmt", || run(cargo().args(["fmt", "--all", "--check"])))?;
    step("clippy", || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--features",
            OPTIONAL_FEATURES,
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("check-modules", || modules::command(root))?;
    step(
        "test (cargo test --workspace --features jwt-auth/remote)",
        || run(cargo().args(["test", "--workspace", "--features", OPTIONAL_FEATURES])),
    )?;
    // The READMEs' quick-start programs: they stop with an error when the library does not
    // behave as they describe.
    for (package, example) in [("jwt-claims", "claims"), ("jwt-auth", "flow")] {
        let path = root.join(format!("crates/{package}/examples/{example}.rs"));
        if path.exists() {
            step(&format!("example {package}/{example}"), || {
                // The binary the test step built (with the workspace's unified features):
                // `cargo run -p` alone would resolve other features and rebuild half the
                // tree.
                let target = std::env::var_os("CARGO_TARGET_DIR")
                    .map_or_else(|| root.join("target"), PathBuf::from);
                let built = target.join("debug").join("examples").join(example);
                if built.exists() {
                    return run(Command::new(&built).current_dir(root));
                }
                let mut command = cargo();
                command.args(["run", "--quiet", "-p", package, "--example", example]);
                if let Some((_, feature)) = OPTIONAL_FEATURES
                    .split_once('/')
                    .filter(|(owner, _)| *owner == package)
                {
                    command.args(["--features", feature]);
                }
                run(&mut command)
            })?;
        }
    }
    step("doc", || {
        run(cargo()
            .args([
                "doc",
                "--workspace",
                "--no-deps",
                "--features",
                OPTIONAL_FEATURES,
            ])
            .env("RUSTDOCFLAGS", "-D warnings"))
    })?;
    if root.join("fuzz/Cargo.toml").exists() {
        step("fuzz smoke", || {
            fuzz::run_targets(&fuzz::targets()?, fuzz::SMOKE_SECS)
        })?;
    }
    step("check-features", || features::command(root))?;
    println!(
        "\nci: all steps passed in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
