//! The `vellum` binary: one program with several modes (serve, worker, import, gc, audit verify, bench).

mod audit;
mod backup;
mod bench;
mod config;
mod config_file;
mod gc;
mod import;
mod migrate_store;
mod reindex;
mod retention;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use config::StorageArgs;

#[derive(Parser)]
#[command(name = "vellum", version, about = "Self-hosted creative operations: assets, reviews, approvals, audit.")]
struct Cli {
    /// A TOML file of settings named as the flags with `_` (listen, data, database_url…),
    /// used where neither a flag nor a VELLUM_* variable gives a value.
    #[arg(long, env = "VELLUM_CONFIG", global = true)]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (API, web UI).
    Serve(serve::ServeArgs),
    /// Run background workers and the scheduler only (scale-out; no HTTP).
    Worker {
        /// Workers in this process.
        #[arg(long, env = "VELLUM_WORKERS", default_value_t = 2)]
        workers: usize,
        /// Seconds of silence after which another worker takes over a running job.
        #[arg(long, env = "VELLUM_JOB_STALE_SECS", default_value_t = 60)]
        stale_after_secs: u32,
        /// Serve `/metrics` and `/healthz` on this address (e.g. 127.0.0.1:9100).
        #[arg(long, env = "VELLUM_METRICS_LISTEN")]
        metrics_listen: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        notify: config::NotifyArgs,
    },
    /// Import a folder tree into existing data: one asset per file, sub-folders kept as library
    /// folders; duplicates, hidden, system, empty, linked and unreadable files skipped and listed.
    Import(import::ImportArgs),
    /// Remove stored files no row points at (older than --grace) and abandoned staged writes.
    Gc(gc::GcArgs),
    /// Bring the database's schema up to date (also done by `serve` and `worker` at start);
    /// safe to run on several nodes at once.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Copy everything (rows, blobs, audit record) from the embedded default to PostgreSQL or
    /// back, verify the copy and note the move in the server chain; run again to resume.
    MigrateStore(migrate_store::MigrateStoreArgs),
    /// Write a consistent backup (database, blobs, audit key) to a folder, or `backup verify DIR`.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty data folder (or an empty PostgreSQL database).
    Restore(backup::RestoreArgs),
    /// Rebuild the search index from the database (one workspace or all) beside a running
    /// server, which keeps serving the old index until the new one takes its place.
    Reindex(reindex::ReindexArgs),
    /// Retention: purge what the workspaces' policies say is due (or list it).
    Retention {
        #[command(subcommand)]
        command: retention::RetentionCommand,
    },
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Measure Vellum against baselines from the same run.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VELLUM_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,tantivy=warn,rmcp=error".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // One JSON object per line for log collectors; a request's lines carry its `request_id`
    // through the request span.
    if std::env::var("VELLUM_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let args = match config_file::merged(&<Cli as clap::CommandFactory>::command(), std::env::args_os().collect()) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cli = Cli::parse_from(args);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Import(args) => import::run(args).await,
            Command::Gc(args) => gc::run(args).await,
            Command::Reindex(args) => reindex::run(args).await,
            Command::Worker { workers, stale_after_secs, metrics_listen, storage, notify } => {
                worker(workers, stale_after_secs, metrics_listen, storage, notify).await
            }
            Command::Migrate { storage } => migrate(storage).await,
            Command::MigrateStore(args) => migrate_store::run(args).await,
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
            Command::Audit { command } => audit::run(command).await,
            Command::Retention { command } => retention::run(command).await,
            Command::Bench { command } => bench::run(command).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(storage: StorageArgs) -> Result<ExitCode, String> {
    std::fs::create_dir_all(&storage.data)
        .map_err(|e| format!("cannot create the data folder {}: {e}", storage.data.display()))?;
    let url = storage.database_url();
    let redacted = vellum_store::redact(&url);
    let store =
        vellum_store::Store::open(&url).await.map_err(|e| format!("cannot open the database {redacted}: {e}"))?;
    let applied = store.migrate().await.map_err(|e| format!("cannot migrate {redacted}: {e}"));
    store.close().await;
    let latest = vellum_store::schema::MIGRATIONS.last().map_or(0, |m| m.version);
    match applied? {
        a if a.is_empty() => println!("{redacted}: up to date at version {latest}"),
        a => println!(
            "{redacted}: applied {} migration(s) ({}); now at version {latest}",
            a.len(),
            a.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

async fn worker(
    workers: usize,
    stale_after_secs: u32,
    metrics_listen: Option<String>,
    storage: StorageArgs,
    notify: config::NotifyArgs,
) -> Result<ExitCode, String> {
    let limits = vellum_core::Limits { stale_job_secs: stale_after_secs.max(1), ..vellum_core::Limits::default() };
    // A worker has no listen address: links in email need --public-url.
    let core = storage.open_core(limits, true).await?.with_notify(notify.config("localhost:8080")?);
    let (stop, handles) = vellum_core::worker::spawn(&core, workers.max(1), &serve::node_name());
    if let Some(addr) = metrics_listen {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen for metrics on {addr}: {e}"))?;
        let bound = listener.local_addr().map_or(addr, |a| a.to_string());
        println!("Vellum worker metrics on http://{bound}/metrics");
        let app = vellum_server::metrics::worker_router(core.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    println!("Vellum worker running {} workers", workers.max(1));
    serve::shutdown().await;
    let _ = stop.send(true);
    for h in handles {
        let _ = h.await;
    }
    core.store.close().await;
    Ok(ExitCode::SUCCESS)
}
