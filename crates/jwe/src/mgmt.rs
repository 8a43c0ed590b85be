//! Key management (RFC 7518 4): producing and recovering the content encryption key.

use std::borrow::Cow;

use aes_kw::KeyInit;
use jws::base64url;
use jws::jwt_claims::{Algorithm, EncryptionAlgorithm, Header, JsonObject};
use jws::{Curve, KeyError};
use jws::{Jwk, KeyMaterial};
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::alg::Mgmt;
use crate::content::cek_len;
use crate::kdf::concat_kdf;
use crate::key::{Private, Public};
use crate::{DecryptionKey, EncryptionKey, Error, Failure, HeaderError};

/// The content key and its encrypted form.
pub(crate) struct Prepared<'k> {
    /// The content key: borrowed from the key for `dir`, fresh otherwise.
    pub(crate) cek: Cow<'k, Zeroizing<Vec<u8>>>,
    pub(crate) encrypted_key: Vec<u8>,
}

/// Limits on the key management parameters a token brings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub(crate) max_p2c: u64,
}

/// The smallest PBES2 iteration count accepted (RFC 7518 4.8.1.2 recommends at least 1000).
pub(crate) const MIN_P2C: u64 = 1000;
/// The shortest PBES2 salt input accepted, in bytes (RFC 7518 4.8.1.1).
pub(crate) const MIN_P2S: usize = 8;

/// `len` fresh random bytes for a content key, an IV or a salt (see [`crate::rng`]).
pub(crate) fn random(len: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut buf = Zeroizing::new(vec![0u8; len]);
    crate::rng::fill(&mut buf)?;
    Ok(buf)
}

fn enc_len(enc: &EncryptionAlgorithm) -> Result<usize, Error> {
    cek_len(enc).ok_or_else(|| Error::EncryptionNotAllowed(enc.clone()))
}

fn aes_kw_wrap(kek: &[u8], cek: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; cek.len() + 8];
    let n = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(|_| Error::Encryption(Failure::KeyLength))?
            .wrap_key(cek, &mut out)
            .map(<[u8]>::len),
        24 => aes_kw::KwAes192::new_from_slice(kek)
            .map_err(|_| Error::Encryption(Failure::KeyLength))?
            .wrap_key(cek, &mut out)
            .map(<[u8]>::len),
        32 => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(|_| Error::Encryption(Failure::KeyLength))?
            .wrap_key(cek, &mut out)
            .map(<[u8]>::len),
        _ => return Err(Error::Encryption(Failure::KeyLength)),
    }
    .map_err(|_| Error::Encryption(Failure::Encrypt))?;
    out.truncate(n);
    Ok(out)
}

pub(crate) fn aes_kw_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, Failure> {
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return Err(Failure::Unwrap);
    }
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    let n = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(|_| Failure::KeyLength)?
            .unwrap_key(wrapped, &mut out)
            .map(<[u8]>::len),
        24 => aes_kw::KwAes192::new_from_slice(kek)
            .map_err(|_| Failure::KeyLength)?
            .unwrap_key(wrapped, &mut out)
            .map(<[u8]>::len),
        32 => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(|_| Failure::KeyLength)?
            .unwrap_key(wrapped, &mut out)
            .map(<[u8]>::len),
        _ => return Err(Failure::KeyLength),
    }
    .map_err(|_| Failure::Unwrap)?;
    out.truncate(n);
    Ok(out)
}

/// AES-GCM key wrap (RFC 7518 4.7) is AES-GCM content encryption of the content key, with
/// an empty AAD, under the key encryption key.
fn gcm_for(kek: &[u8]) -> Result<EncryptionAlgorithm, Failure> {
    Ok(match kek.len() {
        16 => EncryptionAlgorithm::A128GCM,
        24 => EncryptionAlgorithm::A192GCM,
        32 => EncryptionAlgorithm::A256GCM,
        _ => return Err(Failure::KeyLength),
    })
}

fn gcm_wrap(kek: &[u8], cek: &[u8], header: &mut Header) -> Result<Vec<u8>, Error> {
    let iv = random(12)?;
    let gcm = gcm_for(kek).map_err(Error::Encryption)?;
    let (wrapped, tag) =
        crate::content::encrypt(&gcm, kek, &iv, b"", cek).map_err(Error::Encryption)?;
    header.iv = Some(iv.to_vec());
    header.tag = Some(tag.to_vec());
    Ok(wrapped)
}

fn gcm_unwrap(kek: &[u8], wrapped: &[u8], header: &Header) -> Result<Zeroizing<Vec<u8>>, Error> {
    let iv = header.iv.as_deref().ok_or(HeaderError::Missing("iv"))?;
    let tag = header.tag.as_deref().ok_or(HeaderError::Missing("tag"))?;
    let gcm = gcm_for(kek).map_err(Error::Decryption)?;
    crate::content::decrypt(&gcm, kek, iv, b"", wrapped, tag)
        .map(Zeroizing::new)
        .map_err(|_| Error::Decryption(Failure::Unwrap))
}

/// The PBES2 key encryption key (RFC 7518 4.8.1.1): PBKDF2 over the salt
/// `UTF8(alg) || 0x00 || p2s`.
fn pbes2_kek(
    alg: &str,
    password: &[u8],
    p2s: &[u8],
    p2c: u64,
    hash_len: usize,
    kw: usize,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let rounds = u32::try_from(p2c).map_err(|_| HeaderError::P2cOutOfRange {
        p2c,
        min: MIN_P2C,
        max: u64::from(u32::MAX),
    })?;
    let salt = [alg.as_bytes(), &[0], p2s].concat();
    let mut kek = Zeroizing::new(vec![0u8; kw]);
    match hash_len {
        32 => pbkdf2::pbkdf2_hmac::<Sha256>(password, &salt, rounds, &mut kek),
        48 => pbkdf2::pbkdf2_hmac::<Sha384>(password, &salt, rounds, &mut kek),
        _ => pbkdf2::pbkdf2_hmac::<Sha512>(password, &salt, rounds, &mut kek),
    }
    Ok(kek)
}

fn ec_jwk(crv: &str, sec1: &[u8]) -> JsonObject {
    let coords = sec1.get(1..).unwrap_or_default();
    let (x, y) = coords.split_at(coords.len() / 2);
    let mut m = JsonObject::new();
    m.insert("kty".into(), Value::from("EC"));
    m.insert("crv".into(), Value::from(crv));
    m.insert("x".into(), Value::from(base64url::encode(x)));
    m.insert("y".into(), Value::from(base64url::encode(y)));
    m
}

macro_rules! ecdh_ephemeral {
    ($curve:ident, $crv:literal, $public:expr) => {{
        let eph = <$curve::SecretKey as p256::elliptic_curve::Generate>::try_generate_from_rng(
            &mut getrandom::SysRng,
        )
        .map_err(|_| Error::Random)?;
        let shared = $curve::ecdh::diffie_hellman(eph.to_nonzero_scalar(), $public.as_affine());
        let z = Zeroizing::new(shared.raw_secret_bytes().to_vec());
        (z, ec_jwk($crv, &eph.public_key().to_sec1_bytes()))
    }};
}

/// The shared secret `Z` with a fresh ephemeral key, and the `epk` to send.
fn ecdh_sender(key: &Public) -> Result<(Zeroizing<Vec<u8>>, JsonObject), Error> {
    Ok(match key {
        Public::P256(p) => ecdh_ephemeral!(p256, "P-256", p),
        Public::P384(p) => ecdh_ephemeral!(p384, "P-384", p),
        Public::P521(p) => ecdh_ephemeral!(p521, "P-521", p),
        Public::X25519(p) => {
            let eph = x25519_dalek::StaticSecret::from(
                <[u8; 32]>::try_from(random(32)?.as_slice()).map_err(|_| Error::Random)?,
            );
            let shared = eph.diffie_hellman(p);
            if !shared.was_contributory() {
                return Err(KeyError::Invalid("low-order X25519 public key".into()).into());
            }
            let mut m = JsonObject::new();
            m.insert("kty".into(), Value::from("OKP"));
            m.insert("crv".into(), Value::from("X25519"));
            m.insert(
                "x".into(),
                Value::from(base64url::encode(
                    x25519_dalek::PublicKey::from(&eph).as_bytes(),
                )),
            );
            (Zeroizing::new(shared.as_bytes().to_vec()), m)
        }
        other => return Err(wrong_key(&Algorithm::ECDH_ES, other.kind())),
    })
}

/// The shared secret `Z` with the sender's `epk`, which must be a valid point of the
/// recipient key's curve.
pub(crate) fn ecdh_recipient(key: &Private, epk: &JsonObject) -> Result<Zeroizing<Vec<u8>>, Error> {
    let jwk =
        Jwk::from_object(epk.clone()).map_err(|_| Error::Decryption(Failure::EphemeralKey))?;
    let z = match (key, jwk.material()) {
        (Private::X25519(k), KeyMaterial::Okp { crv, x, d: None }) if *crv == Curve::X25519 => {
            let bytes = <[u8; 32]>::try_from(x.as_slice())
                .map_err(|_| Error::Decryption(Failure::EphemeralKey))?;
            let shared = k.diffie_hellman(&x25519_dalek::PublicKey::from(bytes));
            // A low-order point gives an all-zero secret: refuse it.
            if !shared.was_contributory() {
                return Err(Error::Decryption(Failure::EphemeralKey));
            }
            Zeroizing::new(shared.as_bytes().to_vec())
        }
        (Private::P256(k), KeyMaterial::Ec { crv, x, y, d: None }) if *crv == Curve::P256 => {
            let p = p256::PublicKey::from_sec1_bytes(&[&[4u8][..], x, y].concat())
                .map_err(|_| Error::Decryption(Failure::EphemeralKey))?;
            Zeroizing::new(
                p256::ecdh::diffie_hellman(k.to_nonzero_scalar(), p.as_affine())
                    .raw_secret_bytes()
                    .to_vec(),
            )
        }
        (Private::P384(k), KeyMaterial::Ec { crv, x, y, d: None }) if *crv == Curve::P384 => {
            let p = p384::PublicKey::from_sec1_bytes(&[&[4u8][..], x, y].concat())
                .map_err(|_| Error::Decryption(Failure::EphemeralKey))?;
            Zeroizing::new(
                p384::ecdh::diffie_hellman(k.to_nonzero_scalar(), p.as_affine())
                    .raw_secret_bytes()
                    .to_vec(),
            )
        }
        (Private::P521(k), KeyMaterial::Ec { crv, x, y, d: None }) if *crv == Curve::P521 => {
            let p = p521::PublicKey::from_sec1_bytes(&[&[4u8][..], x, y].concat())
                .map_err(|_| Error::Decryption(Failure::EphemeralKey))?;
            Zeroizing::new(
                p521::ecdh::diffie_hellman(k.to_nonzero_scalar(), p.as_affine())
                    .raw_secret_bytes()
                    .to_vec(),
            )
        }
        _ => return Err(Error::Decryption(Failure::EphemeralKey)),
    };
    if z.iter().all(|&b| b == 0) {
        return Err(Error::Decryption(Failure::EphemeralKey));
    }
    Ok(z)
}

/// RSAES-OAEP decryption (SHA-1 or SHA-256, MGF1 with the same hash, empty label), with
/// the `rsa` crate's blinding.
///
/// The `rsa` crate (0.10) does not check that the first byte of the encoded message is
/// zero (RFC 8017 7.1.2 step 3g; Wycheproof "First byte is 1"): that check is made here on
/// the raw RSA decryption, which is always computed, so both paths take the same time.
pub(crate) fn rsa_oaep_decrypt(
    sk: &rsa::PrivateKey,
    sha256: bool,
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    use rsa::traits::PublicKeyParts;
    let mut rng = getrandom::SysRng;
    let k = sk.size();
    let leading_zero = rsa::BoxedUint::from_be_slice(ct, sk.n().as_ref().bits_precision())
        .ok()
        .filter(|_| ct.len() == k)
        .and_then(|c| rsa::hazmat::rsa_decrypt_and_check(sk, Some(&mut rng), &c).ok())
        .map(|m| Zeroizing::new(m.to_be_bytes()))
        .is_some_and(|em| em.len() >= k && em.get(em.len() - k) == Some(&0));
    let pt = if sha256 {
        sk.decrypt_blinded(&mut rng, rsa::Oaep::<Sha256>::new(), ct)
    } else {
        sk.decrypt_blinded(&mut rng, rsa::Oaep::<sha1::Sha1>::new(), ct)
    };
    match pt {
        Ok(pt) if leading_zero => Ok(Zeroizing::new(pt)),
        Ok(mut pt) => {
            zeroize::Zeroize::zeroize(&mut pt);
            Err(Failure::Unwrap)
        }
        Err(_) => Err(Failure::Unwrap),
    }
}

fn wrong_key(alg: &Algorithm, given: &'static str) -> Error {
    KeyError::WrongKeyType {
        alg: alg.clone(),
        key: given,
    }
    .into()
}

/// Makes the content key for `enc` and encrypts it to `key`, writing the parameters the
/// algorithm needs (`epk`, `iv`, `tag`, `p2s`, `p2c`) into `header`.
pub(crate) fn wrap<'k>(
    key: &'k EncryptionKey,
    enc: &EncryptionAlgorithm,
    header: &mut Header,
    p2c: u64,
) -> Result<Prepared<'k>, Error> {
    wrap_with(key, enc, header, p2c, None)
}

/// As [`wrap`], encrypting a content key already chosen (for a further recipient).
pub(crate) fn wrap_existing<'k>(
    key: &'k EncryptionKey,
    enc: &EncryptionAlgorithm,
    header: &mut Header,
    p2c: u64,
    cek: &Zeroizing<Vec<u8>>,
) -> Result<Prepared<'k>, Error> {
    wrap_with(key, enc, header, p2c, Some(cek))
}

fn wrap_with<'k>(
    key: &'k EncryptionKey,
    enc: &EncryptionAlgorithm,
    header: &mut Header,
    p2c: u64,
    given: Option<&Zeroizing<Vec<u8>>>,
) -> Result<Prepared<'k>, Error> {
    let len = enc_len(enc)?;
    let new_cek = || match given {
        Some(c) if c.len() == len => Ok(c.clone()),
        Some(c) => Err(Error::Key(KeyError::Length {
            expected: len,
            actual: c.len(),
        })),
        None => random(len),
    };
    let mgmt = Mgmt::of(&key.alg)?;
    let secret = || match &key.key {
        Public::Secret(s) => Ok(s),
        other => Err(wrong_key(&key.alg, other.kind())),
    };
    if given.is_some() && matches!(mgmt, Mgmt::Dir | Mgmt::EcdhEs(None)) {
        return Err(Error::ContentKeyNotAccepted(key.alg.clone()));
    }
    Ok(match mgmt {
        Mgmt::Dir => {
            let s = secret()?;
            if s.len() != len {
                return Err(Error::Key(KeyError::Length {
                    expected: len,
                    actual: s.len(),
                }));
            }
            Prepared {
                cek: Cow::Borrowed(s),
                encrypted_key: Vec::new(),
            }
        }
        Mgmt::AesKw(_) => {
            let cek = new_cek()?;
            let encrypted_key = aes_kw_wrap(secret()?, &cek)?;
            Prepared {
                cek: Cow::Owned(cek),
                encrypted_key,
            }
        }
        Mgmt::AesGcmKw(_) => {
            let cek = new_cek()?;
            let encrypted_key = gcm_wrap(secret()?, &cek, header)?;
            Prepared {
                cek: Cow::Owned(cek),
                encrypted_key,
            }
        }
        Mgmt::Pbes2 { hash_len, kw } => {
            if !(MIN_P2C..=u64::from(u32::MAX)).contains(&p2c) {
                return Err(HeaderError::P2cOutOfRange {
                    p2c,
                    min: MIN_P2C,
                    max: u64::from(u32::MAX),
                }
                .into());
            }
            let p2s = random(16)?;
            let kek = pbes2_kek(key.alg.as_str(), secret()?, &p2s, p2c, hash_len, kw)?;
            let cek = new_cek()?;
            let encrypted_key = aes_kw_wrap(&kek, &cek)?;
            header.p2s = Some(p2s.to_vec());
            header.p2c = Some(p2c);
            Prepared {
                cek: Cow::Owned(cek),
                encrypted_key,
            }
        }
        Mgmt::EcdhEs(kw) => {
            let (z, epk) = ecdh_sender(&key.key)?;
            header.epk = Some(epk);
            let apu = header.apu.clone().unwrap_or_default();
            let apv = header.apv.clone().unwrap_or_default();
            match kw {
                None => Prepared {
                    cek: Cow::Owned(concat_kdf(&z, enc.as_str(), &apu, &apv, len)),
                    encrypted_key: Vec::new(),
                },
                Some(n) => {
                    let kek = concat_kdf(&z, key.alg.as_str(), &apu, &apv, n);
                    let cek = new_cek()?;
                    let encrypted_key = aes_kw_wrap(&kek, &cek)?;
                    Prepared {
                        cek: Cow::Owned(cek),
                        encrypted_key,
                    }
                }
            }
        }
        Mgmt::RsaOaep { sha256 } => {
            let pk = match &key.key {
                Public::Rsa(pk) => pk,
                other => return Err(wrong_key(&key.alg, other.kind())),
            };
            let cek = new_cek()?;
            let mut rng = getrandom::SysRng;
            let encrypted_key = if sha256 {
                pk.encrypt(&mut rng, rsa::Oaep::<Sha256>::new(), &cek)
            } else {
                pk.encrypt(&mut rng, rsa::Oaep::<sha1::Sha1>::new(), &cek)
            }
            .map_err(|_| Error::Encryption(Failure::Encrypt))?;
            Prepared {
                cek: Cow::Owned(cek),
                encrypted_key,
            }
        }
    })
}

/// Recovers the content key for `enc` from the token's header and encrypted key (for
/// `dir`, the key itself, borrowed).
///
/// Failures a sender could learn from are [`Error::Decryption`]; header rule breaks that
/// the sender chose in plain sight (PBES2 limits, missing parameters) are
/// [`Error::Header`].
pub(crate) fn unwrap<'k>(
    key: &'k DecryptionKey,
    enc: &EncryptionAlgorithm,
    header: &Header,
    encrypted_key: &[u8],
    policy: Policy,
) -> Result<Cow<'k, Zeroizing<Vec<u8>>>, Error> {
    let len = enc_len(enc)?;
    let mgmt = Mgmt::of(&key.alg)?;
    let secret = || match &key.key {
        Private::Secret(s) => Ok(s),
        other => Err(wrong_key(&key.alg, other.kind())),
    };
    let cek = match mgmt {
        Mgmt::Dir => {
            if !encrypted_key.is_empty() {
                return Err(Error::Decryption(Failure::Unwrap));
            }
            let secret = secret()?;
            if secret.len() != len {
                return Err(Error::Decryption(Failure::KeyLength));
            }
            return Ok(Cow::Borrowed(secret));
        }
        Mgmt::AesKw(_) => aes_kw_unwrap(secret()?, encrypted_key).map_err(Error::Decryption)?,
        Mgmt::AesGcmKw(_) => gcm_unwrap(secret()?, encrypted_key, header)?,
        Mgmt::Pbes2 { hash_len, kw } => {
            let p2c = header.p2c.ok_or(HeaderError::Missing("p2c"))?;
            if p2c < MIN_P2C || p2c > policy.max_p2c {
                return Err(HeaderError::P2cOutOfRange {
                    p2c,
                    min: MIN_P2C,
                    max: policy.max_p2c,
                }
                .into());
            }
            let p2s = header.p2s.as_deref().ok_or(HeaderError::Missing("p2s"))?;
            if p2s.len() < MIN_P2S {
                return Err(HeaderError::P2sTooShort { min: MIN_P2S }.into());
            }
            let kek = pbes2_kek(key.alg.as_str(), secret()?, p2s, p2c, hash_len, kw)?;
            aes_kw_unwrap(&kek, encrypted_key).map_err(Error::Decryption)?
        }
        Mgmt::EcdhEs(kw) => {
            let epk = header.epk.as_ref().ok_or(HeaderError::Missing("epk"))?;
            let z = ecdh_recipient(&key.key, epk)?;
            let apu = header.apu.as_deref().unwrap_or_default();
            let apv = header.apv.as_deref().unwrap_or_default();
            match kw {
                None => {
                    if !encrypted_key.is_empty() {
                        return Err(Error::Decryption(Failure::Unwrap));
                    }
                    concat_kdf(&z, enc.as_str(), apu, apv, len)
                }
                Some(n) => {
                    let kek = concat_kdf(&z, key.alg.as_str(), apu, apv, n);
                    aes_kw_unwrap(&kek, encrypted_key).map_err(Error::Decryption)?
                }
            }
        }
        Mgmt::RsaOaep { sha256 } => {
            let sk = match &key.key {
                Private::Rsa(sk) => sk,
                other => return Err(wrong_key(&key.alg, other.kind())),
            };
            rsa_oaep_decrypt(sk, sha256, encrypted_key).map_err(Error::Decryption)?
        }
    };
    if cek.len() != len {
        return Err(Error::Decryption(Failure::KeyLength));
    }
    Ok(Cow::Owned(cek))
}
