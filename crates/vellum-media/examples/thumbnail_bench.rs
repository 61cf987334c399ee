//! Times `render_image` on one file: `cargo run --release -p vellum-media --example
//! thumbnail_bench -- FILE [ITERATIONS]`. Prints milliseconds per image for the thumbnail
//! (400 px) and preview (2048 px) presets. Compare with `vipsthumbnail` in the same run.

use std::time::Instant;

use vellum_media::{render_image, PixelLimits, RenditionSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: thumbnail_bench FILE [ITERATIONS]")?;
    let iterations: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let bytes = std::fs::read(&path)?;
    for (name, spec) in [("thumbnail 400", RenditionSpec::thumbnail()), ("preview 2048", RenditionSpec::preview())] {
        let _warm = render_image(&bytes, &spec, PixelLimits::default())?;
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..iterations {
            let started = Instant::now();
            size = render_image(&bytes, &spec, PixelLimits::default())?.len();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!("{name}: median {median:.1} ms, min {:.1} ms ({iterations} runs, {size} bytes out)", times[0]);
    }
    Ok(())
}
