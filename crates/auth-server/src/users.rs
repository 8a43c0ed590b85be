//! Users: names and Argon2id password hashes, in the server's SQLite file or in PostgreSQL
//! (table `jose_auth_users`, beside the store's tables).

use std::path::Path;
use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::Semaphore;

/// OWASP's Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// The shortest password accepted (NIST SP 800-63B: at least 8) and the longest (a hash
/// bounds its work anyway; 1024 is the login endpoint's limit).
pub(crate) const MIN_PASSWORD: usize = 8;
pub(crate) const MAX_PASSWORD: usize = 1024;
const MAX_NAME: usize = 64;

/// Why a user operation failed.
#[derive(Debug)]
pub(crate) enum UserError {
    /// The database failed.
    Db(Box<dyn std::error::Error + Send + Sync>),
    /// Hashing failed.
    Hash(String),
    /// The name is taken.
    Exists,
    /// The name is empty, too long, or holds control characters or spaces.
    BadName,
    /// The password is shorter than 8 or longer than 1024 bytes.
    BadPassword,
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Db(e) => match e.source() {
                Some(source) => write!(f, "user database: {e}: {source}"),
                None => write!(f, "user database: {e}"),
            },
            Self::Hash(e) => write!(f, "password hashing: {e}"),
            Self::Exists => f.write_str("a user of that name exists"),
            Self::BadName => write!(
                f,
                "a user name is 1 to {MAX_NAME} characters, without spaces or control characters"
            ),
            Self::BadPassword => write!(f, "a password is {MIN_PASSWORD} to {MAX_PASSWORD} bytes"),
        }
    }
}

impl std::error::Error for UserError {}

impl From<rusqlite::Error> for UserError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(Box::new(e))
    }
}

impl From<tokio_postgres::Error> for UserError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Db(Box::new(e))
    }
}

impl From<deadpool_postgres::PoolError> for UserError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Db(Box::new(e))
    }
}

/// A user who logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    /// The stable id (the tokens' `sub`).
    pub(crate) id: String,
    /// The name.
    pub(crate) name: String,
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
        .unwrap_or_else(|_| unreachable!("OWASP's parameters are valid"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash(password: &str) -> Result<String, UserError> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

fn matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Where the user table lives.
#[derive(Clone)]
enum Backend {
    Sqlite(Arc<Mutex<Connection>>),
    Postgres(deadpool_postgres::Pool),
}

/// The user table.
#[derive(Clone)]
pub(crate) struct Users {
    backend: Backend,
    /// Bounds the hashes computed at once (each takes 19 MiB and tens of milliseconds).
    hashing: Arc<Semaphore>,
    /// Verified against for unknown names, so that they take as long as known ones.
    dummy: Arc<str>,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Users").finish_non_exhaustive()
    }
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);";

const PG_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS jose_auth_users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);";

impl Users {
    /// Opens (or creates) the table in the SQLite database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, UserError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Self::with(Backend::Sqlite(Arc::new(Mutex::new(conn))))
    }

    /// Opens (or creates) the table in the PostgreSQL database at `url`.
    pub(crate) async fn open_postgres(url: &str) -> Result<Self, UserError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| UserError::Db(e.to_string().into()))?;
        let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(8)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(5)))
            .create_timeout(Some(std::time::Duration::from_secs(5)))
            .build()
            .map_err(|e| UserError::Db(Box::new(e)))?;
        let client = pool.get().await?;
        // Concurrent starts: CREATE TABLE IF NOT EXISTS can still collide in the catalog;
        // an advisory lock makes them take turns.
        client
            .batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock(7401); {PG_SCHEMA} COMMIT;"
            ))
            .await?;
        drop(client);
        Self::with(Backend::Postgres(pool))
    }

    fn with(backend: Backend) -> Result<Self, UserError> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|e| UserError::Hash(e.to_string()))?;
        let dummy = hash(&jwt_auth::jws::base64url::encode(random))?;
        let lanes = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
        Ok(Self {
            backend,
            hashing: Arc::new(Semaphore::new(lanes)),
            dummy: dummy.into(),
        })
    }

    /// Adds a user; returns its id.
    pub(crate) async fn add(&self, name: &str, password: &str) -> Result<String, UserError> {
        if name.is_empty()
            || name.chars().count() > MAX_NAME
            || name.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(UserError::BadName);
        }
        if password.len() < MIN_PASSWORD || password.len() > MAX_PASSWORD {
            return Err(UserError::BadPassword);
        }
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).map_err(|e| UserError::Hash(e.to_string()))?;
        let id = format!("u_{}", jwt_auth::jws::base64url::encode(random));
        let hashed = hash(password)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let inserted = match &self.backend {
            Backend::Sqlite(conn) => conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .execute(
                    "INSERT INTO users (id, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (name) DO NOTHING",
                    params![id, name, hashed, now],
                )?
                .try_into()
                .unwrap_or(0u64),
            Backend::Postgres(pool) => {
                pool.get()
                    .await?
                    .execute(
                        "INSERT INTO jose_auth_users (id, name, password_hash, created_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
                        &[&id, &name, &hashed, &now],
                    )
                    .await?
            }
        };
        if inserted == 0 {
            return Err(UserError::Exists);
        }
        Ok(id)
    }

    /// The id and password hash of `name`.
    async fn lookup(&self, name: &str) -> Result<Option<(String, String)>, UserError> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let conn = Arc::clone(conn);
                let name = name.to_owned();
                tokio::task::spawn_blocking(move || {
                    conn.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .query_row(
                            "SELECT id, password_hash FROM users WHERE name = ?1",
                            params![name],
                            |row| Ok((row.get(0)?, row.get(1)?)),
                        )
                        .optional()
                        .map_err(UserError::from)
                })
                .await
                .map_err(|e| UserError::Hash(e.to_string()))?
            }
            Backend::Postgres(pool) => {
                let row = pool
                    .get()
                    .await?
                    .query_opt(
                        "SELECT id, password_hash FROM jose_auth_users WHERE name = $1",
                        &[&name],
                    )
                    .await?;
                row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
            }
        }
    }

    /// The user, when `name` exists and `password` is theirs. Unknown names cost a hash
    /// too.
    pub(crate) async fn verify(
        &self,
        name: String,
        password: jwt_auth_axum::issuer::Password,
    ) -> Result<Option<User>, UserError> {
        let _slot = self
            .hashing
            .acquire()
            .await
            .map_err(|e| UserError::Hash(e.to_string()))?;
        let found = self.lookup(&name).await?;
        let dummy = Arc::clone(&self.dummy);
        tokio::task::spawn_blocking(move || match found {
            Some((id, stored)) => matches(password.expose(), &stored).then_some(User { id, name }),
            None => {
                let _ = matches(password.expose(), &dummy);
                None
            }
        })
        .await
        .map_err(|e| UserError::Hash(e.to_string()))
    }

    /// The stored hash of `name` (tests).
    #[cfg(test)]
    fn stored_hash(&self, name: &str) -> Option<String> {
        match &self.backend {
            Backend::Sqlite(conn) => conn
                .lock()
                .unwrap()
                .query_row(
                    "SELECT password_hash FROM users WHERE name = ?1",
                    params![name],
                    |r| r.get(0),
                )
                .optional()
                .unwrap(),
            Backend::Postgres(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use jwt_auth_axum::issuer::Password;

    use super::*;

    #[tokio::test]
    async fn users_are_added_once_and_verified_by_argon2id() {
        let dir = std::env::temp_dir().join(format!("auth-server-users-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("users.db");
        let _ = std::fs::remove_file(&path);
        let users = Users::open(&path).unwrap();
        let id = users.add("ann", "correct horse").await.unwrap();
        assert!(matches!(
            users.add("ann", "another one").await,
            Err(UserError::Exists)
        ));
        assert!(matches!(
            users.add("", "correct horse").await,
            Err(UserError::BadName)
        ));
        assert!(matches!(
            users.add("a b", "correct horse").await,
            Err(UserError::BadName)
        ));
        assert!(matches!(
            users.add(&"a".repeat(65), "correct horse").await,
            Err(UserError::BadName)
        ));
        users.add(&"a".repeat(64), "12345678").await.unwrap();
        assert!(matches!(
            users.add("bob", "1234567").await,
            Err(UserError::BadPassword)
        ));
        assert!(matches!(
            users.add("bob", &"p".repeat(1025)).await,
            Err(UserError::BadPassword)
        ));
        users.add("bob", &"p".repeat(1024)).await.unwrap();

        let ok = users
            .verify("ann".into(), Password::new("correct horse".into()))
            .await
            .unwrap();
        assert_eq!(
            ok,
            Some(User {
                id,
                name: "ann".into()
            })
        );
        let wrong = users
            .verify("ann".into(), Password::new("correct horsE".into()))
            .await
            .unwrap();
        assert_eq!(wrong, None);
        let unknown = users
            .verify("nobody".into(), Password::new("correct horse".into()))
            .await
            .unwrap();
        assert_eq!(unknown, None);
        let stored = users.stored_hash("ann").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        // Reopening keeps the users.
        drop(users);
        let again = Users::open(&path).unwrap();
        assert!(matches!(
            again.add("ann", "correct horse").await,
            Err(UserError::Exists)
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
