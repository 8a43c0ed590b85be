//! Standard input and output, files.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{CliError, Result};

/// What an input is, and so how much of it is read at most: one bounded reader for every
/// command, with the library's own limits where it has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// A payload or plaintext: 64 MiB.
    Payload,
    /// A token, compact or JSON: the libraries' token limit (16 KiB), plus room for
    /// surrounding whitespace. `inspect` reads no more than `verify` accepts.
    Token,
    /// A key file (JWK, JWK Set, PEM): the JWK Set limit (256 KiB).
    Key,
}

impl Input {
    /// The most bytes read.
    const fn max(self) -> u64 {
        match self {
            Self::Payload => 64 * 1024 * 1024,
            Self::Token => jws::Limits::DEFAULT.max_token_len as u64 + 4096,
            Self::Key => jws::JwkSet::DEFAULT_MAX_BYTES as u64,
        }
    }

    fn too_large(self, what: &str) -> CliError {
        let max = self.max();
        let size = if max >= 1024 * 1024 {
            format!("{} MiB", max / 1024 / 1024)
        } else {
            format!("{} KiB", max / 1024)
        };
        match self {
            Self::Token => CliError::rejected(format!("malformed token: {what} exceeds {size}")),
            Self::Payload | Self::Key => CliError::usage(format!("{what} exceeds {size}")),
        }
    }
}

/// Whether `path` means standard input.
fn is_stdin(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p.as_os_str() == "-")
}

/// The bytes of a file, or of standard input when `path` is absent or `-`, read up to
/// the bound of `kind` (one byte more is never kept: the read stops there).
pub(crate) fn read_bounded(path: Option<&Path>, kind: Input) -> Result<Zeroizing<Vec<u8>>> {
    let max = kind.max();
    let mut out = Zeroizing::new(Vec::new());
    let (what, read) = if is_stdin(path) {
        (
            "standard input".to_owned(),
            std::io::stdin().lock().take(max + 1).read_to_end(&mut out),
        )
    } else {
        let p = path.unwrap_or(Path::new("-"));
        let shown = p.display().to_string();
        match std::fs::File::open(p) {
            Ok(f) => (shown, f.take(max + 1).read_to_end(&mut out)),
            Err(e) => return Err(CliError::usage(format!("cannot read {shown}: {e}"))),
        }
    };
    read.map_err(|e| CliError::usage(format!("cannot read {what}: {e}")))?;
    if out.len() as u64 > max {
        return Err(kind.too_large(&what));
    }
    Ok(out)
}

/// A payload: the bytes of a file, or of standard input when `path` is absent or `-`.
pub(crate) fn read_input(path: Option<&Path>) -> Result<Zeroizing<Vec<u8>>> {
    read_bounded(path, Input::Payload)
}

/// A token from a file or standard input, surrounding whitespace removed.
pub(crate) fn read_token(path: Option<&PathBuf>) -> Result<String> {
    let bytes = read_bounded(path.map(PathBuf::as_path), Input::Token)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CliError::rejected("malformed token: not UTF-8 text"))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(CliError::rejected("malformed token: the input is empty"));
    }
    Ok(token.to_owned())
}

/// Writes bytes to standard output as they are.
pub(crate) fn write_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| CliError::usage(format!("cannot write to standard output: {e}")))
}

/// Writes a line (the text and a newline) to standard output.
pub(crate) fn write_line(text: &str) -> Result<()> {
    let mut line = Zeroizing::new(String::with_capacity(text.len() + 1));
    line.push_str(text);
    line.push('\n');
    write_bytes(line.as_bytes())
}

/// Writes a line to standard error; a closed standard error is not worth failing for.
pub(crate) fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
