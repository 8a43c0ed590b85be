//! `jose-auth-server`: the reference auth server of jose-rs (see the crate README).
#![forbid(unsafe_code)]

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use jwt_auth::{
    DenyList, PostgresStore, RedisDenyList, RedisDenyListOptions, Revocations, SqliteStore,
};
use tracing_subscriber::EnvFilter;
use zeroize::Zeroizing;

mod app;
mod config;
mod kek;
mod store;
mod throttle;
mod users;

use config::{Cli, Command, Common, Database, KeyCommand, Serve, UserCommand};
use store::AnyStore;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match &cli.command {
        Some(Command::User {
            command: UserCommand::Add { name },
        }) => add_user(&cli.common, name),
        Some(Command::Key { command }) => keys(&cli.common, &cli.serve, command),
        None | Some(Command::Serve) => serve(&cli.common, &cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("jose-auth-server: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Reads the password: twice at a prompt on a terminal, else one line of stdin.
fn read_password(name: &str) -> Result<Zeroizing<String>, String> {
    if std::io::stdin().is_terminal() {
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("Password for {name}: "))
                .map_err(|e| format!("cannot read the password: {e}"))?,
        );
        let second = Zeroizing::new(
            rpassword::prompt_password("Again: ")
                .map_err(|e| format!("cannot read the password: {e}"))?,
        );
        if *first != *second {
            return Err("the passwords differ".into());
        }
        return Ok(first);
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_owned());
    Ok(trimmed)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

async fn open_users(database: &Database) -> Result<users::Users, String> {
    match database {
        Database::Sqlite(path) => users::Users::open(path),
        Database::Postgres(url) => users::Users::open_postgres(url).await,
    }
    .map_err(|e| e.to_string())
}

fn add_user(common: &Common, name: &str) -> Result<(), String> {
    let database = common.database()?;
    let password = read_password(name)?;
    let id = runtime()?.block_on(async {
        let users = open_users(&database).await?;
        users.add(name, &password).await.map_err(|e| e.to_string())
    })?;
    #[allow(clippy::print_stdout)]
    {
        println!("added user {name} (id {id}) to {}", database.describe());
    }
    Ok(())
}

/// The key-encryption key's file: as configured, else beside the SQLite file, else
/// `jose-auth.kek` (every instance on one PostgreSQL database needs the same key: give
/// them the same file or `JOSE_AUTH_KEK`).
fn kek_path(serve: &Serve, database: &Database) -> PathBuf {
    serve.kek_file.clone().unwrap_or_else(|| match database {
        Database::Sqlite(path) => {
            let mut name = path.as_os_str().to_owned();
            name.push(".kek");
            PathBuf::from(name)
        }
        Database::Postgres(_) => PathBuf::from("jose-auth.kek"),
    })
}

fn load_kek(serve: &Serve, database: &Database) -> Result<jwt_auth::KeyEncryptionKey, String> {
    let kek_file = kek_path(serve, database);
    let env_kek = std::env::var(kek::KEK_VAR).ok().map(Zeroizing::new);
    let (kek, source) = kek::load(env_kek.as_deref().map(String::as_str), &kek_file)?;
    drop(env_kek);
    match source {
        kek::Source::Created => tracing::warn!(
            file = %kek_file.display(),
            "created the key-encryption key (mode 0600): keep it with the database; without it the key ring cannot be opened"
        ),
        kek::Source::File => tracing::info!(file = %kek_file.display(), "key-encryption key read"),
        kek::Source::Environment => {
            tracing::info!("key-encryption key taken from {}", kek::KEK_VAR);
        }
    }
    Ok(kek)
}

async fn open_store(database: &Database) -> Result<AnyStore, String> {
    match database {
        Database::Sqlite(path) => SqliteStore::open(path)
            .map(AnyStore::Sqlite)
            .map_err(|e| format!("{}: {e}", path.display())),
        Database::Postgres(url) => PostgresStore::connect(url)
            .await
            .map(AnyStore::Postgres)
            .map_err(|e| format!("{}: {e}", database.describe())),
    }
}

/// The deny-list: shared through Redis with `--redis`, else this process's own.
async fn open_deny_list(common: &Common, serve: &Serve) -> Result<Arc<dyn Revocations>, String> {
    let leeway = jwt_auth::jws::Validation::DEFAULT_LEEWAY;
    Ok(match &common.redis {
        Some(url) => RedisDenyList::connect(
            url,
            serve.access_ttl,
            leeway,
            RedisDenyListOptions::new().with_prefix(&common.redis_prefix),
        )
        .await
        .map_err(|e| format!("{}: {e}", config::redact_password(url)))?,
        None => Arc::new(DenyList::new(100_000, serve.access_ttl, leeway)),
    })
}

fn keys(common: &Common, serve: &Serve, command: &KeyCommand) -> Result<(), String> {
    let database = common.database()?;
    runtime()?.block_on(async {
        let kek = load_kek(serve, &database)?;
        let store = Arc::new(open_store(&database).await?);
        let deny = open_deny_list(common, serve).await?;
        let authority = app::open_authority(serve, store, kek, deny).await?;
        match command {
            KeyCommand::List => {}
            KeyCommand::Rotate => authority.rotate_keys().await.map_err(|e| e.to_string())?,
            KeyCommand::Revoke { kid } => {
                authority.revoke_key(kid).await.map_err(|e| e.to_string())?;
            }
        }
        let ring = authority.key_ring();
        #[allow(clippy::print_stdout)]
        {
            println!("key ring version {}", ring.version());
            for (kid, state) in ring.states() {
                println!("{kid}\t{state:?}");
            }
        }
        Ok(())
    })
}

fn serve(common: &Common, serve: &Serve) -> Result<(), String> {
    runtime()?.block_on(run(common, serve))
}

async fn run(common: &Common, serve: &Serve) -> Result<(), String> {
    let database = common.database()?;
    let kek = load_kek(serve, &database)?;
    let users = open_users(&database).await?;
    let store = Arc::new(open_store(&database).await?);
    let deny = open_deny_list(common, serve).await?;
    let app = app::build(serve, Arc::clone(&store), users, kek, deny).await?;
    let listener = tokio::net::TcpListener::bind(serve.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", serve.listen))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", serve.listen))?;
    tracing::info!(
        url = %format!("http://{local}/"),
        issuer = %app.issuer,
        database = %database.describe(),
        shared_deny_list = common.redis.is_some(),
        access_ttl_secs = serve.access_ttl.as_secs(),
        "serving"
    );
    #[allow(clippy::print_stdout)]
    {
        println!("jose-auth-server: open http://{local}/");
    }

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let app::App { router, keys, .. } = app;
    // The task holds the authority (and, through it, the store) until it stops.
    let maintenance = tokio::spawn(app::maintain(
        keys,
        serve.key_rotation,
        serve.key_reload,
        stopped,
    ));
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    // Requests in flight (rotations among them) have finished; then the background task,
    // then the store, whose worker completes what it was handed.
    let _ = stop.send(true);
    let _ = maintenance.await;
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().await.map_err(|e| e.to_string())?,
        Err(_) => tracing::warn!("the store is still in use; it closes when released"),
    }
    tracing::info!("stopped");
    served.map_err(|e| format!("server: {e}"))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutting down: finishing requests in flight");
}
