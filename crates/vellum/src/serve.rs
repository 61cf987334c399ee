//! `vellum serve`: the HTTP server on the embedded default or PostgreSQL.

use std::process::ExitCode;

use clap::Args;
use vellum_core::Limits;
use vellum_server::{serve, AppState, HttpConfig};

use crate::config::StorageArgs;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "VELLUM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// `auto`: apply missing migrations at start (under the migration lock); `off`: refuse to
    /// start while any is missing (run `vellum migrate` first, as a rolling upgrade does).
    #[arg(long, env = "VELLUM_MIGRATE", value_enum, default_value_t = MigrateAtStart::Auto)]
    pub migrate: MigrateAtStart,
    #[command(flatten)]
    pub storage: StorageArgs,
    #[command(flatten)]
    pub notify: crate::config::NotifyArgs,
    #[command(flatten)]
    pub sso: crate::config::SsoArgs,
    /// The largest upload accepted, in bytes.
    #[arg(long, env = "VELLUM_MAX_UPLOAD_BYTES", default_value_t = 5 * 1024 * 1024 * 1024)]
    pub max_upload_bytes: u64,
    /// The longest one upload may take, in seconds; its staged bytes count as abandoned after.
    #[arg(long, env = "VELLUM_MAX_UPLOAD_SECS", default_value_t = vellum_blob::DEFAULT_MAX_STAGING.as_secs())]
    pub max_upload_secs: u64,
    /// Background workers in this process (0 when `vellum worker` runs them elsewhere).
    #[arg(long, env = "VELLUM_WORKERS", default_value_t = 2)]
    pub workers: usize,
    /// Milliseconds between the search indexer's looks at the change record; 0 pauses
    /// indexing (tests use it to crash between a commit and its indexing).
    #[arg(long, env = "VELLUM_INDEX_INTERVAL_MS", default_value_t = 200)]
    pub index_interval_ms: u64,
    /// Seconds of silence after which another worker takes over a running job.
    #[arg(long, env = "VELLUM_JOB_STALE_SECS", default_value_t = 60)]
    pub stale_after_secs: u32,
    /// Mark cookies Secure (default: yes, unless listening on plain HTTP on a loopback address).
    #[arg(long, env = "VELLUM_SECURE_COOKIES", num_args = 0..=1, default_missing_value = "true", value_name = "true|false")]
    pub secure_cookies: Option<bool>,
    /// The largest request body of any route but uploads, in bytes.
    #[arg(long, env = "VELLUM_MAX_BODY_BYTES", default_value_t = vellum_server::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Reverse proxies and load balancers (addresses or networks, e.g. 10.0.0.0/8) whose
    /// X-Forwarded-For names the client; from anyone else the header is ignored.
    #[arg(long, env = "VELLUM_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// First admin's email, used only when the server has no users.
    #[arg(long, env = "VELLUM_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// First admin's password, used only when the server has no users.
    #[arg(long, env = "VELLUM_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
}

/// Whether `serve` migrates the database when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MigrateAtStart {
    Auto,
    Off,
}

pub async fn run(args: ServeArgs) -> Result<ExitCode, String> {
    let limits = Limits {
        max_upload_bytes: args.max_upload_bytes,
        max_upload_secs: args.max_upload_secs.max(1),
        stale_job_secs: args.stale_after_secs.max(1),
        ..Limits::default()
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // Without --public-url, links (and the single sign-on redirect URI) use the address bound,
    // so a server on port 0 names its real port.
    let notify = args.notify.config(&addr.to_string())?;
    let trusted_proxies = args
        .trusted_proxies
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| vellum_domain::proxy::Cidr::parse(p).map_err(|e| format!("--trusted-proxies: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let core = args
        .storage
        .open_core(limits, args.migrate == MigrateAtStart::Auto)
        .await?
        .with_notify(notify)
        .with_search(&args.storage.index_dir())
        .map_err(|e| format!("cannot open the search index in {}: {e}", args.storage.index_dir().display()))?;
    let core = args.sso.apply(core).await?;
    log_missing_tools();

    match (&args.admin_email, &args.admin_password) {
        (Some(email), Some(password)) => {
            if let Some(u) = core
                .bootstrap_admin(email, password)
                .await
                .map_err(|e| format!("cannot create the first admin: {e}"))?
            {
                tracing::info!(email = %u.email, "created the first server admin");
            }
        }
        _ => {
            if let Some(token) = core.setup_token().await.map_err(|e| e.to_string())? {
                println!("No users yet. Create the first admin at: http://{addr}/setup?token={token}");
            }
        }
    }
    if let Some(k) = &core.audit {
        println!("Audit public key: {}", k.key.public().to_hex());
    }
    println!("Vellum listening on http://{addr}");
    let (stop_workers, mut workers) = vellum_core::worker::spawn(&core, args.workers, &node_name());
    workers.push(spawn_indexer(core.clone(), args.index_interval_ms, stop_workers.subscribe()).await?);
    // Browsers send Secure cookies only over HTTPS — and to http://localhost — so plain HTTP on
    // loopback (a laptop, a test) keeps working while anything else defaults to Secure.
    let secure_cookies = args.secure_cookies.unwrap_or(!addr.ip().is_loopback());
    let http = HttpConfig {
        secure_cookies,
        max_body_bytes: args.max_body_bytes.max(1024),
        trusted_proxies,
        ..HttpConfig::default()
    };
    let state = AppState { core: core.clone(), http };
    serve(listener, state, shutdown()).await.map_err(|e| e.to_string())?;
    let _ = stop_workers.send(true);
    for w in workers {
        let _ = w.await;
    }
    core.store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Checks the search indexes (rebuilding a missing or broken one in the background) and keeps
/// them caught up with the change record until told to stop.
async fn spawn_indexer(
    core: vellum_core::Core,
    every_ms: u64,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let core = std::sync::Arc::new(core);
    core.open_indexes().await.map_err(|e| format!("cannot check the search indexes: {e}"))?;
    Ok(tokio::spawn(async move {
        if every_ms == 0 {
            let _ = stop.changed().await;
            return;
        }
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(every_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            if let Err(e) = core.index_step().await {
                tracing::warn!(error = %e, "search indexing failed; trying again shortly");
            }
        }
    }))
}

/// A name for this process's workers, unique across nodes and restarts.
pub fn node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let host = if host.is_empty() { "node".to_string() } else { host };
    format!("{host}-{}-{}", std::process::id(), &vellum_domain::id::new_id().simple().to_string()[24..])
}

pub async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Names, once at start, each external tool this machine lacks and what goes unprocessed
/// without it, so an operator learns it now rather than from failed jobs.
fn log_missing_tools() {
    use vellum_media::tool::inventory;
    let tools = inventory::check();
    for r in inventory::missing(&tools) {
        tracing::warn!(
            program = r.program,
            package = r.package,
            "{} is missing: not processed on this machine: {}",
            r.program,
            r.needed_for
        );
    }
}
