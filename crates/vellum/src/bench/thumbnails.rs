//! Thumbnails: images per second for 400 px thumbnails and 2048 px previews over generated
//! 24-megapixel JPEGs, ours next to `vipsthumbnail` on the same files in the same run, with one
//! and two workers; and the peak memory of rendering one very large image.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::Instant,
};

use vellum_media::{
    header::PixelLimits,
    render::{render_image, RenditionSpec},
};

fn generate(dir: &Path, count: usize, width: u32, height: u32) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for i in 0..count {
        let path = dir.join(format!("photo-{i:03}.jpg"));
        // Different noise per file so no two are alike; quality like a camera's.
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-f", "lavfi", "-i"])
            .arg(format!("testsrc2=size={width}x{height}:rate=1,noise=alls={}:allf=t", 10 + i % 20))
            .args(["-frames:v", "1", "-q:v", "3", "-y"])
            .arg(&path)
            .status()
            .map_err(|e| format!("ffmpeg: {e}"))?;
        if !status.success() {
            return Err("ffmpeg could not make the test images".into());
        }
        out.push(path);
    }
    Ok(out)
}

/// Runs `work` over `files` with `workers` threads; returns images per second.
fn throughput(
    files: &[PathBuf],
    workers: usize,
    work: impl Fn(&Path) -> Result<(), String> + Send + Sync,
) -> Result<f64, String> {
    let work = Arc::new(work);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for _ in 0..workers {
            handles.push(scope.spawn(|| -> Result<(), String> {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(f) = files.get(i) else { return Ok(()) };
                    work(f)?;
                }
            }));
        }
        for h in handles {
            h.join().map_err(|_| "a worker panicked".to_string())??;
        }
        Ok::<(), String>(())
    })?;
    Ok(files.len() as f64 / started.elapsed().as_secs_f64())
}

fn vips(file: &Path, size: u32, quality: u8, out_dir: &Path) -> Result<(), String> {
    let out = out_dir.join(format!("{}-{size}.jpg", file.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default()));
    let status = Command::new("vipsthumbnail")
        .arg(file)
        .args(["--size", &format!("{size}x{size}"), "-o"])
        .arg(format!("{}[Q={quality}]", out.display()))
        .env("VIPS_CONCURRENCY", "1")
        .status()
        .map_err(|e| format!("vipsthumbnail: {e}"))?;
    status.success().then_some(()).ok_or_else(|| "vipsthumbnail failed".to_string())
}

fn ours(file: &Path, spec: &RenditionSpec) -> Result<(), String> {
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    render_image(&bytes, spec, PixelLimits::default()).map(|_| ()).map_err(|e| e.to_string())
}

pub async fn run(count: usize, megapixels: u32) -> Result<(), String> {
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(|e| e.to_string())?;
    let (w, h) = if megapixels >= 24 { (6000, 4000) } else { (3000 * megapixels / 6, 2000 * megapixels / 6) };
    println!("generating {count} JPEGs of {w}×{h} …");
    let files = generate(scratch.path(), count, w, h)?;
    let out = scratch.path().join("out");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let specs =
        [("thumbnail 400 px", 400u32, RenditionSpec::thumbnail()), ("preview 2048 px", 2048, RenditionSpec::preview())];
    tokio::task::spawn_blocking(move || -> Result<(), String> {
        println!("{:<18} {:>8} {:>16} {:>16} {:>8}", "output", "workers", "vipsthumbnail/s", "vellum/s", "ratio");
        for (label, size, spec) in &specs {
            for workers in [1, 2] {
                let base = throughput(&files, workers, |f| vips(f, *size, spec.quality, &out))?;
                let mine = throughput(&files, workers, |f| ours(f, spec))?;
                println!("{label:<18} {workers:>8} {base:>16.2} {mine:>16.2} {:>7.2}x", mine / base);
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())??;
    Ok(())
}
