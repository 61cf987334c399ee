//! Ingest: `vellum import` of a generated tree vs `cp -r` + `sync -f` of the same tree to the
//! same file system, on the disk and on tmpfs in one run, and the re-run of the import next
//! to the same baseline. Both include making the bytes durable; import also hashes and
//! writes rows.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use vellum_blob::LocalBlobStore;
use vellum_core::{Core, Limits, Store};

use super::XorShift;
use crate::import::{default_jobs, import_tree, ImportReport, Show};

/// Writes `files` files of 20 KB–5 MB (skewed small) totalling about `total` bytes, dated an
/// hour ago like a folder that has been sitting on a share (a file changed moments before an
/// import is read again on the next run, whatever the index says).
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
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let mut written = 0;
    let mut buf = Vec::new();
    for i in 0..files {
        let size = (min * (max / min).powf(rng.unit().powf(k))) as usize;
        buf.resize(size, 0);
        rng.fill(&mut buf);
        let sub = dir.join(format!("campaign-{:02}", i % 40));
        std::fs::create_dir_all(&sub)?;
        let path = sub.join(format!("asset-{i:05}.jpg"));
        std::fs::write(&path, &buf)?;
        std::fs::File::options().write(true).open(&path)?.set_modified(an_hour_ago)?;
        written += size as u64;
    }
    Ok(written)
}

fn sh(cmd: &str, args: &[&str]) -> Result<(), String> {
    let status = Command::new(cmd).args(args).status().map_err(|e| format!("{cmd}: {e}"))?;
    status.success().then_some(()).ok_or_else(|| format!("{cmd} failed"))
}

/// Seconds for `cp -r tree dest` plus making it durable: `sync -f` flushes the copy's file
/// system (as the import does), plain `sync` (with `all`) every file system on the machine,
/// which on a shared machine also waits for the neighbours' writes. The copy is removed after.
fn copy_and_sync(tree: &Path, dest: &Path, all: bool) -> Result<(f64, Option<f64>), String> {
    let (t, cpu) = (Instant::now(), children_cpu_time());
    sh("cp", &["-r", &tree.to_string_lossy(), &dest.to_string_lossy()])?;
    if all {
        sh("sync", &[])?;
    } else {
        sh("sync", &["-f", &dest.to_string_lossy()])?;
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu.zip(children_cpu_time()).map(|(a, b)| (b - a).as_secs_f64());
    std::fs::remove_dir_all(dest).map_err(|e| e.to_string())?;
    sh("sync", &[])?;
    Ok((secs, cpu))
}

/// The file system type `stat -f` names for `dir` (e.g. "ext2/ext3", "tmpfs").
fn fs_type(dir: &Path) -> String {
    Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(dir)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "?".into())
}

/// This process's CPU time so far (user + system), from /proc; None elsewhere.
fn cpu_time() -> Option<Duration> {
    proc_ticks(11)
}

/// The CPU time (user + system) of this process's children that have been waited for.
fn children_cpu_time() -> Option<Duration> {
    proc_ticks(13)
}

/// Two adjacent tick counts of /proc/self/stat, added: from the `first`th field after the
/// command name (which is in parentheses and may hold spaces).
fn proc_ticks(first: usize) -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(first)?.parse::<u64>().ok()? + fields.get(first + 1)?.parse::<u64>().ok()?;
    let hz: u64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100);
    Some(Duration::from_millis(ticks * 1000 / hz.max(1)))
}

/// One medium's figures: the best of the runs for each line (the machine is shared, and the
/// best run is the one least disturbed), with the median beside it.
struct Figures {
    label: &'static str,
    mib: f64,
    cp: Vec<f64>,
    cp_cpu: Vec<f64>,
    cp_sync_all: Vec<f64>,
    import: Vec<f64>,
    import_cpu: Vec<f64>,
    rerun: Vec<f64>,
    first: ImportReport,
    again: ImportReport,
}

/// One import into a fresh data folder, then the re-run: (seconds, CPU seconds, report) for
/// each.
async fn import_once(
    tree: &Path,
    data: &Path,
    jobs: usize,
) -> Result<((f64, Option<f64>, ImportReport), (f64, ImportReport)), String> {
    std::fs::create_dir_all(data).map_err(|e| e.to_string())?;
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", data.join("vellum.db").display()))
        .await
        .map_err(|e| e.to_string())?;
    let blobs = LocalBlobStore::open(data).map_err(|e| e.to_string())?;
    let core = Core::new(store, Arc::new(blobs), Limits::default());
    let admin = core
        .bootstrap_admin("bench@example.com", "bench-password-1")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the bench database already has users")?;
    let actor = vellum_core::Actor { user: admin, origin: Default::default() };
    core.create_workspace(&actor, "Bench", "bench").await.map_err(|e| e.to_string())?;
    let (t, cpu) = (Instant::now(), cpu_time());
    let first = import_tree(&core, &actor, "bench", tree, jobs, Show::Nothing).await?;
    let import = t.elapsed().as_secs_f64();
    let import_cpu = cpu.zip(cpu_time()).map(|(a, b)| (b - a).as_secs_f64());
    let t = Instant::now();
    let again = import_tree(&core, &actor, "bench", tree, jobs, Show::Nothing).await?;
    let rerun = t.elapsed().as_secs_f64();
    core.store.close().await;
    Ok(((import, import_cpu, first), (rerun, again)))
}

async fn measure(
    label: &'static str,
    base: &Path,
    files: usize,
    total_mib: u64,
    jobs: usize,
    runs: usize,
) -> Result<Figures, String> {
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(base).map_err(|e| e.to_string())?;
    let tree = scratch.path().join("tree");
    println!("{label}: {} ({}): generating {files} files (~{total_mib} MiB)", scratch.path().display(), fs_type(base));
    let bytes = generate(&tree, files, total_mib << 20).map_err(|e| e.to_string())?;
    sh("sync", &[])?;
    let mut f = Figures {
        label,
        mib: bytes as f64 / (1 << 20) as f64,
        cp: Vec::new(),
        cp_cpu: Vec::new(),
        cp_sync_all: Vec::new(),
        import: Vec::new(),
        import_cpu: Vec::new(),
        rerun: Vec::new(),
        first: ImportReport::default(),
        again: ImportReport::default(),
    };
    for run in 0..runs.max(1) {
        let (cp, cp_cpu) = copy_and_sync(&tree, &scratch.path().join("copy"), false)?;
        f.cp.push(cp);
        f.cp_cpu.extend(cp_cpu);
        f.cp_sync_all.push(copy_and_sync(&tree, &scratch.path().join("copy"), true)?.0);
        let data = scratch.path().join(format!("data-{run}"));
        let ((import, cpu, first), (rerun, again)) = import_once(&tree, &data, jobs).await?;
        std::fs::remove_dir_all(&data).map_err(|e| e.to_string())?;
        sh("sync", &[])?;
        f.import.push(import);
        f.import_cpu.extend(cpu);
        f.rerun.push(rerun);
        (f.first, f.again) = (first, again);
        println!(
            "  run {}: cp+sync -f {:.2} s, cp+sync {:.2} s, import {import:.2} s, re-run {rerun:.2} s",
            run + 1,
            f.cp[run],
            f.cp_sync_all[run]
        );
    }
    Ok(f)
}

/// The smallest and the median of some timings.
fn best_and_median(v: &[f64]) -> (f64, f64) {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    (v.first().copied().unwrap_or(f64::NAN), v.get(v.len() / 2).copied().unwrap_or(f64::NAN))
}

fn print(f: &Figures, files: usize) {
    let mib = f.mib;
    let (cp, cp_med) = best_and_median(&f.cp);
    let (all, all_med) = best_and_median(&f.cp_sync_all);
    let (import, import_med) = best_and_median(&f.import);
    let (rerun, rerun_med) = best_and_median(&f.rerun);
    let (cpu, _) = best_and_median(&f.import_cpu);
    let (cp_cpu, _) = best_and_median(&f.cp_cpu);
    println!("{} ({mib:.0} MiB, {files} files), best of {} (median):", f.label, f.cp.len());
    println!(
        "  cp -r + sync -f   {cp:6.2} s ({cp_med:5.2})  {:6.0} MiB/s  {:5.0} files/s  cpu {cp_cpu:.2} s",
        mib / cp,
        files as f64 / cp
    );
    println!(
        "  cp -r + sync      {all:6.2} s ({all_med:5.2})  {:6.0} MiB/s  (all file systems; not the base)",
        mib / all
    );
    println!(
        "  vellum import     {import:6.2} s ({import_med:5.2})  {:6.0} MiB/s  {:5.0} files/s  {:5.2}x cp (median {:.2}x)  \
         cpu {cpu:.2} s  ({} created, {} failed)",
        mib / import,
        files as f64 / import,
        import / cp,
        import_med / cp_med,
        f.first.created,
        f.first.failed
    );
    println!(
        "  re-run            {rerun:6.2} s ({rerun_med:5.2})  {:5.2}x cp  ({} skipped, {} unchanged unread, {} created)",
        rerun / cp,
        f.again.duplicates,
        f.again.unchanged,
        f.again.created
    );
}

pub async fn run(
    dir: Option<PathBuf>,
    tmpfs: Option<PathBuf>,
    files: usize,
    total_mib: u64,
    jobs: Option<usize>,
    runs: usize,
) -> Result<(), String> {
    let jobs = jobs.unwrap_or_else(default_jobs);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    let disk = dir.unwrap_or_else(|| PathBuf::from("."));
    let mut all = vec![measure("disk", &disk, files, total_mib, jobs, runs).await?];
    match tmpfs.filter(|t| t.is_dir()) {
        Some(t) => all.push(measure("tmpfs", &t, files, total_mib, jobs, runs).await?),
        None => println!("tmpfs: skipped (no such folder)"),
    }
    println!("{jobs} stagers; goal: import within 1.5x cp -r + sync -f");
    for f in &all {
        print(f, files);
    }
    Ok(())
}
