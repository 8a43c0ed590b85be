// Shared by the jwe targets: fixed decryption keys of several algorithms.

use jwe::{Algorithm, Decrypter, DecryptionKey};

pub fn decrypter() -> Decrypter {
    Decrypter::from_keys([
        DecryptionKey::symmetric(Algorithm::Dir, &[1; 32]).unwrap().with_kid("dir"),
        DecryptionKey::symmetric(Algorithm::A128KW, &[2; 16]).unwrap().with_kid("kw"),
        DecryptionKey::symmetric(Algorithm::A256GCMKW, &[3; 32]).unwrap().with_kid("gcmkw"),
        DecryptionKey::x25519(Algorithm::ECDH_ES, &[4; 32]).unwrap().with_kid("x"),
        DecryptionKey::x25519(Algorithm::ECDH_ES_A128KW, &[5; 32]).unwrap().with_kid("xkw"),
        DecryptionKey::symmetric(Algorithm::PBES2_HS256_A128KW, b"pw").unwrap().with_kid("pw"),
    ])
    // Keep PBKDF2 cheap under the fuzzer.
    .with_max_p2c(2000)
    .allow_compression(64 * 1024)
}
