//! Content encryption (RFC 7518 5): AES-GCM and AES-CBC with HMAC-SHA-2.

use aes_gcm::aead::AeadInOut;
use aes_gcm::{AesGcm, KeyInit};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, Mac};
use jws::jwt_claims::EncryptionAlgorithm;
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

use crate::Failure;

/// The lengths an `enc` needs: content key, initialization vector and tag, in bytes.
pub(crate) fn sizes(enc: &EncryptionAlgorithm) -> Option<(usize, usize, usize)> {
    Some(match enc {
        EncryptionAlgorithm::A128GCM => (16, 12, 16),
        EncryptionAlgorithm::A192GCM => (24, 12, 16),
        EncryptionAlgorithm::A256GCM => (32, 12, 16),
        EncryptionAlgorithm::A128CBC_HS256 => (32, 16, 16),
        EncryptionAlgorithm::A192CBC_HS384 => (48, 16, 24),
        EncryptionAlgorithm::A256CBC_HS512 => (64, 16, 32),
        _ => return None,
    })
}

/// The key length of `enc`, in bytes, for a registered `enc`.
pub(crate) fn cek_len(enc: &EncryptionAlgorithm) -> Option<usize> {
    sizes(enc).map(|(k, _, _)| k)
}

/// Encrypts `plaintext`; returns ciphertext and tag.
/// An authentication tag (16 bytes for AES-GCM, 16 to 32 for AES-CBC-HMAC), kept inline.
#[derive(Clone, Copy)]
pub(crate) struct Tag {
    bytes: [u8; 32],
    len: usize,
}

impl Tag {
    fn new(tag: &[u8]) -> Self {
        let mut bytes = [0u8; 32];
        let len = tag.len().min(bytes.len());
        for (to, from) in bytes.iter_mut().zip(tag) {
            *to = *from;
        }
        Self { bytes, len }
    }
}

impl std::ops::Deref for Tag {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

pub(crate) fn encrypt(
    enc: &EncryptionAlgorithm,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Tag), Failure> {
    let (key_len, iv_len, _) = sizes(enc).ok_or(Failure::UnsupportedEncryption)?;
    if cek.len() != key_len || iv.len() != iv_len {
        return Err(Failure::KeyLength);
    }
    match enc {
        EncryptionAlgorithm::A128GCM => gcm_encrypt::<aes::Aes128>(cek, iv, aad, plaintext),
        EncryptionAlgorithm::A192GCM => gcm_encrypt::<aes::Aes192>(cek, iv, aad, plaintext),
        EncryptionAlgorithm::A256GCM => gcm_encrypt::<aes::Aes256>(cek, iv, aad, plaintext),
        EncryptionAlgorithm::A128CBC_HS256 => {
            cbc_hmac_encrypt::<aes::Aes128, Hmac<Sha256>>(cek, iv, aad, plaintext, 16)
        }
        EncryptionAlgorithm::A192CBC_HS384 => {
            cbc_hmac_encrypt::<aes::Aes192, Hmac<Sha384>>(cek, iv, aad, plaintext, 24)
        }
        EncryptionAlgorithm::A256CBC_HS512 => {
            cbc_hmac_encrypt::<aes::Aes256, Hmac<Sha512>>(cek, iv, aad, plaintext, 32)
        }
        _ => Err(Failure::UnsupportedEncryption),
    }
}

/// Decrypts and authenticates; every failure is [`Failure::Decrypt`].
pub(crate) fn decrypt(
    enc: &EncryptionAlgorithm,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, Failure> {
    decrypt_owned(enc, cek, iv, aad, ciphertext.to_vec(), tag)
}

/// As [`decrypt`], taking the ciphertext by value: AES-GCM decrypts it in place (the
/// buffer is left as it was when authentication fails).
pub(crate) fn decrypt_owned(
    enc: &EncryptionAlgorithm,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: Vec<u8>,
    tag: &[u8],
) -> Result<Vec<u8>, Failure> {
    let (key_len, iv_len, tag_len) = sizes(enc).ok_or(Failure::UnsupportedEncryption)?;
    if cek.len() != key_len {
        return Err(Failure::KeyLength);
    }
    // Full-length IVs and tags only: a short tag is never accepted.
    if iv.len() != iv_len || tag.len() != tag_len {
        return Err(Failure::Decrypt);
    }
    match enc {
        EncryptionAlgorithm::A128GCM => gcm_decrypt::<aes::Aes128>(cek, iv, aad, ciphertext, tag),
        EncryptionAlgorithm::A192GCM => gcm_decrypt::<aes::Aes192>(cek, iv, aad, ciphertext, tag),
        EncryptionAlgorithm::A256GCM => gcm_decrypt::<aes::Aes256>(cek, iv, aad, ciphertext, tag),
        EncryptionAlgorithm::A128CBC_HS256 => {
            cbc_hmac_decrypt::<aes::Aes128, Hmac<Sha256>>(cek, iv, aad, &ciphertext, tag)
        }
        EncryptionAlgorithm::A192CBC_HS384 => {
            cbc_hmac_decrypt::<aes::Aes192, Hmac<Sha384>>(cek, iv, aad, &ciphertext, tag)
        }
        EncryptionAlgorithm::A256CBC_HS512 => {
            cbc_hmac_decrypt::<aes::Aes256, Hmac<Sha512>>(cek, iv, aad, &ciphertext, tag)
        }
        _ => Err(Failure::UnsupportedEncryption),
    }
}

type Gcm<C> = AesGcm<C, aes_gcm::aead::consts::U12>;

fn gcm_encrypt<C>(
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Tag), Failure>
where
    Gcm<C>: KeyInit + AeadInOut<NonceSize = aes_gcm::aead::consts::U12>,
{
    let cipher = Gcm::<C>::new_from_slice(cek).map_err(|_| Failure::KeyLength)?;
    gcm_seal(&cipher, iv, aad, plaintext)
}

fn gcm_seal<C>(
    cipher: &Gcm<C>,
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Tag), Failure>
where
    Gcm<C>: AeadInOut<NonceSize = aes_gcm::aead::consts::U12>,
{
    let nonce = aes_gcm::Nonce::<aes_gcm::aead::consts::U12>::try_from(iv)
        .map_err(|_| Failure::KeyLength)?;
    let mut buf = plaintext.to_vec();
    let tag = cipher
        .encrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into())
        .map_err(|_| Failure::Encrypt)?;
    Ok((buf, Tag::new(&tag)))
}

/// An AES-GCM cipher keyed once: a `dir` key is the content key of every message, and
/// expanding an AES key costs as much as a third of encrypting a token. The key
/// schedule is zeroized on drop (`aes-gcm`'s `zeroize` feature).
pub(crate) enum GcmCipher {
    A128(Box<Gcm<aes::Aes128>>),
    A192(Box<Gcm<aes::Aes192>>),
    A256(Box<Gcm<aes::Aes256>>),
}

impl GcmCipher {
    /// The cipher for `enc` under `key`; `None` when `enc` is not AES-GCM or the key has
    /// the wrong length.
    pub(crate) fn new(enc: &EncryptionAlgorithm, key: &[u8]) -> Option<Self> {
        Some(match enc {
            EncryptionAlgorithm::A128GCM => Self::A128(Box::new(Gcm::new_from_slice(key).ok()?)),
            EncryptionAlgorithm::A192GCM => Self::A192(Box::new(Gcm::new_from_slice(key).ok()?)),
            EncryptionAlgorithm::A256GCM => Self::A256(Box::new(Gcm::new_from_slice(key).ok()?)),
            _ => return None,
        })
    }

    /// Encrypts as [`encrypt`] does.
    pub(crate) fn encrypt(
        &self,
        iv: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, Tag), Failure> {
        match self {
            Self::A128(c) => gcm_seal(c, iv, aad, plaintext),
            Self::A192(c) => gcm_seal(c, iv, aad, plaintext),
            Self::A256(c) => gcm_seal(c, iv, aad, plaintext),
        }
    }

    /// Decrypts in place as [`decrypt_owned`] does: a full-length IV and tag only, and
    /// every failure is [`Failure::Decrypt`].
    pub(crate) fn decrypt_owned(
        &self,
        iv: &[u8],
        aad: &[u8],
        ciphertext: Vec<u8>,
        tag: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        if iv.len() != 12 || tag.len() != 16 {
            return Err(Failure::Decrypt);
        }
        match self {
            Self::A128(c) => gcm_open(c, iv, aad, ciphertext, tag),
            Self::A192(c) => gcm_open(c, iv, aad, ciphertext, tag),
            Self::A256(c) => gcm_open(c, iv, aad, ciphertext, tag),
        }
    }
}

fn gcm_decrypt<C>(
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: Vec<u8>,
    tag: &[u8],
) -> Result<Vec<u8>, Failure>
where
    Gcm<C>: KeyInit
        + AeadInOut<NonceSize = aes_gcm::aead::consts::U12, TagSize = aes_gcm::aead::consts::U16>,
{
    let cipher = Gcm::<C>::new_from_slice(cek).map_err(|_| Failure::KeyLength)?;
    gcm_open(&cipher, iv, aad, buf, tag)
}

fn gcm_open<C>(
    cipher: &Gcm<C>,
    iv: &[u8],
    aad: &[u8],
    mut buf: Vec<u8>,
    tag: &[u8],
) -> Result<Vec<u8>, Failure>
where
    Gcm<C>: AeadInOut<NonceSize = aes_gcm::aead::consts::U12, TagSize = aes_gcm::aead::consts::U16>,
{
    // Lengths were checked: these conversions cannot fail, and never panic.
    let nonce =
        aes_gcm::Nonce::<aes_gcm::aead::consts::U12>::try_from(iv).map_err(|_| Failure::Decrypt)?;
    let tag =
        aes_gcm::Tag::<aes_gcm::aead::consts::U16>::try_from(tag).map_err(|_| Failure::Decrypt)?;
    cipher
        .decrypt_inout_detached(&nonce, aad, buf.as_mut_slice().into(), &tag)
        .map_err(|_| Failure::Decrypt)?;
    Ok(buf)
}

/// `AL`: the bit length of the AAD as a 64-bit big-endian integer (RFC 7518 5.2.2.1).
fn aad_bits(aad: &[u8]) -> [u8; 8] {
    (u64::try_from(aad.len())
        .unwrap_or(u64::MAX)
        .saturating_mul(8))
    .to_be_bytes()
}

fn cbc_tag<M: Mac + KeyInit>(
    mac_key: &[u8],
    aad: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Failure> {
    let mut mac = <M as KeyInit>::new_from_slice(mac_key).map_err(|_| Failure::KeyLength)?;
    mac.update(aad);
    mac.update(iv);
    mac.update(ciphertext);
    mac.update(&aad_bits(aad));
    Ok(mac.finalize().into_bytes().to_vec())
}

fn cbc_hmac_encrypt<C, M>(
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    tag_len: usize,
) -> Result<(Vec<u8>, Tag), Failure>
where
    C: aes::cipher::BlockCipherEncrypt + KeyInit,
    cbc::Encryptor<C>: KeyIvInit,
    M: Mac + KeyInit,
{
    let (mac_key, enc_key) = cek.split_at(cek.len() / 2);
    let ciphertext = cbc::Encryptor::<C>::new_from_slices(enc_key, iv)
        .map_err(|_| Failure::KeyLength)?
        .encrypt_padded_vec::<Pkcs7>(plaintext);
    let tag = cbc_tag::<M>(mac_key, aad, iv, &ciphertext)?;
    Ok((ciphertext, Tag::new(tag.get(..tag_len).unwrap_or(&tag))))
}

fn cbc_hmac_decrypt<C, M>(
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, Failure>
where
    C: aes::cipher::BlockCipherDecrypt + KeyInit,
    cbc::Decryptor<C>: KeyIvInit,
    M: Mac + KeyInit,
{
    let (mac_key, enc_key) = cek.split_at(cek.len() / 2);
    // The MAC is checked first, in constant time, over the full tag length; no padding
    // is looked at before it holds.
    let expected = cbc_tag::<M>(mac_key, aad, iv, ciphertext)?;
    let expected = expected.get(..tag.len()).ok_or(Failure::Decrypt)?;
    if !bool::from(expected.ct_eq(tag)) {
        return Err(Failure::Decrypt);
    }
    cbc::Decryptor::<C>::new_from_slices(enc_key, iv)
        .map_err(|_| Failure::KeyLength)?
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| Failure::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC's hex, written with spaces.
    fn hex(s: &str) -> Vec<u8> {
        jose_test_vectors::hex(&s.split_whitespace().collect::<String>())
    }

    /// RFC 7518 Appendix B.1 to B.3.
    #[test]
    fn rfc7518_appendix_b_cbc_hmac() {
        let p = hex(
            "41 20 63 69 70 68 65 72 20 73 79 73 74 65 6d 20 6d 75 73 74 20 6e 6f 74 20 62 65 20 72 65 71 75 69 72 65 64 20 74 6f 20 62 65 20 73 65 63 72 65 74 2c 20 61 6e 64 20 69 74 20 6d 75 73 74 20 62 65 20 61 62 6c 65 20 74 6f 20 66 61 6c 6c 20 69 6e 74 6f 20 74 68 65 20 68 61 6e 64 73 20 6f 66 20 74 68 65 20 65 6e 65 6d 79 20 77 69 74 68 6f 75 74 20 69 6e 63 6f 6e 76 65 6e 69 65 6e 63 65",
        );
        let iv = hex("1a f3 8c 2d c2 b9 6f fd d8 66 94 09 23 41 bc 04");
        let a = hex(
            "54 68 65 20 73 65 63 6f 6e 64 20 70 72 69 6e 63 69 70 6c 65 20 6f 66 20 41 75 67 75 73 74 65 20 4b 65 72 63 6b 68 6f 66 66 73",
        );
        let cases = [
            (
                EncryptionAlgorithm::A128CBC_HS256,
                32,
                "c8 0e df a3 2d df 39 d5 ef 00 c0 b4 68 83 42 79 a2 e4 6a 1b 80 49 f7 92 f7 6b fe 54 b9 03 a9 c9 a9 4a c9 b4 7a d2 65 5c 5f 10 f9 ae f7 14 27 e2 fc 6f 9b 3f 39 9a 22 14 89 f1 63 62 c7 03 23 36 09 d4 5a c6 98 64 e3 32 1c f8 29 35 ac 40 96 c8 6e 13 33 14 c5 40 19 e8 ca 79 80 df a4 b9 cf 1b 38 4c 48 6f 3a 54 c5 10 78 15 8e e5 d7 9d e5 9f bd 34 d8 48 b3 d6 95 50 a6 76 46 34 44 27 ad e5 4b 88 51 ff b5 98 f7 f8 00 74 b9 47 3c 82 e2 db",
                "65 2c 3f a3 6b 0a 7c 5b 32 19 fa b3 a3 0b c1 c4",
            ),
            (
                EncryptionAlgorithm::A192CBC_HS384,
                48,
                "ea 65 da 6b 59 e6 1e db 41 9b e6 2d 19 71 2a e5 d3 03 ee b5 00 52 d0 df d6 69 7f 77 22 4c 8e db 00 0d 27 9b dc 14 c1 07 26 54 bd 30 94 42 30 c6 57 be d4 ca 0c 9f 4a 84 66 f2 2b 22 6d 17 46 21 4b f8 cf c2 40 0a dd 9f 51 26 e4 79 66 3f c9 0b 3b ed 78 7a 2f 0f fc bf 39 04 be 2a 64 1d 5c 21 05 bf e5 91 ba e2 3b 1d 74 49 e5 32 ee f6 0a 9a c8 bb 6c 6b 01 d3 5d 49 78 7b cd 57 ef 48 49 27 f2 80 ad c9 1a c0 c4 e7 9c 7b 11 ef c6 00 54 e3",
                "84 90 ac 0e 58 94 9b fe 51 87 5d 73 3f 93 ac 20 75 16 80 39 cc c7 33 d7",
            ),
            (
                EncryptionAlgorithm::A256CBC_HS512,
                64,
                "4a ff aa ad b7 8c 31 c5 da 4b 1b 59 0d 10 ff bd 3d d8 d5 d3 02 42 35 26 91 2d a0 37 ec bc c7 bd 82 2c 30 1d d6 7c 37 3b cc b5 84 ad 3e 92 79 c2 e6 d1 2a 13 74 b7 7f 07 75 53 df 82 94 10 44 6b 36 eb d9 70 66 29 6a e6 42 7e a7 5c 2e 08 46 a1 1a 09 cc f5 37 0d c8 0b fe cb ad 28 c7 3f 09 b3 a3 b7 5e 66 2a 25 94 41 0a e4 96 b2 e2 e6 60 9e 31 e6 e0 2c c8 37 f0 53 d2 1f 37 ff 4f 51 95 0b be 26 38 d0 9d d7 a4 93 09 30 80 6d 07 03 b1 f6",
                "4d d3 b4 c0 88 a7 f4 5c 21 68 39 64 5b 20 12 bf 2e 62 69 a8 c5 6a 81 6d bc 1b 26 77 61 95 5b c5",
            ),
        ];
        for (enc, key_len, expected_ct, expected_tag) in cases {
            let key: Vec<u8> = (0..key_len).map(|i| u8::try_from(i).unwrap()).collect();
            let (ct, tag) = encrypt(&enc, &key, &iv, &a, &p).unwrap();
            assert_eq!(ct, hex(expected_ct), "{enc}");
            assert_eq!(tag.to_vec(), hex(expected_tag), "{enc}");
            assert_eq!(decrypt(&enc, &key, &iv, &a, &ct, &tag).unwrap(), p);
            // Truncated tag, flipped bits, wrong AAD: one failure, whatever the cause.
            assert_eq!(
                decrypt(&enc, &key, &iv, &a, &ct, &tag[..tag.len() - 1]),
                Err(Failure::Decrypt)
            );
            let mut bad = ct.clone();
            bad[0] ^= 1;
            assert_eq!(
                decrypt(&enc, &key, &iv, &a, &bad, &tag),
                Err(Failure::Decrypt)
            );
            assert_eq!(
                decrypt(&enc, &key, &iv, b"other", &ct, &tag),
                Err(Failure::Decrypt)
            );
        }
    }

    #[test]
    fn gcm_round_trip_and_rejections() {
        for enc in [
            EncryptionAlgorithm::A128GCM,
            EncryptionAlgorithm::A192GCM,
            EncryptionAlgorithm::A256GCM,
        ] {
            let key = vec![7u8; cek_len(&enc).unwrap()];
            let iv = [9u8; 12];
            let (ct, tag) = encrypt(&enc, &key, &iv, b"aad", b"hello").unwrap();
            assert_eq!(
                decrypt(&enc, &key, &iv, b"aad", &ct, &tag).unwrap(),
                b"hello"
            );
            assert_eq!(
                decrypt(&enc, &key, &iv, b"aad", &ct, &tag[..15]),
                Err(Failure::Decrypt)
            );
            assert_eq!(
                decrypt(&enc, &key, &iv[..11], b"aad", &ct, &tag),
                Err(Failure::Decrypt)
            );
            assert_eq!(
                decrypt(&enc, &key[1..], &iv, b"aad", &ct, &tag),
                Err(Failure::KeyLength)
            );
            assert_eq!(
                decrypt(&enc, &key, &iv, b"aae", &ct, &tag),
                Err(Failure::Decrypt)
            );
        }
    }
}
