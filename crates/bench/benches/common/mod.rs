//! The two peer libraries, set up the same way for every benchmark that compares them:
//! `jsonwebtoken` and `jwt-simple`, each with the same key and claims as `jws`.
#![allow(dead_code)]

use jose_bench::{
    AUDIENCE, AccessClaims, Alg, Custom, ISSUER, Material, access_claims, jws_claims,
    jws_validation, now,
};

/// Everything a comparison of one algorithm needs: the keys, the claims in each library's
/// form, the `jws` verifier and policy, both peers, and a `jws` token.
pub(crate) struct Contenders {
    pub(crate) m: Material,
    pub(crate) floor_claims: AccessClaims,
    pub(crate) ours: jws::Claims<Custom>,
    pub(crate) verifier: jws::Verifier,
    pub(crate) validation: jws::Validation,
    pub(crate) jwt_sign: SignFn,
    pub(crate) jwt_verify: VerifyFn,
    pub(crate) simple_sign: SignFn,
    pub(crate) simple_verify: VerifyFn,
    pub(crate) token: String,
}

impl Contenders {
    /// Sets up `alg` and checks that every library's token verifies with every other
    /// library (same claims, same key), so that all of them measure the same work.
    pub(crate) fn new(alg: Alg) -> Self {
        let m = Material::new(alg);
        let t = now();
        let floor_claims = access_claims(t);
        let ours = jws_claims(t);
        let verifier = m.jws_verifier();
        let validation = jws_validation();
        let (jwt_sign, jwt_verify) = jsonwebtoken_pair(&m, access_claims(t));
        let (simple_sign, simple_verify) = jwt_simple_pair(&m);
        let tokens = [
            m.floor.sign(&floor_claims),
            jws::sign(&m.jws_signer, &ours).unwrap(),
            jwt_sign(),
            simple_sign(),
        ];
        for token in &tokens {
            assert!(
                verifier.verify::<Custom>(token, &validation).is_ok(),
                "{}",
                alg.name()
            );
        }
        let [_, token, _, _] = tokens;
        assert_eq!(m.floor.verify(&token).as_ref(), Some(&floor_claims));
        assert!(
            jwt_verify(&token) && simple_verify(&token),
            "peers verify jws tokens ({})",
            alg.name()
        );
        Self {
            m,
            floor_claims,
            ours,
            verifier,
            validation,
            jwt_sign,
            jwt_verify,
            simple_sign,
            simple_verify,
            token,
        }
    }
}

/// Signs the benchmark's claims.
pub(crate) type SignFn = Box<dyn Fn() -> String>;
/// Verifies (with validation) a token.
pub(crate) type VerifyFn = Box<dyn Fn(&str) -> bool>;

pub(crate) fn jsonwebtoken_pair(m: &Material, claims: AccessClaims) -> (SignFn, VerifyFn) {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
    let (alg, enc, dec) = match m.alg {
        Alg::Hs256 => (
            Algorithm::HS256,
            EncodingKey::from_secret(&m.secret),
            DecodingKey::from_secret(&m.secret),
        ),
        Alg::EdDsa => (
            Algorithm::EdDSA,
            EncodingKey::from_ed_der(&m.pkcs8),
            DecodingKey::from_ed_components(&m.public_b64[0]).unwrap(),
        ),
        Alg::Es256 => (
            Algorithm::ES256,
            EncodingKey::from_ec_der(&m.pkcs8),
            DecodingKey::from_ec_components(&m.public_b64[0], &m.public_b64[1]).unwrap(),
        ),
        Alg::Rs256 => (
            Algorithm::RS256,
            EncodingKey::from_rsa_der(&m.rsa_pkcs1),
            DecodingKey::from_rsa_components(&m.public_b64[0], &m.public_b64[1]).unwrap(),
        ),
    };
    let header = Header::new(alg);
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    (
        Box::new(move || encode(&header, &claims, &enc).unwrap()),
        Box::new(move |t| decode::<AccessClaims>(t, &dec, &validation).is_ok()),
    )
}

pub(crate) fn jwt_simple_pair(m: &Material) -> (SignFn, VerifyFn) {
    use jwt_simple::prelude::*;
    let base = access_claims(now());
    let claims = move || {
        Claims::with_custom_claims(
            Custom {
                scope: base.scope.clone(),
                roles: base.roles.clone(),
            },
            Duration::from_secs(1800),
        )
        .with_issuer(ISSUER)
        .with_subject(&base.sub)
        .with_audience(AUDIENCE)
        .with_jwt_id(&base.jti)
    };
    let options = VerificationOptions {
        allowed_issuers: Some(HashSet::from([ISSUER.to_owned()])),
        allowed_audiences: Some(HashSet::from([AUDIENCE.to_owned()])),
        ..VerificationOptions::default()
    };
    match m.alg {
        Alg::Hs256 => {
            let key = HS256Key::from_bytes(&m.secret);
            let k2 = key.clone();
            (
                Box::new(move || key.authenticate(claims()).unwrap()),
                Box::new(move |t| k2.verify_token::<Custom>(t, Some(options.clone())).is_ok()),
            )
        }
        Alg::EdDsa => {
            let key =
                Ed25519KeyPair::from_bytes(&[m.raw_private.as_slice(), &m.public_raw[0]].concat())
                    .unwrap();
            let public = key.public_key();
            (
                Box::new(move || key.sign(claims()).unwrap()),
                Box::new(move |t| {
                    public
                        .verify_token::<Custom>(t, Some(options.clone()))
                        .is_ok()
                }),
            )
        }
        Alg::Es256 => {
            let key = ES256KeyPair::from_bytes(&m.raw_private).unwrap();
            let public = key.public_key();
            (
                Box::new(move || key.sign(claims()).unwrap()),
                Box::new(move |t| {
                    public
                        .verify_token::<Custom>(t, Some(options.clone()))
                        .is_ok()
                }),
            )
        }
        Alg::Rs256 => {
            let key = RS256KeyPair::from_der(&m.rsa_pkcs1)
                .or_else(|_| RS256KeyPair::from_der(&m.pkcs8))
                .unwrap();
            let public =
                RS256PublicKey::from_components(&m.public_raw[0], &m.public_raw[1]).unwrap();
            (
                Box::new(move || key.sign(claims()).unwrap()),
                Box::new(move |t| {
                    public
                        .verify_token::<Custom>(t, Some(options.clone()))
                        .is_ok()
                }),
            )
        }
    }
}
