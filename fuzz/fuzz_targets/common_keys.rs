// Shared by the jws targets: a fixed set of trusted keys, one per algorithm family.

use jws::{Algorithm, SigningKey, Verifier};

pub fn signing_keys() -> Vec<SigningKey> {
    vec![
        SigningKey::symmetric(Algorithm::HS256, &[1; 32]).unwrap().with_kid("hs"),
        SigningKey::ed25519(&[2; 32]).unwrap().with_kid("ed"),
        SigningKey::ecdsa(Algorithm::ES256, &[3; 32]).unwrap().with_kid("es"),
    ]
}

pub fn verifier() -> Verifier {
    Verifier::from_keys(signing_keys().iter().map(SigningKey::verifying_key))
        .allow_unencoded_payload()
}
