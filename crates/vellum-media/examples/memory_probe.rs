//! Peak memory of making one image's still renditions in this process, as a worker does:
//! `cargo run --release -p vellum-media --example memory_probe -- FILE`. Reads the metadata,
//! renders the preview from the file, the thumbnail and hash from the preview, then prints the
//! wall time and this process's high-water mark (VmHWM). Tools it runs (vips for large WebP)
//! are not counted: measure them on their own.

use std::time::Instant;

use vellum_media::{metadata, perceptual_hash, render, render_image, sniff, PixelLimits, RenditionSpec};

fn hwm_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let original = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: memory_probe FILE")?);
    // Tools see only the job folder, as in a worker: the file goes in (a hard link, or a copy).
    let dir = tempfile::tempdir_in(original.parent().unwrap_or(std::path::Path::new(".")))?;
    let path = dir.path().join("source");
    if std::fs::hard_link(&original, &path).is_err() {
        std::fs::copy(&original, &path)?;
    }
    let limits = PixelLimits::default();
    let started = Instant::now();
    let mut head = vec![0u8; 64 * 1024];
    let n = std::io::Read::read(&mut std::fs::File::open(&path)?, &mut head)?;
    let kind = sniff(&head[..n]);
    let info = metadata::extract_file(&path, kind)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let preview = runtime.block_on(render::render_file(&path, dir.path(), &RenditionSpec::preview(), limits))?;
    let thumbnail = render_image(&preview, &RenditionSpec::thumbnail(), limits)?;
    let hash = perceptual_hash(&thumbnail, limits)?;
    println!(
        "{}: {kind:?} {:?}×{:?}, preview {} B, hash {hash:016x}; {:.1} s, peak {:.0} MiB",
        original.display(),
        info.width,
        info.height,
        preview.len(),
        started.elapsed().as_secs_f64(),
        hwm_mib()
    );
    Ok(())
}
