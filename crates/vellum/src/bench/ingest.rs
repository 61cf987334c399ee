//! Ingest: `vellum import` of a generated tree vs `cp -r` + `sync` of the same tree to the
//! same disk. Both include making the bytes durable; import also hashes and writes rows.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::Instant,
};

use vellum_blob::LocalBlobStore;
use vellum_core::{Core, Limits, Store};

use super::XorShift;
use crate::import::import_tree;

/// Writes `files` files of 20 KB–5 MB (skewed small) totalling about `total` bytes.
fn generate(dir: &Path, files: usize, total: u64) -> std::io::Result<u64> {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let (min, max) = (20_000f64, 5_000_000f64);
    // Pick the skew so the expected total matches: size = min * (max/min)^(u^k).
    let mean_target = total as f64 / files as f64;
    let mean_for =
        |k: f64| (0..1000).map(|i| min * (max / min).powf(((i as f64 + 0.5) / 1000.0).powf(k))).sum::<f64>() / 1000.0;
    let mut k = 1.0;
    while mean_for(k) > mean_target && k < 50.0 {
        k *= 1.1;
    }
    let mut written = 0;
    let mut buf = Vec::new();
    for i in 0..files {
        let size = (min * (max / min).powf(rng.unit().powf(k))) as usize;
        buf.resize(size, 0);
        rng.fill(&mut buf);
        let sub = dir.join(format!("campaign-{:02}", i % 40));
        std::fs::create_dir_all(&sub)?;
        std::fs::write(sub.join(format!("asset-{i:05}.jpg")), &buf)?;
        written += size as u64;
    }
    Ok(written)
}

fn sh(cmd: &str, args: &[&str]) -> Result<(), String> {
    let status = Command::new(cmd).args(args).status().map_err(|e| format!("{cmd}: {e}"))?;
    status.success().then_some(()).ok_or_else(|| format!("{cmd} failed"))
}

pub async fn run(dir: Option<PathBuf>, files: usize, total_mib: u64) -> Result<(), String> {
    let scratch = match dir {
        Some(d) => tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(d),
        None => tempfile::Builder::new().prefix("vellum-bench-").tempdir_in("."),
    }
    .map_err(|e| e.to_string())?;
    let tree = scratch.path().join("tree");
    println!("generating {files} files (~{total_mib} MiB) in {}", tree.display());
    let bytes = generate(&tree, files, total_mib << 20).map_err(|e| e.to_string())?;
    sh("sync", &[])?;
    let mib = bytes as f64 / (1 << 20) as f64;

    let copy = scratch.path().join("copy");
    let t = Instant::now();
    sh("cp", &["-r", &tree.to_string_lossy(), &copy.to_string_lossy()])?;
    sh("sync", &[])?;
    let cp_secs = t.elapsed().as_secs_f64();

    let data = scratch.path().join("data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", data.join("vellum.db").display()))
        .await
        .map_err(|e| e.to_string())?;
    let blobs = LocalBlobStore::open(&data).map_err(|e| e.to_string())?;
    let core = Core::new(store, Arc::new(blobs), Limits::default());
    let admin = core
        .bootstrap_admin("bench@example.com", "bench-password-1")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the bench database already has users")?;
    let actor = vellum_core::Actor { user: admin, origin: Default::default() };
    core.create_workspace(&actor, "Bench", "bench").await.map_err(|e| e.to_string())?;
    let t = Instant::now();
    let report = import_tree(&core, &actor, "bench", &tree, 4, false).await?;
    let import_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let again = import_tree(&core, &actor, "bench", &tree, 4, false).await?;
    let rerun_secs = t.elapsed().as_secs_f64();

    println!("tree: {files} files, {mib:.0} MiB");
    println!("cp -r + sync     {cp_secs:8.2} s  {:8.1} MiB/s  {:7.0} files/s", mib / cp_secs, files as f64 / cp_secs);
    println!(
        "vellum import    {import_secs:8.2} s  {:8.1} MiB/s  {:7.0} files/s  ({} created, {} failed)",
        mib / import_secs,
        files as f64 / import_secs,
        report.created,
        report.failed
    );
    println!("ratio import/cp  {:8.2}x  (goal: within 1.5x)", import_secs / cp_secs);
    println!("re-run (all duplicates) {rerun_secs:.2} s: {} skipped, {} created", again.duplicates, again.created);
    core.store.close().await;
    Ok(())
}
