//! Choosing trusted keys for a token, written once for `jws::Verifier` and
//! `jwe::Decrypter` (RFC 7515 4.1.4 and RFC 7516 4.1.6: `kid` is a hint that selects a
//! key; RFC 8725 3.1: the algorithm is the key's, never the token's choice).
//!
//! The rule: only keys bound to the token's `alg` are candidates. When a trusted key has
//! the token's `kid`, only such keys are tried; otherwise a token without `kid` may try any
//! key of the algorithm, and a token with an unknown `kid` only keys without a `kid`
//! (which stand in for keys whose id the sender made up). At most a bounded number of
//! candidates are tried, so that a token cannot make the server run every key.

use jwt_claims::Algorithm;

/// The default number of keys tried for one token.
pub const DEFAULT_MAX_CANDIDATES: usize = 4;

/// A key that a token's `kid` and `alg` can select.
pub trait SelectableKey {
    /// The one algorithm the key is bound to.
    fn alg(&self) -> &Algorithm;
    /// The key ID, if any.
    fn kid(&self) -> Option<&str>;
}

impl SelectableKey for crate::VerifyingKey {
    fn alg(&self) -> &Algorithm {
        Self::alg(self)
    }
    fn kid(&self) -> Option<&str> {
        Self::kid(self)
    }
}

/// The keys to try, in order, for a token with `alg` and `kid`: at most `max` of them.
pub fn candidates<'k, K: SelectableKey>(
    keys: &'k [K],
    alg: &'k Algorithm,
    kid: Option<&'k str>,
    max: usize,
) -> impl Iterator<Item = &'k K> + 'k {
    let by_kid = kid.is_some() && keys.iter().any(|k| k.alg() == alg && k.kid() == kid);
    keys.iter()
        .filter(move |k| {
            k.alg() == alg
                && if by_kid {
                    k.kid() == kid
                } else {
                    kid.is_none() || k.kid().is_none()
                }
        })
        .take(max)
}

/// The algorithms of `keys`, each once, in the order first seen: what a verifier or a
/// decrypter built from keys allows.
pub fn algorithms_of<K: SelectableKey>(keys: &[K]) -> Vec<Algorithm> {
    let mut algs: Vec<Algorithm> = Vec::new();
    for key in keys {
        if !algs.contains(key.alg()) {
            algs.push(key.alg().clone());
        }
    }
    algs
}

#[cfg(test)]
mod tests {
    use super::*;

    struct K(Algorithm, Option<&'static str>);

    impl SelectableKey for K {
        fn alg(&self) -> &Algorithm {
            &self.0
        }
        fn kid(&self) -> Option<&str> {
            self.1
        }
    }

    fn names<'a>(keys: impl Iterator<Item = &'a K>) -> Vec<Option<&'static str>> {
        keys.map(|k| k.1).collect()
    }

    fn ring() -> Vec<K> {
        vec![
            K(Algorithm::HS256, Some("a")),
            K(Algorithm::ES256, Some("a")),
            K(Algorithm::HS256, None),
            K(Algorithm::HS256, Some("b")),
            K(Algorithm::HS256, Some("a")),
        ]
    }

    #[test]
    fn a_known_kid_selects_only_its_keys_of_the_algorithm() {
        let keys = ring();
        let got = names(candidates(&keys, &Algorithm::HS256, Some("a"), 9));
        assert_eq!(got, [Some("a"), Some("a")]);
        // The same kid on a key of another algorithm does not count.
        let got = names(candidates(&keys, &Algorithm::ES256, Some("b"), 9));
        assert_eq!(got, Vec::<Option<&str>>::new());
    }

    #[test]
    fn an_unknown_kid_falls_back_to_keys_without_kid_only() {
        let keys = ring();
        let got = names(candidates(&keys, &Algorithm::HS256, Some("zz"), 9));
        assert_eq!(got, [None]);
        // A kid known for another algorithm is unknown for this one.
        let got = names(candidates(&keys, &Algorithm::ES256, Some("b"), 9));
        assert!(got.is_empty());
    }

    #[test]
    fn no_kid_tries_every_key_of_the_algorithm_up_to_the_bound() {
        let keys = ring();
        let got = names(candidates(&keys, &Algorithm::HS256, None, 9));
        assert_eq!(got, [Some("a"), None, Some("b"), Some("a")]);
        let got = names(candidates(&keys, &Algorithm::HS256, None, 2));
        assert_eq!(got, [Some("a"), None]);
        assert!(
            candidates(&keys, &Algorithm::RS256, None, 9)
                .next()
                .is_none()
        );
    }

    #[test]
    fn algorithms_once_in_order() {
        assert_eq!(algorithms_of(&ring()), [Algorithm::HS256, Algorithm::ES256]);
    }
}
