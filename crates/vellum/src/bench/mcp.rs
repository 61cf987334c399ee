//! `vellum bench mcp`: `search_assets` round trips through the official MCP Python SDK client
//! (one session, calls in sequence, as an agent makes them) next to the same search through the
//! REST API on the same server, in the same run, over a library of generated assets.

use std::{path::PathBuf, process::Stdio, sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::Full;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use vellum_core::{
    assets::{ImportItem, UploadFields},
    clock::SystemClock,
    tokens::TokenRequest,
};
use vellum_domain::scope::Scope;

use super::{
    decisions::{load, node, print},
    percentile,
};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const WORDS: [&str; 8] = ["spring", "poster", "banner", "launch", "savings", "family", "travel", "winter"];

pub async fn run(assets: usize, calls: usize, python: PathBuf, script: PathBuf) -> Result<(), String> {
    println!("MCP search_assets through the Python SDK next to REST search, {assets} assets, {calls} calls each");
    let world = super::setup::world(Arc::new(SystemClock), None, None).await?;
    let index = world._dir.path().join("index");
    let core = world.core.clone().with_search(&index).map_err(err)?;
    let mut made = 0usize;
    while made < assets {
        let mut items = Vec::new();
        for _ in 0..250.min(assets - made) {
            let mut w = core.begin_blob().await.map_err(err)?;
            w.write(format!("mcp bench file {made}").as_bytes()).await.map_err(err)?;
            let blob = w.finish().await.map_err(err)?;
            let title = format!("{} {} {made}", WORDS[made % WORDS.len()], WORDS[(made / 8) % WORDS.len()]);
            let fields = UploadFields {
                title: Some(title),
                kind: Some("visual".into()),
                filename: Some(format!("m{made}.png")),
                ..Default::default()
            };
            items.push(ImportItem { fields, blob, head: None, source: None });
            made += 1;
        }
        core.import_assets(&world.actor, "bench", items).await.map_err(err)?;
    }
    core.index_catch_up().await.map_err(err)?;
    let request = TokenRequest { name: "agent", scope: Some(Scope::Read), ..Default::default() };
    let token = core.create_token(&world.actor, request).await.map_err(err)?.secret;
    let (addr, stop) = node(core.clone()).await?;

    // Through the SDK: one client session, the calls one after another.
    let ops = json!([
        {"op": "time_call", "name": "search_assets", "times": calls,
            "arguments": {"query": "spring poster", "workspace": "bench", "limit": 20}},
        {"op": "time_get", "path": "/api/v1/workspaces/bench/search?q=spring%20poster&limit=20", "times": calls},
    ]);
    let mut child = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(format!("http://{addr}/mcp"))
        .arg(&token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("{} could not run: {e} (install the MCP SDK: ./vellum.sh test installs it)", python.display())
        })?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin.write_all(ops.to_string().as_bytes()).await.map_err(err)?;
    drop(stdin);
    let out = child.wait_with_output().await.map_err(err)?;
    if !out.status.success() {
        return Err(format!("the MCP client failed: {}", String::from_utf8_lossy(&out.stdout)));
    }
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(err)?;
    let timings = |i: usize| -> Result<Vec<Duration>, String> {
        let mut t: Vec<Duration> = answer[i]["ms"]
            .as_array()
            .ok_or("the MCP client gave no timings")?
            .iter()
            .filter_map(|v| v.as_f64())
            .map(|ms| Duration::from_secs_f64(ms / 1000.0))
            .collect();
        t.sort();
        Ok(t)
    };
    let (mcp, python_rest) = (timings(0)?, timings(1)?);

    // Through REST: the same search, one client, the requests one after another.
    let rest = {
        let (a, t) = (addr.clone(), token.clone());
        load(1, calls, move |_| {
            hyper::Request::get(format!("http://{a}/api/v1/workspaces/bench/search?q=spring%20poster&limit=20"))
                .header("authorization", format!("Bearer {t}"))
                .body(Full::new(Bytes::new()))
                .unwrap_or_default()
        })
        .await
    };
    let _ = stop.send(());
    let row = |label: &str, times: &[Duration], note: &str| {
        let total: Duration = times.iter().sum();
        println!(
            "  {label:<28} {:9.0} req/s   p50 {:7.2} ms   p99 {:7.2} ms   ({note})",
            times.len() as f64 / total.as_secs_f64().max(f64::EPSILON),
            percentile(times, 50.0).as_secs_f64() * 1000.0,
            percentile(times, 99.0).as_secs_f64() * 1000.0
        );
    };
    row("MCP search_assets", &mcp, "the Python SDK client, one session");
    row("REST search, same client", &python_rest, "baseline: the SDK's HTTP client, same process");
    print("REST search, Rust client", &rest, None);
    Ok(())
}
