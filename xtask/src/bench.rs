//! `cargo xtask bench [--save]`: runs the comparison benchmarks and prints a Markdown table
//! of ns/op and ratios to the floor; `--save` writes it to `BENCHMARKS.md` with a
//! description of the machine.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{Failure, Result, cargo_in, run, step};

/// The implementations compared in the JWS table, in column order; `floor` is the
/// reference.
const COLUMNS: [&str; 4] = ["floor", "jws", "jsonwebtoken", "jwt-simple"];
/// The JWE table's columns.
const JWE_COLUMNS: [&str; 2] = ["floor", "jwe"];
/// The JWE benchmark groups, in row order.
const JWE_ROWS: [&str; 10] = [
    "dir+A256GCM encrypt",
    "dir+A256GCM decrypt",
    "A256KW+A256GCM encrypt",
    "A256KW+A256GCM decrypt",
    "ECDH-ES+A256KW X25519 encrypt",
    "ECDH-ES+A256KW X25519 decrypt",
    "ECDH-ES+A256KW P-256 encrypt",
    "ECDH-ES+A256KW P-256 decrypt",
    "nested encrypt",
    "nested decrypt",
];
/// The JWS benchmark groups, in row order.
const ROWS: [&str; 8] = [
    "HS256 sign",
    "HS256 verify",
    "EdDSA sign",
    "EdDSA verify",
    "ES256 sign",
    "ES256 verify",
    "RS256 sign",
    "RS256 verify",
];

/// The `jwt-auth` benchmarks: (criterion group, function), in row order.
const AUTH_ROWS: [(&str, &str); 4] = [
    ("access_token", "issue (login, EdDSA, memory store)"),
    ("access_token", "verify (authenticate, EdDSA)"),
    ("sqlite_rotation", "1 client(s), file, WAL"),
    ("sqlite_rotation", "8 client(s), file, WAL"),
];

/// A Markdown table of the `jwt-auth` benchmarks: time per operation and operations per
/// second.
fn auth_table(root: &Path) -> Result<String> {
    let mut out = String::from("| operation | ns/op | ops/s |\n|---|---:|---:|\n");
    let mut found = 0;
    for (group, function) in AUTH_ROWS {
        match median_ns(root, group, function) {
            Some(ns) => {
                found += 1;
                let _ = writeln!(out, "| {group}: {function} | {ns:.0} | {:.0} |", 1e9 / ns);
            }
            None => {
                let _ = writeln!(out, "| {group}: {function} | - | - |");
            }
        }
    }
    if found == 0 {
        return Err(Failure(
            "no jwt-auth benchmark results under target/criterion".into(),
        ));
    }
    Ok(out)
}

pub(crate) fn command(root: &Path, args: &[String]) -> Result {
    let save = match args {
        [] => false,
        [flag] if flag == "--save" => true,
        other => return Err(Failure(format!("bench: unexpected arguments {other:?}"))),
    };
    step("cargo bench -p jose-bench --bench jws --bench jwe", || {
        run(cargo_in(root).args([
            "bench",
            "-p",
            "jose-bench",
            "--bench",
            "jws",
            "--bench",
            "jwe",
        ]))
    })?;
    let mut ratio = String::new();
    step(
        "cargo bench -p jose-bench --bench ratio (interleaved)",
        || {
            ratio = ratio_table(root)?;
            Ok(())
        },
    )?;
    step("cargo bench -p jwt-auth --bench auth", || {
        run(cargo_in(root).args(["bench", "-p", "jwt-auth", "--bench", "auth"]))
    })?;
    let table = format!(
        "## Ratios to the floor, interleaved\n\nThese are the figures to compare with the targets. \
         Each operation is timed in alternating batches (floor, `jws`, `jsonwebtoken`, \
         `jwt-simple`; for JWE `dir`+A256GCM the floor and `jwe`), the order rotating each \
         round, and each batch is divided by the same round's floor; median over 41 rounds, \
         quartiles in parentheses. Drift of the machine cancels out here.\n\n{ratio}\n\
         ## JWS (criterion)\n\nns/op from criterion, one function after another: on this \
         shared machine the speed drifts between groups by 10-30%, so the ratios in this \
         table are indicative only.\n\n{}\n## JWE (criterion)\n\n{}\n## jwt-auth\n\n\
         Access tokens issued (a login: one access and one refresh token, in-memory store) and \
         verified; refresh rotations on SQLite (a file, WAL, `synchronous = FULL`: every \
         rotation durable before it returns), with 1 and 8 concurrent clients.\n\n{}",
        table(root, &ROWS, &COLUMNS)?,
        table(root, &JWE_ROWS, &JWE_COLUMNS)?,
        auth_table(root)?
    );
    println!("\n{table}");
    if save {
        let doc = format!(
            "# Benchmarks\n\nOne access token (`sub`, `iss`, `aud`, `exp`, `iat`, `nbf`, `jti`, `scope`, `roles`), \
             signed, and verified with claim validation, by each library with the same key, in one run. \
             `floor` is base64url + the bare primitive + serde_json into the same struct, without header \
             parsing or validation: no JWT library can beat it. Ratios are to the floor (lower is better).\n\n\
             Produced by `cargo xtask bench --save`.\n\n{}\n\n{table}\n",
            machine()
        );
        let path = root.join("BENCHMARKS.md");
        std::fs::write(&path, doc)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Runs the interleaved ratio benchmark and returns its Markdown table.
fn ratio_table(root: &Path) -> Result<String> {
    let out = cargo_in(root)
        .args(["bench", "-p", "jose-bench", "--bench", "ratio"])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Failure(format!("cannot run the ratio benchmark: {e}")))?;
    if !out.status.success() {
        return Err(Failure(format!(
            "the ratio benchmark failed ({})",
            out.status
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_once("<!-- ratio table -->")
        .map(|(_, table)| table.trim().to_owned() + "\n")
        .ok_or_else(|| Failure("the ratio benchmark printed no table".into()))
}

/// The median time of one benchmark in ns, from criterion's estimates (more robust
/// than the mean on a noisy machine).
fn median_ns(root: &Path, group: &str, function: &str) -> Option<f64> {
    let path = root
        .join("target/criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    doc["median"]["point_estimate"].as_f64()
}

/// A Markdown table of ns/op, with ratios to the first column where it was measured.
fn table(root: &Path, rows: &[&str], columns: &[&str]) -> Result<String> {
    let mut out = String::from("| operation |");
    for (i, col) in columns.iter().enumerate() {
        let _ = write!(out, " {col} ns{} |", if i == 0 { "" } else { " (ratio)" });
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(columns.len()));
    out.push('\n');
    let mut found = 0;
    for row in rows {
        let floor = columns.first().and_then(|c| median_ns(root, row, c));
        let _ = write!(out, "| {row} |");
        for (i, col) in columns.iter().enumerate() {
            match (median_ns(root, row, col), floor) {
                (Some(ns), Some(f)) if i > 0 => {
                    found += 1;
                    let _ = write!(out, " {ns:.0} ({:.2}x) |", ns / f);
                }
                (Some(ns), _) => {
                    found += 1;
                    let _ = write!(out, " {ns:.0} |");
                }
                (None, _) => out.push_str(" - |"),
            }
        }
        out.push('\n');
    }
    if found == 0 {
        return Err(Failure(
            "no benchmark results under target/criterion".into(),
        ));
    }
    Ok(out)
}

fn first_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    format!(
        "Machine: {cpu}, {cores} cores; {}; {}; {}.",
        first_line("uname", &["-srm"]),
        first_line("rustc", &["--version"]),
        jwt_claims::NumericDate::now()
    )
}
