//! New random keys for each key management algorithm.

use jws::jwt_claims::Algorithm;
use jws::{Curve, KeyError, KeySpec};
use zeroize::Zeroizing;

use super::{DecryptionKey, KeyCache, MIN_RSA_BITS, Private, key_err};
use crate::Error;
use crate::alg::Mgmt;

macro_rules! ec_generate {
    ($curve:ident, $variant:ident) => {
        Private::$variant(
            <$curve::SecretKey as p256::elliptic_curve::Generate>::try_generate_from_rng(
                &mut getrandom::SysRng,
            )
            .map_err(|_| Error::Random)?,
        )
    };
}

impl DecryptionKey {
    /// A new random key for `alg`, from the operating system's generator: a shared key of
    /// the algorithm's length (`dir`: of `spec`'s `enc`; `PBES2-*`: a 32-byte random
    /// password), an EC or X25519 key pair for `ECDH-ES*`, an RSA key for `RSA-OAEP*`.
    ///
    /// # Errors
    /// [`Error::Key`] when `spec` does not fit `alg` (no `enc` for `dir`, an unknown curve,
    /// RSA under 2048 bits); [`Error::AlgorithmNotAllowed`] for a non-JWE algorithm;
    /// [`Error::Random`] when the generator fails.
    pub fn generate(alg: Algorithm) -> Result<Self, Error> {
        Self::generate_with(alg, &KeySpec::new())
    }

    /// As [`DecryptionKey::generate`], with the content encryption (`dir`), curve
    /// (`ECDH-ES*`) or RSA size (`RSA-OAEP*`) of `spec`.
    ///
    /// # Errors
    /// As [`DecryptionKey::generate`].
    pub fn generate_with(alg: Algorithm, spec: &KeySpec) -> Result<Self, Error> {
        let mgmt = Mgmt::of(&alg)?;
        if spec.curve().is_some() && !matches!(mgmt, Mgmt::EcdhEs(_)) {
            return Err(key_err(format!("{alg} keys have no curve")));
        }
        if spec.enc().is_some() && mgmt != Mgmt::Dir {
            return Err(key_err(format!(
                "only dir keys are sized by the content encryption, not {alg} keys"
            )));
        }
        let key = match mgmt {
            Mgmt::Dir => {
                let enc = spec
                    .enc()
                    .ok_or_else(|| key_err("a dir key needs the content encryption it is for"))?;
                let len = crate::content::cek_len(enc).ok_or_else(|| {
                    key_err(format!(
                        "unsupported content encryption \"{}\"",
                        jws::jwt_claims::json::truncate(enc.as_str())
                    ))
                })?;
                Private::Secret(crate::rng::os_random(len)?)
            }
            Mgmt::AesKw(n) | Mgmt::AesGcmKw(n) => Private::Secret(crate::rng::os_random(n)?),
            Mgmt::Pbes2 { .. } => Private::Secret(crate::rng::os_random(32)?),
            Mgmt::EcdhEs(_) => match spec.curve().unwrap_or(Curve::P256) {
                Curve::P256 => ec_generate!(p256, P256),
                Curve::P384 => ec_generate!(p384, P384),
                Curve::P521 => ec_generate!(p521, P521),
                Curve::X25519 => {
                    let bytes = crate::rng::os_random(32)?;
                    let mut seed = Zeroizing::new([0u8; 32]);
                    seed.copy_from_slice(&bytes);
                    Private::X25519(x25519_dalek::StaticSecret::from(*seed))
                }
                other => {
                    return Err(key_err(format!(
                        "{other} is not an ECDH-ES curve (P-256, P-384, P-521 or X25519)"
                    )));
                }
            },
            Mgmt::RsaOaep { .. } => {
                if spec.rsa_bits() < MIN_RSA_BITS {
                    return Err(Error::Key(KeyError::TooWeak(format!(
                        "RSA keys of {} bits are under {MIN_RSA_BITS} bits",
                        spec.rsa_bits()
                    ))));
                }
                let key = rsa::PrivateKey::new(&mut getrandom::SysRng, spec.rsa_bits())
                    .map_err(|e| key_err(format!("RSA key generation: {e}")))?;
                Private::Rsa(Box::new(key))
            }
        };
        Ok(Self {
            alg,
            kid: None,
            key,
            cache: KeyCache::default(),
        })
    }
}
