//! Thumbnails: images per second for 400 px thumbnails and 2048 px previews over generated
//! 24-megapixel JPEGs (a detailed kind and a photo-like kind), ours next to `vipsthumbnail` on
//! the same files in the same run, with one and two workers — each figure next to how close both
//! come to a careful Lanczos3 reference (see `quality`), so speed is never bought unseen.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::Instant,
};

use super::quality;
use vellum_media::{
    header::PixelLimits,
    render::{render_image, Format, RenditionSpec},
};

/// What the generated sources look like: quality differences between resamplers show most on
/// fine detail, and a photo is mostly smooth with some of it.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `testsrc2` with strong per-pixel noise: detail up to the pixel level everywhere.
    Detailed,
    /// A Mandelbrot view rendered at a quarter size and enlarged bicubically, with light grain:
    /// smooth gradients, soft edges and a band of fine structure, like a photo.
    PhotoLike,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Detailed => "detailed (testsrc2 + noise)",
            Kind::PhotoLike => "photo-like (soft fractal + grain)",
        }
    }

    /// The ffmpeg source for file `i`; each file differs so no two are alike.
    fn source(self, i: usize, width: u32, height: u32) -> String {
        match self {
            Kind::Detailed => format!("testsrc2=size={width}x{height}:rate=1,noise=alls={}:allf=t", 10 + i % 20),
            Kind::PhotoLike => {
                let scale = 0.2 + 0.05 * (i % 8) as f64;
                format!(
                    "mandelbrot=size={}x{}:rate=1:start_scale={scale}:end_scale={scale},\
                     scale={width}:{height}:flags=bicubic,noise=alls={}:allf=t",
                    (width / 4).max(2),
                    (height / 4).max(2),
                    2 + i % 4
                )
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Detailed => "detailed",
            Kind::PhotoLike => "photo",
        }
    }
}

fn generate(dir: &Path, kind: Kind, count: usize, width: u32, height: u32) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for i in 0..count {
        let path = dir.join(format!("{}-{i:03}.jpg", kind.name()));
        // Quality like a camera's.
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-f", "lavfi", "-i"])
            .arg(kind.source(i, width, height))
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

/// Runs `vipsthumbnail` on `file` to `ext` (`jpg[Q=80]`, `png`); returns the output's path.
fn vips(file: &Path, size: u32, ext: &str, out_dir: &Path) -> Result<PathBuf, String> {
    let stem = file.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    let out = out_dir.join(format!("{stem}-{size}.{}", ext.split('[').next().unwrap_or(ext)));
    let status = Command::new("vipsthumbnail")
        .arg(file)
        .args(["--size", &format!("{size}x{size}"), "-o"])
        .arg(format!("{}/{stem}-{size}.{ext}", out_dir.display()))
        .env("VIPS_CONCURRENCY", "1")
        .status()
        .map_err(|e| format!("vipsthumbnail: {e}"))?;
    status.success().then_some(out).ok_or_else(|| "vipsthumbnail failed".to_string())
}

fn ours(file: &Path, spec: &RenditionSpec) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    render_image(&bytes, spec, PixelLimits::default()).map_err(|e| e.to_string())
}

/// Mean PSNR (dB) and SSIM of a set of renditions against their references.
#[derive(Debug, Default, Clone, Copy)]
struct Score {
    psnr: f64,
    ssim: f64,
    n: usize,
}

impl Score {
    fn add(&mut self, made: &quality::Rgb, full: &quality::Rgb) -> Result<(), String> {
        let reference = quality::reference(full, made.width, made.height)?;
        self.psnr += quality::psnr(made, &reference)?;
        self.ssim += quality::ssim(made, &reference)?;
        self.n += 1;
        Ok(())
    }

    fn show(&self) -> String {
        let n = self.n.max(1) as f64;
        if self.psnr / n >= 99.0 {
            // Made exactly as the reference is (decoded whole, the same filter).
            return format!("{:>17}", "= reference");
        }
        format!("{:>6.2} dB {:.4}", self.psnr / n, self.ssim / n)
    }
}

/// Quality of vips's and our renditions at `spec`: as delivered (JPEG at the spec's quality)
/// and before encoding (lossless PNG), where the resampling shows undimmed by JPEG's own loss.
#[derive(Debug, Default)]
struct Scores {
    vips_jpeg: Score,
    ours_jpeg: Score,
    vips_png: Score,
    ours_png: Score,
    /// Ours made from our preview, as the worker makes thumbnails (the original decoded once).
    via_preview_jpeg: Score,
    via_preview_png: Score,
}

/// Every file's renditions, each against the full decode resized with Lanczos3 to that
/// rendition's own size; `via` is the preview to also make ours from. Not timed.
fn scores(
    files: &[PathBuf],
    size: u32,
    spec: &RenditionSpec,
    via: Option<&RenditionSpec>,
    out: &Path,
) -> Result<Scores, String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| e.to_string());
    let render = |bytes: &[u8], spec: &RenditionSpec| {
        render_image(bytes, spec, PixelLimits::default()).map_err(|e| e.to_string())
    };
    let lossless = RenditionSpec { format: Format::Png, ..spec.clone() };
    let mut s = Scores::default();
    let mut sizes = Vec::new();
    for f in files {
        let original = read(f)?;
        let full = quality::decode_jpeg(&original)?;
        let theirs = quality::decode_jpeg(&read(&vips(f, size, &format!("jpg[Q={}]", spec.quality), out)?)?)?;
        let mine = quality::decode_jpeg(&render(&original, spec)?)?;
        if (theirs.width, theirs.height) != (mine.width, mine.height) {
            sizes.push(format!("{}×{} vs ours {}×{}", theirs.width, theirs.height, mine.width, mine.height));
        }
        s.vips_jpeg.add(&theirs, &full)?;
        s.ours_jpeg.add(&mine, &full)?;
        s.vips_png.add(&quality::decode_png(&read(&vips(f, size, "png", out)?)?)?, &full)?;
        s.ours_png.add(&quality::decode_png(&render(&original, &lossless)?)?, &full)?;
        if let Some(preview) = via {
            let preview = render(&original, preview)?;
            s.via_preview_jpeg.add(&quality::decode_jpeg(&render(&preview, spec)?)?, &full)?;
            s.via_preview_png.add(&quality::decode_png(&render(&preview, &lossless)?)?, &full)?;
        }
    }
    if let Some(first) = sizes.first() {
        println!("  note: vips made a different size for {} file(s), e.g. {first}", sizes.len());
    }
    Ok(s)
}

pub async fn run(count: usize, megapixels: u32) -> Result<(), String> {
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(|e| e.to_string())?;
    let (w, h) = if megapixels >= 24 { (6000, 4000) } else { (3000 * megapixels / 6, 2000 * megapixels / 6) };
    let out = scratch.path().join("out");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let preview = RenditionSpec::preview();
    let specs = [
        ("thumbnail 400 px", 400u32, RenditionSpec::thumbnail(), Some(preview.clone())),
        ("preview 2048 px", 2048, preview, None),
    ];
    let dir = scratch.path().to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<(), String> {
        for kind in [Kind::Detailed, Kind::PhotoLike] {
            println!("\n{}: generating {count} JPEGs of {w}×{h} …", kind.label());
            let files = generate(&dir, kind, count, w, h)?;
            println!("{:<18} {:>7} {:>9} {:>9} {:>7}", "output", "workers", "vips/s", "vellum/s", "ratio");
            for (label, size, spec, via) in &specs {
                for workers in [1, 2] {
                    let base = throughput(&files, workers, |f| {
                        vips(f, *size, &format!("jpg[Q={}]", spec.quality), &out).map(drop)
                    })?;
                    let mine = throughput(&files, workers, |f| ours(f, spec).map(drop))?;
                    println!("{label:<18} {workers:>7} {base:>9.2} {mine:>9.2} {:>6.2}x", mine / base);
                }
                // Speed is never reported without quality: both against the same reference.
                let q = scores(&files, *size, spec, via.as_ref(), &out)?;
                println!("  {:<24} {:>17}   {:>17}", "PSNR / SSIM vs Lanczos3", "vips", "vellum");
                println!(
                    "  {:<24} {}   {}",
                    format!("as delivered (JPEG q{})", spec.quality),
                    q.vips_jpeg.show(),
                    q.ours_jpeg.show()
                );
                println!("  {:<24} {}   {}", "before encoding (PNG)", q.vips_png.show(), q.ours_png.show());
                if via.is_some() {
                    // What the worker stores: the thumbnail is made from the preview.
                    let (jpeg, png) = (q.via_preview_jpeg.show(), q.via_preview_png.show());
                    println!("  {:<24} {:>17}   {jpeg} (PNG {png})", "from our preview (JPEG)", "");
                }
            }
        }
        println!("\nPSNR over RGB and SSIM on luma (11×11 Gaussian window, σ 1.5) against the full-size");
        println!("decode resized with a Lanczos3 convolution to each rendition's size; mean over the files.");
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())??;
    Ok(())
}
