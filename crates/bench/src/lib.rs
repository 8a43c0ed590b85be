//! Fixtures for the comparison benchmarks: one access-token claim set, the same keys in
//! every form each library takes, and the raw floor (base64url + the bare primitive +
//! serde_json into the same struct), which no JWT library can beat.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::missing_panics_doc,
    missing_docs
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use pkcs8::EncodePrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use signature::{Signer, Verifier as _};
use subtle::ConstantTimeEq;

/// The claim set every library signs and verifies: an access token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    pub nbf: u64,
    pub iat: u64,
    pub jti: String,
    pub scope: String,
    pub roles: Vec<String>,
}

/// [`AccessClaims`] borrowed from a decoded payload: the floor of the borrowed path.
#[derive(Debug, Deserialize)]
pub struct AccessClaimsRef<'a> {
    pub iss: &'a str,
    pub sub: &'a str,
    pub aud: &'a str,
    pub exp: u64,
    pub nbf: u64,
    pub iat: u64,
    pub jti: &'a str,
    pub scope: &'a str,
    #[serde(borrow)]
    pub roles: Vec<&'a str>,
}

/// [`Custom`] borrowed from a decoded payload, for `jws`'s borrowed path.
#[derive(Debug, Deserialize)]
pub struct CustomRef<'a> {
    pub scope: &'a str,
    #[serde(borrow)]
    pub roles: Vec<&'a str>,
}

/// The custom part of the claims, for libraries with typed registered claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Custom {
    pub scope: String,
    pub roles: Vec<String>,
}

pub const ISSUER: &str = "https://auth.example.com";
pub const AUDIENCE: &str = "https://api.example.com";

#[must_use]
pub fn now() -> u64 {
    jws::NumericDate::now().as_secs()
}

#[must_use]
pub fn access_claims(now: u64) -> AccessClaims {
    AccessClaims {
        iss: ISSUER.into(),
        sub: "user-1234567890".into(),
        aud: AUDIENCE.into(),
        exp: now + 1800,
        nbf: now,
        iat: now,
        jti: "d8f3a1c2-5b6e-4f70-9a8b-1c2d3e4f5a6b".into(),
        scope: "openid profile email read:orders write:orders".into(),
        roles: vec!["admin".into(), "billing".into()],
    }
}

#[must_use]
pub fn jws_claims(now: u64) -> jws::Claims<Custom> {
    let c = access_claims(now);
    let at = |s| jws::NumericDate::from_secs(s).unwrap();
    let mut claims = jws::Claims::new(Custom {
        scope: c.scope,
        roles: c.roles,
    })
    .with_issuer(c.iss)
    .with_subject(c.sub)
    .with_audience(c.aud)
    .with_jwt_id(c.jti);
    claims.exp = Some(at(c.exp));
    claims.nbf = Some(at(c.nbf));
    claims.iat = Some(at(c.iat));
    claims
}

#[must_use]
pub fn jws_validation() -> jws::Validation {
    jws::Validation::new()
        .with_issuer(ISSUER)
        .with_audience(AUDIENCE)
}

/// The algorithms compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Hs256,
    EdDsa,
    Es256,
    Rs256,
}

impl Alg {
    pub const ALL: [Self; 4] = [Self::Hs256, Self::EdDsa, Self::Es256, Self::Rs256];

    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
        }
    }
}

/// One key in every form the libraries take.
pub struct Material {
    pub alg: Alg,
    /// HS256 secret.
    pub secret: Vec<u8>,
    /// PKCS#8 DER of the private key (PKCS#1 DER for RSA is `rsa_pkcs1`).
    pub pkcs8: Vec<u8>,
    pub rsa_pkcs1: Vec<u8>,
    /// Raw private key bytes (Ed25519 seed, P-256 scalar).
    pub raw_private: Vec<u8>,
    /// Public components, base64url: Ed25519 `x`; P-256 `x`, `y`; RSA `n`, `e`.
    pub public_b64: Vec<String>,
    /// Public components, raw.
    pub public_raw: Vec<Vec<u8>>,
    pub floor: Floor,
    pub jws_signer: jws::SigningKey,
}

fn rsa_key() -> rsa::PrivateKey {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../jws/tests/data/rfc7515-appendix-a.json")).unwrap();
    let jwk = jws::Jwk::from_json(doc["A.2"]["key"].to_string().as_bytes()).unwrap();
    jwk.rsa_private_key().unwrap()
}

impl Material {
    #[must_use]
    pub fn new(alg: Alg) -> Self {
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        match alg {
            Alg::Hs256 => {
                let secret = b"a 32-byte secret for HS256 keys!".to_vec();
                Self {
                    alg,
                    floor: Floor::Hs256(Hmac::new_from_slice(&secret).unwrap()),
                    jws_signer: jws::SigningKey::symmetric(jws::Algorithm::HS256, &secret).unwrap(),
                    secret,
                    pkcs8: Vec::new(),
                    rsa_pkcs1: Vec::new(),
                    raw_private: Vec::new(),
                    public_b64: Vec::new(),
                    public_raw: Vec::new(),
                }
            }
            Alg::EdDsa => {
                let seed = [0x42u8; 32];
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                let x = key.verifying_key().to_bytes();
                Self {
                    alg,
                    secret: Vec::new(),
                    pkcs8: key.to_pkcs8_der().unwrap().as_bytes().to_vec(),
                    rsa_pkcs1: Vec::new(),
                    raw_private: seed.to_vec(),
                    public_b64: vec![b64(&x)],
                    public_raw: vec![x.to_vec()],
                    jws_signer: jws::SigningKey::ed25519(&seed).unwrap(),
                    floor: Floor::EdDsa(Box::new(key.clone()), key.verifying_key()),
                }
            }
            Alg::Es256 => {
                let scalar = [0x24u8; 32];
                let key = p256::ecdsa::SigningKey::from_slice(&scalar).unwrap();
                let point = key.verifying_key().to_sec1_bytes();
                let (x, y) = point[1..].split_at(32);
                Self {
                    alg,
                    secret: Vec::new(),
                    pkcs8: key.to_pkcs8_der().unwrap().as_bytes().to_vec(),
                    rsa_pkcs1: Vec::new(),
                    raw_private: scalar.to_vec(),
                    public_b64: vec![b64(x), b64(y)],
                    public_raw: vec![x.to_vec(), y.to_vec()],
                    jws_signer: jws::SigningKey::ecdsa(jws::Algorithm::ES256, &scalar).unwrap(),
                    floor: Floor::Es256(Box::new(key.clone()), *key.verifying_key()),
                }
            }
            Alg::Rs256 => {
                let key = rsa_key();
                let public = key.to_public_key();
                let (n, e) = (public.n_bytes(), public.e_bytes());
                Self {
                    alg,
                    secret: Vec::new(),
                    pkcs8: key.to_pkcs8_der().unwrap().as_bytes().to_vec(),
                    rsa_pkcs1: key.to_pkcs1_der().unwrap().as_bytes().to_vec(),
                    raw_private: Vec::new(),
                    public_b64: vec![b64(&n), b64(&e)],
                    public_raw: vec![n.to_vec(), e.to_vec()],
                    jws_signer: jws::SigningKey::rsa(jws::Algorithm::RS256, key.clone()).unwrap(),
                    floor: Floor::Rs256(Box::new(key), Box::new(public)),
                }
            }
        }
    }

    #[must_use]
    pub fn jws_verifier(&self) -> jws::Verifier {
        jws::Verifier::new(self.jws_signer.verifying_key())
    }
}

/// The bare primitives, keyed once.
pub enum Floor {
    Hs256(Hmac<Sha256>),
    EdDsa(Box<ed25519_dalek::SigningKey>, ed25519_dalek::VerifyingKey),
    Es256(Box<p256::ecdsa::SigningKey>, p256::ecdsa::VerifyingKey),
    Rs256(Box<rsa::PrivateKey>, Box<rsa::PublicKey>),
}

impl Floor {
    const fn header(&self) -> &'static str {
        // base64url of {"alg":"...","typ":"JWT"}
        match self {
            Self::Hs256(_) => "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            Self::EdDsa(..) => "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9",
            Self::Es256(..) => "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9",
            Self::Rs256(..) => "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9",
        }
    }

    fn signature(&self, input: &[u8]) -> Vec<u8> {
        match self {
            Self::Hs256(mac) => {
                let mut m = mac.clone();
                m.update(input);
                m.finalize().into_bytes().to_vec()
            }
            Self::EdDsa(k, _) => k.sign(input).to_bytes().to_vec(),
            Self::Es256(k, _) => {
                let s: p256::ecdsa::Signature = k.sign(input);
                s.to_bytes().to_vec()
            }
            Self::Rs256(k, _) => {
                let digest = Sha256::digest(input);
                k.sign_with_rng(
                    &mut getrandom::SysRng,
                    rsa::Pkcs1v15Sign::new::<Sha256>(),
                    &digest,
                )
                .unwrap()
            }
        }
    }

    fn check(&self, input: &[u8], sig: &[u8]) -> bool {
        match self {
            Self::Hs256(mac) => {
                let mut m = mac.clone();
                m.update(input);
                sig.len() == 32 && bool::from(m.finalize().into_bytes().as_slice().ct_eq(sig))
            }
            Self::EdDsa(_, v) => ed25519_dalek::Signature::from_slice(sig)
                .is_ok_and(|s| v.verify_strict(input, &s).is_ok()),
            Self::Es256(_, v) => {
                p256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| v.verify(input, &s).is_ok())
            }
            Self::Rs256(_, v) => {
                let digest = Sha256::digest(input);
                v.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest, sig)
                    .is_ok()
            }
        }
    }

    /// Claims to JSON to base64url, the primitive, the compact string.
    #[must_use]
    pub fn sign(&self, claims: &AccessClaims) -> String {
        let json = serde_json::to_vec(claims).unwrap();
        let mut token = String::with_capacity(64 + json.len() * 4 / 3 + 90);
        token.push_str(self.header());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&json, &mut token);
        let sig = self.signature(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(sig, &mut token);
        token
    }

    /// As [`Floor::verify`], decoding into a buffer kept across calls and borrowing the
    /// claims from it.
    #[must_use]
    pub fn verify_borrowed<'b>(
        &self,
        token: &str,
        buf: &'b mut Vec<u8>,
    ) -> Option<AccessClaimsRef<'b>> {
        let payload = self.signed_payload(token)?;
        buf.clear();
        URL_SAFE_NO_PAD.decode_vec(payload, buf).ok()?;
        serde_json::from_slice(buf).ok()
    }

    /// The payload segment of `token` when its signature checks: base64url decode of the
    /// signature and the primitive, nothing else.
    #[inline]
    fn signed_payload<'t>(&self, token: &'t str) -> Option<&'t str> {
        let (input, sig) = token.rsplit_once('.')?;
        let mut sig_buf = [0u8; 512];
        let n = URL_SAFE_NO_PAD.decode_slice(sig, &mut sig_buf).ok()?;
        if !self.check(input.as_bytes(), sig_buf.get(..n)?) {
            return None;
        }
        input.split_once('.').map(|(_, payload)| payload)
    }

    /// base64url decode, the primitive, serde_json into the same struct. No header
    /// parsing, no claim validation.
    #[must_use]
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        let payload = self.signed_payload(token)?;
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// The floor for `dir`+A256GCM: bare AES-GCM over the claims' JSON, plus base64url, with
/// a fixed header and no header parsing.
pub mod dir_floor {
    use aes_gcm::Aes256Gcm;
    use aes_gcm::aead::AeadInOut;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use crate::AccessClaims;

    /// `{"alg":"dir","enc":"A256GCM"}`
    const DIR_HEADER: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";

    /// Claims to JSON, AES-GCM with a random IV, the compact string.
    #[must_use]
    pub fn floor_encrypt(cipher: &Aes256Gcm, claims: &AccessClaims) -> String {
        let mut buf = serde_json::to_vec(claims).unwrap();
        let mut iv = [0u8; 12];
        // A userspace CSPRNG, as `jwe` draws its IVs (a system call per IV would be most
        // of the floor).
        rand::Rng::fill_bytes(&mut rand::rng(), &mut iv);
        let nonce = aes_gcm::Nonce::try_from(&iv[..]).unwrap();
        let tag = cipher
            .encrypt_inout_detached(&nonce, DIR_HEADER.as_bytes(), buf.as_mut_slice().into())
            .unwrap();
        let mut out = String::with_capacity(64 + buf.len() * 4 / 3);
        out.push_str(DIR_HEADER);
        out.push_str("..");
        URL_SAFE_NO_PAD.encode_string(iv, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&buf, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut out);
        out
    }

    /// Splits, base64url-decodes, AES-GCM-decrypts and reads the claims.
    #[must_use]
    pub fn floor_decrypt(cipher: &Aes256Gcm, token: &str) -> AccessClaims {
        let mut parts = token.split('.');
        let header = parts.next().unwrap();
        let _key = parts.next().unwrap();
        let iv = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
        let mut buf = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
        let tag = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
        let nonce = aes_gcm::Nonce::try_from(&iv[..]).unwrap();
        let tag = aes_gcm::Tag::try_from(&tag[..]).unwrap();
        cipher
            .decrypt_inout_detached(&nonce, header.as_bytes(), buf.as_mut_slice().into(), &tag)
            .unwrap();
        serde_json::from_slice(&buf).unwrap()
    }
}
