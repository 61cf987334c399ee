//! The engine's share of `vellum bench search`, without the server around it: builds (or
//! reuses) a generated library and prints the query mix's p50/p99 through the engine next to
//! raw tantivy. `cargo run --release -p vellum-search --example search_bench -- ASSETS ROUNDS [DIR]`;
//! with DIR an index built by an earlier run is reused.

use std::time::{Duration, Instant};

use vellum_search::synthetic::{build_library, engine_times, mix, raw_times, vocabulary, Zipf};
use vellum_search::Engine;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let assets: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = args.get(2).map_or(temp.path().join("index"), std::path::PathBuf::from);
    let words = vocabulary(20_000);
    let zipf = Zipf::new(words.len());
    let ws = uuid::Uuid::from_u128(42);
    let fresh = !root.join(ws.to_string()).exists();
    let engine = Engine::open(&root).map_err(|e| e.to_string())?;
    if fresh {
        let t = Instant::now();
        build_library(&engine, ws, assets, &words, &zipf)?;
        println!("built {assets} documents in {:.1} s", t.elapsed().as_secs_f64());
    }
    let queries = mix(&words);
    let ours = engine_times(&engine, ws, &queries, rounds)?;
    let dir = engine.generation_dir(ws).map_err(|e| e.to_string())?.ok_or("no index was built")?;
    let raw = raw_times(&dir, &queries, rounds)?;
    let (mut all_ours, mut all_raw) = (Vec::new(), Vec::new());
    for ((label, mut a), (_, mut b)) in ours.into_iter().zip(raw) {
        a.sort();
        b.sort();
        println!(
            "{label:<22} ours p50 {:7.2} p99 {:7.2} | raw p50 {:7.2} p99 {:7.2}",
            ms(pct(&a, 50.0)),
            ms(pct(&a, 99.0)),
            ms(pct(&b, 50.0)),
            ms(pct(&b, 99.0))
        );
        all_ours.extend(a);
        all_raw.extend(b);
    }
    all_ours.sort();
    all_raw.sort();
    println!(
        "all: ours p50 {:.2} p99 {:.2} | raw p50 {:.2} p99 {:.2} | {:.2}x at p99",
        ms(pct(&all_ours, 50.0)),
        ms(pct(&all_ours, 99.0)),
        ms(pct(&all_raw, 50.0)),
        ms(pct(&all_raw, 99.0)),
        pct(&all_ours, 99.0).as_secs_f64() / pct(&all_raw, 99.0).as_secs_f64().max(1e-9)
    );
    Ok(())
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len().saturating_sub(1) as f64).round() as usize;
    sorted.get(rank).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
