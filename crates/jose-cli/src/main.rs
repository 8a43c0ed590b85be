//! `jose`: keys and tokens of JOSE (JWK, JWS, JWE, JWT) on the command line.
//!
//! Exit status: 0 success; 1 the token or input was rejected; 2 usage error; 3 the key or
//! key set was refused.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cmd_jwe;
mod cmd_jws;
mod cmd_jwt;
mod cmd_key;
mod error;
mod inspect;
mod io;
mod keys;
mod remote;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use jws::Algorithm;
use jws::jwt_claims::EncryptionAlgorithm;

use crate::keys::{parse_alg, parse_enc};

/// Keys and tokens of JOSE: JWK, JWS, JWE and JWT.
///
/// Inputs come from a file argument, or from standard input when it is `-` or absent;
/// results go to standard output, errors to standard error.
///
/// Exit status: 0 success; 1 the token or input was rejected; 2 usage error; 3 the key or
/// key set was refused.
#[derive(Debug, Parser)]
#[command(name = "jose", version, propagate_version = true)]
#[command(after_help = "Example:\n  \
    jose key generate EdDSA > key.jwk\n  \
    jose jwt sign --key key.jwk --sub ann --aud api | jose jwt verify --key key.jwk --aud api")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate, convert and describe keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Print a JWK Set of the public parts of the given keys (a secret `oct` key is
    /// refused unless --private asks for the whole keys).
    #[command(after_help = "Examples:\n  jose jwks a.jwk b.jwk > jwks.json\n  \
        jose jwks --private hs.jwk partner.pub > trusted.json   # a private set: keep it secret")]
    Jwks {
        /// Write the keys whole, private members and secret keys included: a set for your
        /// own verifiers, never for publication.
        #[arg(long)]
        private: bool,
        /// Key files (JWK, JWK Set or PEM).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Sign a payload (JWS).
    #[command(after_help = "Example:\n  \
        printf hello | jose sign --key key.jwk > token\n  \
        jose sign --key key.jwk --json payload.bin")]
    Sign(SignArgs),
    /// Verify a JWS and print its payload exactly as signed.
    #[command(after_help = "Examples:\n  \
        jose verify --key key.jwk --alg EdDSA token\n  \
        jose verify --jwks-url https://issuer.example/.well-known/jwks.json token")]
    Verify(VerifyArgs),
    /// Encrypt a payload (JWE).
    #[command(after_help = "Example:\n  \
        jose encrypt --key rsa.jwk --alg RSA-OAEP-256 --enc A256GCM secret.txt > token")]
    Encrypt(EncryptArgs),
    /// Decrypt a JWE and print its plaintext exactly.
    #[command(after_help = "Example:\n  \
        jose decrypt --key rsa.jwk --alg RSA-OAEP-256 --enc A256GCM token")]
    Decrypt(DecryptArgs),
    /// Sign and verify JSON Web Tokens.
    #[command(subcommand)]
    Jwt(JwtCommand),
    /// Show a token's header and payload, NOT verified.
    #[command(after_help = "Example:\n  jose inspect token")]
    Inspect {
        /// The token (compact or JSON); standard input if absent or `-`.
        token: Option<PathBuf>,
    },
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  jose completions bash > /etc/bash_completion.d/jose")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Generate a new private JWK for a JWS or JWE algorithm.
    #[command(after_help = "Examples:\n  \
        jose key generate ES256 > ec.jwk\n  \
        jose key generate RS256 --bits 3072 --kid 2026-11\n  \
        jose key generate ECDH-ES+A256KW --curve X25519\n  \
        jose key generate dir --enc A256GCM")]
    Generate(GenerateArgs),
    /// Print the public JWK (or JWK Set) of a private one.
    #[command(after_help = "Example:\n  jose key public key.jwk > key.pub.jwk")]
    Public {
        /// JWK, JWK Set or PEM file; standard input if absent or `-`.
        file: Option<PathBuf>,
    },
    /// Print the RFC 7638 SHA-256 thumbprint of a key, base64url-encoded.
    #[command(after_help = "Example:\n  jose key thumbprint key.jwk")]
    Thumbprint {
        /// JWK, JWK Set (one line per key) or PEM file; standard input if absent or `-`.
        file: Option<PathBuf>,
    },
    /// Convert a PEM key (PKCS#8, SubjectPublicKeyInfo, PKCS#1, SEC1) to a JWK.
    #[command(after_help = "Example:\n  jose key import --alg RS256 private.pem > key.jwk")]
    Import {
        /// The algorithm the key is for (written as `alg`).
        #[arg(long, value_parser = parse_alg)]
        alg: Algorithm,
        /// The key ID; the RFC 7638 thumbprint by default.
        #[arg(long)]
        kid: Option<String>,
        /// The PEM file; standard input if absent or `-`.
        file: Option<PathBuf>,
    },
    /// Convert a JWK to PEM (PKCS#8 for private keys, SubjectPublicKeyInfo for public ones).
    #[command(after_help = "Example:\n  jose key export --pem key.jwk > key.pem")]
    Export {
        /// Write PEM (the only format).
        #[arg(long, required = true)]
        pem: bool,
        /// Export the public key only.
        #[arg(long)]
        public: bool,
        /// The JWK file; standard input if absent or `-`.
        file: Option<PathBuf>,
    },
}

/// `jose key generate`.
#[derive(Debug, Args)]
struct GenerateArgs {
    /// The algorithm (any JWS or JWE `alg`; `dir` needs --enc).
    #[arg(value_parser = parse_alg)]
    alg: Algorithm,
    /// The key ID; the RFC 7638 thumbprint by default.
    #[arg(long)]
    kid: Option<String>,
    /// The curve: for ECDH-ES*, P-256 (default), P-384, P-521 or X25519; for JWS
    /// algorithms it must be the algorithm's own.
    #[arg(long)]
    curve: Option<String>,
    /// RSA modulus size in bits (at least 2048).
    #[arg(long, default_value_t = 2048)]
    bits: usize,
    /// For `dir`: the content encryption the key is for (it sets the key size).
    #[arg(long, value_parser = parse_enc)]
    enc: Option<EncryptionAlgorithm>,
}

/// Which serialization to write.
#[derive(Debug, Args)]
#[group(multiple = false)]
struct Serialization {
    /// Write the general JSON serialization (one signature or recipient per key).
    #[arg(long)]
    json: bool,
    /// Write the flattened JSON serialization.
    #[arg(long)]
    flattened: bool,
}

/// `jose sign`.
#[derive(Debug, Args)]
struct SignArgs {
    /// Signing key file (JWK, JWK Set or PEM); every key of a set signs with --json.
    #[arg(long)]
    key: PathBuf,
    /// The algorithm; the key's `alg` by default.
    #[arg(long, value_parser = parse_alg)]
    alg: Option<Algorithm>,
    /// Extra protected header parameters, as a JSON object.
    #[arg(long, value_name = "JSON")]
    header: Option<String>,
    #[command(flatten)]
    serialization: Serialization,
    /// Leave the payload out of the token (RFC 7515 Appendix F).
    #[arg(long)]
    detached: bool,
    /// Sign the payload unencoded (RFC 7797 `b64: false`).
    #[arg(long)]
    b64_false: bool,
    /// The payload file; standard input if absent or `-`.
    payload: Option<PathBuf>,
}

/// `jose verify`.
#[derive(Debug, Args)]
struct VerifyArgs {
    /// Trusted key file (JWK, JWK Set or PEM).
    #[arg(long, required_unless_present = "jwks_url")]
    key: Option<PathBuf>,
    #[command(flatten)]
    remote: RemoteArgs,
    /// An allowed algorithm (repeat for several); required unless every key names its `alg`.
    #[arg(long, value_parser = parse_alg)]
    alg: Vec<Algorithm>,
    /// The detached payload.
    #[arg(long, value_name = "PAYLOAD_FILE")]
    detached: Option<PathBuf>,
    /// Accept RFC 7797 unencoded payloads (`b64: false`).
    #[arg(long)]
    allow_b64_false: bool,
    /// JSON serialization: require every signature of the document to verify with a
    /// trusted key. By default (RFC 7515 7.2) one valid signature by a trusted key is
    /// enough, and with a key set each key of the set must have a valid signature of its
    /// own.
    #[arg(long)]
    all_signatures: bool,
    /// The token (compact or JSON); standard input if absent or `-`.
    token: Option<PathBuf>,
}

/// The trusted keys fetched from an issuer's JWK Set (`jose verify`, `jose jwt verify`).
#[derive(Debug, Args)]
struct RemoteArgs {
    /// Trust the signature keys of the JWK Set at this https URL (fetched once, by the
    /// rules of the jwks-remote crate: 5 s timeout, 256 KiB, status 200 and JSON, no
    /// redirects, no private keys); instead of --key.
    #[arg(long, value_name = "URL", conflicts_with = "key")]
    jwks_url: Option<String>,
    /// With --jwks-url: also allow a plain http URL to a loopback host (tests, sidecars).
    #[arg(long, requires = "jwks_url")]
    allow_http_loopback: bool,
}

/// `jose encrypt`.
#[derive(Debug, Args)]
struct EncryptArgs {
    /// Recipient key file (JWK, JWK Set or PEM); every key of a set is a recipient with
    /// --json.
    #[arg(long, required_unless_present = "password_file")]
    key: Option<PathBuf>,
    /// A file holding a PBES2 password (one trailing newline is ignored).
    #[arg(long, conflicts_with = "key")]
    password_file: Option<PathBuf>,
    /// The key management algorithm; the key's `alg` by default.
    #[arg(long, value_parser = parse_alg)]
    alg: Option<Algorithm>,
    /// The content encryption algorithm.
    #[arg(long, value_parser = parse_enc)]
    enc: EncryptionAlgorithm,
    /// Compress the payload (DEFLATE) before encrypting.
    #[arg(long)]
    zip: bool,
    /// PBES2 iteration count.
    #[arg(long, default_value_t = jwe::DEFAULT_P2C)]
    p2c: u64,
    #[command(flatten)]
    serialization: Serialization,
    /// The payload file; standard input if absent or `-`.
    payload: Option<PathBuf>,
}

/// `jose decrypt`.
#[derive(Debug, Args)]
struct DecryptArgs {
    /// Private key file (JWK, JWK Set or PEM).
    #[arg(long, required_unless_present = "password_file")]
    key: Option<PathBuf>,
    /// A file holding a PBES2 password (one trailing newline is ignored).
    #[arg(long, conflicts_with = "key")]
    password_file: Option<PathBuf>,
    /// An allowed key management algorithm (repeat for several); required unless every
    /// key names its `alg`.
    #[arg(long, value_parser = parse_alg)]
    alg: Vec<Algorithm>,
    /// An allowed content encryption algorithm (repeat for several).
    #[arg(long, value_parser = parse_enc, required = true)]
    enc: Vec<EncryptionAlgorithm>,
    /// The highest PBES2 iteration count accepted.
    #[arg(long, default_value_t = jwe::DEFAULT_MAX_P2C)]
    max_p2c: u64,
    /// Accept compressed (`zip: DEF`) tokens.
    #[arg(long)]
    allow_zip: bool,
    /// The token (compact or JSON); standard input if absent or `-`.
    token: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum JwtCommand {
    /// Sign a JWT (and encrypt it, as a nested JWT, with --encrypt-to).
    #[command(after_help = "Examples:\n  \
        jose jwt sign --key key.jwk --iss https://issuer.example --sub ann --aud api --exp 15m\n  \
        jose jwt sign --key key.jwk --claims '{\"role\":\"admin\"}' --sub ann --aud api\n  \
        jose jwt sign --key key.jwk --sub ann --aud api --encrypt-to rsa.pub.jwk --enc A256GCM")]
    Sign(Box<JwtSignArgs>),
    /// Verify a JWT, validate its claims and print them as JSON.
    #[command(after_help = "Examples:\n  \
        jose jwt verify --key key.pub.jwk --alg EdDSA --iss https://issuer.example --aud api token\n  \
        jose jwt verify --key key.pub.jwk --aud api --decrypt-key rsa.jwk --enc A256GCM token\n  \
        jose jwt verify --jwks-url https://issuer.example/.well-known/jwks.json --iss https://issuer.example --aud api token")]
    Verify(Box<JwtVerifyArgs>),
}

/// `jose jwt sign`.
#[derive(Debug, Args)]
struct JwtSignArgs {
    /// Signing key file (JWK, JWK Set of one key, or PEM).
    #[arg(long)]
    key: PathBuf,
    /// The algorithm; the key's `alg` by default.
    #[arg(long, value_parser = parse_alg)]
    alg: Option<Algorithm>,
    /// Claims as a JSON object, or a file holding one.
    #[arg(long, value_name = "JSON_OR_FILE")]
    claims: Option<String>,
    /// Issuer (`iss`).
    #[arg(long)]
    iss: Option<String>,
    /// Subject (`sub`).
    #[arg(long)]
    sub: Option<String>,
    /// Audience (`aud`); repeat for several.
    #[arg(long)]
    aud: Vec<String>,
    /// Lifetime: `exp` is now plus this (e.g. 90s, 30m, 12h, 7d); 30m unless --claims
    /// holds an `exp`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    exp: Option<u64>,
    /// Not before (`nbf`): now plus this duration (0 when given without value).
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "0s", value_parser = parse_duration)]
    nbf: Option<u64>,
    /// JWT ID (`jti`); a random one when given without value.
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    jti: Option<String>,
    /// Header `typ`.
    #[arg(long, default_value = "JWT")]
    typ: String,
    /// The time to sign at, in seconds since the epoch (the system clock by default).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// Encrypt the signed JWT to this key (nested JWT, `cty: JWT`).
    #[arg(long, value_name = "FILE", requires = "enc")]
    encrypt_to: Option<PathBuf>,
    /// Key management algorithm for --encrypt-to; the key's `alg` by default.
    #[arg(long, value_parser = parse_alg, requires = "encrypt_to")]
    encrypt_alg: Option<Algorithm>,
    /// Content encryption for --encrypt-to.
    #[arg(long, value_parser = parse_enc, requires = "encrypt_to")]
    enc: Option<EncryptionAlgorithm>,
}

/// `jose jwt verify`.
#[derive(Debug, Args)]
struct JwtVerifyArgs {
    /// Trusted key file (JWK, JWK Set or PEM).
    #[arg(long, required_unless_present = "jwks_url")]
    key: Option<PathBuf>,
    #[command(flatten)]
    remote: RemoteArgs,
    /// An allowed algorithm (repeat for several); required unless every key names its `alg`.
    #[arg(long, value_parser = parse_alg)]
    alg: Vec<Algorithm>,
    /// The accepted issuer (repeat for several).
    #[arg(long)]
    iss: Vec<String>,
    /// An accepted audience (repeat for several). A token with `aud` is refused unless one
    /// of its audiences is given.
    #[arg(long)]
    aud: Vec<String>,
    /// The required subject.
    #[arg(long)]
    sub: Option<String>,
    /// The required header `typ`.
    #[arg(long)]
    typ: Option<String>,
    /// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = jws::Validation::DEFAULT_LEEWAY.as_secs())]
    leeway: u64,
    /// The current time, in seconds since the epoch (the system clock by default).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// The token is a nested JWT: decrypt it with this private key first.
    #[arg(long, value_name = "FILE", requires = "enc")]
    decrypt_key: Option<PathBuf>,
    /// An allowed key management algorithm for --decrypt-key.
    #[arg(long, value_parser = parse_alg, requires = "decrypt_key")]
    decrypt_alg: Vec<Algorithm>,
    /// An allowed content encryption for --decrypt-key.
    #[arg(long, value_parser = parse_enc, requires = "decrypt_key")]
    enc: Vec<EncryptionAlgorithm>,
    /// The token; standard input if absent or `-`.
    token: Option<PathBuf>,
}

/// Parses `90s`, `30m`, `12h`, `7d` or a bare number of seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration like 90s, 30m, 12h or 7d"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unit of \"{text}\" is not s, m, h or d")),
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("duration \"{text}\" is too large"))
}

fn run(cli: Cli) -> error::Result<()> {
    match cli.command {
        Command::Key(cmd) => match cmd {
            KeyCommand::Generate(args) => cmd_key::generate(&args),
            KeyCommand::Public { file } => cmd_key::public(file.as_deref()),
            KeyCommand::Thumbprint { file } => cmd_key::thumbprint(file.as_deref()),
            KeyCommand::Import { alg, kid, file } => {
                cmd_key::import(&alg, kid.as_deref(), file.as_deref())
            }
            KeyCommand::Export {
                pem: _,
                public,
                file,
            } => cmd_key::export(public, file.as_deref()),
        },
        Command::Jwks { private, files } => cmd_key::jwks(&files, private),
        Command::Sign(args) => cmd_jws::sign(&args),
        Command::Verify(args) => cmd_jws::verify(&args),
        Command::Encrypt(args) => cmd_jwe::encrypt(&args),
        Command::Decrypt(args) => cmd_jwe::decrypt(&args),
        Command::Jwt(JwtCommand::Sign(args)) => cmd_jwt::sign(&args),
        Command::Jwt(JwtCommand::Verify(args)) => cmd_jwt::verify(&args),
        Command::Inspect { token } => inspect::inspect(token.as_ref()),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "jose", &mut script);
            io::write_bytes(&script)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version print and exit 0; usage errors exit 2.
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            io::warn(&format!("jose: {}", e.message));
            ExitCode::from(e.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
