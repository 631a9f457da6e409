//! The `zhiyan` command line (API.md): thin wrappers over the library.
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use std::io::Read;
use std::sync::Arc;
use zhiyan::config::{redact_url, DataArgs, ServeArgs};
use zhiyan::domain::SystemClock;
use zhiyan::service::{saved_note, ChainStatus, Role, Service, Settings};

#[derive(Parser)]
#[command(
    name = "zhiyan",
    version,
    about = "直言 Zhiyan: an anonymous feedback channel for grassroots public servants"
)]
struct Cli {
    #[command(flatten)]
    data: DataArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Account administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Organisation file import and export.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Recompute the audit chain and name the first broken link; check a saved checkpoint against it.
    VerifyLog {
        /// A checkpoint saved earlier: the signed note (`text` of /api/v1/log/head) or that whole
        /// JSON answer. Its signature is checked and the log must still contain it.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<std::path::PathBuf>,
        /// The log's public key (base64, as published) to check the checkpoint with; by default the
        /// key of the keyring in the data dir.
        #[arg(long, value_name = "BASE64", requires = "checkpoint")]
        public_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a personal staff account. Prints a one-time setup code (valid 24 hours) with which
    /// its holder chooses a password and enrols two-factor sign-in at /staff/setup; with
    /// --password-stdin the password is read from standard input instead, and two-factor sign-in
    /// is enrolled at the first sign-in.
    #[command(name = "create-user")]
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["desk", "supervisor", "admin"])]
        role: String,
        /// The desk's own department, or the root of a supervisor's subtree (not for admins).
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it can no longer sign in, and its sessions end at once.
    #[command(name = "disable-user")]
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account again.
    #[command(name = "enable-user")]
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Reset an account (forgotten password, lost phone): its password, second factor and
    /// sessions end, and a new setup code (valid 24 hours) is printed.
    #[command(name = "reset-user")]
    Reset {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Import (create or update) the organisation from a TOML file; all or nothing.
    Import { file: std::path::PathBuf },
    /// Print the active organisation as TOML.
    Export,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZHIYAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let ok = std::process::ExitCode::SUCCESS;
    match cli.command {
        Command::Serve(args) => serve(&cli.data, *args).await.map(|_| ok),
        Command::Migrate => {
            zhiyan::connect(&cli.data).await?;
            println!(
                "migrations applied to {}",
                redact_url(&cli.data.database_url())
            );
            Ok(ok)
        }
        Command::Admin(command) => admin(&cli.data, command).await.map(|_| ok),
        Command::Org(OrgCommand::Import { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let service = open(&cli.data, Settings::default()).await?;
            match service.import_org(&text).await {
                Ok(org) => {
                    println!(
                        "imported {} departments, {} areas, {} categories, {} rules",
                        org.departments.len(),
                        org.areas.len(),
                        org.categories.len(),
                        org.rules.len()
                    );
                    Ok(ok)
                }
                Err(e) => bail!("{}: {e}", file.display()),
            }
        }
        Command::Org(OrgCommand::Export) => {
            let service = open(&cli.data, Settings::default()).await?;
            print!("{}", service.export_org().await?);
            Ok(ok)
        }
        Command::VerifyLog {
            checkpoint,
            public_key,
        } => verify_log(&cli.data, checkpoint, public_key).await,
    }
}

/// `zhiyan admin …`: errors are the service's own sentence (a taken username is "username already
/// exists", nothing more).
async fn admin(data: &DataArgs, command: AdminCommand) -> anyhow::Result<()> {
    let service = open(data, Settings::default()).await?;
    let said = |e: zhiyan::service::Error| anyhow::anyhow!("{e}");
    let print_code = |issued: &zhiyan::service::SetupCodeIssued| {
        println!(
            "setup code (shown once, valid until {}): {}",
            issued.expires,
            issued.setup_code.expose_secret()
        );
        println!(
            "give it to {} in person; they open /staff/setup, enter it, choose a password and set up two-factor sign-in",
            issued.username
        );
    };
    match command {
        AdminCommand::Create {
            username,
            role,
            department,
            password_stdin,
        } => {
            let role = Role::parse(&role).context("role must be desk, supervisor or admin")?;
            if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                let password = s.trim_end_matches(['\n', '\r']);
                service
                    .create_user(&username, role, department.as_deref(), password)
                    .await
                    .map_err(said)?;
                println!("created {} account {username}", role.as_str());
                println!("two-factor sign-in is set up at the first sign-in");
            } else {
                let issued = service
                    .create_user_with_setup_code(&username, role, department.as_deref())
                    .await
                    .map_err(said)?;
                println!("created {} account {username}", role.as_str());
                print_code(&issued);
            }
        }
        AdminCommand::Disable { username } => {
            service
                .set_user_enabled(&username, false)
                .await
                .map_err(|e| no_such_account(e, &username))?;
            println!("disabled {username}; its sessions have ended");
        }
        AdminCommand::Enable { username } => {
            service
                .set_user_enabled(&username, true)
                .await
                .map_err(|e| no_such_account(e, &username))?;
            println!("enabled {username}");
        }
        AdminCommand::Reset { username } => {
            let issued = service
                .reset_user(&username)
                .await
                .map_err(|e| no_such_account(e, &username))?;
            println!("reset {username}: its password, two-factor sign-in and sessions have ended");
            print_code(&issued);
        }
    }
    Ok(())
}

fn no_such_account(e: zhiyan::service::Error, username: &str) -> anyhow::Error {
    match e {
        zhiyan::service::Error::NotFound => anyhow::anyhow!("no account named {username}"),
        e => anyhow::anyhow!("{e}"),
    }
}

/// `verify-log`: walk the whole chain, then check a checkpoint against it (a saved one, or one
/// signed now as a self-check). Every failure is one line on stderr and exit status 2.
async fn verify_log(
    data: &DataArgs,
    saved: Option<std::path::PathBuf>,
    public_key: Option<String>,
) -> anyhow::Result<std::process::ExitCode> {
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine;
    use zhiyan::crypto::checkpoint::verify_checkpoint;
    let fail = |why: String| {
        eprintln!("{why}");
        Ok(std::process::ExitCode::from(2))
    };
    let service = open(data, Settings::default()).await?;
    let (size, head) = match service.verify_chain().await? {
        ChainStatus::Valid { size, head } => (size, head),
        ChainStatus::Broken { seq, reason } => {
            return fail(format!("audit log BROKEN at event {seq}: {reason}"))
        }
    };
    let key = match &public_key {
        Some(k) => B64.decode(k.trim()).context("--public-key is not base64")?,
        None => service.log_public_key(),
    };
    // What the checkpoint is called in the messages.
    let (note, name) = match &saved {
        Some(file) => {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {name}"))?;
            match saved_note(&text) {
                Ok(note) => (note, name),
                Err(e) => return fail(format!("{name}: {e}")),
            }
        }
        None => {
            let note = service.checkpoint().await?.text;
            (note, "the checkpoint signed now".to_string())
        }
    };
    let cp = match verify_checkpoint(&note, &key) {
        Ok(cp) => cp,
        Err(e) => return fail(format!("{name}: {e}")),
    };
    if let Some(m) = service.checkpoint_mismatch(&cp).await? {
        return fail(format!("{name}: {m}"));
    }
    println!(
        "audit log valid: {size} events, head {head}; checkpoint verifies ({name}): {} events, head {}, contained in the log",
        cp.size,
        B64.encode(&cp.head)
    );
    if saved.is_none() {
        print!("{note}");
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn open(data: &DataArgs, settings: Settings) -> anyhow::Result<Service> {
    zhiyan::open_service(data, Arc::new(SystemClock), settings).await
}

async fn serve(data: &DataArgs, args: ServeArgs) -> anyhow::Result<()> {
    let service = open(data, args.settings()).await?;
    if args.demo {
        tracing::warn!(
            "--demo: two-factor sign-in is not required; staff sign in with a password alone (not for production)"
        );
        if args.release_delay.is_none() {
            tracing::warn!(
                "--demo: release-delay is 0s, so reports reach desks at once (not for production)"
            );
        }
        let accounts = service
            .load_demo(include_str!("../examples/demo-org.toml"))
            .await?;
        if accounts.is_empty() {
            tracing::info!("--demo: the database already has an organisation; nothing loaded");
        } else {
            println!("Demo accounts (passwords shown once):");
            for a in &accounts {
                println!(
                    "  {:<28} {:<10} {}",
                    a.username,
                    a.role.as_str(),
                    a.password.expose_secret()
                );
            }
            println!(
                "Two-factor sign-in is off in the demo: each password signs in on its own at /staff/login."
            );
        }
    }
    if args.public_origin.is_none() {
        tracing::warn!(
            "no --public-origin: staff cookies are not marked Secure and form posts are checked against the Host header; set it to the https:// address people use"
        );
    }
    let state = zhiyan::web::AppState::new(service.clone(), args.deployment())?;
    let router = zhiyan::web::router(state);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(
        "zhiyan listening on http://{} ({} database)",
        listener.local_addr()?,
        service.backend_name()
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let every = |s: zhiyan::domain::Span| std::time::Duration::from_secs(s.seconds().max(1) as u64);
    let jobs = tokio::spawn(zhiyan::jobs::run(
        service.clone(),
        zhiyan::jobs::Intervals {
            sweep: every(args.sweep_interval),
            stats: every(args.stats_refresh),
        },
        stop_rx,
    ));
    zhiyan::serve(
        listener,
        router,
        args.connection_limits(),
        shutdown_signal(),
    )
    .await?;
    let _ = stop_tx.send(true);
    let _ = jobs.await;
    service.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
