//! The rotation rule: what presenting a refresh token does, decided once, here, for every
//! store.
//!
//! A store's [`Store::rotate`](super::Store::rotate) reads, in one transaction or under one
//! lock, the presented record, whether its family is revoked and the record of its
//! successor (if it has one) into a [`RotationView`]; calls [`decide`]; applies what the
//! answer says ([`Rotation::writes`]); and returns the answer. Nothing else in a store
//! decides anything.
//!
//! The rule, in order (RFC 9700 4.14.2, with a grace period that never forks a session):
//!
//! 1. No record has this id: [`Rotation::NotFound`].
//! 2. The family is revoked: [`Rotation::Revoked`]; nothing changes.
//! 3. The record was consumed (it has a successor):
//!    - if it was consumed less than `grace` seconds ago, its successor has not been used
//!      and is the one derived from this very token: [`Rotation::Repeated`] with that same
//!      successor (two tabs refreshing at once both get it; no second live token exists);
//!    - otherwise (the successor was used, an older ancestor, or too late): reuse,
//!      [`Rotation::Reused`], and the family is revoked. This runs **before** any expiry
//!      check, so an expired stolen token still gives the theft away.
//! 4. The family's absolute expiry or the record's idle expiry has passed:
//!    [`Rotation::Expired`]; nothing changes.
//! 5. Otherwise [`Rotation::Rotated`]: the record is consumed at `now` and its successor
//!    stored, in the same family, with the same absolute expiry (rotation never extends a
//!    session) and an idle expiry of `now + idle`, capped by the absolute one.

use jws::NumericDate;

use super::RefreshRecord;
use crate::token::{SecretHash, TokenId};

/// What a refresh asks of a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRequest {
    /// The presented token's id (its secret was already checked against the record).
    pub id: TokenId,
    /// The time of the request.
    pub now: NumericDate,
    /// Seconds after a rotation during which presenting the same token again returns the
    /// same successor.
    pub grace: u64,
    /// The idle lifetime of the successor, in seconds.
    pub idle: u64,
    /// The id of the successor derived from the presented token.
    pub successor_id: TokenId,
    /// The hash of the successor's secret.
    pub successor_hash: SecretHash,
}

/// What a store reads, atomically, to decide a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationView {
    /// The presented record.
    pub record: RefreshRecord,
    /// Whether its family is revoked (or gone).
    pub family_revoked: bool,
    /// The record of `record.successor`, if it has one and the store still holds it.
    pub successor: Option<RefreshRecord>,
}

/// The outcome of presenting a refresh token: what [`decide`] answers and what
/// [`Store::rotate`](super::Store::rotate) returns once it applied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The record is consumed and this successor stored (write both).
    Rotated(RefreshRecord),
    /// A repeat within the grace period: this successor, stored already (no write).
    Repeated(RefreshRecord),
    /// The record had been used before: its family is revoked (write that).
    Reused,
    /// The family was already revoked; nothing changed.
    Revoked,
    /// The record or its family has expired; nothing changed.
    Expired,
    /// No record has this id; nothing changed.
    NotFound,
}

/// What a store must write for a [`Rotation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes<'a> {
    /// Nothing.
    None,
    /// Mark `consumed` (by its id) consumed at `at` with successor `next.id`, and insert
    /// `next`.
    Consume {
        /// The presented record.
        consumed: &'a TokenId,
        /// When.
        at: NumericDate,
        /// Its successor.
        next: &'a RefreshRecord,
    },
    /// Revoke the family of the presented record at `at`.
    RevokeFamily {
        /// When.
        at: NumericDate,
    },
}

impl Rotation {
    /// What a store writes to apply this outcome of `request`.
    #[must_use]
    pub const fn writes<'a>(&'a self, request: &'a RotationRequest) -> Writes<'a> {
        match self {
            Self::Rotated(next) => Writes::Consume {
                consumed: &request.id,
                at: request.now,
                next,
            },
            Self::Reused => Writes::RevokeFamily { at: request.now },
            Self::Repeated(_) | Self::Revoked | Self::Expired | Self::NotFound => Writes::None,
        }
    }
}

/// Decides what presenting `request.id` does, given what the store holds (`None`: no
/// record has this id). Pure: the same inputs always give the same answer.
#[must_use]
pub fn decide(request: &RotationRequest, view: Option<&RotationView>) -> Rotation {
    let Some(view) = view else {
        return Rotation::NotFound;
    };
    let record = &view.record;
    if view.family_revoked {
        return Rotation::Revoked;
    }
    if let Some(consumed_at) = record.consumed_at {
        return match &view.successor {
            Some(successor)
                if apart(request.now, consumed_at) < request.grace
                    && record.successor == Some(successor.id)
                    && successor.id == request.successor_id
                    && successor.secret_hash == request.successor_hash
                    && successor.consumed_at.is_none() =>
            {
                if expired(successor, request.now) {
                    Rotation::Expired
                } else {
                    Rotation::Repeated(successor.clone())
                }
            }
            _ => Rotation::Reused,
        };
    }
    if expired(record, request.now) {
        return Rotation::Expired;
    }
    let idle = request.now.saturating_add(request.idle);
    Rotation::Rotated(RefreshRecord {
        id: request.successor_id,
        secret_hash: request.successor_hash,
        family: record.family.clone(),
        subject: record.subject.clone(),
        issued_at: request.now,
        idle_expires_at: idle.min(record.expires_at),
        expires_at: record.expires_at,
        consumed_at: None,
        successor: None,
        session: record.session.clone(),
    })
}

/// Seconds between two times, in either order: instances whose clocks differ by a second
/// must not see a benign repeat as reuse, nor a clock far behind as grace forever.
const fn apart(a: NumericDate, b: NumericDate) -> u64 {
    a.as_secs().abs_diff(b.as_secs())
}

/// Whether a record can no longer be used at `now`.
fn expired(record: &RefreshRecord, now: NumericDate) -> bool {
    now >= record.expires_at || now >= record.idle_expires_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::FamilyId;

    const T0: u64 = 1_800_000_000;

    fn at(s: u64) -> NumericDate {
        NumericDate::from_secs(s).unwrap()
    }

    fn hash(b: u8) -> SecretHash {
        SecretHash::from_bytes([b; 32])
    }

    fn record(id: u8, consumed_at: Option<u64>, successor: Option<u8>) -> RefreshRecord {
        RefreshRecord {
            id: TokenId::from_bytes([id; 16]),
            secret_hash: hash(id),
            family: FamilyId::from_string("fam".into()),
            subject: "ann".into(),
            issued_at: at(T0),
            idle_expires_at: at(T0 + 1000),
            expires_at: at(T0 + 5000),
            consumed_at: consumed_at.map(at),
            successor: successor.map(|s| TokenId::from_bytes([s; 16])),
            session: "{}".into(),
        }
    }

    fn request(now: u64) -> RotationRequest {
        RotationRequest {
            id: TokenId::from_bytes([1; 16]),
            now: at(now),
            grace: 10,
            idle: 300,
            successor_id: TokenId::from_bytes([2; 16]),
            successor_hash: hash(2),
        }
    }

    fn view(record: RefreshRecord, successor: Option<RefreshRecord>) -> RotationView {
        RotationView {
            record,
            family_revoked: false,
            successor,
        }
    }

    #[test]
    fn unknown_ids_are_not_found() {
        assert_eq!(decide(&request(T0), None), Rotation::NotFound);
    }

    #[test]
    fn a_fresh_record_rotates_into_the_requested_successor() {
        let req = request(T0 + 100);
        let Rotation::Rotated(next) = decide(&req, Some(&view(record(1, None, None), None))) else {
            panic!("not rotated");
        };
        assert_eq!(next.id, req.successor_id);
        assert_eq!(next.secret_hash, req.successor_hash);
        assert_eq!(next.family.as_str(), "fam");
        assert_eq!(next.subject, "ann");
        assert_eq!(next.issued_at, at(T0 + 100));
        assert_eq!(next.idle_expires_at, at(T0 + 400));
        assert_eq!(
            next.expires_at,
            at(T0 + 5000),
            "the absolute expiry is kept"
        );
        assert_eq!((next.consumed_at, next.successor), (None, None));
        assert_eq!(next.session, "{}");
        // Near the end of the session, the idle expiry is capped by the absolute one.
        let late = request(T0 + 4900);
        let mut idle_long = record(1, None, None);
        idle_long.idle_expires_at = at(T0 + 9000);
        let Rotation::Rotated(next) = decide(&late, Some(&view(idle_long, None))) else {
            panic!("not rotated");
        };
        assert_eq!(next.idle_expires_at, at(T0 + 5000));
    }

    #[test]
    fn revoked_families_never_rotate_whatever_the_record() {
        for r in [
            record(1, None, None),
            record(1, Some(T0), Some(2)),
            record(1, Some(T0 - 100), None),
        ] {
            let v = RotationView {
                record: r,
                family_revoked: true,
                successor: Some(record(2, None, None)),
            };
            assert_eq!(decide(&request(T0 + 1), Some(&v)), Rotation::Revoked);
        }
    }

    #[test]
    fn expiry_idle_and_absolute() {
        let r = record(1, None, None);
        let v = view(r, None);
        assert!(matches!(
            decide(&request(T0 + 999), Some(&v)),
            Rotation::Rotated(_)
        ));
        assert_eq!(decide(&request(T0 + 1000), Some(&v)), Rotation::Expired);
        let mut r = record(1, None, None);
        r.idle_expires_at = at(T0 + 9000);
        let v = view(r, None);
        assert!(matches!(
            decide(&request(T0 + 4999), Some(&v)),
            Rotation::Rotated(_)
        ));
        assert_eq!(decide(&request(T0 + 5000), Some(&v)), Rotation::Expired);
    }

    #[test]
    fn within_grace_the_same_successor_is_repeated() {
        let successor = RefreshRecord {
            issued_at: at(T0 + 100),
            ..record(2, None, None)
        };
        let v = view(record(1, Some(T0 + 100), Some(2)), Some(successor.clone()));
        for now in [T0 + 100, T0 + 105, T0 + 109] {
            assert_eq!(
                decide(&request(now), Some(&v)),
                Rotation::Repeated(successor.clone()),
                "{now}"
            );
        }
        // The grace is over: reuse.
        assert_eq!(decide(&request(T0 + 110), Some(&v)), Rotation::Reused);
        // Grace 0: any second presentation is reuse.
        let mut no_grace = request(T0 + 100);
        no_grace.grace = 0;
        assert_eq!(decide(&no_grace, Some(&v)), Rotation::Reused);
    }

    #[test]
    fn a_repeat_needs_the_unused_successor_of_this_very_token() {
        let consumed = record(1, Some(T0 + 100), Some(2));
        let now = T0 + 101;
        // The successor was used itself: the parent is an ancestor now.
        let used = record(2, Some(T0 + 101), Some(3));
        assert_eq!(
            decide(&request(now), Some(&view(consumed.clone(), Some(used)))),
            Rotation::Reused
        );
        // The successor is gone from the store, or was never recorded.
        assert_eq!(
            decide(&request(now), Some(&view(consumed.clone(), None))),
            Rotation::Reused
        );
        assert_eq!(
            decide(
                &request(now),
                Some(&view(
                    record(1, Some(T0 + 100), None),
                    Some(record(2, None, None))
                ))
            ),
            Rotation::Reused
        );
        // The stored successor is not the one this token derives (another key, another id
        // or hash), or the view's successor is not the record's.
        let mut other_id = request(now);
        other_id.successor_id = TokenId::from_bytes([3; 16]);
        assert_eq!(
            decide(
                &other_id,
                Some(&view(consumed.clone(), Some(record(2, None, None))))
            ),
            Rotation::Reused
        );
        let mut other_hash = request(now);
        other_hash.successor_hash = hash(9);
        assert_eq!(
            decide(
                &other_hash,
                Some(&view(consumed.clone(), Some(record(2, None, None))))
            ),
            Rotation::Reused
        );
        let stranger = RefreshRecord {
            id: TokenId::from_bytes([2; 16]),
            ..record(4, None, None)
        };
        assert_eq!(
            decide(
                &request(now),
                Some(&view(record(1, Some(T0 + 100), Some(4)), Some(stranger)))
            ),
            Rotation::Reused
        );
        // Another instance's clock a little behind is within grace; far behind it is not.
        let fresh = Some(record(2, None, None));
        assert!(matches!(
            decide(
                &request(T0 + 91),
                Some(&view(consumed.clone(), fresh.clone()))
            ),
            Rotation::Repeated(_)
        ));
        assert_eq!(
            decide(&request(T0 + 90), Some(&view(consumed, fresh))),
            Rotation::Reused
        );
    }

    #[test]
    fn reuse_is_detected_before_expiry() {
        // Consumed long ago and expired since: still reuse, which revokes the family.
        let v = view(
            record(1, Some(T0 + 10), Some(2)),
            Some(record(2, None, None)),
        );
        assert_eq!(decide(&request(T0 + 6000), Some(&v)), Rotation::Reused);
        // Within grace but the successor expired meanwhile: expired, not a new token.
        let mut short = record(2, None, None);
        short.idle_expires_at = at(T0 + 105);
        let v = view(record(1, Some(T0 + 100), Some(2)), Some(short));
        assert_eq!(decide(&request(T0 + 105), Some(&v)), Rotation::Expired);
        assert!(matches!(
            decide(&request(T0 + 104), Some(&v)),
            Rotation::Repeated(_)
        ));
    }

    #[test]
    fn writes_follow_the_outcome() {
        let req = request(T0 + 1);
        let next = record(2, None, None);
        assert_eq!(
            Rotation::Rotated(next.clone()).writes(&req),
            Writes::Consume {
                consumed: &req.id,
                at: req.now,
                next: &next
            }
        );
        assert_eq!(
            Rotation::Reused.writes(&req),
            Writes::RevokeFamily { at: req.now }
        );
        for quiet in [
            Rotation::Repeated(next),
            Rotation::Revoked,
            Rotation::Expired,
            Rotation::NotFound,
        ] {
            assert_eq!(quiet.writes(&req), Writes::None);
        }
    }
}
