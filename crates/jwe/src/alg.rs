//! What each key management algorithm of RFC 7518 4 does with the content key.

use jws::jwt_claims::Algorithm;

use crate::Error;

/// How an algorithm manages the content key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mgmt {
    /// `dir`: the key is the content key.
    Dir,
    /// `A*KW`: AES key wrap with a key of this many bytes.
    AesKw(usize),
    /// `A*GCMKW`: AES-GCM key wrap with a key of this many bytes.
    AesGcmKw(usize),
    /// `ECDH-ES` (`None`) or `ECDH-ES+A*KW` (the wrapping key length).
    EcdhEs(Option<usize>),
    /// `RSA-OAEP` (SHA-1) or `RSA-OAEP-256`.
    RsaOaep { sha256: bool },
    /// `PBES2-HS*+A*KW`: HMAC hash output length and wrapping key length.
    Pbes2 { hash_len: usize, kw: usize },
}

impl Mgmt {
    pub(crate) fn of(alg: &Algorithm) -> Result<Self, Error> {
        Ok(match alg {
            Algorithm::Dir => Self::Dir,
            Algorithm::A128KW => Self::AesKw(16),
            Algorithm::A192KW => Self::AesKw(24),
            Algorithm::A256KW => Self::AesKw(32),
            Algorithm::A128GCMKW => Self::AesGcmKw(16),
            Algorithm::A192GCMKW => Self::AesGcmKw(24),
            Algorithm::A256GCMKW => Self::AesGcmKw(32),
            Algorithm::ECDH_ES => Self::EcdhEs(None),
            Algorithm::ECDH_ES_A128KW => Self::EcdhEs(Some(16)),
            Algorithm::ECDH_ES_A192KW => Self::EcdhEs(Some(24)),
            Algorithm::ECDH_ES_A256KW => Self::EcdhEs(Some(32)),
            Algorithm::RSA_OAEP => Self::RsaOaep { sha256: false },
            Algorithm::RSA_OAEP_256 => Self::RsaOaep { sha256: true },
            Algorithm::PBES2_HS256_A128KW => Self::Pbes2 {
                hash_len: 32,
                kw: 16,
            },
            Algorithm::PBES2_HS384_A192KW => Self::Pbes2 {
                hash_len: 48,
                kw: 24,
            },
            Algorithm::PBES2_HS512_A256KW => Self::Pbes2 {
                hash_len: 64,
                kw: 32,
            },
            Algorithm::RSA1_5 => return Err(Error::Rsa1_5Refused),
            other => return Err(Error::AlgorithmNotAllowed(other.clone())),
        })
    }

    pub(crate) const fn is_symmetric(self) -> bool {
        matches!(
            self,
            Self::Dir | Self::AesKw(_) | Self::AesGcmKw(_) | Self::Pbes2 { .. }
        )
    }
}
