//! `cargo xtask bench [--save]`: runs the comparison benchmarks and prints a Markdown table
//! of ns/op and ratios to the floor; `--save` writes it to `BENCHMARKS.md` with a
//! description of the machine.

use std::fmt::Write as _;
use std::path::Path;

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
const AUTH_ROWS: [(&str, &str); 15] = [
    ("access_token", "issue (login, EdDSA, memory store)"),
    ("access_token", "verify (authenticate, EdDSA)"),
    (
        "access_token",
        "verify + Redis deny-list, cache hit (EdDSA)",
    ),
    ("access_token", "verify (authenticate, HS256)"),
    ("access_token", "verify + in-process deny-list (HS256)"),
    (
        "access_token",
        "verify + Redis deny-list, cache hit (HS256)",
    ),
    ("store_rotation", "memory, 1 client(s)"),
    ("store_rotation", "memory, 8 client(s)"),
    ("store_rotation", "memory, 32 client(s)"),
    ("store_rotation", "SQLite file, WAL, 1 client(s)"),
    ("store_rotation", "SQLite file, WAL, 8 client(s)"),
    ("store_rotation", "SQLite file, WAL, 32 client(s)"),
    ("store_rotation", "PostgreSQL, 1 client(s)"),
    ("store_rotation", "PostgreSQL, 8 client(s)"),
    ("store_rotation", "PostgreSQL, 32 client(s)"),
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
    step(
        "cargo bench -p jwt-auth --features postgres,redis --bench auth",
        || {
            run(cargo_in(root).args([
                "bench",
                "-p",
                "jwt-auth",
                "--features",
                "postgres,redis",
                "--bench",
                "auth",
            ]))
        },
    )?;
    let table = format!(
        "## Ratios to the floor, interleaved\n\nThese are the figures to compare with the targets. \
         Each operation is timed in alternating batches (floor, `jws`, `jsonwebtoken`, \
         `jwt-simple`; for JWE `dir`+A256GCM the floor and `jwe`), the order rotating each \
         round, and each batch is divided by the same round's floor; a process takes the \
         median over 41 rounds. Three processes run it (one process can keep an unlucky \
         memory and code layout for its whole life): the table gives the median of their \
         medians, and their lowest and highest in parentheses. Drift of the machine cancels \
         out here. In the rows `verify, remote set / static set` the floor is a verification \
         with a `Verifier` built from a JWK Set, and the ratio is the same verification \
         through a warm `jwks-remote` set serving that JWK Set (the future polled once).\n\n\
         {ratio}\n\
         ## JWS (criterion)\n\nns/op from criterion, one function after another: on this \
         shared machine the speed drifts between groups by 10-30%, so the ratios in this \
         table are indicative only.\n\n{}\n## JWE (criterion)\n\n{}\n## jwt-auth\n\n\
         Access tokens issued (a login: one access and one refresh token, in-memory store) and \
         verified, alone and with a deny-list check (in-process; Redis-backed on its \
         cache-hit path, the mirror current); refresh rotations (an EdDSA access token \
         signed each) on memory, SQLite (a file, WAL, `synchronous = FULL`) and PostgreSQL \
         (loopback, `synchronous_commit = on`): every rotation durable before it returns, \
         with 1, 8 and 32 concurrent clients. `DATABASE_URL` and `REDIS_URL` must be set \
         for their rows.\n\n{}",
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
            crate::machine::machine()
        );
        let path = root.join("BENCHMARKS.md");
        // The HTTP load section (`cargo xtask load --save`) is kept.
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let doc = match crate::load::section(&old) {
            Some(load) => crate::load::with_section(&doc, &format!("{load}\n")),
            None => doc,
        };
        std::fs::write(&path, doc)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// How many processes run the interleaved ratio benchmark: one process can sit on an
/// unlucky memory and code layout for its whole life (a few percent, the same sign in
/// every round), so the table takes the median over several.
const RATIO_RUNS: usize = 3;

/// Runs the interleaved ratio benchmark [`RATIO_RUNS`] times and returns the Markdown
/// table of the median over the runs of each run's median ratio, with their range.
fn ratio_table(root: &Path) -> Result<String> {
    let mut runs = Vec::new();
    for run in 1..=RATIO_RUNS {
        eprintln!("ratio benchmark, process {run} of {RATIO_RUNS}");
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
        runs.push(parse_ratio_rows(&String::from_utf8_lossy(&out.stdout))?);
    }
    Ok(combine_ratio_runs(&runs))
}

/// One operation of one run: name, floor ns, and each contender's median ratio.
type RatioRow = (String, f64, Vec<Option<f64>>);

/// The `RATIO` lines of one run of the ratio benchmark.
fn parse_ratio_rows(stdout: &str) -> Result<Vec<RatioRow>> {
    let rows: Vec<RatioRow> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("RATIO\t"))
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let name = fields.next()?.to_owned();
            let floor = fields.next()?.parse().ok()?;
            Some((name, floor, fields.map(|f| f.parse().ok()).collect()))
        })
        .collect();
    if rows.is_empty() {
        return Err(Failure("the ratio benchmark printed no RATIO lines".into()));
    }
    Ok(rows)
}

/// The Markdown table over several runs: per cell, the median of the runs' medians and,
/// in parentheses, their lowest and highest.
fn combine_ratio_runs(runs: &[Vec<RatioRow>]) -> String {
    fn median(mut v: Vec<f64>) -> Option<f64> {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    }
    let mut out = String::from(
        "| operation | floor ns | jws / jwe | jsonwebtoken | jwt-simple |\n|---|---:|---:|---:|---:|\n",
    );
    let Some(first) = runs.first() else {
        return out;
    };
    for (i, (name, _, _)) in first.iter().enumerate() {
        let same: Vec<&RatioRow> = runs
            .iter()
            .filter_map(|r| r.get(i))
            .filter(|r| r.0 == *name)
            .collect();
        let floor = median(same.iter().map(|r| r.1).collect()).unwrap_or_default();
        let _ = write!(out, "| {name} | {floor:.0} |");
        for col in 0..3 {
            let values: Vec<f64> = same
                .iter()
                .filter_map(|r| r.2.get(col).copied().flatten())
                .collect();
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            match median(values) {
                Some(mid) => {
                    let _ = write!(out, " {mid:.2}x ({lo:.2}-{hi:.2}) |");
                }
                None => out.push_str(" - |"),
            }
        }
        out.push('\n');
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_runs_combine_into_medians_and_ranges() {
        let run = |hs: &str, jwe: &str| {
            format!(
                "noise\n<!-- ratio table -->\n| table |\n\
                 RATIO\tHS256 verify\t2000\t{hs}\t2.7000\t4.4000\n\
                 RATIO\tJWE dir decrypt\t2500\t{jwe}\t-\t-\n"
            )
        };
        let runs: Vec<Vec<RatioRow>> = [
            run("1.10", "1.30"),
            run("1.20", "1.10"),
            run("1.15", "1.20"),
        ]
        .iter()
        .map(|out| parse_ratio_rows(out).unwrap())
        .collect();
        assert_eq!(runs[0].len(), 2);
        assert_eq!(runs[1][1].2, vec![Some(1.10), None, None]);
        let table = combine_ratio_runs(&runs);
        assert!(
            table.contains("| HS256 verify | 2000 | 1.15x (1.10-1.20) | 2.70x (2.70-2.70) | 4.40x (4.40-4.40) |"),
            "{table}"
        );
        assert!(
            table.contains("| JWE dir decrypt | 2500 | 1.20x (1.10-1.30) | - | - |"),
            "{table}"
        );
        assert!(parse_ratio_rows("no rows here").is_err());
    }
}
