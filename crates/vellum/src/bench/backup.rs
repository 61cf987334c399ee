//! Backup and restore of a generated library (assets of distinct content through the real
//! upload path, audit trail included) with the real `vellum backup` / `backup verify` /
//! `restore` commands, next to the copy an operator would make by hand in the same run:
//! `cp -r` of the data folder plus `sync`, and on PostgreSQL `pg_dump` plus `cp -r` of the
//! blobs.

use std::{
    path::Path,
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use vellum_blob::LocalBlobStore;
use vellum_core::{assets::UploadFields, audit::AuditKeeper, Actor, Core, Limits, Store};

use super::XorShift;

fn timed(label: &str, program: &str, args: &[&str]) -> Result<Duration, String> {
    let t = Instant::now();
    let out =
        Command::new(program).args(args).env("VELLUM_LOG", "warn").output().map_err(|e| format!("{program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{label}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // What the command wrote is on disk before the clock stops, as for the baselines.
    let _ = Command::new("sync").status();
    Ok(t.elapsed())
}

/// A data folder with `assets` assets of `total_mib` MiB in all, each of its own content.
async fn fill(data: &Path, assets: usize, total_mib: u64) -> Result<(), String> {
    std::fs::create_dir_all(data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let store = Store::connect(&crate::config::sqlite_url(data)).await.map_err(|e| e.to_string())?;
    let blobs = LocalBlobStore::open(data).map_err(|e| e.to_string())?;
    let keeper = AuditKeeper::open(data, None).map_err(|e| e.to_string())?;
    let core = Core::new(store.clone(), Arc::new(blobs), Limits::default())
        .with_audit(keeper)
        .await
        .map_err(|e| e.to_string())?;
    let admin = core
        .bootstrap_admin("bench@example.com", "bench-password-1")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the bench database already has users")?;
    let actor = Actor { user: admin, origin: Default::default() };
    core.create_workspace(&actor, "Bench", "bench").await.map_err(|e| e.to_string())?;
    let size = ((total_mib << 20) / assets.max(1) as u64) as usize;
    let mut buf = vec![0u8; size];
    for i in 0..assets {
        XorShift(0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1)).fill(&mut buf);
        let mut w = core.begin_blob().await.map_err(|e| e.to_string())?;
        w.write(&buf).await.map_err(|e| e.to_string())?;
        let blob = w.finish().await.map_err(|e| e.to_string())?;
        let fields =
            UploadFields { kind: Some("visual".into()), filename: Some(format!("a{i}.bin")), ..Default::default() };
        core.create_asset(&actor, "bench", fields, blob).await.map_err(|e| e.to_string())?;
    }
    core.store.close().await;
    Ok(())
}

fn line(label: &str, d: Duration, mib: u64, baseline: Option<Duration>) {
    let vs =
        baseline.map_or(String::new(), |b| format!("   {:.2}× the baseline's time", d.as_secs_f64() / b.as_secs_f64()));
    println!("  {label:<46} {:8.2} s  {:7.1} MiB/s{vs}", d.as_secs_f64(), mib as f64 / d.as_secs_f64().max(1e-9));
}

pub async fn run(assets: usize, total_mib: u64, postgres: Option<String>) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let exe = exe.to_str().ok_or("the program's path is not text")?;
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(|e| e.to_string())?;
    let p = |name: &str| scratch.path().join(name).display().to_string();
    let (data, backup, restored, copy, copy_back) = (p("data"), p("backup"), p("restored"), p("copy"), p("copy-back"));
    print!("  generating {assets} assets, {total_mib} MiB ...");
    let t = Instant::now();
    fill(Path::new(&data), assets, total_mib).await?;
    println!(" {:.1} s", t.elapsed().as_secs_f64());
    let _ = Command::new("sync").status();

    let cp = timed("cp -r", "cp", &["-r", &data, &copy])?;
    let backed = timed("backup", exe, &["backup", "--to", &backup, "--data", &data])?;
    let again = timed("backup again", exe, &["backup", "--to", &backup, "--data", &data])?;
    let verified = timed("backup verify", exe, &["backup", "verify", &backup])?;
    let cp_back = timed("cp -r back", "cp", &["-r", &copy, &copy_back])?;
    let restore = timed("restore", exe, &["restore", "--from", &backup, "--data", &restored])?;
    println!("{assets} assets, {total_mib} MiB, SQLite data folder:");
    line("baseline: cp -r data folder + sync", cp, total_mib, None);
    line("vellum backup (snapshot, hashes, manifest)", backed, total_mib, Some(cp));
    line("vellum backup again (only new blobs)", again, total_mib, Some(cp));
    line("vellum backup verify (re-hash everything)", verified, total_mib, Some(cp));
    line("baseline: cp -r back + sync", cp_back, total_mib, None);
    line("vellum restore (copy, verify rows/blobs/audit)", restore, total_mib, Some(cp_back));

    if let Some(admin) = postgres {
        let db = vellum_store::testing::TempPostgres::fresh_at(&admin).await?;
        let into = vellum_store::testing::TempPostgres::fresh_at(&admin).await?;
        timed("migrate-store", exe, &["migrate-store", "--from-data", &data, "--to-database-url", db.url()])?;
        let (dump, blobs_copy, pg_backup, pg_restored) =
            (p("pg.dump"), p("pg-blobs"), p("pg-backup"), p("pg-restored"));
        let t = Instant::now();
        timed("pg_dump", "pg_dump", &["-Fc", "-f", &dump, db.url()])?;
        timed("cp -r blobs", "cp", &["-r", &format!("{data}/blobs"), &blobs_copy])?;
        let baseline = t.elapsed();
        let backed =
            timed("backup", exe, &["backup", "--to", &pg_backup, "--data", &data, "--database-url", db.url()])?;
        let restore = timed(
            "restore",
            exe,
            &["restore", "--from", &pg_backup, "--data", &pg_restored, "--database-url", into.url()],
        )?;
        println!("{assets} assets, {total_mib} MiB, PostgreSQL + blobs in the data folder:");
        line("baseline: pg_dump -Fc + cp -r blobs + sync", baseline, total_mib, None);
        line("vellum backup", backed, total_mib, Some(baseline));
        line("vellum restore into an empty database", restore, total_mib, Some(baseline));
        db.drop_now().await?;
        into.drop_now().await?;
    }
    Ok(())
}
