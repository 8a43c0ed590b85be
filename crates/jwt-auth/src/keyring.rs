//! The key ring ([`KeyRing`]), its sealing ([`KeyEncryptionKey`]) and its errors.

use hmac::{Hmac, KeyInit, Mac};
use jwe::{Decrypter, DecryptionKey, EncryptOptions, EncryptionAlgorithm};
use jws::{Algorithm, Jwk, JwkSet, NumericDate, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::AuthError;
pub use crate::error::KeyRingError;
use crate::token::SuccessorKey;

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeyState {
    /// Published in the JWK Set, not yet signing.
    Next,
    /// Signing new tokens.
    Active,
    /// Verifying only, until every token it signed has expired.
    Retiring {
        /// When the last token it signed expires; the key goes away then.
        until: NumericDate,
    },
    /// Compromised: tokens it signed are refused at once.
    Revoked {
        /// When it was revoked.
        at: NumericDate,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    key: SigningKey,
    state: KeyState,
    created_at: NumericDate,
}

/// The application's key-encryption key: 32 secret bytes that seal the key ring at rest
/// (confidentiality and integrity) and from which refresh-token successors are derived.
///
/// Keep it outside the database (an environment variable, a secrets manager, a KMS): the
/// point is that a copy of the database alone does not give the signing keys, and a write
/// to it cannot plant or revive one. Every instance of an issuer uses the same key.
/// Subkeys are HKDF-Expand (RFC 5869, SHA-256) of it with one label per use.
#[derive(Clone)]
pub struct KeyEncryptionKey {
    seal: DecryptionKey,
    successor: SuccessorKey,
}

impl std::fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyEncryptionKey(<redacted>)")
    }
}

/// HKDF-Expand(prk, info, 32) with SHA-256: one block, `HMAC(prk, info || 0x01)`.
fn expand(prk: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(prk)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(info);
    mac.update(&[1]);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

impl KeyEncryptionKey {
    /// The key from its 32 secret bytes.
    ///
    /// # Errors
    /// [`KeyRingError::KeyEncryptionKeyLength`] when `secret` is not 32 bytes.
    pub fn new(secret: &[u8]) -> Result<Self, AuthError> {
        if secret.len() != 32 {
            return Err(KeyRingError::KeyEncryptionKeyLength.into());
        }
        let seal = expand(secret, b"jwt-auth key ring seal v2");
        let seal = DecryptionKey::symmetric(Algorithm::Dir, seal.as_ref())
            .map_err(|e| KeyRingError::Key(e.to_string()))?;
        Ok(Self {
            seal,
            successor: SuccessorKey::new(expand(secret, b"jwt-auth refresh successor v1")),
        })
    }

    pub(crate) fn successor_key(&self) -> &SuccessorKey {
        &self.successor
    }

    fn seal(&self, plaintext: &[u8]) -> Result<String, AuthError> {
        jwe::encrypt(
            &self.seal.encryption_key(),
            EncryptionAlgorithm::A256GCM,
            plaintext,
            &EncryptOptions::new().with_cty("jwt-auth-key-ring+json"),
        )
        .map_err(|e| KeyRingError::Key(format!("cannot seal the ring: {e}")).into())
    }

    fn open(&self, sealed: &str) -> Result<Zeroizing<Vec<u8>>, AuthError> {
        Decrypter::new(self.seal.clone())
            .with_allowed_encryption_algorithms(&[EncryptionAlgorithm::A256GCM])
            .and_then(|d| d.decrypt(sealed))
            .map(jwe::Decrypted::into_plaintext)
            .map_err(|_| KeyRingError::Integrity.into())
    }
}

/// One key, as sealed.
#[derive(Serialize, Deserialize)]
struct SealedEntry {
    kid: String,
    #[serde(flatten)]
    state: KeyState,
    created_at: NumericDate,
    /// The private JWK.
    jwk: Zeroizing<String>,
}

/// The ring, as sealed (the plaintext of the JWE).
#[derive(Serialize, Deserialize)]
struct SealedRing {
    format: u64,
    version: u64,
    alg: Algorithm,
    keys: Vec<SealedEntry>,
}

/// The stored document: the format, the version (repeated inside, where it is protected)
/// and the JWE.
#[derive(Serialize)]
pub(crate) struct Document {
    format: u64,
    pub(crate) version: u64,
    ring: String,
}

/// A stored document as read: every member optional, so that one parse tells a format-1
/// ring (a version, no format) from a damaged one.
#[derive(Deserialize)]
struct StoredDocument {
    format: Option<u64>,
    version: Option<u64>,
    ring: Option<String>,
}

const FORMAT: u64 = 2;

/// The signing keys of an issuer and their states.
///
/// Signing keys identified by `kid`, each in a state, so that a leaked key can be made
/// worthless: rotate regularly, revoke at once when compromised.
///
/// ```text
///   next ──rotate──> active ──rotate──> retiring ──(every token it signed expired)──> gone
///    │                 │                    │
///    └──────revoke─────┴────────revoke──────┴──> revoked (tokens it signed refused at once)
/// ```
///
/// The JWK Set that resource servers fetch (`/.well-known/jwks.json`) holds the public keys
/// of `next` (so that caches know it before it signs), `active` and `retiring`; never a
/// revoked key, never a private member.
///
/// # At rest: confidential and tamper-evident
///
/// The whole ring (every key's `kid`, private JWK, state, timestamps, the algorithm and a
/// version counter) is sealed as one JWE (`dir`, `A256GCM`) under a key derived from the
/// application's [`KeyEncryptionKey`]. AES-GCM authenticates all of it: whoever can write
/// the database but does not hold the key-encryption key cannot turn a revoked key back to
/// active, swap or drop keys, or insert a signing key of their own; such a ring is refused
/// with [`KeyRingError::Integrity`]. The key-encryption key is symmetric on purpose: a
/// public (RSA, ECDH) key would let anyone who knows it seal a ring of their choosing.
///
/// The version counter grows with every change. An [`Authority`](crate::Authority) refuses a
/// stored ring older than the one it holds ([`KeyRingError::Rollback`]), so that an old
/// copy written back into the database is not picked up by a running issuer. (An issuer
/// started after such a write has no memory of the newer version: keep the database's
/// backups as safe as the database.)
///
/// Revoked keys stay in the ring, never published, for a retention period (so that
/// [`KeyRing::state`] still answers for them), then go; retiring keys go once every token
/// they signed has expired, leeway included.
#[derive(Debug, Clone)]
pub struct KeyRing {
    alg: Algorithm,
    version: u64,
    entries: Vec<Entry>,
}

fn new_key(alg: &Algorithm, now: NumericDate, state: KeyState) -> Result<Entry, AuthError> {
    let key = SigningKey::generate(alg.clone())
        .map_err(|e| KeyRingError::Key(e.to_string()))?
        .with_thumbprint_kid();
    Ok(Entry {
        key,
        state,
        created_at: now,
    })
}

impl KeyRing {
    /// A new ring for `alg`: an active key and the next one, generated by the operating
    /// system's generator, each with its RFC 7638 thumbprint as `kid`.
    ///
    /// # Errors
    /// [`KeyRingError::Key`] for an algorithm `jws` cannot sign with.
    pub fn generate(alg: Algorithm, now: NumericDate) -> Result<Self, AuthError> {
        Ok(Self {
            version: 1,
            entries: vec![
                new_key(&alg, now, KeyState::Active)?,
                new_key(&alg, now, KeyState::Next)?,
            ],
            alg,
        })
    }

    /// The signing algorithm.
    #[must_use]
    pub const fn alg(&self) -> &Algorithm {
        &self.alg
    }

    /// The version: 1 for a new ring, one more for every change an
    /// [`Authority`](crate::Authority) stores.
    #[must_use]
    pub const fn version(&self) -> u64 {
        self.version
    }

    /// Counts a change (the ring stored next carries the new version).
    pub(crate) const fn bump(&mut self) {
        self.version = self.version.saturating_add(1);
    }

    /// The key that signs new tokens.
    ///
    /// # Errors
    /// [`KeyRingError::NoActiveKey`] if the ring has no active key.
    pub fn active(&self) -> Result<&SigningKey, AuthError> {
        self.entries
            .iter()
            .find(|e| e.state == KeyState::Active)
            .map(|e| &e.key)
            .ok_or_else(|| KeyRingError::NoActiveKey.into())
    }

    /// Every key's `kid` and state, oldest first.
    #[must_use]
    pub fn states(&self) -> Vec<(String, KeyState)> {
        self.entries
            .iter()
            .map(|e| (e.key.kid().unwrap_or_default().to_owned(), e.state))
            .collect()
    }

    /// The state of the key `kid`, if the ring holds it.
    #[must_use]
    pub fn state(&self, kid: &str) -> Option<KeyState> {
        self.entries
            .iter()
            .find(|e| e.key.kid() == Some(kid))
            .map(|e| e.state)
    }

    /// Whether a rotation is due at `now` for keys rotated every `interval`: the newest
    /// key (the `next` one, made at the last rotation) is `interval` old or older.
    #[must_use]
    pub fn rotation_due(&self, now: NumericDate, interval: std::time::Duration) -> bool {
        self.entries
            .iter()
            .map(|e| e.created_at)
            .max()
            .is_none_or(|newest| newest.saturating_add(interval.as_secs()) <= now)
    }

    /// Rotates: `active` becomes `retiring` until `now + retire_for` (the access-token
    /// lifetime plus the leeway resource servers allow: then every token it signed has
    /// expired), `next` becomes `active`, and a new `next` is generated. Retiring keys
    /// whose time is up are dropped.
    ///
    /// # Errors
    /// [`KeyRingError::Key`] when a new key cannot be generated.
    pub fn rotate(&mut self, now: NumericDate, retire_for: u64) -> Result<(), AuthError> {
        let until = now.saturating_add(retire_for);
        for e in &mut self.entries {
            e.state = match e.state {
                KeyState::Active => KeyState::Retiring { until },
                KeyState::Next => KeyState::Active,
                other => other,
            };
        }
        if self.active().is_err() {
            self.entries
                .push(new_key(&self.alg, now, KeyState::Active)?);
        }
        self.entries.push(new_key(&self.alg, now, KeyState::Next)?);
        self.prune(now, u64::MAX);
        Ok(())
    }

    /// Revokes the key `kid` at once: tokens it signed are refused from now on (by
    /// resource servers as soon as they reload the JWK Set, which no longer lists it). If it
    /// was the active key, `next` takes over and a new `next` is generated.
    ///
    /// # Errors
    /// [`KeyRingError::UnknownKid`] for an unknown `kid`; [`KeyRingError::Key`] when a new
    /// key cannot be generated.
    pub fn revoke(&mut self, kid: &str, now: NumericDate) -> Result<(), AuthError> {
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.key.kid() == Some(kid))
            .ok_or(KeyRingError::UnknownKid)?;
        let was = entry.state;
        entry.state = KeyState::Revoked { at: now };
        match was {
            KeyState::Active => {
                let promoted = self.entries.iter_mut().find(|e| e.state == KeyState::Next);
                match promoted {
                    Some(e) => e.state = KeyState::Active,
                    None => self
                        .entries
                        .push(new_key(&self.alg, now, KeyState::Active)?),
                }
                self.entries.push(new_key(&self.alg, now, KeyState::Next)?);
            }
            KeyState::Next => self.entries.push(new_key(&self.alg, now, KeyState::Next)?),
            _ => {}
        }
        Ok(())
    }

    /// Drops retiring keys whose tokens have all expired, and revoked keys revoked
    /// `revoked_retention` seconds ago or earlier. Returns whether any key went.
    pub fn prune(&mut self, now: NumericDate, revoked_retention: u64) -> bool {
        let before = self.entries.len();
        self.entries
            .retain(|e| !Self::prunable(e.state, now, revoked_retention));
        self.entries.len() != before
    }

    /// Whether [`KeyRing::prune`] would drop a key, without changing (or copying) the ring.
    pub(crate) fn has_prunable(&self, now: NumericDate, revoked_retention: u64) -> bool {
        self.entries
            .iter()
            .any(|e| Self::prunable(e.state, now, revoked_retention))
    }

    const fn prunable(state: KeyState, now: NumericDate, revoked_retention: u64) -> bool {
        match state {
            KeyState::Retiring { until } => until.as_secs() <= now.as_secs(),
            KeyState::Revoked { at } => now.secs_since(at) >= revoked_retention,
            KeyState::Next | KeyState::Active => false,
        }
    }

    /// The keys that verify tokens: `active` and the `retiring` ones still in time.
    #[must_use]
    pub fn verifying_keys(&self, now: NumericDate) -> Vec<VerifyingKey> {
        self.entries
            .iter()
            .filter(|e| match e.state {
                KeyState::Active => true,
                KeyState::Retiring { until } => until > now,
                KeyState::Next | KeyState::Revoked { .. } => false,
            })
            .map(|e| e.key.verifying_key())
            .collect()
    }

    /// The public JWK Set for resource servers: `next`, `active` and in-time `retiring`
    /// keys, each with `kid`, `alg` and `use: "sig"`. Shared secrets (HMAC rings) are
    /// never in it: publishing one would let anyone sign tokens; resource servers of an
    /// HMAC issuer get the secret some other way.
    #[must_use]
    pub fn jwks(&self, now: NumericDate) -> JwkSet {
        let keys = self
            .entries
            .iter()
            .filter(|e| match e.state {
                KeyState::Next | KeyState::Active => true,
                KeyState::Retiring { until } => until > now,
                KeyState::Revoked { .. } => false,
            })
            .filter(|e| !e.key.verifying_key().is_secret())
            .map(|e| {
                let mut jwk = e.key.verifying_key().to_jwk();
                jwk.key_use = Some(jws::KeyUse::Signature);
                jwk
            })
            .collect();
        JwkSet::from_keys(keys)
    }

    /// The ring as a document to store: everything sealed under `kek`.
    ///
    /// # Errors
    /// [`KeyRingError::Key`] when a key cannot be sealed.
    pub fn seal(&self, kek: &KeyEncryptionKey) -> Result<String, AuthError> {
        let keys = self
            .entries
            .iter()
            .map(|e| {
                Ok(SealedEntry {
                    kid: e.key.kid().unwrap_or_default().to_owned(),
                    state: e.state,
                    created_at: e.created_at,
                    jwk: e
                        .key
                        .to_jwk()
                        .to_private_json()
                        .map_err(|x| KeyRingError::Key(x.to_string()))?,
                })
            })
            .collect::<Result<Vec<_>, AuthError>>()?;
        let plaintext = Zeroizing::new(
            serde_json::to_vec(&SealedRing {
                format: FORMAT,
                version: self.version,
                alg: self.alg.clone(),
                keys,
            })
            .map_err(|e| KeyRingError::Key(e.to_string()))?,
        );
        serde_json::to_string(&Document {
            format: FORMAT,
            version: self.version,
            ring: kek.seal(&plaintext)?,
        })
        .map_err(|e| KeyRingError::Key(e.to_string()).into())
    }

    /// The version of a stored document, read without opening it (to compare before the
    /// work of opening).
    ///
    /// # Errors
    /// [`KeyRingError::Integrity`] for a document that is not a key ring;
    /// [`KeyRingError::UnsupportedFormat`].
    pub fn stored_version(document: &str) -> Result<u64, AuthError> {
        Ok(Self::document(document)?.version)
    }

    /// Parses a stored document (once) and checks its format.
    pub(crate) fn document(document: &str) -> Result<Document, AuthError> {
        let stored: StoredDocument =
            serde_json::from_str(document).map_err(|_| KeyRingError::Integrity)?;
        match stored {
            StoredDocument {
                format: Some(FORMAT),
                version: Some(version),
                ring: Some(ring),
            } => Ok(Document {
                format: FORMAT,
                version,
                ring,
            }),
            StoredDocument {
                format: Some(other),
                ..
            } if other != FORMAT => Err(KeyRingError::UnsupportedFormat(other).into()),
            // Format 1 had a version but no format member.
            StoredDocument {
                format: None,
                version: Some(_),
                ..
            } => Err(KeyRingError::UnsupportedFormat(1).into()),
            _ => Err(KeyRingError::Integrity.into()),
        }
    }

    /// Opens a sealed ring with `kek`, checking its integrity.
    ///
    /// # Errors
    /// [`KeyRingError::Integrity`] for a wrong key-encryption key or a damaged or
    /// tampered document; [`KeyRingError::UnsupportedFormat`];
    /// [`KeyRingError::NoActiveKey`].
    pub fn open(document: &str, kek: &KeyEncryptionKey) -> Result<Self, AuthError> {
        Self::open_document(Self::document(document)?, kek)
    }

    /// Opens a document already parsed by [`KeyRing::document`].
    pub(crate) fn open_document(
        outer: Document,
        kek: &KeyEncryptionKey,
    ) -> Result<Self, AuthError> {
        let plaintext = kek.open(&outer.ring)?;
        let ring: SealedRing =
            serde_json::from_slice(&plaintext).map_err(|_| KeyRingError::Integrity)?;
        if ring.format != FORMAT || ring.version != outer.version {
            return Err(KeyRingError::Integrity.into());
        }
        let entries = ring
            .keys
            .into_iter()
            .map(|s| {
                let jwk = Jwk::from_json(s.jwk.as_bytes())
                    .map_err(|e| KeyRingError::Key(e.to_string()))?;
                let key = jwk
                    .signing_key(Some(ring.alg.clone()))
                    .map_err(|e| KeyRingError::Key(e.to_string()))?
                    .with_kid(s.kid);
                Ok(Entry {
                    key,
                    state: s.state,
                    created_at: s.created_at,
                })
            })
            .collect::<Result<Vec<_>, AuthError>>()?;
        let ring = Self {
            alg: ring.alg,
            version: ring.version,
            entries,
        };
        ring.active()?;
        Ok(ring)
    }
}
