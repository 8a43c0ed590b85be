//! PEM for JWE keys. Every key type is read and written by `jws`'s one PEM parser
//! ([`jws::Jwk::from_pem`]), except X25519: it is a key-agreement key of JWE, and the
//! X25519 arithmetic that finds the public key of a private one lives here, so that a
//! signature-only user of `jws` compiles none of it.

use jws::{Jwk, KeyError, KeyMaterial, Secret};
use zeroize::Zeroizing;

use crate::Curve;

/// RFC 8410 PKCS#8 `OneAsymmetricKey` for X25519 (version 0, no attributes, no public key):
/// a fixed prefix followed by the 32-byte private key.
const X25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];
/// RFC 8410 SubjectPublicKeyInfo for X25519: a fixed prefix followed by the 32-byte key.
const X25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];

/// A JWK from PEM: what [`jws::Jwk::from_pem`] reads (RSA, EC, Ed25519 in PKCS#8,
/// SubjectPublicKeyInfo, PKCS#1, SEC1), and X25519 in PKCS#8 or SubjectPublicKeyInfo.
///
/// # Errors
/// As [`jws::Jwk::from_pem`].
pub fn jwk_from_pem(pem: &str) -> Result<Jwk, KeyError> {
    match jws::pem_document(pem)? {
        (label, der) if label == "PRIVATE KEY" => {
            match der.strip_prefix(&X25519_PKCS8_PREFIX[..]) {
                Some(d) => {
                    let d: [u8; 32] = d
                        .try_into()
                        .map_err(|_| KeyError::Invalid("X25519 PKCS#8: wrong length".into()))?;
                    let secret = x25519_dalek::StaticSecret::from(d);
                    let public = x25519_dalek::PublicKey::from(&secret);
                    Ok(Jwk::new(KeyMaterial::Okp {
                        crv: Curve::X25519,
                        x: public.as_bytes().to_vec(),
                        d: Some(Secret::new(secret.to_bytes().to_vec())),
                    }))
                }
                None => Jwk::from_pem(pem),
            }
        }
        (label, der) if label == "PUBLIC KEY" => match der.strip_prefix(&X25519_SPKI_PREFIX[..]) {
            Some(x) if x.len() == 32 => Ok(Jwk::new(KeyMaterial::Okp {
                crv: Curve::X25519,
                x: x.to_vec(),
                d: None,
            })),
            Some(_) => Err(KeyError::Invalid("X25519 public key: wrong length".into())),
            None => Jwk::from_pem(pem),
        },
        _ => Jwk::from_pem(pem),
    }
}

/// A JWK as PEM: what [`jws::Jwk::to_pem`] writes, and X25519 keys (PKCS#8 `PRIVATE KEY`
/// for a private JWK, SubjectPublicKeyInfo `PUBLIC KEY` for a public one).
///
/// # Errors
/// As [`jws::Jwk::to_pem`].
pub fn jwk_to_pem(jwk: &Jwk) -> Result<Zeroizing<String>, KeyError> {
    let (label, der) = match jwk.material() {
        KeyMaterial::Okp {
            crv: Curve::X25519,
            d: Some(d),
            ..
        } => {
            if d.expose().len() != 32 {
                return Err(KeyError::Invalid("not a valid X25519 key".into()));
            }
            let mut der = Zeroizing::new(X25519_PKCS8_PREFIX.to_vec());
            der.extend_from_slice(d.expose());
            ("PRIVATE KEY", der)
        }
        KeyMaterial::Okp {
            crv: Curve::X25519,
            x,
            d: None,
        } => {
            if x.len() != 32 {
                return Err(KeyError::Invalid("not a valid X25519 key".into()));
            }
            (
                "PUBLIC KEY",
                Zeroizing::new([&X25519_SPKI_PREFIX[..], x].concat()),
            )
        }
        _ => return jwk.to_pem(),
    };
    jws::pem_encode(label, &der)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8410 10.3: an X25519 private key in PKCS#8.
    const RFC8410_X25519: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";

    #[test]
    fn x25519_matches_rfc_8410_and_rfc_7748() {
        // RFC 7748 6.1: Alice's private and public keys.
        let d = jws::base64url::decode("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo").unwrap();
        let x = jws::base64url::decode("hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo").unwrap();
        let jwk = Jwk::new(KeyMaterial::Okp {
            crv: Curve::X25519,
            x,
            d: Some(Secret::new(d)),
        });
        // The private PEM alone yields the public key.
        let back = jwk_from_pem(&jwk_to_pem(&jwk).unwrap()).unwrap();
        assert_eq!(back.material(), jwk.material());
        // RFC 8410 10.1's X25519 SubjectPublicKeyInfo reads as an X25519 key.
        let spki = "-----BEGIN PUBLIC KEY-----\n\
                    MCowBQYDK2VuAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                    -----END PUBLIC KEY-----\n";
        let k = jwk_from_pem(spki).unwrap();
        assert!(matches!(
            k.material(),
            KeyMaterial::Okp {
                crv: Curve::X25519,
                d: None,
                ..
            }
        ));
        // A truncated key is refused.
        let short = jws::pem_encode("PUBLIC KEY", &X25519_SPKI_PREFIX).unwrap();
        assert!(jwk_from_pem(&short).is_err());
    }

    #[test]
    fn x25519_round_trips_and_others_go_to_jws() {
        let jwk = jwk_from_pem(RFC8410_X25519).unwrap();
        assert!(jwk.is_private());
        let again = jwk_from_pem(&jwk_to_pem(&jwk).unwrap()).unwrap();
        assert_eq!(again.thumbprint(), jwk.thumbprint());
        let public = jwk.to_public().unwrap();
        let public_pem = jwk_to_pem(&public).unwrap();
        assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(
            jwk_from_pem(&public_pem).unwrap().thumbprint(),
            jwk.thumbprint()
        );
        // An Ed25519 key is read by jws.
        let ed = jws::SigningKey::generate(jws::Algorithm::EdDSA)
            .unwrap()
            .to_jwk();
        let ed_pem = jwk_to_pem(&ed).unwrap();
        assert_eq!(jwk_from_pem(&ed_pem).unwrap().thumbprint(), ed.thumbprint());
        assert!(jwk_from_pem("not pem").is_err());
    }
}
