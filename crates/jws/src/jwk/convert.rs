//! From JWKs to keys bound to one algorithm, and back.

use jwt_claims::Algorithm;

use super::{Curve, Jwk, KeyMaterial, KeyOperation, Secret, rsa_private_material, strip_zeros};
use crate::key::{KeyKind, PublicParts, SecretParts};
use crate::{KeyError, SigningKey, VerifyingKey};

impl Jwk {
    /// The algorithm to bind: the caller's, which must agree with the JWK's `alg` when
    /// both are given.
    fn resolve_alg(&self, requested: Option<Algorithm>) -> Result<Algorithm, KeyError> {
        match (requested, &self.alg) {
            (Some(requested), Some(jwk)) if requested != *jwk => Err(KeyError::AlgorithmMismatch {
                requested,
                jwk: jwk.clone(),
            }),
            (Some(alg), _) => Ok(alg),
            (None, Some(alg)) => Ok(alg.clone()),
            (None, None) => Err(KeyError::Invalid(
                "the JWK has no \"alg\": name the algorithm to use it with".into(),
            )),
        }
    }

    /// A signing key for `alg` (or the JWK's own `alg` when `None`); the JWK must be
    /// private, its `use`/`key_ops` must permit signing.
    ///
    /// # Errors
    /// [`KeyError`] when the JWK cannot serve the algorithm.
    pub fn signing_key(&self, alg: Option<Algorithm>) -> Result<SigningKey, KeyError> {
        let alg = self.resolve_alg(alg)?;
        self.check_operation(&KeyOperation::Sign)?;
        let key = match &self.material {
            KeyMaterial::Oct { k } => SigningKey::symmetric(alg, k.expose())?,
            KeyMaterial::Okp {
                crv: Curve::Ed25519,
                d: Some(d),
                x,
            } => {
                let key = SigningKey::ed25519_for(alg, d.expose())?;
                if let PublicParts::Ed25519(public) = key.verifying_key().public_parts()
                    && public.as_slice() != x.as_slice()
                {
                    return Err(KeyError::Invalid(
                        "\"x\" is not the public key of \"d\"".into(),
                    ));
                }
                key
            }
            KeyMaterial::Ec { d: Some(d), .. } => {
                let key = SigningKey::ecdsa(alg, d.expose())?;
                let expected = self.verifying_key(Some(key.alg().clone())).ok();
                if expected.is_none_or(|v| !same_public(&v, &key.verifying_key())) {
                    return Err(KeyError::Invalid(
                        "\"x\"/\"y\" are not the public key of \"d\"".into(),
                    ));
                }
                key
            }
            KeyMaterial::Rsa {
                private: Some(_), ..
            } => SigningKey::rsa(alg, self.rsa_private_key()?)?,
            KeyMaterial::Okp { crv, .. } if *crv != Curve::Ed25519 => {
                return Err(KeyError::WrongKeyType {
                    alg,
                    key: crv.name(),
                });
            }
            _ => return Err(KeyError::Invalid("the JWK has no private key".into())),
        };
        Ok(match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        })
    }

    /// A verifying key for `alg` (or the JWK's own `alg` when `None`); its `use`/`key_ops`
    /// must permit verifying. Private members, if any, are not used.
    ///
    /// # Errors
    /// [`KeyError`] when the JWK cannot serve the algorithm.
    pub fn verifying_key(&self, alg: Option<Algorithm>) -> Result<VerifyingKey, KeyError> {
        let alg = self.resolve_alg(alg)?;
        self.check_operation(&KeyOperation::Verify)?;
        let key = match &self.material {
            KeyMaterial::Oct { k } => VerifyingKey::symmetric(alg, k.expose())?,
            KeyMaterial::Okp { crv, x, .. } => {
                if *crv != Curve::Ed25519 {
                    return Err(KeyError::WrongKeyType {
                        alg,
                        key: crv.name(),
                    });
                }
                VerifyingKey::ed25519_for(alg, x)?
            }
            KeyMaterial::Ec { crv, x, y, .. } => {
                let wanted = match alg {
                    Algorithm::ES256 => Curve::P256,
                    Algorithm::ES256K => Curve::Secp256k1,
                    Algorithm::ES384 => Curve::P384,
                    Algorithm::ES512 => Curve::P521,
                    _ => return Err(KeyError::WrongKeyType { alg, key: "EC" }),
                };
                if *crv != wanted {
                    return Err(KeyError::Invalid(format!(
                        "{alg} needs a {wanted} key, not {crv}"
                    )));
                }
                let point = [&[4u8][..], x, y].concat();
                VerifyingKey::ecdsa_sec1(alg, &point)?
            }
            KeyMaterial::Rsa { n, e, .. } => VerifyingKey::rsa_components(alg, n, e)?,
        };
        Ok(match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        })
    }

    /// The RSA private key of an `RSA` JWK with private members (the CRT members are
    /// recomputed and checked by the `rsa` crate).
    ///
    /// # Errors
    /// [`KeyError::Invalid`] for another key type, a public JWK or inconsistent members.
    pub fn rsa_private_key(&self) -> Result<rsa::PrivateKey, KeyError> {
        let KeyMaterial::Rsa {
            n,
            e,
            private: Some(p),
        } = &self.material
        else {
            return Err(KeyError::Invalid("not a private RSA JWK".into()));
        };
        let big = |b: &[u8]| rsa::BoxedUint::from_be_slice_vartime(b);
        let primes = p
            .crt
            .as_ref()
            .map(|c| vec![big(c.p.expose()), big(c.q.expose())])
            .unwrap_or_default();
        rsa::PrivateKey::from_components(big(n), big(e), big(p.d.expose()), primes)
            .map_err(|x| KeyError::Invalid(format!("RSA private key: {x}")))
    }

    /// The RSA public key of an `RSA` JWK.
    ///
    /// # Errors
    /// [`KeyError::Invalid`] for another key type or invalid members.
    pub fn rsa_public_key(&self) -> Result<rsa::PublicKey, KeyError> {
        let KeyMaterial::Rsa { n, e, .. } = &self.material else {
            return Err(KeyError::Invalid("not an RSA JWK".into()));
        };
        rsa::PublicKey::new(
            rsa::BoxedUint::from_be_slice_vartime(n),
            rsa::BoxedUint::from_be_slice_vartime(e),
        )
        .map_err(|x| KeyError::Invalid(format!("RSA public key: {x}")))
    }

    /// The algorithms this JWK could serve for signatures: its `alg` if it names one,
    /// else every algorithm of its kind.
    #[must_use]
    pub fn signature_algorithms(&self) -> Vec<Algorithm> {
        if let Some(alg) = &self.alg {
            return vec![alg.clone()];
        }
        let kind = match &self.material {
            KeyMaterial::Oct { .. } => KeyKind::Hmac,
            KeyMaterial::Okp {
                crv: Curve::Ed25519,
                ..
            } => KeyKind::Ed25519,
            KeyMaterial::Okp { .. } => return Vec::new(),
            KeyMaterial::Ec { crv, .. } => match crv {
                Curve::P256 => KeyKind::P256,
                Curve::Secp256k1 => KeyKind::K256,
                Curve::P384 => KeyKind::P384,
                Curve::P521 => KeyKind::P521,
                _ => return Vec::new(),
            },
            KeyMaterial::Rsa { .. } => KeyKind::Rsa,
        };
        kind.algorithms().to_vec()
    }
}

fn same_public(a: &VerifyingKey, b: &VerifyingKey) -> bool {
    match (a.public_parts(), b.public_parts()) {
        (PublicParts::Ec(c1, p1), PublicParts::Ec(c2, p2)) => c1 == c2 && p1 == p2,
        _ => false,
    }
}

impl VerifyingKey {
    /// The key as a JWK with `kty`, its material, `alg` and `kid`. For an HMAC key the JWK
    /// is the secret (`oct`).
    #[must_use]
    pub fn to_jwk(&self) -> Jwk {
        let material = match self.public_parts() {
            PublicParts::Hmac(k) => KeyMaterial::Oct {
                k: Secret::new(k.to_vec()),
            },
            PublicParts::Ed25519(x) => KeyMaterial::Okp {
                crv: Curve::Ed25519,
                x: x.to_vec(),
                d: None,
            },
            PublicParts::Ec(crv, point) => KeyMaterial::ec_from_sec1(crv, &point, None),
            PublicParts::Rsa(n, e) => KeyMaterial::Rsa {
                n: strip_zeros(&n),
                e: strip_zeros(&e),
                private: None,
            },
        };
        let mut jwk = Jwk::new(material).with_alg(self.alg().clone());
        jwk.kid = self.kid().map(str::to_owned);
        jwk
    }
}

impl SigningKey {
    /// This key with its `kid` set to the RFC 7638 thumbprint of its public JWK (of the
    /// secret, for HMAC keys).
    #[must_use]
    pub fn with_thumbprint_kid(self) -> Self {
        let kid = self.verifying_key().to_jwk().thumbprint();
        self.with_kid(kid)
    }

    /// The key as a private JWK (`d`, and the CRT members for RSA), with `alg` and `kid`.
    #[must_use]
    pub fn to_jwk(&self) -> Jwk {
        let public = self.verifying_key().to_jwk();
        let material = match (self.secret_parts(), public.material) {
            (SecretParts::Hmac, m) => m,
            (SecretParts::Ed25519(k), KeyMaterial::Okp { crv, x, .. }) => KeyMaterial::Okp {
                crv,
                x,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::P256(k), KeyMaterial::Ec { crv, x, y, .. }) => KeyMaterial::Ec {
                crv,
                x,
                y,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::K256(k), KeyMaterial::Ec { crv, x, y, .. }) => KeyMaterial::Ec {
                crv,
                x,
                y,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::P384(k), KeyMaterial::Ec { crv, x, y, .. }) => KeyMaterial::Ec {
                crv,
                x,
                y,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::P521(k), KeyMaterial::Ec { crv, x, y, .. }) => KeyMaterial::Ec {
                crv,
                x,
                y,
                d: Some(Secret::new(k.to_bytes().to_vec())),
            },
            (SecretParts::Rsa(k), KeyMaterial::Rsa { .. }) => rsa_private_material(k),
            (_, m) => m,
        };
        Jwk { material, ..public }
    }
}
