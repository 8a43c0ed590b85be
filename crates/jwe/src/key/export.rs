//! Keys as JWKs.

use jws::jwt_claims::Algorithm;
use jws::{Curve, Jwk, KeyMaterial, KeyUse};

use super::{DecryptionKey, EncryptionKey, Private, Public};

impl DecryptionKey {
    /// The key as a private JWK with `alg`, `kid` and `use: "enc"` (the secret itself for
    /// shared keys). Export it with [`Jwk::to_private_json`].
    #[must_use]
    pub fn to_jwk(&self) -> Jwk {
        let material = match &self.key {
            Private::Secret(s) => KeyMaterial::Oct {
                k: jws::Secret::new(s.to_vec()),
            },
            Private::P256(k) => KeyMaterial::ec_from_sec1(
                Curve::P256,
                &k.public_key().to_sec1_bytes(),
                Some(k.to_bytes().to_vec()),
            ),
            Private::P384(k) => KeyMaterial::ec_from_sec1(
                Curve::P384,
                &k.public_key().to_sec1_bytes(),
                Some(k.to_bytes().to_vec()),
            ),
            Private::P521(k) => KeyMaterial::ec_from_sec1(
                Curve::P521,
                &k.public_key().to_sec1_bytes(),
                Some(k.to_bytes().to_vec()),
            ),
            Private::X25519(k) => KeyMaterial::Okp {
                crv: Curve::X25519,
                x: x25519_dalek::PublicKey::from(k).as_bytes().to_vec(),
                d: Some(jws::Secret::new(k.to_bytes().to_vec())),
            },
            Private::Rsa(k) => Jwk::from_rsa_private_key(k).material().clone(),
        };
        finish_jwk(material, &self.alg, self.kid.as_deref())
    }
}

impl EncryptionKey {
    /// The key as a JWK with `alg`, `kid` and `use: "enc"`: the public key, or the secret
    /// itself for shared keys.
    #[must_use]
    pub fn to_jwk(&self) -> Jwk {
        let material = match &self.key {
            Public::Secret(s) => KeyMaterial::Oct {
                k: jws::Secret::new(s.to_vec()),
            },
            Public::P256(k) => KeyMaterial::ec_from_sec1(Curve::P256, &k.to_sec1_bytes(), None),
            Public::P384(k) => KeyMaterial::ec_from_sec1(Curve::P384, &k.to_sec1_bytes(), None),
            Public::P521(k) => KeyMaterial::ec_from_sec1(Curve::P521, &k.to_sec1_bytes(), None),
            Public::X25519(k) => KeyMaterial::Okp {
                crv: Curve::X25519,
                x: k.as_bytes().to_vec(),
                d: None,
            },
            Public::Rsa(k) => Jwk::from_rsa_public_key(k).material().clone(),
        };
        finish_jwk(material, &self.alg, self.kid.as_deref())
    }
}

fn finish_jwk(material: KeyMaterial, alg: &Algorithm, kid: Option<&str>) -> Jwk {
    let mut jwk = Jwk::new(material).with_alg(alg.clone());
    jwk.key_use = Some(KeyUse::Encryption);
    jwk.kid = kid.map(str::to_owned);
    jwk
}
