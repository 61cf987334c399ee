//! End to end: from an upload being accepted to its thumbnail being served, p50/p99, for a
//! 24 MP JPEG and a 20-page PDF, with the server's own workers doing the processing.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use vellum_server::{serve, AppState, HttpConfig};

use super::percentile;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn tool(cmd: &mut std::process::Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    out.status.success().then_some(()).ok_or_else(|| String::from_utf8_lossy(&out.stderr).to_string())
}

fn multipart(name: &str, kind: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "vellumbenchboundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn measure(
    client: &HttpClient,
    addr: &str,
    token: &str,
    name: &str,
    kind: &str,
    file: &[u8],
    runs: usize,
) -> Result<Vec<Duration>, String> {
    let mut out = Vec::new();
    for i in 0..runs {
        // Trailing bytes make each upload distinct content (decoders ignore them).
        let mut bytes = file.to_vec();
        bytes.extend_from_slice(format!("\n% run {i} {}\n", vellum_domain::id::new_id()).as_bytes());
        let (ct, body) = multipart(name, kind, &bytes);
        let req = hyper::Request::post(format!("http://{addr}/api/v1/workspaces/bench/assets"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", ct)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let res = client.request(req).await.map_err(|e| e.to_string())?;
        let accepted = Instant::now();
        let status = res.status();
        let body = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        if !status.is_success() {
            return Err(format!("upload failed: {status} {}", String::from_utf8_lossy(&body)));
        }
        let asset: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        let id = asset["id"].as_str().unwrap_or_default().to_string();
        loop {
            let req = hyper::Request::get(format!("http://{addr}/api/v1/assets/{id}/versions/1/renditions/thumbnail"))
                .header("authorization", format!("Bearer {token}"))
                .body(Full::new(Bytes::new()))
                .map_err(|e| e.to_string())?;
            let res = client.request(req).await.map_err(|e| e.to_string())?;
            let status = res.status();
            let _ = res.into_body().collect().await;
            if status == 200 {
                out.push(accepted.elapsed());
                break;
            }
            if status != 202 {
                return Err(format!("thumbnail answered {status}"));
            }
            if accepted.elapsed() > Duration::from_secs(120) {
                return Err("no thumbnail after two minutes".into());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    out.sort();
    Ok(out)
}

pub async fn run(runs: usize, workers: usize) -> Result<(), String> {
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(|e| e.to_string())?;
    let dir = scratch.path();
    tool(
        std::process::Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=6000x4000,noise=alls=12:allf=t",
                "-frames:v",
                "1",
                "-q:v",
                "3",
                "-y",
            ])
            .arg(dir.join("p.jpg")),
    )?;
    let mut ps = String::from("%!PS\n/Helvetica findfont 36 scalefont setfont\n");
    for k in 1..=20 {
        ps.push_str(&format!(
            "72 700 moveto (Page {k} of the spring leaflet) show 72 72 450 600 rectstroke showpage\n"
        ));
    }
    std::fs::write(dir.join("d.ps"), ps).map_err(|e| e.to_string())?;
    tool(
        std::process::Command::new("gs")
            .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite"])
            .arg(format!("-sOutputFile={}", dir.join("d.pdf").display()))
            .arg(dir.join("d.ps")),
    )?;
    let jpeg = std::fs::read(dir.join("p.jpg")).map_err(|e| e.to_string())?;
    let pdf = std::fs::read(dir.join("d.pdf")).map_err(|e| e.to_string())?;

    let data = dir.join("data");
    let (core, actor) = super::setup::data_folder(&data).await?;
    let token = core
        .create_token(&actor, vellum_core::tokens::TokenRequest { name: "bench", ..Default::default() })
        .await
        .map_err(|e| e.to_string())?
        .secret;
    let (stop_workers, handles) = vellum_core::worker::spawn(&core, workers, "bench");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?.to_string();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState { core: core.clone(), http: HttpConfig::default() };
    tokio::spawn(async move {
        let _ = serve(listener, state, async move {
            let _ = rx.await;
        })
        .await;
    });
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    println!("upload accepted → thumbnail served, {runs} runs each, {workers} workers:");
    for (label, name, kind, bytes, goal) in
        [("24 MP JPEG", "photo.jpg", "visual", &jpeg, "1 s"), ("20-page PDF", "leaflet.pdf", "written", &pdf, "3 s")]
    {
        let t = measure(&client, &addr, &token, name, kind, bytes, runs).await?;
        println!(
            "  {label:<12} p50 {:7.0} ms   p99 {:7.0} ms   (goal under {goal})",
            percentile(&t, 50.0).as_secs_f64() * 1000.0,
            percentile(&t, 99.0).as_secs_f64() * 1000.0
        );
    }
    let _ = stop.send(());
    let _ = stop_workers.send(true);
    for h in handles {
        let _ = h.await;
    }
    Ok(())
}
