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
    /// The database: `sqlite://PATH` or a file path; created on first start.
    #[arg(
        long,
        env = "JOSE_AUTH_DATABASE",
        default_value = "sqlite://jose-auth.db",
        global = true
    )]
    pub(crate) database: String,
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
    /// The database file.
    pub(crate) fn database_path(&self) -> Result<PathBuf, String> {
        let path = self
            .database
            .strip_prefix("sqlite://")
            .unwrap_or(&self.database);
        if path.contains("://") {
            return Err(format!(
                "unsupported database URL scheme in {:?}: this build stores in SQLite (sqlite://PATH)",
                self.database.split("://").next().unwrap_or_default()
            ));
        }
        if path.is_empty() {
            return Err("the database path is empty".into());
        }
        Ok(PathBuf::from(path))
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
        let common = |d: &str| Common { database: d.into() };
        assert_eq!(
            common("sqlite://a/b.db").database_path(),
            Ok(PathBuf::from("a/b.db"))
        );
        assert_eq!(common("x.db").database_path(), Ok(PathBuf::from("x.db")));
        assert!(common("postgres://db/test").database_path().is_err());
        assert!(common("sqlite://").database_path().is_err());
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
