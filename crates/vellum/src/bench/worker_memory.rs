//! Peak memory of a worker process (with the tools it runs) while it processes one file:
//! the file is uploaded into a fresh data folder, then a `vellum worker` process handles it
//! while its whole process tree is sampled.

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use vellum_core::assets::UploadFields;

/// Resident memory of `pid` and all its descendants, in KiB.
fn tree_rss(pid: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
        total += status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        // Children hang off whichever thread spawned them.
        for task in std::fs::read_dir(format!("/proc/{p}/task")).into_iter().flatten().flatten() {
            let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
        }
    }
    total
}

pub async fn run(file: &Path) -> Result<(), String> {
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(|e| e.to_string())?;
    let data = scratch.path().join("data");
    let (core, actor) = super::setup::data_folder(&data).await?;
    let mut w = core.begin_blob().await.map_err(|e| e.to_string())?;
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    w.write(&bytes).await.map_err(|e| e.to_string())?;
    let blob = w.finish().await.map_err(|e| e.to_string())?;
    drop(bytes);
    let fields = UploadFields {
        kind: Some("visual".into()),
        filename: file.file_name().map(|n| n.to_string_lossy().into_owned()),
        ..Default::default()
    };
    let asset = core.create_asset(&actor, "bench", fields, blob).await.map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["worker", "--workers", "1", "--data"])
        .arg(&data)
        .env("VELLUM_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id();
    let started = Instant::now();
    let mut peak = 0;
    let outcome = loop {
        peak = peak.max(tree_rss(pid));
        let v = core.version(&actor, asset.id, 1).await.map_err(|e| e.to_string())?;
        if v.processing != vellum_core::model::Processing::Pending {
            break format!("{:?}{}", v.processing, v.processing_reason.map(|r| format!(": {r}")).unwrap_or_default());
        }
        if started.elapsed() > Duration::from_secs(1800) {
            break "timed out".into();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // The worker's own high-water mark catches a peak between two samples.
    let hwm = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    peak = peak.max(hwm);
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "{}: processing {} in {:.1} s; worker peak memory (with its tools) {:.0} MiB (goal: under 512 MiB)",
        file.display(),
        outcome.to_lowercase(),
        started.elapsed().as_secs_f64(),
        peak as f64 / 1024.0
    );
    Ok(())
}
