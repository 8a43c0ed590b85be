//! Standard input and output, files.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{CliError, Result};

/// The largest input read (tokens, payloads, key files): 64 MiB.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Whether `path` means standard input.
fn is_stdin(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p.as_os_str() == "-")
}

/// The bytes of a file, or of standard input when `path` is absent or `-`.
pub(crate) fn read_input(path: Option<&Path>) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    let (what, read) = if is_stdin(path) {
        (
            "standard input".to_owned(),
            std::io::stdin()
                .lock()
                .take(MAX_INPUT + 1)
                .read_to_end(&mut out),
        )
    } else {
        let p = path.unwrap_or(Path::new("-"));
        let shown = p.display().to_string();
        match std::fs::File::open(p) {
            Ok(f) => (shown, f.take(MAX_INPUT + 1).read_to_end(&mut out)),
            Err(e) => return Err(CliError::usage(format!("cannot read {shown}: {e}"))),
        }
    };
    read.map_err(|e| CliError::usage(format!("cannot read {what}: {e}")))?;
    if out.len() as u64 > MAX_INPUT {
        return Err(CliError::usage(format!(
            "{what} exceeds {} MiB",
            MAX_INPUT / 1024 / 1024
        )));
    }
    Ok(out)
}

/// A token from a file or standard input, surrounding whitespace removed.
pub(crate) fn read_token(path: Option<&PathBuf>) -> Result<String> {
    let bytes = read_input(path.map(PathBuf::as_path))?;
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
