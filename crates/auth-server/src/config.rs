//! Configuration: flags, each with an environment variable (`--help` lists them).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// The reference auth server of jose-rs.
///
/// Serves a login page at `/`, the cookie endpoints (`/login`, `/refresh`, `/logout`,
/// `/logout-all`), a protected `/api/me`, the JWK Set and RFC 8414 metadata, on SQLite.
/// Add a user first: `jose-auth-server user add NAME`.
#[derive(Debug, Parser)]
#[command(name = "jose-auth-server", version)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) common: Common,
    #[command(flatten)]
    pub(crate) serve: Serve,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// What both serving and user management need.
#[derive(Debug, Args)]
pub(crate) struct Common {
    /// The database: `sqlite://PATH` or a file path (created on first start), or
    /// `postgres://USER@HOST:PORT/DB` (shared by several instances).
    #[arg(
        long,
        env = "JOSE_AUTH_DATABASE",
        default_value = "sqlite://jose-auth.db",
        global = true
    )]
    pub(crate) database: String,
    /// Redis for the deny-list shared by several instances (`redis://HOST:PORT/DB`):
    /// logouts and revoked keys are refused everywhere within a second. Without it the
    /// deny-list is this process's own.
    #[arg(long, env = "JOSE_AUTH_REDIS", global = true)]
    pub(crate) redis: Option<String>,
    /// The key prefix of the shared deny-list in Redis.
    #[arg(
        long,
        env = "JOSE_AUTH_REDIS_PREFIX",
        default_value = "jose-auth:deny",
        global = true
    )]
    pub(crate) redis_prefix: String,
}

/// Where the server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl Database {
    /// What to log: the path, or the URL without its password.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => redact_password(url),
        }
    }
}

/// A URL with the password of its user info replaced by `***`.
pub(crate) fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// How the server serves.
#[derive(Debug, Args)]
pub(crate) struct Serve {
    /// The address to listen on.
    #[arg(long, env = "JOSE_AUTH_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// The issuer (`iss`), also the base of the metadata's `jwks_uri`
    /// [default: http://LISTEN].
    #[arg(long, env = "JOSE_AUTH_ISSUER")]
    pub(crate) issuer: Option<String>,
    /// The audience (`aud`) of the access tokens [default: the issuer].
    #[arg(long, env = "JOSE_AUTH_AUDIENCE")]
    pub(crate) audience: Option<String>,
    /// Origins whose pages may call the cookie endpoints, comma-separated
    /// [default: the issuer's origin].
    #[arg(
        long = "allowed-origin",
        env = "JOSE_AUTH_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub(crate) allowed_origins: Vec<String>,
    /// Access-token lifetime (`90s`, `30m`, `2h`, `7d`, or seconds).
    #[arg(long, env = "JOSE_AUTH_ACCESS_TTL", default_value = "30m", value_parser = duration)]
    pub(crate) access_ttl: Duration,
    /// Absolute lifetime of a session's refresh tokens.
    #[arg(long, env = "JOSE_AUTH_REFRESH_TTL", default_value = "30d", value_parser = duration)]
    pub(crate) refresh_ttl: Duration,
    /// How long a refresh token may go unused.
    #[arg(long, env = "JOSE_AUTH_REFRESH_IDLE", default_value = "14d", value_parser = duration)]
    pub(crate) refresh_idle: Duration,
    /// Grace period of refresh-token rotation (a parent presented again within it gets
    /// the same successor).
    #[arg(long, env = "JOSE_AUTH_REFRESH_GRACE", default_value = "10s", value_parser = duration)]
    pub(crate) refresh_grace: Duration,
    /// How often the signing keys rotate (the JWK Set is cached for half of it).
    #[arg(long, env = "JOSE_AUTH_KEY_ROTATION", default_value = "24h", value_parser = duration)]
    pub(crate) key_rotation: Duration,
    /// The signing algorithm of a new key ring: EdDSA, ES256, RS256, HS256...
    #[arg(long, env = "JOSE_AUTH_ALGORITHM", default_value = "EdDSA")]
    pub(crate) algorithm: String,
    /// The file holding the key-encryption key (32 bytes, base64url), created with mode
    /// 0600 when missing; ignored when JOSE_AUTH_KEK is set
    /// [default: the database's path + .kek].
    #[arg(long, env = "JOSE_AUTH_KEK_FILE")]
    pub(crate) kek_file: Option<PathBuf>,
    /// The refresh cookie's name. `__Host-` names need HTTPS (or a loopback host, which
    /// browsers treat as secure).
    #[arg(long, env = "JOSE_AUTH_COOKIE_NAME", default_value = "__Host-refresh")]
    pub(crate) cookie_name: String,
    /// Failed logins allowed per account within the throttling window.
    #[arg(long, env = "JOSE_AUTH_MAX_FAILURES_PER_ACCOUNT", default_value_t = 5)]
    pub(crate) max_failures_per_account: u32,
    /// Failed logins allowed per client address within the throttling window.
    #[arg(long, env = "JOSE_AUTH_MAX_FAILURES_PER_IP", default_value_t = 20)]
    pub(crate) max_failures_per_ip: u32,
    /// The throttling window.
    #[arg(long, env = "JOSE_AUTH_THROTTLE_WINDOW", default_value = "15m", value_parser = duration)]
    pub(crate) throttle_window: Duration,
    /// How often the key ring is read back from the database, so that rotations and
    /// revocations made by other instances (or `key revoke`) are followed.
    #[arg(long, env = "JOSE_AUTH_KEY_RELOAD", default_value = "2s", value_parser = duration)]
    pub(crate) key_reload: Duration,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve (the default).
    Serve,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the signing keys (running instances follow within --key-reload).
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

/// Key management.
#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Lists the keys of the ring and their states.
    List,
    /// Rotates now: the next key signs, the active one retires.
    Rotate,
    /// Revokes a compromised key: its tokens are refused (at once by every instance on
    /// the same --redis, and by each instance once it reloads the ring).
    Revoke {
        /// The key's `kid`.
        kid: String,
    },
}

/// User management.
#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Adds a user; the password is read from a prompt (or one line of stdin), never
    /// from the command line.
    Add {
        /// The user name.
        name: String,
    },
}

impl Common {
    /// The database: a SQLite file or a PostgreSQL URL.
    pub(crate) fn database(&self) -> Result<Database, String> {
        if self.database.starts_with("postgres://") || self.database.starts_with("postgresql://") {
            return Ok(Database::Postgres(self.database.clone()));
        }
        let path = self
            .database
            .strip_prefix("sqlite://")
            .unwrap_or(&self.database);
        if path.contains("://") {
            return Err(format!(
                "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://...",
                self.database.split("://").next().unwrap_or_default()
            ));
        }
        if path.is_empty() {
            return Err("the database path is empty".into());
        }
        Ok(Database::Sqlite(PathBuf::from(path)))
    }
}

impl Serve {
    /// The issuer: as configured, or `http://LISTEN`.
    pub(crate) fn issuer(&self) -> String {
        self.issuer
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }
}

/// `90s`, `30m`, `2h`, `7d`, `1500ms`, or bare seconds.
pub(crate) fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (say 90s, 30m, 2h, 7d)"))?;
    let secs = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "d" => n.checked_mul(86_400),
        _ => None,
    };
    secs.map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?} is not a duration (say 90s, 30m, 2h, 7d)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert!(duration("m").is_err());
        assert!(duration("5y").is_err());
        assert!(duration("-5s").is_err());
        assert!(duration(&format!("{}d", u64::MAX)).is_err());
    }

    #[test]
    fn database_urls() {
        let common = |d: &str| Common {
            database: d.into(),
            redis: None,
            redis_prefix: String::new(),
        };
        assert_eq!(
            common("sqlite://a/b.db").database(),
            Ok(Database::Sqlite(PathBuf::from("a/b.db")))
        );
        assert_eq!(
            common("x.db").database(),
            Ok(Database::Sqlite(PathBuf::from("x.db")))
        );
        for url in ["postgres://db/test", "postgresql://u:p@db:5432/test"] {
            assert_eq!(common(url).database(), Ok(Database::Postgres(url.into())));
        }
        assert!(common("mysql://db/test").database().is_err());
        assert!(common("sqlite://").database().is_err());
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_password("postgres://ann:s3cret@db:5432/test"),
            "postgres://ann:***@db:5432/test"
        );
        assert_eq!(
            redact_password("redis://:s3cret@cache/0"),
            "redis://:***@cache/0"
        );
        assert_eq!(
            redact_password("postgres://ann@db/test"),
            "postgres://ann@db/test"
        );
        assert_eq!(redact_password("postgres://db/a@b"), "postgres://db/a@b");
        assert_eq!(redact_password("plain"), "plain");
        assert_eq!(
            Database::Postgres("postgres://a:b@h/d".into()).describe(),
            "postgres://a:***@h/d"
        );
    }

    #[test]
    fn the_issuer_defaults_to_the_listening_address() {
        let cli = Cli::try_parse_from(["jose-auth-server", "--listen", "127.0.0.1:9"]).unwrap();
        assert_eq!(cli.serve.issuer(), "http://127.0.0.1:9");
        let cli =
            Cli::try_parse_from(["jose-auth-server", "--issuer", "https://id.example"]).unwrap();
        assert_eq!(cli.serve.issuer(), "https://id.example");
        assert_eq!(cli.serve.access_ttl, Duration::from_secs(1800));
    }

    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
