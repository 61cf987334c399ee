//! `vellum audit …`: verify the chains against signed checkpoints, sign a checkpoint, print
//! the public key, export a self-contained bundle and verify one without the database.

use std::{
    io::{BufReader, BufWriter},
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Subcommand;
use vellum_core::audit::{
    bundle,
    keeper::{self, AuditKeeper},
    verify_all, Verification, VerifyOptions,
};
use vellum_domain::audit::PublicKey;

use crate::config::StorageArgs;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Re-walk every hash chain against the signed checkpoints; exits 2 and names the first
    /// bad event or the missing range if the record was changed.
    Verify {
        #[command(flatten)]
        storage: StorageArgs,
        /// Trust this public key (a copy kept elsewhere) instead of the data folder's key.
        #[arg(long)]
        public_key: Option<PathBuf>,
        /// Also check against these checkpoints (a copy of checkpoints.log kept elsewhere).
        #[arg(long)]
        checkpoints: Vec<PathBuf>,
    },
    /// Sign a checkpoint of every chain now.
    Checkpoint {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Print the audit public key (hex), to keep a copy where the server cannot change it.
    PublicKey {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Write every event, checkpoint and head to one file that can be checked offline.
    Export {
        #[command(flatten)]
        storage: StorageArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a bundle without the database (docs/audit.md describes the algorithm).
    VerifyBundle {
        file: PathBuf,
        /// Trust this public key instead of the one the bundle names.
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
}

pub async fn run(command: AuditCommand) -> Result<ExitCode, String> {
    match command {
        AuditCommand::Verify { storage, public_key, checkpoints } => verify(storage, public_key, checkpoints).await,
        AuditCommand::Checkpoint { storage } => {
            let core = storage.open_core(vellum_core::Limits::default(), true).await?;
            let cp = core.checkpoint().await.map_err(|e| e.to_string())?;
            println!("{}", cp.to_line());
            core.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::PublicKey { storage } => {
            println!("{}", storage.audit_keeper()?.key.public().to_hex());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Export { storage, out } => export(storage, &out).await,
        AuditCommand::VerifyBundle { file, public_key } => verify_bundle(&file, public_key.as_deref()),
    }
}

fn read_public_key(path: &Path) -> Result<PublicKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    PublicKey::from_hex(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn print(v: &Verification) -> bool {
    if v.ok {
        let anchor = v
            .checkpoint
            .as_ref()
            .map_or_else(|| "no checkpoint yet".to_string(), |c| format!("signed up to #{} at {}", c.seq, c.at));
        println!("ok      {}: {} events, {anchor}", v.chain, v.events);
    } else {
        let place = match (v.first_bad_seq, &v.missing) {
            (Some(seq), _) => format!("first bad event #{seq}"),
            (None, Some(m)) => format!("events #{} to #{} missing", m.from, m.to),
            (None, None) => "checkpoints".to_string(),
        };
        println!("BROKEN  {}: {place}: {}", v.chain, v.reason.as_deref().unwrap_or(""));
    }
    v.ok
}

async fn verify(storage: StorageArgs, public_key: Option<PathBuf>, files: Vec<PathBuf>) -> Result<ExitCode, String> {
    let secret = keeper::existing_key(&storage.data, storage.audit_key.as_deref()).map_err(|e| e.to_string())?;
    let pinned = public_key.as_deref().map(read_public_key).transpose()?;
    let (public, secret) = match (pinned, secret) {
        (Some(p), Some(s)) if s.public() != p => {
            println!("note: the data folder's key is not the pinned public key; event tags are not checked");
            (p, None)
        }
        (Some(p), s) => (p, s),
        (None, Some(s)) => (s.public(), Some(s)),
        (None, None) => {
            return Err(format!(
                "no audit key in {} and none given: pass --public-key FILE (from `vellum audit public-key`)",
                keeper::audit_dir(&storage.data).display()
            ))
        }
    };
    // Checkpoints from files are read before the database snapshot, so none is newer than it.
    let mut extra = Vec::new();
    let log = keeper::audit_dir(&storage.data).join(keeper::LOG_FILE);
    for path in std::iter::once(log).chain(files) {
        let lines = keeper::read_log(&path).map_err(|e| e.to_string())?;
        extra.push((path.display().to_string(), lines));
    }
    // Verification reads: it must not change the database it judges, not even its schema.
    let store = storage.open_store_unmigrated().await?;
    let options = VerifyOptions { public_key: public, key: secret.as_ref(), extra };
    let outcome = verify_all(&store, &options).await.map_err(|e| e.to_string())?;
    store.close().await;
    println!("audit public key {}; {} signed checkpoints", public.to_hex(), outcome.checkpoints);
    for p in &outcome.checkpoint_problems {
        println!("BROKEN  checkpoint: {p}");
    }
    for v in &outcome.chains {
        print(v);
    }
    if outcome.chains.is_empty() {
        println!("no audit events yet");
    }
    Ok(if outcome.ok() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

async fn export(storage: StorageArgs, out: &Path) -> Result<ExitCode, String> {
    let keeper = storage.audit_keeper()?;
    let log = keeper.log.as_deref().map(keeper::read_log).transpose().map_err(|e| e.to_string())?.unwrap_or_default();
    let store = storage.open_store().await?;
    let tmp = out.with_extension("partial");
    let file = std::fs::File::create(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let mut w = BufWriter::new(file);
    let at = vellum_domain::Timestamp::now().to_string();
    let n = bundle::export(&store, &keeper.key.public(), &at, &log, &mut w).await.map_err(|e| e.to_string())?;
    store.close().await;
    let file = w.into_inner().map_err(|e| e.to_string())?;
    file.sync_all().map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "wrote {}: {} events in {} chains, {} checkpoints, public key {}",
        out.display(),
        n.events,
        n.chains,
        n.checkpoints,
        keeper.key.public().to_hex()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify_bundle(file: &Path, public_key: Option<&Path>) -> Result<ExitCode, String> {
    let pinned = public_key.map(read_public_key).transpose()?;
    let f = std::fs::File::open(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let report = bundle::verify(BufReader::new(f), pinned).map_err(|e| e.to_string())?;
    let whose = if report.pinned { "pinned" } else { "named by the bundle; pin it with --public-key" };
    println!("public key {} ({whose}); {} signed checkpoints", report.public_key, report.checkpoints);
    for p in &report.problems {
        println!("BROKEN  {p}");
    }
    for v in &report.chains {
        print(v);
    }
    Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// The keeper of a data folder (made on first use).
pub fn open_keeper(data: &Path, env_key: Option<&str>) -> Result<AuditKeeper, String> {
    AuditKeeper::open(data, env_key).map_err(|e| format!("audit key: {e}"))
}
