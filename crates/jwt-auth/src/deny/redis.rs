//! The deny-list shared through Redis, with an in-process mirror on the verify path.
//!
//! # How it works
//!
//! A revocation is one Lua script, atomic on the server: `SET {prefix}:s:{sid} NX PX
//! keep_for` (a marker, so a revocation is logged once however often it is repeated), then
//! on the first time `XADD {prefix}:log MINID ~ (now - keep_for) * ...`: an entry in a
//! stream, which trims itself of entries whose tokens have all expired (and expires
//! whole `keep_for` after its last entry).
//!
//! Every process keeps a mirror of the stream in a [`DenyList`]: a background task reads
//! the whole stream when it connects, then follows it with a blocking `XREAD` (new entries
//! arrive within milliseconds; an empty read returns every 250 ms). The verify path only
//! reads the mirror: no network round trip per request.
//!
//! # Fail-closed policy
//!
//! The mirror is *current* while the follower has completed a read of the stream that it
//! started less than `max_staleness` ago (1 s by default). When it is not (Redis stopped,
//! the network cut, the follower not yet connected), [`Revocations::check`] refuses every
//! token with [`AuthError::StoreUnavailable`] (HTTP 503: not the client's fault, retry
//! later) instead of accepting tokens that may have been revoked meanwhile. After an
//! outage the follower reads the whole stream again before the mirror counts as current.
//! A revocation that cannot be written fails the logout (or the key revocation) with the
//! same error; repeating it is safe.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use jws::NumericDate;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::streams::{StreamId, StreamRangeReply, StreamReadOptions, StreamReadReply};

use super::{DenyList, Revocations, RevokeFuture};
use crate::error::{AuthError, StoreError};

/// Lists an entry once: the marker, then the stream entry (trimmed by age).
const REVOKE: &str = r"
if redis.call('SET', KEYS[1], ARGV[3], 'NX', 'PX', ARGV[4]) then
  local t = redis.call('TIME')
  local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local min_id = now_ms - tonumber(ARGV[4])
  if min_id < 0 then min_id = 0 end
  redis.call('XADD', KEYS[2], 'MINID', '~', min_id, '*', 'k', ARGV[1], 'v', ARGV[2], 'at', ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  return 1
end
return 0
";

/// Entries read per `XRANGE` / `XREAD`.
const BATCH: usize = 1000;

/// Options of [`RedisDenyList::connect`].
#[derive(Debug, Clone)]
pub struct RedisDenyListOptions {
    prefix: String,
    capacity: usize,
    max_staleness: Duration,
    poll: Duration,
    timeout: Duration,
}

impl Default for RedisDenyListOptions {
    fn default() -> Self {
        Self {
            prefix: "jwt-auth:deny".into(),
            capacity: 100_000,
            max_staleness: Duration::from_secs(1),
            poll: Duration::from_millis(250),
            timeout: Duration::from_secs(2),
        }
    }
}

impl RedisDenyListOptions {
    /// Defaults: keys under `jwt-auth:deny`, a mirror of at most 100,000 entries, current
    /// for 1 s after a read, a blocking read returning every 250 ms, 2 s to connect or
    /// answer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The prefix of the Redis keys (one per application sharing the server; tests use
    /// one each).
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The mirror's capacity (see [`DenyList`]: full, it fails closed).
    #[must_use]
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// How long after its last completed read the mirror counts as current; past it,
    /// every token is refused (fail closed). At least twice the poll interval.
    #[must_use]
    pub fn with_max_staleness(mut self, max_staleness: Duration) -> Self {
        self.max_staleness = max_staleness;
        self
    }

    /// How long a blocking read waits for new entries before it returns empty.
    #[must_use]
    pub fn with_poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }
}

/// What the follower task and the verify path share.
#[derive(Debug)]
struct Shared {
    mirror: DenyList,
    started: Instant,
    /// When the last completed read was sent, in ms since `started` plus one (0: never).
    synced: AtomicU64,
    max_staleness: Duration,
    log: String,
}

impl Shared {
    fn mark_synced(&self, sent: Instant) {
        let ms = u64::try_from(sent.duration_since(self.started).as_millis()).unwrap_or(u64::MAX);
        self.synced
            .fetch_max(ms.saturating_add(1), Ordering::Release);
    }

    /// How long ago the last completed read was sent, if there was one.
    fn age(&self) -> Option<Duration> {
        match self.synced.load(Ordering::Acquire) {
            0 => None,
            at => Some(
                self.started
                    .elapsed()
                    .saturating_sub(Duration::from_millis(at - 1)),
            ),
        }
    }

    fn apply(&self, entry: &StreamId) {
        let (Some(kind), Some(value), Some(at)) = (
            entry.get::<String>("k"),
            entry.get::<String>("v"),
            entry.get::<u64>("at"),
        ) else {
            // Not an entry of ours: ignored (the key prefix is the application's).
            return;
        };
        let Ok(at) = NumericDate::from_secs(at) else {
            return;
        };
        match kind.as_str() {
            "s" => self.mirror.deny(&value, at),
            "k" => self.mirror.deny_key(&value, at),
            _ => {}
        }
    }
}

/// A deny-list shared by every instance through Redis (feature `redis`): revocations are
/// written to Redis, and every process follows them into an in-process mirror that the
/// verify path reads.
///
/// A revocation is one Lua script (a marker `SET NX PX`, then `XADD` to a stream trimmed by
/// age), so it is logged once however often it is repeated. A background task reads the
/// whole stream on connecting, then follows it with a blocking `XREAD`: new entries arrive
/// within milliseconds, and an empty read returns every 250 ms.
///
/// **Fail closed**: the mirror is current while the follower completed a read it started
/// less than `max_staleness` ago (1 s by default). When it is not (Redis stopped, the
/// network cut), [`Revocations::check`] refuses every token with
/// [`AuthError::StoreUnavailable`] (HTTP 503) rather than accept one that may have been
/// revoked meanwhile; after an outage the whole stream is read again first. A revocation
/// that cannot be written fails the logout with the same error; repeating it is safe.
///
/// Client: `redis` (redis-rs): its `ConnectionManager` reconnects by itself, it runs Lua
/// scripts by digest with a fallback, and it has typed stream replies; `fred` offers
/// the same at a larger size.
pub struct RedisDenyList {
    shared: Arc<Shared>,
    writer: ConnectionManager,
    script: redis::Script,
    prefix: String,
    keep_ms: u64,
}

impl std::fmt::Debug for RedisDenyList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDenyList")
            .field("prefix", &self.prefix)
            .field("listed", &self.shared.mirror.len())
            .field("age", &self.shared.age())
            .finish_non_exhaustive()
    }
}

fn redis_error(e: &redis::RedisError) -> StoreError {
    // The URL (and its password) is never part of redis-rs's error text.
    StoreError::Unavailable(format!("Redis: {e}"))
}

impl RedisDenyList {
    /// Connects to `url` (`redis://host:port/db`), reads the whole list into the mirror
    /// and starts following it (a task on the current Tokio runtime, which stops when the
    /// list is dropped). Entries are kept `access_ttl + leeway`, as in [`DenyList::new`].
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when Redis cannot be reached or read within the timeout;
    /// [`StoreError::Backend`] for a malformed URL.
    pub async fn connect(
        url: &str,
        access_ttl: Duration,
        leeway: Duration,
        options: RedisDenyListOptions,
    ) -> Result<Arc<Self>, StoreError> {
        let client = redis::Client::open(url).map_err(|e| {
            StoreError::Backend(format!("invalid Redis URL: {:?}", e.kind()).into())
        })?;
        let writer = ConnectionManager::new_with_config(
            client.clone(),
            ConnectionManagerConfig::new()
                .set_connection_timeout(Some(options.timeout))
                .set_response_timeout(Some(options.timeout))
                .set_number_of_retries(2)
                .set_max_delay(Duration::from_millis(500)),
        )
        .await
        .map_err(|e| redis_error(&e))?;
        let mirror = DenyList::new(options.capacity, access_ttl, leeway);
        let keep_ms = u64::try_from(mirror.keep_for().as_millis()).unwrap_or(u64::MAX);
        let shared = Arc::new(Shared {
            mirror,
            started: Instant::now(),
            synced: AtomicU64::new(0),
            max_staleness: options.max_staleness.max(options.poll.saturating_mul(2)),
            log: format!("{}:log", options.prefix),
        });
        // The first full read happens here, so that a list that connects is current.
        let mut reader = follower_connection(&client, &options).await?;
        let last = full_read(&shared, &mut reader).await?;
        tokio::spawn(follow(
            Arc::downgrade(&shared),
            client,
            options.clone(),
            reader,
            last,
        ));
        Ok(Arc::new(Self {
            shared,
            writer,
            script: redis::Script::new(REVOKE),
            prefix: options.prefix,
            keep_ms,
        }))
    }

    /// Whether the mirror is current (see the fail-closed policy).
    #[must_use]
    pub fn is_current(&self) -> bool {
        self.shared
            .age()
            .is_some_and(|age| age <= self.shared.max_staleness)
    }

    /// The local mirror (for metrics: its length and evictions).
    #[must_use]
    pub fn mirror(&self) -> &DenyList {
        &self.shared.mirror
    }

    async fn revoke(&self, kind: &str, value: &str, now: NumericDate) -> Result<(), StoreError> {
        let marker = format!("{}:{kind}:{value}", self.prefix);
        let mut writer = self.writer.clone();
        self.script
            .key(marker)
            .key(&self.shared.log)
            .arg(kind)
            .arg(value)
            .arg(now.as_secs())
            .arg(self.keep_ms.max(1))
            .invoke_async::<i64>(&mut writer)
            .await
            .map_err(|e| redis_error(&e))?;
        // This process refuses it at once, without waiting for its follower.
        match kind {
            "s" => self.shared.mirror.deny(value, now),
            _ => self.shared.mirror.deny_key(value, now),
        }
        Ok(())
    }
}

impl Revocations for RedisDenyList {
    fn revoke_session<'a>(&'a self, sid: &'a str, now: NumericDate) -> RevokeFuture<'a> {
        Box::pin(self.revoke("s", sid, now))
    }

    fn revoke_key<'a>(&'a self, kid: &'a str, now: NumericDate) -> RevokeFuture<'a> {
        Box::pin(self.revoke("k", kid, now))
    }

    fn check(
        &self,
        sid: &str,
        kid: Option<&str>,
        issued_at: NumericDate,
        now: NumericDate,
    ) -> Result<(), AuthError> {
        if !self.is_current() {
            return Err(AuthError::StoreUnavailable(StoreError::Unavailable(
                "the shared deny-list is not current (Redis unreachable): refusing".into(),
            )));
        }
        self.shared.mirror.check(sid, kid, issued_at, now)
    }
}

async fn follower_connection(
    client: &redis::Client,
    options: &RedisDenyListOptions,
) -> Result<MultiplexedConnection, StoreError> {
    client
        .get_multiplexed_async_connection_with_config(
            &redis::AsyncConnectionConfig::new()
                .set_connection_timeout(Some(options.timeout))
                // A blocking read answers within the poll interval.
                .set_response_timeout(Some(options.poll.saturating_add(options.timeout))),
        )
        .await
        .map_err(|e| redis_error(&e))
}

/// Reads the whole stream into the mirror; returns the last id read.
async fn full_read(
    shared: &Shared,
    conn: &mut MultiplexedConnection,
) -> Result<String, StoreError> {
    let sent = Instant::now();
    let mut last: Option<String> = None;
    loop {
        let start = last
            .as_ref()
            .map_or_else(|| "-".to_owned(), |id| format!("({id}"));
        let reply: StreamRangeReply = conn
            .xrange_count(&shared.log, start, "+", BATCH)
            .await
            .map_err(|e| redis_error(&e))?;
        for entry in &reply.ids {
            shared.apply(entry);
        }
        let done = reply.ids.len() < BATCH;
        if let Some(entry) = reply.ids.last() {
            last = Some(entry.id.clone());
        }
        if done {
            break;
        }
    }
    shared.mark_synced(sent);
    Ok(last.unwrap_or_else(|| "0-0".to_owned()))
}

/// Follows the stream until the list is dropped, reconnecting (and reading everything
/// again) after any failure.
async fn follow(
    shared: Weak<Shared>,
    client: redis::Client,
    options: RedisDenyListOptions,
    mut conn: MultiplexedConnection,
    mut last: String,
) {
    let read = StreamReadOptions::default()
        .block(usize::try_from(options.poll.as_millis()).unwrap_or(usize::MAX))
        .count(BATCH);
    loop {
        let Some(list) = shared.upgrade() else {
            return;
        };
        let sent = Instant::now();
        let reply: Result<Option<StreamReadReply>, _> = conn
            .xread_options(&[list.log.as_str()], &[last.as_str()], &read)
            .await;
        match reply {
            Ok(reply) => {
                for key in reply.iter().flat_map(|r| &r.keys) {
                    for entry in &key.ids {
                        list.apply(entry);
                        last.clone_from(&entry.id);
                    }
                }
                list.mark_synced(sent);
            }
            Err(_) => {
                drop(list);
                // Reconnect and read everything again (entries may have been trimmed or
                // missed meanwhile); the mirror goes stale, and the verify path closes.
                loop {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let Some(list) = shared.upgrade() else {
                        return;
                    };
                    let Ok(mut fresh) = follower_connection(&client, &options).await else {
                        continue;
                    };
                    if let Ok(id) = full_read(&list, &mut fresh).await {
                        conn = fresh;
                        last = id;
                        break;
                    }
                }
            }
        }
    }
}
