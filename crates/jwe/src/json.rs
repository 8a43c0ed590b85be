//! The JWE JSON serializations (RFC 7516 7.2): general, with any number of recipients,
//! and flattened, with one; protected, shared unprotected and per-recipient headers,
//! whose names must not collide (RFC 7516 7.2.1).
//!
//! ```
//! use jwe::json::JsonEncrypter;
//! use jwe::{Algorithm, Decrypter, DecryptionKey, EncryptionAlgorithm};
//!
//! let alice = DecryptionKey::symmetric(Algorithm::A128KW, &[1u8; 16]).unwrap().with_kid("alice");
//! let bob = DecryptionKey::x25519(Algorithm::ECDH_ES_A128KW, &[2u8; 32]).unwrap().with_kid("bob");
//! let doc = JsonEncrypter::new(EncryptionAlgorithm::A128GCM, b"to both")
//!     .recipient(&alice.encryption_key(), None).unwrap()
//!     .recipient(&bob.encryption_key(), None).unwrap()
//!     .general().unwrap();
//! assert_eq!(Decrypter::new(bob).decrypt_json(&doc).unwrap().plaintext(), b"to both");
//! assert_eq!(Decrypter::new(alice).decrypt_json(&doc).unwrap().plaintext(), b"to both");
//! ```

use jws::base64url;
use jws::jwt_claims::json::{self as strict, JsonObject};
use jws::jwt_claims::{CompressionAlgorithm, EncryptionAlgorithm, Header};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::alg::Mgmt;
use crate::content::{self, sizes};
use crate::mgmt::{self, random};
use crate::{Decrypted, Decrypter, EncryptOptions, EncryptionKey, Error, HeaderError};

/// A sealed content: protected header segment, IV, ciphertext, tag.
struct Sealed {
    protected: String,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
}

/// One recipient as written.
struct Recipient {
    header: JsonObject,
    encrypted_key: Vec<u8>,
}

/// Builds a JWE in the JSON serialization, encrypting one plaintext to several recipients.
pub struct JsonEncrypter<'p> {
    enc: EncryptionAlgorithm,
    plaintext: &'p [u8],
    protected: Header,
    unprotected: Option<JsonObject>,
    aad: Option<Vec<u8>>,
    p2c: u64,
    cek: Option<Zeroizing<Vec<u8>>>,
    direct: bool,
    recipients: Vec<Recipient>,
}

fn to_object(header: &Header) -> Result<JsonObject, Error> {
    match serde_json::to_value(header).map_err(Error::Serialize)? {
        Value::Object(m) => Ok(m),
        _ => Err(Error::Serialize(serde::ser::Error::custom(
            "a header is a JSON object",
        ))),
    }
}

fn collide(a: &JsonObject, b: &JsonObject) -> Option<String> {
    a.keys()
        .find(|k| b.contains_key(*k))
        .map(|k| strict::truncate(k))
}

impl<'p> JsonEncrypter<'p> {
    /// An encrypter of `plaintext` with content encryption `enc`.
    #[must_use]
    pub fn new(enc: EncryptionAlgorithm, plaintext: &'p [u8]) -> Self {
        let mut protected = Header::default();
        protected.enc = Some(enc.clone());
        Self {
            enc,
            plaintext,
            protected,
            unprotected: None,
            aad: None,
            p2c: EncryptOptions::default().p2c,
            cek: None,
            direct: false,
            recipients: Vec::new(),
        }
    }

    /// The protected header shared by all recipients (`enc` is set by the encrypter).
    #[must_use]
    pub fn with_protected_header(mut self, mut header: Header) -> Self {
        header.enc = Some(self.enc.clone());
        self.protected = header;
        self
    }

    /// The shared unprotected header.
    #[must_use]
    pub fn with_unprotected_header(mut self, header: JsonObject) -> Self {
        self.unprotected = Some(header);
        self
    }

    /// Additional authenticated data (`aad`).
    #[must_use]
    pub fn with_aad(mut self, aad: &[u8]) -> Self {
        self.aad = Some(aad.to_vec());
        self
    }

    /// Compresses the plaintext (DEFLATE, RFC 1951) before encryption and says so with
    /// `zip: "DEF"` in the protected header, where RFC 7516 4.1.3 requires it. Compression
    /// of secret data next to attacker-chosen data can leak it through the ciphertext's
    /// length (CRIME, BREACH): use it only when that cannot happen.
    #[must_use]
    pub fn compress(mut self) -> Self {
        self.protected.zip = Some(CompressionAlgorithm::Deflate);
        self
    }

    /// The PBES2 iteration count for password recipients.
    #[must_use]
    pub const fn with_p2c(mut self, p2c: u64) -> Self {
        self.p2c = p2c;
        self
    }

    /// Adds a recipient, with an optional per-recipient header. `alg`, `kid` and the key
    /// management parameters (`epk`, `iv`, `tag`, `p2s`, `p2c`) go in the recipient's
    /// header. `dir` and `ECDH-ES` fix the content key, so they serve a single recipient.
    ///
    /// # Errors
    /// [`Error::Header`] for colliding headers; [`Error::RecipientCount`] for a second recipient with `dir`/`ECDH-ES`;
    /// the key management errors.
    pub fn recipient(
        mut self,
        key: &EncryptionKey,
        header: Option<JsonObject>,
    ) -> Result<Self, Error> {
        let direct = matches!(Mgmt::of(key.alg())?, Mgmt::Dir | Mgmt::EcdhEs(None));
        if (direct || self.direct) && !self.recipients.is_empty() {
            return Err(Error::RecipientCount {
                recipients: self.recipients.len() + 1,
            });
        }
        let mut scratch = Header::default();
        scratch.apu.clone_from(&self.protected.apu);
        scratch.apv.clone_from(&self.protected.apv);
        let prepared = match &self.cek {
            // The content key is shared: wrap the same one for each recipient.
            Some(cek) if !direct => {
                mgmt::wrap_existing(key, &self.enc, &mut scratch, self.p2c, cek)?
            }
            _ => mgmt::wrap(key, &self.enc, &mut scratch, self.p2c)?,
        };
        scratch.apu = None;
        scratch.apv = None;
        scratch.alg = Some(key.alg().clone());
        if scratch.kid.is_none() {
            scratch.kid = key.kid().map(str::to_owned);
        }
        let mut recipient_header = to_object(&scratch)?;
        if let Some(extra) = header {
            if let Some(name) = collide(&extra, &recipient_header) {
                return Err(HeaderError::Duplicate(name).into());
            }
            recipient_header.extend(extra);
        }
        self.cek = Some(prepared.cek.into_owned());
        self.direct = direct;
        self.recipients.push(Recipient {
            header: recipient_header,
            encrypted_key: prepared.encrypted_key,
        });
        Ok(self)
    }

    /// Encrypts and returns (protected segment, iv, ciphertext, tag).
    fn seal(&self) -> Result<Sealed, Error> {
        let cek = self
            .cek
            .as_ref()
            .ok_or(Error::RecipientCount { recipients: 0 })?;
        let protected = to_object(&self.protected)?;
        for r in &self.recipients {
            for other in [Some(&protected), self.unprotected.as_ref()]
                .into_iter()
                .flatten()
            {
                if let Some(name) = collide(&r.header, other) {
                    return Err(HeaderError::Duplicate(name).into());
                }
            }
        }
        if let Some(name) = self
            .unprotected
            .as_ref()
            .and_then(|u| collide(u, &protected))
        {
            return Err(HeaderError::Duplicate(name).into());
        }
        let protected_segment =
            base64url::encode(serde_json::to_vec(&protected).map_err(Error::Serialize)?);
        let mut aad = protected_segment.clone();
        if let Some(extra) = &self.aad {
            aad.push('.');
            base64url::encode_to(extra, &mut aad);
        }
        let (_, iv_len, _) =
            sizes(&self.enc).ok_or_else(|| Error::EncryptionNotAllowed(self.enc.clone()))?;
        let iv = random(iv_len)?;
        let compressed;
        let plaintext = if self.protected.zip.is_some() {
            compressed = crate::zip::deflate(self.plaintext)?;
            compressed.as_slice()
        } else {
            self.plaintext
        };
        let (ciphertext, tag) = content::encrypt(&self.enc, cek, &iv, aad.as_bytes(), plaintext)
            .map_err(Error::Encryption)?;
        Ok(Sealed {
            protected: protected_segment,
            iv: iv.to_vec(),
            ciphertext,
            tag: tag.to_vec(),
        })
    }

    fn shared_members(&self, sealed: Sealed) -> Map<String, Value> {
        let mut doc = Map::new();
        doc.insert("protected".into(), Value::from(sealed.protected));
        if let Some(u) = &self.unprotected {
            doc.insert("unprotected".into(), Value::Object(u.clone()));
        }
        if let Some(a) = &self.aad {
            doc.insert("aad".into(), Value::from(base64url::encode(a)));
        }
        doc.insert("iv".into(), Value::from(base64url::encode(&sealed.iv)));
        doc.insert(
            "ciphertext".into(),
            Value::from(base64url::encode(&sealed.ciphertext)),
        );
        doc.insert("tag".into(), Value::from(base64url::encode(&sealed.tag)));
        doc
    }

    fn recipient_object(r: &Recipient) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("header".into(), Value::Object(r.header.clone()));
        if !r.encrypted_key.is_empty() {
            m.insert(
                "encrypted_key".into(),
                Value::from(base64url::encode(&r.encrypted_key)),
            );
        }
        m
    }

    /// The general JWE JSON serialization.
    ///
    /// # Errors
    /// [`Error::RecipientCount`] without recipients; [`Error::Header`] with colliding headers.
    pub fn general(&self) -> Result<String, Error> {
        let mut doc = self.shared_members(self.seal()?);
        doc.insert(
            "recipients".into(),
            Value::Array(
                self.recipients
                    .iter()
                    .map(|r| Value::Object(Self::recipient_object(r)))
                    .collect(),
            ),
        );
        serde_json::to_string(&doc).map_err(Error::Serialize)
    }

    /// The flattened JWE JSON serialization.
    ///
    /// # Errors
    /// [`Error::RecipientCount`] unless there is exactly one recipient.
    pub fn flattened(&self) -> Result<String, Error> {
        let [r] = self.recipients.as_slice() else {
            return Err(Error::RecipientCount {
                recipients: self.recipients.len(),
            });
        };
        let mut doc = self.shared_members(self.seal()?);
        doc.extend(Self::recipient_object(r));
        serde_json::to_string(&doc).map_err(Error::Serialize)
    }
}

fn malformed(reason: &str) -> Error {
    Error::Json(strict::JsonError::invalid("JWE", reason))
}

fn take_b64(map: &mut JsonObject, name: &str, required: bool) -> Result<Vec<u8>, Error> {
    match map.remove(name) {
        None if required => Err(malformed(&format!("missing \"{name}\""))),
        None => Ok(Vec::new()),
        Some(Value::String(s)) => {
            base64url::decode(&s).map_err(|e| Error::Json(strict::JsonError::invalid(name, e)))
        }
        Some(_) => Err(Error::Json(strict::JsonError::invalid(
            name,
            "must be a string",
        ))),
    }
}

fn take_object(map: &mut JsonObject, name: &str) -> Result<Option<JsonObject>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(Error::Json(strict::JsonError::invalid(
            name,
            "must be an object",
        ))),
    }
}

impl Decrypter {
    /// Decrypts a JWE in the general or flattened JSON serialization: the first recipient
    /// a trusted key can open wins. At most [`Decrypter::with_max_candidates`] recipients
    /// that a trusted key could open are tried, so a document cannot make the decrypter
    /// run key agreement or PBKDF2 without bound.
    ///
    /// # Errors
    /// As [`Decrypter::decrypt`]; [`Error::Json`] for a malformed document or colliding
    /// header names.
    pub fn decrypt_json(&self, json: &str) -> Result<Decrypted, Error> {
        let limits = self.limits();
        if json.len() > limits.max_token_len {
            return Err(jws::jwt_claims::Error::TokenTooLong {
                len: json.len(),
                limit: limits.max_token_len,
            }
            .into());
        }
        let mut doc = strict::object_from_slice(json.as_bytes(), limits.max_json_depth)
            .map_err(Error::Json)?;
        let protected_segment = match doc.remove("protected") {
            None => String::new(),
            Some(Value::String(s)) => s,
            Some(_) => {
                return Err(Error::Json(strict::JsonError::invalid(
                    "protected",
                    "must be a string",
                )));
            }
        };
        let protected: JsonObject = if protected_segment.is_empty() {
            Map::new()
        } else {
            let bytes = base64url::decode(&protected_segment)
                .map_err(|e| Error::Json(strict::JsonError::invalid("protected", e)))?;
            Header::from_json(&bytes, limits).map_err(Error::Json)?;
            strict::object_from_slice(&bytes, limits.max_json_depth).map_err(Error::Json)?
        };
        let shared = take_object(&mut doc, "unprotected")?.unwrap_or_default();
        if let Some(name) = collide(&protected, &shared) {
            return Err(malformed(&format!("\"{name}\" is in two headers")));
        }
        let aad_member = match doc.remove("aad") {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                return Err(Error::Json(strict::JsonError::invalid(
                    "aad",
                    "must be a string",
                )));
            }
        };
        let iv = take_b64(&mut doc, "iv", true)?;
        let ciphertext = take_b64(&mut doc, "ciphertext", true)?;
        let tag = take_b64(&mut doc, "tag", true)?;
        let recipients: Vec<JsonObject> = match doc.remove("recipients") {
            Some(Value::Array(items)) => {
                if doc.contains_key("header") || doc.contains_key("encrypted_key") {
                    return Err(malformed("both general and flattened members"));
                }
                items
                    .into_iter()
                    .map(|v| match v {
                        Value::Object(o) => Ok(o),
                        _ => Err(malformed("every recipient must be an object")),
                    })
                    .collect::<Result<_, _>>()?
            }
            Some(_) => return Err(malformed("\"recipients\" must be an array")),
            None => {
                let mut r = JsonObject::new();
                for name in ["header", "encrypted_key"] {
                    if let Some(v) = doc.remove(name) {
                        r.insert(name.into(), v);
                    }
                }
                vec![r]
            }
        };
        if recipients.is_empty() {
            return Err(malformed("no recipient"));
        }
        let mut aad = protected_segment;
        if let Some(a) = &aad_member {
            base64url::decode(a).map_err(|e| Error::Json(strict::JsonError::invalid("aad", e)))?;
            aad.push('.');
            aad.push_str(a);
        }
        let mut last_error = Error::NoMatchingKey;
        // Each recipient this decrypter could open costs key agreement or PBKDF2 work:
        // at most `max_candidates` of them are tried, whatever the document holds.
        let mut attempts = 0;
        for mut r in recipients {
            let own = take_object(&mut r, "header")?.unwrap_or_default();
            let encrypted_key = take_b64(&mut r, "encrypted_key", false)?;
            let mut joint = protected.clone();
            for part in [&shared, &own] {
                if let Some(name) = collide(&joint, part) {
                    return Err(malformed(&format!("\"{name}\" is in two headers")));
                }
                joint.extend(part.clone());
            }
            if shared.contains_key("crit") || own.contains_key("crit") {
                return Err(malformed("\"crit\" must be protected"));
            }
            let header = Header::from_json(
                &serde_json::to_vec(&joint).map_err(Error::Serialize)?,
                limits,
            )
            .map_err(Error::Json)?;
            let (alg, enc) = match self.check_header(&header) {
                Ok(v) => v,
                Err(e) => {
                    last_error = e;
                    continue;
                }
            };
            attempts += 1;
            if attempts > self.max_candidates {
                break;
            }
            match self.open(
                &header,
                alg,
                enc,
                &encrypted_key,
                &iv,
                aad.as_bytes(),
                ciphertext.clone(),
                &tag,
            ) {
                Ok((plaintext, kid)) => {
                    return Ok(Decrypted::new(std::sync::Arc::new(header), plaintext, kid));
                }
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }
}
