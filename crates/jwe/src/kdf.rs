//! The Concat KDF of NIST SP 800-56A 5.8.1 as RFC 7518 4.6.2 instantiates it with SHA-256.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Derives `key_len` bytes from the shared secret `z`, for `algorithm_id` (the `enc` for
/// direct key agreement, the `alg` with key wrapping), with `apu` and `apv`.
pub(crate) fn concat_kdf(
    z: &[u8],
    algorithm_id: &str,
    apu: &[u8],
    apv: &[u8],
    key_len: usize,
) -> Zeroizing<Vec<u8>> {
    let len32 = |b: &[u8]| u32::try_from(b.len()).unwrap_or(u32::MAX).to_be_bytes();
    let bits = u32::try_from(key_len.saturating_mul(8))
        .unwrap_or(u32::MAX)
        .to_be_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(key_len + 32));
    let mut counter: u32 = 1;
    while out.len() < key_len {
        let mut h = Sha256::new();
        h.update(counter.to_be_bytes());
        h.update(z);
        h.update(len32(algorithm_id.as_bytes()));
        h.update(algorithm_id.as_bytes());
        h.update(len32(apu));
        h.update(apu);
        h.update(len32(apv));
        h.update(apv);
        h.update(bits);
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(key_len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7518 Appendix C: ECDH-ES with A128GCM, apu "Alice", apv "Bob".
    #[test]
    fn rfc7518_appendix_c() {
        let z = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49,
            110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ];
        let key = concat_kdf(&z, "A128GCM", b"Alice", b"Bob", 16);
        assert_eq!(
            *key,
            [
                86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16, 26
            ]
        );
        assert_eq!(jws::base64url::encode(&*key), "VqqN6vgjbSBcIijNcacQGg");
    }

    #[test]
    fn longer_outputs_use_more_rounds() {
        let k64 = concat_kdf(b"z", "A256CBC-HS512", b"", b"", 64);
        let k32 = concat_kdf(b"z", "A256CBC-HS512", b"", b"", 32);
        assert_eq!(k64.len(), 64);
        assert_ne!(&k64[..32], &k32[..]);
    }
}
