//! Proofing: the pixel diff of two 24 MP JPEGs next to decoding them; the word diff of two
//! 20-page PDFs next to extracting their text; listing a version's 2,000 comments (half carried
//! forward) over HTTP next to `/healthz` on the same server.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::Full;
use vellum_core::{assets::UploadFields, clock::SystemClock, comments::NewComment};
use vellum_domain::{
    comment::{Anchor, Shape, ShapeType},
    text_diff,
};
use vellum_media::{diff, header::PixelLimits};
use vellum_server::{serve, AppState, HttpConfig};

use super::decisions::{load, print, spawn_server};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The best of `runs` timings of `f` (the machine's noise only ever adds).
fn best<T>(runs: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<(Duration, T), String> {
    let mut out = None;
    let mut fastest = Duration::MAX;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let v = f()?;
        fastest = fastest.min(t.elapsed());
        out = Some(v);
    }
    out.map(|v| (fastest, v)).ok_or_else(|| "no run".into())
}

fn ffmpeg(args: &[String], out: &Path) -> Result<(), String> {
    let status = Command::new("ffmpeg").args(["-v", "error"]).args(args).arg("-y").arg(out).status().map_err(err)?;
    status.success().then_some(()).ok_or_else(|| "ffmpeg could not make the test images".into())
}

/// Two photo-like 6000×4000 JPEGs, the second with one area repainted.
fn photos(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let src = "mandelbrot=size=1500x1000:rate=1:start_scale=0.3:end_scale=0.3,scale=6000:4000:flags=bicubic,\
               noise=alls=3:allf=t";
    let (a, b) = (dir.join("a.jpg"), dir.join("b.jpg"));
    let base = |extra: &str| -> Vec<String> {
        let filter = format!("{src}{extra}");
        ["-f", "lavfi", "-i", &filter, "-frames:v", "1", "-q:v", "3"].iter().map(|s| s.to_string()).collect()
    };
    ffmpeg(&base(""), &a)?;
    ffmpeg(&base(",drawbox=x=2000:y=1200:w=900:h=600:color=0x2040c0:t=fill"), &b)?;
    Ok((a, b))
}

fn pixel_diff(dir: &Path, runs: usize) -> Result<(), String> {
    let (a, b) = photos(dir)?;
    let (bytes_a, bytes_b) = (std::fs::read(&a).map_err(err)?, std::fs::read(&b).map_err(err)?);
    let limits = PixelLimits::default();
    let decode = |bytes: &[u8]| turbojpeg::decompress(bytes, turbojpeg::PixelFormat::RGB).map(|_| ()).map_err(err);
    let (full, _) = best(runs, || {
        decode(&bytes_a)?;
        decode(&bytes_b)
    })?;
    let (scaled, rasters) = best(runs, || {
        let ra = diff::decode_for_compare(&a, None, limits).map_err(err)?;
        let rb = diff::decode_for_compare(&b, Some(ra.size()), limits).map_err(err)?;
        Ok((ra, rb))
    })?;
    let (compare, _) = best(runs, || diff::compare_rasters(&rasters.0, &rasters.1).map_err(err))?;
    let (whole, found) = best(runs, || diff::diff_files(&a, &b, limits).map_err(err))?;
    // What the compare job reads: the versions' 2,048 px previews, made once at processing.
    let preview = vellum_media::RenditionSpec::preview();
    let previews = (
        vellum_media::render_image(&bytes_a, &preview, limits).map_err(err)?,
        vellum_media::render_image(&bytes_b, &preview, limits).map_err(err)?,
    );
    let (job, _) = best(runs, || diff::diff_images(&previews.0, &previews.1, limits).map_err(err))?;
    println!("Pixel diff of two 6000×4000 (24 MP) JPEGs, best of {runs}:");
    println!("  baseline: decode both in full (libjpeg-turbo)     {:8.1} ms", ms(full));
    println!("  decode both to the working raster (scaled DCT)     {:8.1} ms", ms(scaled));
    println!(
        "  compare the two rasters (cells, boxes, heat-map)   {:8.1} ms   adds {:.0}% on top of that decoding",
        ms(compare),
        100.0 * compare.as_secs_f64() / scaled.as_secs_f64()
    );
    println!(
        "  the whole diff (decode + compare)                  {:8.1} ms   {:.2}× decoding both in full",
        ms(whole),
        whole.as_secs_f64() / full.as_secs_f64()
    );
    println!(
        "  the job's diff, of the two 2,048 px previews         {:8.1} ms   {:.2}× decoding both originals",
        ms(job),
        job.as_secs_f64() / full.as_secs_f64()
    );
    println!("  found {} changed area(s), {:.2}% of pixels", found.regions.len(), found.changed_fraction * 100.0);
    Ok(())
}

/// A 20-page PDF of running text; `changed` rewrites one sentence on page 11.
fn leaflet(dir: &Path, name: &str, changed: bool) -> Result<PathBuf, String> {
    let mut ps = String::from("%!PS\n/Helvetica findfont 10 scalefont setfont\n");
    for page in 1..=20 {
        for line in 0..60 {
            let text = if changed && page == 11 && line == 30 {
                "Rates from 3.9 percent apply to new customers who switch before the end of June.".to_string()
            } else {
                format!("Page {page} line {line}: our savings account pays interest monthly, terms and fees apply.")
            };
            ps.push_str(&format!("40 {} moveto ({text}) show\n", 780 - line * 12));
        }
        ps.push_str("showpage\n");
    }
    let src = dir.join(format!("{name}.ps"));
    std::fs::write(&src, ps).map_err(err)?;
    let out = dir.join(format!("{name}.pdf"));
    let status = Command::new("gs")
        .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-sPAPERSIZE=a4"])
        .arg(format!("-sOutputFile={}", out.display()))
        .arg(&src)
        .status()
        .map_err(err)?;
    status.success().then_some(out).ok_or_else(|| "gs could not make the test PDFs".into())
}

fn pdftotext(pdf: &Path) -> Result<String, String> {
    // The same extraction the compare job runs on each version's PDF.
    let out = Command::new("pdftotext").args(["-l", "100", "-enc", "UTF-8"]).arg(pdf).arg("-").output().map_err(err)?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .ok_or_else(|| "pdftotext failed".into())
}

fn word_diff(dir: &Path, runs: usize) -> Result<(), String> {
    let (a, b) = (leaflet(dir, "a", false)?, leaflet(dir, "b", true)?);
    let (extract, texts) = best(runs, || Ok((pdftotext(&a)?, pdftotext(&b)?)))?;
    let (words, d) = best(runs, || Ok(text_diff::diff(&texts.0, &texts.1)))?;
    println!(
        "Word diff of two 20-page PDFs ({} and {} words), best of {runs}:",
        texts.0.split_whitespace().count(),
        texts.1.split_whitespace().count()
    );
    println!("  baseline: extract both texts (pdftotext)           {:8.1} ms", ms(extract));
    println!(
        "  word diff of the two texts                         {:8.1} ms   {:.0}% of extracting",
        ms(words),
        100.0 * words.as_secs_f64() / extract.as_secs_f64()
    );
    println!("  found {} word(s) inserted, {} deleted", d.insertions, d.deletions);
    Ok(())
}

async fn listing(count: usize, requests: usize) -> Result<(), String> {
    let w = super::setup::world(Arc::new(SystemClock), None, None).await?;
    let mut blob = w.core.begin_blob().await.map_err(err)?;
    blob.write(b"bench asset, second version").await.map_err(err)?;
    let blob = blob.finish().await.map_err(err)?;
    let fields =
        UploadFields { filename: Some("poster-v2.png".into()), note: Some("second cut".into()), ..Default::default() };
    w.core.add_version(&w.actor, w.asset.id, fields, blob).await.map_err(err)?;
    print!("  writing {count} comments (half on version 1, carried forward) ...");
    let t = Instant::now();
    for i in 0..count {
        let shape = Shape { shape_type: ShapeType::Rect, points: vec![[0.1, 0.1], [0.3, 0.2]] };
        let anchor = Anchor { shape: Some(shape), ..Anchor::default() };
        let new =
            NewComment { body: format!("Note {i}: tighten the **crop** here"), parent_id: None, anchor: Some(anchor) };
        let version = if i % 2 == 0 { 1 } else { 2 };
        w.core.create_comment(&w.actor, w.asset.id, version, new).await.map_err(err)?;
    }
    println!(" {:.1} s", t.elapsed().as_secs_f64());
    let listed = w.core.comments(&w.actor, w.asset.id, 2, &Default::default()).await.map_err(err)?;
    let token = w
        .core
        .create_token(&w.actor, vellum_core::tokens::TokenRequest { name: "bench", ..Default::default() })
        .await
        .map_err(err)?
        .secret;
    let state = AppState { core: w.core.clone(), http: HttpConfig::default() };
    let (addr, stop) = spawn_server(|l, rx| async move {
        let _ = serve(l, state, async move {
            let _ = rx.await;
        })
        .await;
    })
    .await?;
    let (a, asset) = (addr.clone(), w.asset.id);
    let list = load(2, requests, move |_| {
        hyper::Request::get(format!("http://{a}/api/v1/assets/{asset}/versions/2/comments"))
            .header("authorization", format!("Bearer {token}"))
            .body(Full::new(Bytes::new()))
            .unwrap_or_default()
    })
    .await;
    let a = addr.clone();
    let health = load(2, requests, move |_| {
        hyper::Request::get(format!("http://{a}/healthz")).body(Full::new(Bytes::new())).unwrap_or_default()
    })
    .await;
    println!("Listing version 2's {} comments over HTTP (SQLite), 2 clients, {requests} requests:", listed.len());
    print("GET …/versions/2/comments", &list, None);
    print("baseline GET /healthz", &health, None);
    println!(
        "  p99 of the listing is {:.0}× that of /healthz",
        list.p99.as_secs_f64() / health.p99.as_secs_f64().max(1e-9)
    );
    let _ = stop.send(());
    Ok(())
}

pub async fn run(runs: usize, comments: usize, requests: usize) -> Result<(), String> {
    let dir = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(err)?;
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<(), String> {
        pixel_diff(&d, runs)?;
        word_diff(&d, runs)
    })
    .await
    .map_err(err)??;
    listing(comments, requests).await
}
