//! The JWS JSON serializations (RFC 7515 7.2): general, with any number of signatures,
//! and flattened, with one.
//!
//! ```
//! use jws::json::{JsonSigner, SignaturePolicy};
//! use jws::{Algorithm, Header, SigningKey, Verifier};
//!
//! let ed = SigningKey::ed25519(&[1u8; 32]).unwrap().with_kid("ed");
//! let hs = SigningKey::symmetric(Algorithm::HS256, &[2u8; 32]).unwrap().with_kid("hs");
//! let json = JsonSigner::new(b"payload")
//!     .sign(&ed, Header::default(), None).unwrap()
//!     .sign(&hs, Header::default(), None).unwrap()
//!     .general().unwrap();
//!
//! // A verifier that trusts only the Ed25519 key: one of two signatures holds.
//! let verifier = Verifier::new(ed.verifying_key());
//! let verified = verifier.verify_json(&json, SignaturePolicy::AtLeastOne).unwrap();
//! assert_eq!(verified.payload(), b"payload");
//! assert_eq!(verified.verified_kids(), vec!["ed"]);
//! assert!(verifier.verify_json(&json, SignaturePolicy::All).is_err());
//! ```

use jwt_claims::json::{self as strict, JsonObject};
use jwt_claims::{Header, base64url};
use serde_json::{Map, Value};

use crate::sign::{mark_unencoded, prepare_header};
use crate::verify::VerifiedPayload;
use crate::{Error, SigningKey, Verifier};

/// Which signatures of a JSON-serialized JWS must verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignaturePolicy {
    /// At least one signature verifies with a trusted key (the default).
    #[default]
    AtLeastOne,
    /// Every signature verifies with a trusted key.
    All,
}

/// One signature to be written.
#[derive(Debug, Clone)]
struct Entry {
    protected: String,
    header: Option<JsonObject>,
    signature: String,
}

/// Builds a JWS in the JSON serialization, signing one payload with several keys.
#[derive(Debug, Clone)]
pub struct JsonSigner<'p> {
    payload: &'p [u8],
    unencoded: bool,
    detached: bool,
    entries: Vec<Entry>,
}

impl<'p> JsonSigner<'p> {
    /// A signer for this payload.
    #[must_use]
    pub const fn new(payload: &'p [u8]) -> Self {
        Self {
            payload,
            unencoded: false,
            detached: false,
            entries: Vec::new(),
        }
    }

    /// Signs the payload unencoded (RFC 7797); call before the first `sign`.
    #[must_use]
    pub const fn unencoded(mut self) -> Self {
        self.unencoded = true;
        self
    }

    /// Leaves the payload out of the output.
    #[must_use]
    pub const fn detached(mut self) -> Self {
        self.detached = true;
        self
    }

    fn payload_segment(&self) -> Result<String, Error> {
        if self.unencoded {
            std::str::from_utf8(self.payload)
                .map(str::to_owned)
                .map_err(|_| Error::UnencodedPayloadNotUtf8)
        } else {
            Ok(base64url::encode(self.payload))
        }
    }

    /// Adds a signature by `key`, with this protected header (its `alg` and `kid` set from
    /// the key) and an optional unprotected header, whose names must not repeat the
    /// protected header's.
    ///
    /// # Errors
    /// [`Error::HeaderCollision`] when the headers collide, [`Error::Serialize`] when they
    /// cannot be serialized; a signing failure.
    pub fn sign(
        mut self,
        key: &SigningKey,
        protected: Header,
        unprotected: Option<JsonObject>,
    ) -> Result<Self, Error> {
        let mut protected = prepare_header(key, protected)?;
        if self.unencoded {
            mark_unencoded(&mut protected);
        }
        let protected_json = serde_json::to_value(&protected).map_err(Error::Serialize)?;
        if let (Some(unprotected), Value::Object(p)) = (&unprotected, &protected_json)
            && let Some(name) = unprotected.keys().find(|k| p.contains_key(*k))
        {
            return Err(Error::HeaderCollision(name.clone()));
        }
        let protected_segment =
            base64url::encode(serde_json::to_vec(&protected_json).map_err(Error::Serialize)?);
        let payload = self.payload_segment()?;
        let signature =
            key.sign_parts(&[protected_segment.as_bytes(), b".", payload.as_bytes()])?;
        self.entries.push(Entry {
            protected: protected_segment,
            header: unprotected,
            signature: base64url::encode(signature.as_slice()),
        });
        Ok(self)
    }

    fn entry_object(entry: &Entry) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("protected".into(), Value::String(entry.protected.clone()));
        if let Some(h) = &entry.header {
            m.insert("header".into(), Value::Object(h.clone()));
        }
        m.insert("signature".into(), Value::String(entry.signature.clone()));
        m
    }

    /// The general JWS JSON serialization.
    ///
    /// # Errors
    /// [`Error::SignatureCount`] without any signature.
    pub fn general(&self) -> Result<String, Error> {
        if self.entries.is_empty() {
            return Err(Error::SignatureCount { signatures: 0 });
        }
        let mut doc = Map::new();
        if !self.detached {
            doc.insert("payload".into(), Value::String(self.payload_segment()?));
        }
        doc.insert(
            "signatures".into(),
            Value::Array(
                self.entries
                    .iter()
                    .map(|e| Value::Object(Self::entry_object(e)))
                    .collect(),
            ),
        );
        serde_json::to_string(&doc).map_err(Error::Serialize)
    }

    /// The flattened JWS JSON serialization.
    ///
    /// # Errors
    /// [`Error::SignatureCount`] unless exactly one signature was added.
    pub fn flattened(&self) -> Result<String, Error> {
        let [entry] = self.entries.as_slice() else {
            return Err(Error::SignatureCount {
                signatures: self.entries.len(),
            });
        };
        let mut doc = Map::new();
        if !self.detached {
            doc.insert("payload".into(), Value::String(self.payload_segment()?));
        }
        doc.extend(Self::entry_object(entry));
        serde_json::to_string(&doc).map_err(Error::Serialize)
    }
}

/// What became of one signature of a JSON-serialized JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureOutcome {
    /// The signature's JOSE header: protected and unprotected parameters together.
    pub header: Header,
    /// Whether a trusted key verified it.
    pub verified: bool,
    /// The `kid` of the key that verified it, if any.
    pub kid: Option<String>,
}

/// A JSON-serialized JWS whose signatures satisfied a [`SignaturePolicy`].
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJson {
    payload: Vec<u8>,
    outcomes: Vec<SignatureOutcome>,
}

impl VerifiedJson {
    /// The payload bytes, exactly as signed.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Every signature, in document order, with whether it verified.
    #[must_use]
    pub fn signatures(&self) -> &[SignatureOutcome] {
        &self.outcomes
    }

    /// The `kid`s of the keys that verified a signature.
    #[must_use]
    pub fn verified_kids(&self) -> Vec<&str> {
        self.outcomes
            .iter()
            .filter(|o| o.verified)
            .filter_map(|o| o.kid.as_deref())
            .collect()
    }

    /// The payload bytes.
    #[must_use]
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }
}

/// The most signatures a JSON-serialized JWS may carry: each costs a verification.
pub const MAX_SIGNATURES: usize = 16;

fn malformed(reason: &str) -> Error {
    Error::Json(strict::JsonError::invalid("JWS", reason))
}

fn take_str(map: &mut JsonObject, name: &str) -> Result<Option<String>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::Json(strict::JsonError::invalid(
            name,
            "must be a string",
        ))),
    }
}

/// One signature as read from the document.
struct Parsed {
    protected: String,
    header: Option<JsonObject>,
    signature: String,
}

fn parse_entry(mut m: JsonObject) -> Result<Parsed, Error> {
    let protected = take_str(&mut m, "protected")?.unwrap_or_default();
    let header = match m.remove("header") {
        None => None,
        Some(Value::Object(h)) => Some(h),
        Some(_) => {
            return Err(Error::Json(strict::JsonError::invalid(
                "header",
                "must be an object",
            )));
        }
    };
    let signature =
        take_str(&mut m, "signature")?.ok_or_else(|| malformed("missing \"signature\""))?;
    if protected.is_empty() && header.is_none() {
        return Err(malformed(
            "a signature has neither \"protected\" nor \"header\"",
        ));
    }
    Ok(Parsed {
        protected,
        header,
        signature,
    })
}

impl Verifier {
    /// Verifies a JWS in the general or flattened JSON serialization under `policy`.
    ///
    /// Each signature's header is its protected header joined with its unprotected one;
    /// their names must not collide (RFC 7515 7.2.1) and `crit` and `b64` must be
    /// protected.
    ///
    /// # Errors
    /// [`Error::Json`] for a malformed document; [`Error::InvalidSignature`] when the
    /// policy is not met.
    pub fn verify_json(&self, json: &str, policy: SignaturePolicy) -> Result<VerifiedJson, Error> {
        self.verify_json_inner(json, None, policy)
    }

    /// As [`Verifier::verify_json`] for a document without `payload`: `payload` is the
    /// detached content.
    ///
    /// # Errors
    /// As [`Verifier::verify_json`]; [`Error::NotDetached`] when the document carries a
    /// payload.
    pub fn verify_json_detached(
        &self,
        json: &str,
        payload: &[u8],
        policy: SignaturePolicy,
    ) -> Result<VerifiedJson, Error> {
        self.verify_json_inner(json, Some(payload), policy)
    }

    fn verify_json_inner(
        &self,
        json: &str,
        detached: Option<&[u8]>,
        policy: SignaturePolicy,
    ) -> Result<VerifiedJson, Error> {
        let limits = self.limits();
        if json.len() > limits.max_token_len {
            return Err(jwt_claims::Error::TokenTooLong {
                len: json.len(),
                limit: limits.max_token_len,
            }
            .into());
        }
        let mut doc = strict::object_from_slice(json.as_bytes(), limits.max_json_depth)
            .map_err(Error::Json)?;
        let payload_member = take_str(&mut doc, "payload")?;
        let entries: Vec<Parsed> = match doc.remove("signatures") {
            Some(Value::Array(items)) => {
                if doc.contains_key("signature")
                    || doc.contains_key("protected")
                    || doc.contains_key("header")
                {
                    return Err(malformed("both general and flattened members"));
                }
                if items.is_empty() {
                    return Err(malformed("\"signatures\" is empty"));
                }
                if items.len() > MAX_SIGNATURES {
                    return Err(malformed("too many signatures"));
                }
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::Object(m) => parse_entry(m),
                        _ => Err(malformed("every signature must be an object")),
                    })
                    .collect::<Result<_, _>>()?
            }
            Some(_) => return Err(malformed("\"signatures\" must be an array")),
            None => vec![parse_entry(doc)?],
        };
        let payload_segment = match (&payload_member, detached) {
            (Some(_), Some(_)) => return Err(Error::NotDetached),
            (None, None) => return Err(malformed("missing \"payload\"")),
            (Some(p), None) => p.as_bytes(),
            (None, Some(d)) => d,
        };

        let mut outcomes = Vec::with_capacity(entries.len());
        let mut unencoded_seen: Option<bool> = None;
        for entry in entries {
            let header = self.joint_header(&entry)?;
            let unencoded = header.b64 == Some(false);
            if *unencoded_seen.get_or_insert(unencoded) != unencoded {
                return Err(malformed("signatures disagree on \"b64\""));
            }
            // Every signature shares the payload's encoding: none can verify.
            if unencoded && !self.unencoded_allowed() {
                return Err(Error::UnencodedPayloadNotAllowed);
            }
            let encoded_detached;
            let payload_for_input: &[u8] = match (detached, unencoded) {
                (Some(d), false) => {
                    encoded_detached = base64url::encode(d);
                    encoded_detached.as_bytes()
                }
                _ => payload_segment,
            };
            let kid = self.verify_one(&header, &entry, payload_for_input);
            outcomes.push(SignatureOutcome {
                header,
                verified: kid.is_some(),
                kid: kid.flatten(),
            });
        }

        let held = outcomes.iter().filter(|o| o.verified).count();
        let satisfied = match policy {
            SignaturePolicy::AtLeastOne => held > 0,
            SignaturePolicy::All => held == outcomes.len(),
        };
        if !satisfied {
            return Err(Error::InvalidSignature);
        }
        let payload = match (detached, unencoded_seen == Some(true)) {
            (Some(d), _) => d.to_vec(),
            (None, true) => payload_segment.to_vec(),
            (None, false) => base64url::decode(payload_segment).map_err(|source| {
                Error::Token(jwt_claims::Error::Base64 {
                    segment: jwt_claims::Segment::Payload,
                    source,
                })
            })?,
        };
        Ok(VerifiedJson { payload, outcomes })
    }

    /// The JOSE header of one signature: protected and unprotected members joined.
    fn joint_header(&self, entry: &Parsed) -> Result<Header, Error> {
        let limits = self.limits();
        let mut joint: JsonObject = if entry.protected.is_empty() {
            Map::new()
        } else {
            let bytes = base64url::decode(&entry.protected).map_err(|source| {
                Error::Token(jwt_claims::Error::Base64 {
                    segment: jwt_claims::Segment::Header,
                    source,
                })
            })?;
            // Parsed twice: strictly as a header (types, duplicates), then as an object.
            Header::from_json(&bytes, limits).map_err(Error::Json)?;
            strict::object_from_slice(&bytes, limits.max_json_depth).map_err(Error::Json)?
        };
        if let Some(unprotected) = &entry.header {
            for (name, value) in unprotected {
                if joint.contains_key(name) {
                    return Err(malformed(
                        "a header parameter is both protected and unprotected",
                    ));
                }
                if name == "crit" || name == "b64" {
                    return Err(malformed(
                        "\"crit\" and \"b64\" must be in the protected header",
                    ));
                }
                joint.insert(name.clone(), value.clone());
            }
        }
        let header = Header::from_json(
            &serde_json::to_vec(&joint).map_err(Error::Serialize)?,
            limits,
        )
        .map_err(Error::Json)?;
        Ok(header)
    }

    /// `Some(kid of the key)` when a trusted key verifies this signature.
    fn verify_one(
        &self,
        header: &Header,
        entry: &Parsed,
        payload: &[u8],
    ) -> Option<Option<String>> {
        let unencoded = header.b64 == Some(false);
        if unencoded && !self.unencoded_allowed() {
            return None;
        }
        let understood: &[&str] = if self.unencoded_allowed() {
            &["b64"]
        } else {
            &[]
        };
        header.check_crit(understood).ok()?;
        let alg = header.alg.as_ref()?;
        if !self.allowed_algorithms().contains(alg) {
            return None;
        }
        let signature = base64url::decode(&entry.signature).ok()?;
        if signature.is_empty() {
            return None;
        }
        let input: [&[u8]; 3] = [entry.protected.as_bytes(), b".", payload];
        self.verify_with_candidates(header, alg, &input, &signature)
            .ok()
            .map(|kid| kid.map(|k| k.to_string()))
    }
}

impl From<VerifiedJson> for VerifiedPayload {
    fn from(v: VerifiedJson) -> Self {
        let first = v.outcomes.into_iter().find(|o| o.verified);
        let (header, kid) = first.map(|o| (o.header, o.kid)).unwrap_or_default();
        Self::new(header, v.payload, kid.map(std::sync::Arc::from))
    }
}
