//! Random interleavings of refreshes, replays of older tokens, logouts and clock steps,
//! against a small model of the rules, on every store. The model is written from the rules
//! as the documentation states them, not from the code that applies them.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use jwt_auth::{Audience, Issuer};
use std::sync::Arc;
use std::time::Duration;

use jws::NumericDate;
use jwt_auth::store::Store;
use jwt_auth::{
    AuthError, Authority, AuthorityConfig, KeyEncryptionKey, ManualClock, MemoryStore, SqliteStore,
};
use proptest::prelude::*;

const T0: u64 = 1_800_000_000;
const GRACE: u64 = 10;
const IDLE: u64 = 300;
const TTL: u64 = 2_000;

#[derive(Debug, Clone)]
enum Op {
    /// Present a token of a session: `back` steps back from its latest token.
    Refresh { session: usize, back: usize },
    /// Log out with a token of a session.
    Logout { session: usize, back: usize },
    /// Move the clock.
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..2usize, prop_oneof![3 => Just(0usize), 2 => Just(1), 1 => 2..6usize])
            .prop_map(|(session, back)| Op::Refresh { session, back }),
        1 => (0..2usize, 0..3usize).prop_map(|(session, back)| Op::Logout { session, back }),
        3 => prop_oneof![
            Just(0u64), Just(1), Just(5), Just(9), Just(10), Just(11), Just(150), Just(400)
        ]
        .prop_map(Op::Advance),
    ]
}

#[derive(Debug)]
struct Token {
    text: String,
    idle_expires: u64,
    consumed_at: Option<u64>,
    successor: Option<usize>,
}

#[derive(Debug)]
struct Session {
    tokens: Vec<Token>,
    expires: u64,
    revoked: bool,
}

/// What the rules say a presentation gives.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    /// A new successor.
    New,
    /// The existing successor at this index.
    Same(usize),
    Reused,
    Revoked,
    Expired,
}

impl Session {
    fn expired(&self, token: &Token, now: u64) -> bool {
        now >= self.expires || now >= token.idle_expires
    }

    fn expect(&self, index: usize, now: u64) -> Expect {
        let token = &self.tokens[index];
        if self.revoked {
            return Expect::Revoked;
        }
        if let Some(consumed_at) = token.consumed_at {
            let successor = token.successor.unwrap();
            let next = &self.tokens[successor];
            if now.abs_diff(consumed_at) < GRACE && next.consumed_at.is_none() {
                if self.expired(next, now) {
                    return Expect::Expired;
                }
                return Expect::Same(successor);
            }
            return Expect::Reused;
        }
        if self.expired(token, now) {
            return Expect::Expired;
        }
        Expect::New
    }
}

async fn run<S: Store>(store: S, ops: Vec<Op>) {
    let clock = ManualClock::new(NumericDate::from_secs(T0).unwrap());
    let config = AuthorityConfig::new(
        Issuer::new("https://auth.example"),
        Audience::new("https://api.example"),
        KeyEncryptionKey::new(&[3; 32]).unwrap(),
    )
    .with_clock(Arc::new(clock.clone()))
    .with_grace_period(Duration::from_secs(GRACE))
    .with_refresh_idle(Duration::from_secs(IDLE))
    .with_refresh_ttl(Duration::from_secs(TTL));
    let authority: Authority<S> = Authority::open(config, store).await.unwrap();
    let mut now = T0;
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let pair = authority.login("ann", ()).await.unwrap();
        sessions.push(Session {
            tokens: vec![Token {
                text: pair.refresh_token.expose().to_owned(),
                idle_expires: now + IDLE,
                consumed_at: None,
                successor: None,
            }],
            expires: now + TTL,
            revoked: false,
        });
    }
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Advance(secs) => {
                now += secs;
                clock.advance(Duration::from_secs(secs));
            }
            Op::Logout { session, back } => {
                let s = &mut sessions[session];
                let index = s.tokens.len() - 1 - back.min(s.tokens.len() - 1);
                authority.logout(&s.tokens[index].text).await.unwrap();
                s.revoked = true;
            }
            Op::Refresh { session, back } => {
                let s = &mut sessions[session];
                let index = s.tokens.len() - 1 - back.min(s.tokens.len() - 1);
                let expect = s.expect(index, now);
                let got = authority.refresh(&s.tokens[index].text).await;
                match (&expect, got) {
                    (Expect::New, Ok(pair)) => {
                        let text = pair.refresh_token.expose().to_owned();
                        assert!(
                            s.tokens.iter().all(|t| t.text != text),
                            "step {step}: a new token"
                        );
                        assert_eq!(
                            pair.refresh_expires_at.as_secs(),
                            (now + IDLE).min(s.expires),
                            "step {step}"
                        );
                        s.tokens[index].consumed_at = Some(now);
                        s.tokens[index].successor = Some(s.tokens.len());
                        s.tokens.push(Token {
                            text,
                            idle_expires: (now + IDLE).min(s.expires),
                            consumed_at: None,
                            successor: None,
                        });
                    }
                    (Expect::Same(successor), Ok(pair)) => {
                        assert_eq!(
                            pair.refresh_token.expose(),
                            s.tokens[*successor].text,
                            "step {step}: the same successor"
                        );
                    }
                    (Expect::Reused, Err(AuthError::RefreshTokenReused)) => s.revoked = true,
                    (Expect::Revoked, Err(AuthError::Revoked))
                    | (Expect::Expired, Err(AuthError::RefreshTokenExpired)) => {}
                    (expect, got) => panic!(
                        "step {step}: session {session} token {index}: expected {expect:?}, \
                         got {got:?}; model {s:?}"
                    ),
                }
                // The invariant: a live session has exactly one unconsumed token.
                assert_eq!(
                    s.tokens.iter().filter(|t| t.consumed_at.is_none()).count(),
                    1
                );
            }
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn memory_store_follows_the_rules(ops in proptest::collection::vec(op(), 1..40)) {
        runtime().block_on(run(MemoryStore::new(), ops));
    }

    #[test]
    fn sqlite_store_follows_the_rules(ops in proptest::collection::vec(op(), 1..40)) {
        runtime().block_on(run(SqliteStore::open(":memory:").unwrap(), ops));
    }
}
