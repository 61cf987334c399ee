//! `vellum bench search`: a generated library of realistic asset documents (titles from a
//! word list with Zipf-distributed terms, metadata and custom fields), indexed by the search
//! engine; a fixed mix of queries timed with facets on, next to raw tantivy answering the same
//! queries (top hits and one terms aggregation, no permission filter or facet rules) and
//! PostgreSQL full-text search (GIN over a tsvector, facets by GROUP BY) on the same rows, in
//! the same run. Then find-similar over as many perceptual hashes next to a full scan, and
//! indexing throughput through the change record on SQLite.

use std::time::{Duration, Instant};

use vellum_domain::similar::{distance, HashIndex};
use vellum_search::synthetic::{
    build_library, document, engine_times, mix, raw_times, vocabulary, MixQuery, Rng, Zipf, SEED,
};
use vellum_search::{Document, Engine};

use super::percentile;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn figures(label: &str, mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let (p50, p99) = (percentile(&times, 50.0), percentile(&times, 99.0));
    println!("    {label:<22} p50 {:8.2} ms   p99 {:8.2} ms", ms(p50), ms(p99));
    (p50, p99)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn dir_size(p: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            total += if path.is_dir() { dir_size(&path) } else { e.metadata().map(|m| m.len()).unwrap_or(0) };
        }
    }
    total
}

pub async fn run(assets: u64, rounds: usize, postgres: Option<String>, outbox: u64) -> Result<(), String> {
    let words = vocabulary(20_000);
    let zipf = Zipf::new(words.len());
    let dir = tempfile::tempdir().map_err(err)?;
    let engine = Engine::open(dir.path().join("index")).map_err(err)?;
    let ws = uuid::Uuid::from_u128(42);
    println!("Search over {assets} generated asset documents ({rounds} rounds of each query, facets on)");

    let started = Instant::now();
    build_library(&engine, ws, assets, &words, &zipf)?;
    let took = started.elapsed();
    let size = dir_size(&dir.path().join("index"));
    println!(
        "  index build: {:.1} s ({:.0} documents/s), {:.0} MB on disk",
        took.as_secs_f64(),
        assets as f64 / took.as_secs_f64(),
        size as f64 / 1e6
    );

    let queries = mix(&words);
    println!("  Vellum search (permission filter, facet rules, 24 hits, highlights):");
    let ours_all = report(engine_times(&engine, ws, &queries, rounds)?);
    println!("  Raw tantivy (query parser, top 24 + count + one terms aggregation):");
    let generation = engine.generation_dir(ws).map_err(err)?.ok_or("the index was not built")?;
    let raw_all = report(raw_times(&generation, &queries, rounds)?);
    println!(
        "  all queries: Vellum p50 {:.2} ms p99 {:.2} ms; raw tantivy p50 {:.2} ms p99 {:.2} ms; Vellum/raw at p99 {:.2}×",
        ms(percentile(&ours_all, 50.0)),
        ms(percentile(&ours_all, 99.0)),
        ms(percentile(&raw_all, 50.0)),
        ms(percentile(&raw_all, 99.0)),
        percentile(&ours_all, 99.0).as_secs_f64() / percentile(&raw_all, 99.0).as_secs_f64().max(1e-9)
    );

    if let Some(url) = postgres {
        postgres_baseline(&url, assets, rounds, &words, &zipf, &queries, percentile(&ours_all, 99.0)).await?;
    } else {
        println!("  PostgreSQL baseline skipped (give --postgres-url)");
    }

    similar(assets).await;
    if outbox > 0 {
        through_the_record(outbox).await?;
    }
    Ok(())
}

/// Prints each query's figures and returns every timing, sorted.
fn report(per_query: Vec<(String, Vec<Duration>)>) -> Vec<Duration> {
    let mut all = Vec::new();
    for (label, times) in per_query {
        all.extend(times.iter().copied());
        figures(&label, times);
    }
    all.sort();
    all
}

#[allow(clippy::too_many_arguments)]
async fn postgres_baseline(
    url: &str,
    assets: u64,
    rounds: usize,
    words: &[String],
    zipf: &Zipf,
    queries: &[MixQuery],
    ours_p99: Duration,
) -> Result<(), String> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.map_err(err)?;
    sqlx::query("DROP TABLE IF EXISTS bench_search").execute(&mut c).await.map_err(err)?;
    sqlx::query(
        "CREATE TABLE bench_search (id BIGINT PRIMARY KEY, title TEXT, body TEXT, created BIGINT, budget BIGINT, \
         facets TEXT[], tsv tsvector)",
    )
    .execute(&mut c)
    .await
    .map_err(err)?;
    let started = Instant::now();
    let mut rng = Rng(SEED);
    let mut i = 0;
    while i < assets {
        let n = (assets - i).min(5000);
        let docs: Vec<Document> = (i..i + n).map(|k| document(k, words, zipf, &mut rng)).collect();
        let ids: Vec<i64> = (i..i + n).map(|k| k as i64).collect();
        let titles: Vec<String> = docs.iter().map(|d| d.title.clone()).collect();
        let bodies: Vec<String> = docs.iter().map(|d| d.body.join(" ")).collect();
        let created: Vec<i64> = docs.iter().map(|d| d.created).collect();
        let budgets: Vec<i64> = docs.iter().map(|d| d.numbers[0].1).collect();
        let facets: Vec<String> = docs
            .iter()
            .map(|d| {
                let parts: Vec<String> = d.facets.iter().map(|(k, v)| format!("\"{k}={v}\"")).collect();
                format!("{{{}}}", parts.join(","))
            })
            .collect();
        sqlx::query(
            "INSERT INTO bench_search (id, title, body, created, budget, facets) \
             SELECT a, b, c, d, e, f::text[] FROM \
             UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS t(a, b, c, d, e, f)",
        )
        .bind(&ids)
        .bind(&titles)
        .bind(&bodies)
        .bind(&created)
        .bind(&budgets)
        .bind(&facets)
        .execute(&mut c)
        .await
        .map_err(err)?;
        i += n;
    }
    sqlx::query(
        "UPDATE bench_search SET tsv = setweight(to_tsvector('english', title), 'A') || to_tsvector('english', body)",
    )
    .execute(&mut c)
    .await
    .map_err(err)?;
    sqlx::query("CREATE INDEX bench_search_tsv ON bench_search USING GIN (tsv)").execute(&mut c).await.map_err(err)?;
    sqlx::query("CREATE INDEX bench_search_facets ON bench_search USING GIN (facets)")
        .execute(&mut c)
        .await
        .map_err(err)?;
    sqlx::query("CREATE INDEX bench_search_created ON bench_search (created)").execute(&mut c).await.map_err(err)?;
    sqlx::query("CREATE INDEX bench_search_budget ON bench_search (budget)").execute(&mut c).await.map_err(err)?;
    sqlx::query("ANALYZE bench_search").execute(&mut c).await.map_err(err)?;
    println!("  PostgreSQL GIN tsvector: loaded and indexed in {:.1} s", started.elapsed().as_secs_f64());
    let mut all = Vec::new();
    for MixQuery(label, q, filters, _) in queries {
        let mut cond = match label.as_str() {
            "range" => "budget > 9000000".to_string(),
            "all, newest" => "TRUE".to_string(),
            "phrase" => format!("tsv @@ phraseto_tsquery('english', '{}')", q.trim_matches('"')),
            _ => format!("tsv @@ plainto_tsquery('english', '{q}')"),
        };
        for (k, v) in filters {
            cond.push_str(&format!(" AND facets @> ARRAY['{k}={v}']"));
        }
        let order = if matches!(label.as_str(), "range" | "all, newest") {
            "created DESC".to_string()
        } else {
            format!("ts_rank(tsv, plainto_tsquery('english', '{}')) DESC", q.trim_matches('"'))
        };
        let top = format!("SELECT id, title FROM bench_search WHERE {cond} ORDER BY {order} LIMIT 24");
        let count =
            format!("SELECT f, COUNT(*) FROM (SELECT unnest(facets) AS f FROM bench_search WHERE {cond}) x GROUP BY f");
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds.min(50) {
            let t = Instant::now();
            let a = sqlx::query(&top).fetch_all(&mut c).await.map_err(err)?;
            let b = sqlx::query(&count).fetch_all(&mut c).await.map_err(err)?;
            times.push(t.elapsed());
            std::hint::black_box((a.len(), b.len()));
        }
        all.extend(times.iter().copied());
        figures(label, times);
    }
    all.sort();
    println!(
        "  all queries: PostgreSQL p50 {:.2} ms p99 {:.2} ms; PostgreSQL/Vellum at p99 {:.1}×",
        ms(percentile(&all, 50.0)),
        ms(percentile(&all, 99.0)),
        percentile(&all, 99.0).as_secs_f64() / ours_p99.as_secs_f64().max(1e-9)
    );
    sqlx::query("DROP TABLE bench_search").execute(&mut c).await.map_err(err)?;
    Ok(())
}

/// Find-similar over as many hashes: the multi-index hash table next to a full scan.
async fn similar(n: u64) {
    let mut rng = Rng(7);
    let hashes: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
    let started = Instant::now();
    let mut tree = HashIndex::new();
    for (i, &h) in hashes.iter().enumerate() {
        tree.insert(h, i as u64);
    }
    println!("  Find-similar over {n} hashes: index built in {:.1} s", started.elapsed().as_secs_f64());
    let (mut tree_t, mut scan_t, mut compared) = (Vec::new(), Vec::new(), 0usize);
    for q in 0..200 {
        // A near copy of a stored picture: a few bits flipped.
        let h = hashes[(q * 997) % hashes.len()] ^ 0b1011;
        let t = Instant::now();
        let (found, c) = tree.within(h, 10);
        tree_t.push(t.elapsed());
        compared += c;
        let t = Instant::now();
        let scanned = hashes.iter().filter(|&&x| distance(x, h) <= 10).count();
        scan_t.push(t.elapsed());
        std::hint::black_box((found.len(), scanned));
    }
    tree_t.sort();
    scan_t.sort();
    println!(
        "    hash index p50 {:.3} ms p99 {:.3} ms ({:.1}% of hashes compared); full scan p50 {:.3} ms p99 {:.3} ms",
        ms(percentile(&tree_t, 50.0)),
        ms(percentile(&tree_t, 99.0)),
        100.0 * compared as f64 / (200.0 * n as f64),
        ms(percentile(&scan_t, 50.0)),
        ms(percentile(&scan_t, 99.0)),
    );
}

/// Documents per second from committed changes to a searchable index, on SQLite.
async fn through_the_record(n: u64) -> Result<(), String> {
    use vellum_core::assets::{ImportItem, UploadFields};
    let world = super::setup::world(std::sync::Arc::new(vellum_core::clock::SystemClock), None, None).await?;
    let core = world.core.clone().with_search(&world._dir.path().join("index")).map_err(err)?;
    core.index_catch_up().await.map_err(err)?;
    let mut made = 0u64;
    while made < n {
        let mut items = Vec::new();
        for _ in 0..250.min(n - made) {
            let mut w = core.begin_blob().await.map_err(err)?;
            w.write(format!("outbox bench file {made}").as_bytes()).await.map_err(err)?;
            let blob = w.finish().await.map_err(err)?;
            let fields = UploadFields {
                title: Some(format!("Outbox asset {made}")),
                kind: Some("visual".into()),
                filename: Some(format!("o{made}.bin")),
                ..Default::default()
            };
            items.push(ImportItem { fields, blob, head: None, source: None });
            made += 1;
        }
        core.import_assets(&world.actor, "bench", items).await.map_err(err)?;
    }
    let started = Instant::now();
    core.index_catch_up().await.map_err(err)?;
    let took = started.elapsed();
    println!(
        "  Through the change record (SQLite): {n} new assets searchable in {:.2} s ({:.0} documents/s)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    Ok(())
}
