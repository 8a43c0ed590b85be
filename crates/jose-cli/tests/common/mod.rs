//! Runs the real `jose` binary.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What one run of `jose` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Standard output as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).unwrap()
    }

    /// Asserts success and returns standard output as text, trimmed.
    pub fn ok(&self) -> String {
        assert_eq!(self.code, 0, "jose failed: {}", self.stderr);
        self.text().trim().to_owned()
    }

    /// Asserts exit status `code` and returns standard error.
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code,
            code,
            "expected exit {code}; stderr: {}; stdout: {}",
            self.stderr,
            String::from_utf8_lossy(&self.stdout)
        );
        assert!(self.stdout.is_empty(), "a failure printed to stdout");
        assert!(
            self.stderr.starts_with("jose: ") || code == 2,
            "{}",
            self.stderr
        );
        &self.stderr
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: o.stdout,
            stderr: String::from_utf8(o.stderr).unwrap(),
        }
    }
}

/// A scratch directory for one test, under Cargo's target directory.
pub struct Dir(pub PathBuf);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Dir {
    pub fn new(name: &str) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("jose-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    /// Writes a file and returns its path as a string.
    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    pub fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }

    /// Runs `jose` in this directory.
    pub fn jose(&self, args: &[&str], stdin: &[u8]) -> Run {
        jose_in(&self.0, args, stdin)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_jose")
}

/// Runs `jose` with these arguments and standard input.
pub fn jose_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The command may exit before reading everything.
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out.into()
}

/// Parses JSON output.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
