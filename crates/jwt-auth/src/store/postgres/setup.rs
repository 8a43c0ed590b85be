//! Setting up the PostgreSQL store: options, schema names, migrations.

use std::time::Duration;

/// The schema, one migration per version (table `jwt_auth_schema`).
pub(super) const MIGRATIONS: &[&str] = &[r"
CREATE TABLE families (
    id          TEXT PRIMARY KEY,
    subject     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX families_subject ON families (subject);
CREATE INDEX families_expires_at ON families (expires_at);
CREATE TABLE refresh_tokens (
    id              BYTEA PRIMARY KEY,
    secret_hash     BYTEA NOT NULL,
    family          TEXT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    subject         TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    consumed_at     BIGINT,
    successor       BYTEA,
    session         TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE TABLE key_ring (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL,
    document TEXT NOT NULL
);
"];

/// Options of [`PostgresStore::connect_with`](super::PostgresStore::connect_with).
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    pub(super) schema: Option<String>,
    pub(super) max_connections: usize,
    pub(super) timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            schema: None,
            max_connections: 16,
            timeout: Duration::from_secs(5),
        }
    }
}

impl PostgresOptions {
    /// Defaults: the connection's own `search_path` (normally `public`), at most 16
    /// connections, 5 seconds to connect or to wait for a free connection.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the tables in this schema (created when missing): lowercase ASCII letters,
    /// digits and `_`, starting with a letter or `_`, at most 63 bytes. Several
    /// applications (or tests) share one database this way.
    #[must_use]
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// At most this many connections (at least one).
    #[must_use]
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long to wait to connect, or for a free connection, before answering
    /// [`StoreError::Unavailable`](crate::StoreError::Unavailable).
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Whether `name` is a plain schema identifier.
pub(super) fn valid_schema(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'_'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
        && name.len() <= 63
}

/// An advisory-lock key for the migrations of `schema` (FNV-1a of its name): instances
/// migrating the same schema wait for each other; other schemas do not.
pub(super) fn migration_lock(schema: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"jwt-auth migrations ".iter().chain(schema.as_bytes()) {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for ok in ["a", "_x", "jwt_auth_1", &"a".repeat(63)] {
            assert!(valid_schema(ok), "{ok}");
        }
        for bad in ["", "1a", "A", "a-b", "a;drop", "a b", "é", &"a".repeat(64)] {
            assert!(!valid_schema(bad), "{bad}");
        }
    }

    #[test]
    fn migration_locks_differ_by_schema() {
        assert_eq!(migration_lock("public"), migration_lock("public"));
        assert_ne!(migration_lock("public"), migration_lock("t1"));
    }
}
