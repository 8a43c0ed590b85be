//! `cargo xtask load [--save] [--seconds N] [--rounds N]`: HTTP load on loopback with `wrk`
//! (installed from Debian's packages when missing): an authenticated `GET` (jwt-auth-axum,
//! EdDSA and HS256) against the same route unauthenticated and against a hand-written
//! `jsonwebtoken` extractor, and `POST /refresh` rotations on SQLite. `--save` writes the
//! section of BENCHMARKS.md between its markers.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::{Failure, Result, cargo_in, run, step};

pub(crate) const START: &str = "<!-- load:start -->";
pub(crate) const END: &str = "<!-- load:end -->";

/// The `GET` routes: (path, label, token, in-process cost key).
const ROUTES: [(&str, &str, &str, &str); 5] = [
    ("open", "unauthenticated", "", ""),
    (
        "eddsa",
        "jwt-auth-axum `Authenticated`, EdDSA",
        "eddsa",
        "eddsa",
    ),
    (
        "peer/eddsa",
        "hand-written extractor on jsonwebtoken, EdDSA",
        "eddsa",
        "peer_eddsa",
    ),
    (
        "hs256",
        "jwt-auth-axum `Authenticated`, HS256",
        "hs256",
        "hs256",
    ),
    (
        "peer/hs256",
        "hand-written extractor on jsonwebtoken, HS256",
        "hs256",
        "peer_hs256",
    ),
];

const REFRESH_CLIENTS: [u32; 3] = [1, 2, 4];

/// wrk's script for rotations: each thread (one connection) logs in once, then sends its
/// latest refresh cookie again and again.
const REFRESH_LUA: &str = r#"local cookie = nil
local origin = os.getenv("LOAD_ORIGIN")
request = function()
  if cookie == nil then
    return wrk.format("POST", "/login", {["Origin"] = origin, ["Content-Type"] = "application/json"},
      '{"username":"load","password":"load-password"}')
  end
  return wrk.format("POST", "/refresh", {["Origin"] = origin, ["Cookie"] = cookie})
end
response = function(status, headers, body)
  local c = headers["set-cookie"] or headers["Set-Cookie"]
  if status == 200 and c then cookie = c:match("^([^;]+)") else cookie = nil end
end
"#;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ensure_wrk() -> Result {
    if Command::new("wrk").arg("-v").output().is_ok() {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "wrk"])
}

/// Requests per second and non-2xx answers of one wrk run.
fn wrk(args: &[&str], env: &[(&str, &str)]) -> Result<(f64, u64)> {
    let out = Command::new("wrk")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .map_err(|e| Failure(format!("cannot run wrk: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_wrk(&text).ok_or_else(|| Failure(format!("unexpected wrk output:\n{text}")))
}

fn parse_wrk(text: &str) -> Option<(f64, u64)> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(str::trim)
    };
    let rps = field("Requests/sec:")?.parse().ok()?;
    let errors = field("Non-2xx or 3xx responses:").map_or(Some(0), |v| v.parse().ok())?;
    Some((rps, errors))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

pub(crate) fn command(root: &Path, args: &[String]) -> Result {
    let mut save = false;
    let mut seconds = 5u32;
    let mut rounds = 5usize;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--save" => save = true,
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| Failure("--seconds N".into()))?;
            }
            "--rounds" => {
                rounds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| Failure("--rounds N".into()))?;
            }
            other => return Err(Failure(format!("load: unexpected argument {other:?}"))),
        }
    }
    step("wrk (Debian's package)", ensure_wrk)?;
    step(
        "cargo build --release -p jose-bench --example load_server --features load",
        || {
            run(cargo_in(root).args([
                "build",
                "--release",
                "-p",
                "jose-bench",
                "--example",
                "load_server",
                "--features",
                "load",
            ]))
        },
    )?;
    let dir = root.join("target").join("load");
    std::fs::create_dir_all(&dir).map_err(|e| Failure(format!("{}: {e}", dir.display())))?;
    let lua = dir.join("refresh.lua");
    std::fs::write(&lua, REFRESH_LUA).map_err(|e| Failure(format!("{}: {e}", lua.display())))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| Failure(format!("no free port: {e}")))?
        .port();
    // One worker thread: the server's time per request is 1 / (requests per second), and
    // wrk has the other core.
    let mut child = Command::new(root.join("target/release/examples/load_server"))
        .args([&port.to_string(), dir.to_str().unwrap_or("."), "1"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Failure(format!("cannot start the load server: {e}")))?;
    let stdout = child.stdout.take();
    let server = Killed(child);
    let mut line = String::new();
    if let Some(out) = stdout {
        BufReader::new(out)
            .read_line(&mut line)
            .map_err(|e| Failure(format!("load server: {e}")))?;
    }
    let setup: serde_json::Value = serde_json::from_str(&line)
        .map_err(|e| Failure(format!("the load server said {line:?}: {e}")))?;
    let base = format!("http://127.0.0.1:{port}");
    let duration = format!("{seconds}s");

    // Warm-up: every route once, not counted.
    for (path, _, token, _) in ROUTES {
        let auth = setup[token].as_str().map_or_else(
            || "X-None: 1".into(),
            |t| format!("Authorization: Bearer {t}"),
        );
        wrk(
            &[
                "-t1",
                "-c16",
                "-d",
                "2s",
                "-H",
                &auth,
                &format!("{base}/{path}"),
            ],
            &[],
        )?;
    }
    let mut costs: Vec<serde_json::Value> = Vec::new();
    let mut rps: Vec<Vec<f64>> = vec![Vec::new(); ROUTES.len()];
    let mut refresh: Vec<Vec<f64>> = vec![Vec::new(); REFRESH_CLIENTS.len()];
    let mut errors = 0u64;
    for round in 0..rounds {
        println!("round {} of {rounds}", round + 1);
        for k in 0..ROUTES.len() {
            let i = (k + round) % ROUTES.len();
            let (path, _, token, _) = ROUTES[i];
            let auth = match setup[token].as_str() {
                Some(t) => format!("Authorization: Bearer {t}"),
                None => "X-None: 1".into(),
            };
            let url = format!("{base}/{path}");
            let (r, e) = wrk(&["-t1", "-c16", "-d", &duration, "-H", &auth, &url], &[])?;
            println!("  GET /{path}: {r:.0} req/s");
            rps[i].push(r);
            errors += e;
        }
        costs.push(cost_now(&base)?);
        for (i, clients) in REFRESH_CLIENTS.iter().enumerate() {
            let c = clients.to_string();
            let url = format!("{base}/refresh");
            let script = lua.to_str().unwrap_or("refresh.lua");
            let (r, e) = wrk(
                &["-t", &c, "-c", &c, "-d", &duration, "-s", script, &url],
                &[("LOAD_ORIGIN", base.as_str())],
            )?;
            println!("  POST /refresh x{clients}: {r:.0} rotations/s");
            refresh[i].push(r);
            errors += e;
        }
    }
    drop(server);
    if errors > 0 {
        return Err(Failure(format!(
            "{errors} requests failed (non-2xx): see the load server"
        )));
    }
    let section = report(&costs, &mut rps, &mut refresh, seconds, rounds);
    println!("\n{section}");
    if save {
        let path = root.join("BENCHMARKS.md");
        let doc = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, with_section(&doc, &section))
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The in-process cost of each checker, measured by the server now (`GET /cost`).
fn cost_now(base: &str) -> Result<serde_json::Value> {
    let out = Command::new("curl")
        .args(["-s", &format!("{base}/cost")])
        .output()
        .map_err(|e| Failure(format!("cannot run curl: {e}")))?;
    serde_json::from_slice(&out.stdout).map_err(|e| Failure(format!("GET /cost: {e}")))
}

fn report(
    costs: &[serde_json::Value],
    rps: &mut [Vec<f64>],
    refresh: &mut [Vec<f64>],
    seconds: u32,
    rounds: usize,
) -> String {
    let medians: Vec<f64> = rps.iter_mut().map(|v| median(v)).collect();
    let us = |r: f64| if r > 0.0 { 1e6 / r } else { f64::NAN };
    let open = medians.first().copied().unwrap_or(0.0);
    let mut rows = String::from(
        "| route | req/s | µs/request | + µs over unauthenticated | one verification in process, µs | added / verification | req/s vs unauthenticated |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for (i, (path, label, _, cost)) in ROUTES.iter().enumerate() {
        let r = medians[i];
        if cost.is_empty() {
            rows += &format!(
                "| `GET /{path}`, {label} | {r:.0} | {:.2} | - | - | - | 1.00x |\n",
                us(r)
            );
            continue;
        }
        let mut samples: Vec<f64> = costs.iter().filter_map(|c| c[cost].as_f64()).collect();
        let verify = median(&mut samples) / 1000.0;
        let added = us(r) - us(open);
        rows += &format!(
            "| `GET /{path}`, {label} | {r:.0} | {:.2} | {added:.2} | {verify:.2} | {:.2}x | {:.2}x |\n",
            us(r),
            added / verify,
            r / open
        );
    }
    let find = |p: &str| {
        ROUTES
            .iter()
            .position(|r| r.0 == p)
            .map_or(0.0, |i| medians[i])
    };
    let hs = find("hs256") / find("peer/hs256");
    let ed = find("eddsa") / find("peer/eddsa");
    let mut rotations = String::from("| concurrent clients | rotations/s |\n|---:|---:|\n");
    for (i, clients) in REFRESH_CLIENTS.iter().enumerate() {
        rotations += &format!("| {clients} | {:.0} |\n", median(&mut refresh[i]));
    }
    format!(
        "{START}\n## HTTP load (`cargo xtask load --save`)\n\n\
         One axum process on loopback with **one worker thread** (so that its time per request \
         is 1 / req/s; `wrk -t1 -c16` has the other core), {rounds} rounds of {seconds} s per route, \
         the route order rotating each round; medians. The same `GET` answers the same JSON \
         unauthenticated, behind `jwt-auth-axum`'s `Authenticated<T>` (RFC 9068 access token: \
         `typ`, `iss`, `aud`, `exp`, `iat`, `sub`, `jti` checked, the application's claims \
         deserialized), and behind a hand-written extractor on `jsonwebtoken` 11 (`rust_crypto`; \
         `iss`, `aud`, `exp`, `sub`). \"One verification in process\" is the checker alone in a \
         hot loop in the same process (best of five batches of 2,000, measured by the \
         server between two load runs of every round; the median of the rounds).\n\n{}\n\n{rows}\n\
         jwt-auth-axum / jsonwebtoken extractor, req/s: **HS256 {hs:.2}x**, **EdDSA {ed:.2}x**.\n\n\
         `POST /refresh` (the issuer router: Origin check, cookie, one rotation in one SQLite \
         transaction on a file in WAL mode with `synchronous = FULL`, a new EdDSA access token, \
         `Set-Cookie`), each wrk thread one client following its own cookie chain:\n\n{rotations}\n{END}\n",
        crate::machine::machine()
    )
}

/// `doc` with its load section replaced (or appended).
pub(crate) fn with_section(doc: &str, section: &str) -> String {
    match (doc.find(START), doc.find(END)) {
        (Some(a), Some(b)) if b > a => {
            let after = doc
                .get(b + END.len()..)
                .unwrap_or_default()
                .trim_start_matches('\n');
            format!("{}{section}{after}", doc.get(..a).unwrap_or_default())
        }
        _ => format!("{}\n\n{section}", doc.trim_end()),
    }
}

/// The load section of `doc`, if any (kept by `cargo xtask bench --save`).
pub(crate) fn section(doc: &str) -> Option<&str> {
    let a = doc.find(START)?;
    let b = doc.find(END)?;
    doc.get(a..b + END.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_output_is_parsed() {
        let out = "Running 5s test @ http://127.0.0.1:1/open\n  1 threads and 16 connections\n\
                   Requests/sec: 128886.28\nTransfer/sec:     20.53MB\n";
        assert_eq!(parse_wrk(out), Some((128_886.28, 0)));
        let failing = "  Non-2xx or 3xx responses: 17\nRequests/sec:   3135.81\n";
        assert_eq!(parse_wrk(failing), Some((3135.81, 17)));
        assert_eq!(parse_wrk("garbage"), None);
    }

    #[test]
    fn the_section_is_replaced_in_place_or_appended() {
        let doc = format!("# B\n\nbefore\n\n{START}\nold\n{END}\n\nafter\n");
        let new = format!("{START}\nnew\n{END}\n");
        let replaced = with_section(&doc, &new);
        assert_eq!(
            replaced,
            format!("# B\n\nbefore\n\n{START}\nnew\n{END}\nafter\n")
        );
        assert_eq!(
            section(&replaced),
            Some(format!("{START}\nnew\n{END}").as_str())
        );
        let appended = with_section("# B\n", &new);
        assert_eq!(appended, format!("# B\n\n{new}"));
        assert_eq!(section("# B"), None);
    }

    #[test]
    fn medians() {
        assert!((median(&mut [3.0, 1.0, 2.0]) - 2.0).abs() < f64::EPSILON);
    }
}
