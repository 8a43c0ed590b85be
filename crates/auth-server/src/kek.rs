//! The key-encryption key that seals the key ring at rest: from `JOSE_AUTH_KEK`, or from a
//! file created on first start with mode 0600.

use std::io::Write;
use std::path::Path;

use jwt_auth::KeyEncryptionKey;
use zeroize::Zeroizing;

/// The environment variable holding the key (32 bytes, base64url).
pub(crate) const KEK_VAR: &str = "JOSE_AUTH_KEK";

/// Where the key came from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Environment,
    File,
    Created,
}

fn parse(text: &str, from: &str) -> Result<KeyEncryptionKey, String> {
    let bytes = Zeroizing::new(
        jwt_auth::jws::base64url::decode(text.trim())
            .map_err(|_| format!("{from}: the key-encryption key is not base64url"))?,
    );
    KeyEncryptionKey::new(&bytes).map_err(|_| {
        format!("{from}: the key-encryption key must be 32 bytes (43 base64url characters)")
    })
}

/// The key: `env` (the value of `JOSE_AUTH_KEK`) if set, else the file at `path`, created
/// with a random key when missing.
pub(crate) fn load(env: Option<&str>, path: &Path) -> Result<(KeyEncryptionKey, Source), String> {
    if let Some(value) = env {
        return parse(value, KEK_VAR).map(|k| (k, Source::Environment));
    }
    match std::fs::read_to_string(path) {
        Ok(text) => {
            check_mode(path)?;
            let text = Zeroizing::new(text);
            parse(&text, &path.display().to_string()).map(|k| (k, Source::File))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create(path).map(|k| (k, Source::Created))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

#[cfg(unix)]
fn check_mode(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{}: the key-encryption key file is readable by others (mode {:o}); chmod 600 it",
            path.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path) -> Result<(), String> {
    Ok(())
}

fn create(path: &Path) -> Result<KeyEncryptionKey, String> {
    let mut secret = Zeroizing::new([0u8; 32]);
    getrandom::fill(secret.as_mut()).map_err(|e| format!("random: {e}"))?;
    let encoded = Zeroizing::new(jwt_auth::jws::base64url::encode(secret.as_ref()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(encoded.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    KeyEncryptionKey::new(secret.as_ref()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_created_0600_and_read_back() {
        let dir = std::env::temp_dir().join(format!("auth-server-kek-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.kek");
        let _ = std::fs::remove_file(&path);
        let (_, source) = load(None, &path).unwrap();
        assert_eq!(source, Source::Created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let (_, source) = load(None, &path).unwrap();
            assert_eq!(source, Source::File);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = load(None, &path).unwrap_err();
            assert!(err.contains("readable by others"), "{err}");
        }
        let env = jwt_auth::jws::base64url::encode([1u8; 32]);
        assert_eq!(load(Some(&env), &path).unwrap().1, Source::Environment);
        let short = jwt_auth::jws::base64url::encode([1u8; 16]);
        let err = load(Some(&short), &path).unwrap_err();
        assert!(err.contains("32 bytes") && !err.contains(&short), "{err}");
        assert!(load(Some("not base64!"), &path).is_err());
        // A path that cannot be read (a directory) is an error about reading it, not an
        // attempt to create a key there.
        let err = load(None, &dir).unwrap_err();
        assert!(
            err.starts_with(&dir.display().to_string()) && !err.contains("cannot create"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
