//! Distribution: an always-current link serving a 2 MB approved file — revalidated (304) and
//! in full — next to the plain signed-in download of the same file; and the XMP-stamped
//! download of a large JPEG and a many-page PDF next to the plain download of each, all over
//! HTTP on one server.

use std::{
    path::Path,
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use vellum_core::{assets::UploadFields, clock::SystemClock, Actor, Core};
use vellum_domain::Id;
use vellum_server::{serve, AppState, HttpConfig};

use super::decisions::{load, print, spawn_server};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Uploads `bytes` as an asset and approves it; its id.
async fn approved(core: &Core, actor: &Actor, workflow: Id, name: &str, bytes: &[u8]) -> Result<Id, String> {
    let mut blob = core.begin_blob().await.map_err(err)?;
    for chunk in bytes.chunks(1 << 20) {
        blob.write(chunk).await.map_err(err)?;
    }
    let blob = blob.finish().await.map_err(err)?;
    let fields = UploadFields { kind: Some("visual".into()), filename: Some(name.into()), ..Default::default() };
    let a = core.create_asset(actor, "bench", fields, blob).await.map_err(err)?;
    let review = core.start_review(actor, a.id, Some(workflow)).await.map_err(err)?;
    core.decide(actor, review.id, 1, "approve", None).await.map_err(err)?;
    Ok(a.id)
}

/// A JPEG of about `mib` MiB of noise (noise does not compress, so the size is reached).
fn big_jpeg(mib: usize) -> Result<Vec<u8>, String> {
    // Noise at quality 95 without subsampling takes about 2.5 bytes a pixel.
    let side = ((mib as f64 * 1024.0 * 1024.0 / 2.54).sqrt() as usize).max(64);
    let mut rng = super::XorShift(0x5eed);
    let mut px = vec![0u8; side * side * 3];
    rng.fill(&mut px);
    let image = turbojpeg::Image {
        pixels: px.as_slice(),
        width: side,
        pitch: side * 3,
        height: side,
        format: turbojpeg::PixelFormat::RGB,
    };
    Ok(turbojpeg::compress(image, 95, turbojpeg::Subsamp::None).map_err(err)?.to_vec())
}

/// A PDF of `pages` pages written by Ghostscript.
fn many_pages(dir: &Path, pages: usize) -> Result<Vec<u8>, String> {
    let mut ps = String::from("%!PS\n/Helvetica findfont 24 scalefont setfont\n");
    for k in 1..=pages {
        ps.push_str(&format!("72 720 moveto (Page {k} of the annual report) show showpage\n"));
    }
    std::fs::write(dir.join("doc.ps"), ps).map_err(err)?;
    let out = Command::new("gs")
        .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite"])
        .arg(format!("-sOutputFile={}", dir.join("doc.pdf").display()))
        .arg(dir.join("doc.ps"))
        .output()
        .map_err(|e| format!("gs: {e}"))?;
    if !out.status.success() {
        return Err(format!("gs failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    std::fs::read(dir.join("doc.pdf")).map_err(err)
}

/// Best and median time of `runs` full GETs of `url`, reading every byte.
async fn fetch(url: &str, token: &str, runs: usize) -> Result<(Duration, Duration, usize), String> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs {
        let req = hyper::Request::get(url)
            .header("authorization", format!("Bearer {token}"))
            .body(Full::new(Bytes::new()))
            .map_err(err)?;
        let t = Instant::now();
        let res = client.request(req).await.map_err(err)?;
        if !res.status().is_success() {
            return Err(format!("{url}: {}", res.status()));
        }
        size = res.into_body().collect().await.map_err(err)?.to_bytes().len();
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times[0], super::percentile(&times, 50.0), size))
}

pub async fn run(requests: usize, jpeg_mib: usize, pdf_pages: usize, runs: usize) -> Result<(), String> {
    let w = super::setup::world(Arc::new(SystemClock), None, None).await?;
    let (core, actor) = (&w.core, &w.actor);
    let mut rng = super::XorShift(42);
    let mut two = vec![0u8; 2 << 20];
    rng.fill(&mut two);
    let small = approved(core, actor, w.workflow.id, "hero.bin", &two).await?;
    let link = core.create_public_link(actor, small, "original").await.map_err(err)?;
    let photo = approved(core, actor, w.workflow.id, "photo.jpg", &big_jpeg(jpeg_mib)?).await?;
    let dir = tempfile::tempdir().map_err(err)?;
    let report = approved(core, actor, w.workflow.id, "report.pdf", &many_pages(dir.path(), pdf_pages)?).await?;
    let token = core
        .create_token(actor, vellum_core::tokens::TokenRequest { name: "bench", ..Default::default() })
        .await
        .map_err(err)?
        .secret;

    // One client address sends every request here: the public budgets are lifted so the
    // figures are the serving, not the 429s.
    let unlimited = vellum_domain::rate::Budget { per_second: 1e9, burst: 1e9 };
    let http = HttpConfig { public_per_address: unlimited, public_per_link: unlimited, ..HttpConfig::default() };
    let state = AppState { core: core.clone(), http };
    let (addr, stop) = spawn_server(|l, rx| async move {
        let _ = serve(l, state, async move {
            let _ = rx.await;
        })
        .await;
    })
    .await?;
    let etag = format!("\"{}\"", core.version(actor, small, 1).await.map_err(err)?.sha256);
    let get = |path: String, etag: Option<String>, auth: bool| {
        let (a, token) = (addr.clone(), token.clone());
        move |_| {
            let mut r = hyper::Request::get(format!("http://{a}{path}"));
            if auth {
                r = r.header("authorization", format!("Bearer {token}"));
            }
            if let Some(e) = &etag {
                r = r.header("if-none-match", e.clone());
            }
            r.body(Full::new(Bytes::new())).unwrap_or_default()
        }
    };
    let revalidated = load(2, requests, get(link.path.clone(), Some(etag.clone()), false)).await;
    let full = load(2, requests, get(link.path.clone(), None, false)).await;
    let plain = load(2, requests, get(format!("/api/v1/assets/{small}/versions/1/file"), None, true)).await;
    let plain_304 = load(2, requests, get(format!("/api/v1/assets/{small}/versions/1/file"), Some(etag), true)).await;

    let base = format!("http://{addr}/api/v1/assets");
    let mut stamped = Vec::new();
    for (label, id) in [(format!("{jpeg_mib} MiB JPEG"), photo), (format!("{pdf_pages}-page PDF"), report)] {
        let (plain_best, plain_med, plain_size) = fetch(&format!("{base}/{id}/versions/1/file"), &token, runs).await?;
        let (st_best, st_med, st_size) = fetch(&format!("{base}/{id}/versions/1/download"), &token, runs).await?;
        stamped.push((label, plain_best, plain_med, plain_size, st_best, st_med, st_size));
    }
    let _ = stop.send(());

    println!("Always-current link, a 2 MiB approved file over HTTP (SQLite), 2 clients, {requests} requests each:");
    print("GET /p/… If-None-Match (304)", &revalidated, None);
    print("GET /p/… full body", &full, None);
    print("baseline …/file (304)", &plain_304, None);
    print("baseline …/file full body", &plain, None);
    println!(
        "  link / plain download: {:.2}× the p99 revalidated, {:.2}× the p99 in full",
        revalidated.p99.as_secs_f64() / plain_304.p99.as_secs_f64().max(1e-9),
        full.p99.as_secs_f64() / plain.p99.as_secs_f64().max(1e-9)
    );
    println!("XMP-stamped download (…/download) next to the plain one (…/file), best and median of {runs}:");
    for (label, pb, pm, ps, sb, sm, ss) in stamped {
        println!(
            "  {label:<16} plain {:7.1} ms ({:7.1})  {:>10} B   stamped {:7.1} ms ({:7.1})  {:>10} B   added {:+.1} ms best ({:+.1} median)",
            pb.as_secs_f64() * 1e3,
            pm.as_secs_f64() * 1e3,
            ps,
            sb.as_secs_f64() * 1e3,
            sm.as_secs_f64() * 1e3,
            ss,
            (sb.as_secs_f64() - pb.as_secs_f64()) * 1e3,
            (sm.as_secs_f64() - pm.as_secs_f64()) * 1e3,
        );
    }
    Ok(())
}
