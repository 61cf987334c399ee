//! `vellum bench search`: a generated library of realistic asset documents (titles from a
//! word list with Zipf-distributed terms, metadata and custom fields), indexed by the search
//! engine; a fixed mix of queries timed with facets on, next to raw tantivy answering the same
//! queries (top hits and one terms aggregation, no permission filter or facet rules) and
//! PostgreSQL full-text search (GIN over a tsvector, facets by GROUP BY) on the same rows, in
//! the same run. Then find-similar over as many perceptual hashes next to a full scan, and
//! indexing throughput through the change record on SQLite.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::AggregationCollector;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use vellum_domain::search_query::{parse, Value};
use vellum_domain::similar::{distance, HashIndex};
use vellum_search::{Audience, Cursor, Document, Engine, FieldType, Language, Request, Shown, Sort, Vocabulary};

use super::percentile;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A small, fast, deterministic generator (xorshift*), so every run builds the same library.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Words made of syllables, so the vocabulary is large and reads like words.
fn vocabulary(n: usize) -> Vec<String> {
    const S: [&str; 24] = [
        "ka", "lo", "mi", "ter", "san", "vel", "ri", "on", "da", "phe", "nu", "bra", "sto", "lin", "ga", "mor", "te",
        "qui", "zen", "ha", "cor", "pa", "wel", "ix",
    ];
    let mut out = Vec::with_capacity(n);
    let mut i = 0usize;
    while out.len() < n {
        let (a, b, c) = (i % 24, (i / 24) % 24, (i / 576) % 24);
        let w = if i < 576 { format!("{}{}", S[a], S[b]) } else { format!("{}{}{}", S[a], S[b], S[c]) };
        out.push(w);
        i += 1;
    }
    out
}

/// Picks word ranks by Zipf's law (s = 1) through a cumulative table.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut acc = 0.0;
        let mut table = Vec::with_capacity(n);
        for r in 1..=n {
            acc += 1.0 / r as f64;
            table.push(acc);
        }
        let total = acc;
        Zipf(table.into_iter().map(|x| x / total).collect())
    }
    fn pick(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1)
    }
}

const KINDS: [&str; 5] = ["visual", "video", "written", "design_source", "campaign_ready"];
const STATUSES: [&str; 5] = ["draft", "in_review", "changes_requested", "rejected", "approved"];
const CHANNELS: [&str; 6] = ["social", "web", "email", "print", "ooh", "tv"];
const LOCALES: [&str; 6] = ["en-AU", "en-GB", "de-DE", "fr-FR", "ja-JP", "es-ES"];
const RISKS: [&str; 3] = ["low", "medium", "high"];

fn document(i: u64, words: &[String], zipf: &Zipf, rng: &mut Rng) -> Document {
    let n = 3 + rng.below(4) as usize;
    let title: Vec<&str> = (0..n).map(|_| words[zipf.pick(rng)].as_str()).collect();
    let body: Vec<&str> = (0..12).map(|_| words[zipf.pick(rng)].as_str()).collect();
    let channels: Vec<(String, String)> =
        CHANNELS.iter().filter(|_| rng.below(3) == 0).map(|c| ("channels".to_string(), c.to_string())).collect();
    let day = 19_700 + rng.below(730) as i64; // two years from 2023-12
    let date = jiff::civil::Date::constant(1970, 1, 1)
        .checked_add(jiff::Span::new().days(day))
        .unwrap_or(jiff::civil::Date::constant(2025, 1, 1))
        .to_string();
    let kind = KINDS[rng.below(5) as usize];
    let status = STATUSES[rng.below(5) as usize];
    let mut facets = vec![
        ("kind".to_string(), kind.to_string()),
        ("status".to_string(), status.to_string()),
        ("locale".to_string(), LOCALES[rng.below(6) as usize].to_string()),
        ("campaign".to_string(), format!("CAMP{:02}", rng.below(50))),
        ("uploader".to_string(), format!("user-{}", rng.below(200))),
        ("file_type".to_string(), ["jpg", "png", "mp4", "pdf", "psd"][rng.below(5) as usize].to_string()),
        ("created".to_string(), date[..7].to_string()),
        ("custom.risk".to_string(), RISKS[rng.below(3) as usize].to_string()),
    ];
    facets.extend(channels);
    Document {
        asset_id: uuid::Uuid::from_u128(u128::from(i) + 1),
        audience: Audience::Members,
        title: title.join(" "),
        filename: format!("{}-{i}.jpg", title[0]),
        body: vec![body.join(" ")],
        facets,
        terms: Vec::new(),
        numbers: vec![("custom.budget".into(), rng.below(10_000_000) as i64)],
        dates: vec![("created".into(), date)],
        created: day * 86_400_000_000 + i as i64,
        due: None,
        rights_from: None,
        rights_until: None,
        shown: Shown { title: title.join(" "), kind: kind.into(), status: status.into(), version: 1, thumbnail: false },
    }
}

/// One query of the mix: its label, the box's text, picked filters and the order.
struct MixQuery(String, String, Vec<(&'static str, &'static str)>, Sort);

/// The query mix.
fn mix(words: &[String]) -> Vec<MixQuery> {
    vec![
        MixQuery("1 common term".into(), words[3].clone(), vec![], Sort::Relevance),
        MixQuery("1 mid term".into(), words[120].clone(), vec![], Sort::Relevance),
        MixQuery("1 rare term".into(), words[4000].clone(), vec![], Sort::Relevance),
        MixQuery("2 terms".into(), format!("{} {}", words[10], words[40]), vec![], Sort::Relevance),
        MixQuery("phrase".into(), format!("\"{} {}\"", words[1], words[2]), vec![], Sort::Relevance),
        MixQuery("term + facet filter".into(), words[20].clone(), vec![("kind", "video")], Sort::Relevance),
        MixQuery("range".into(), "custom.budget:>9000000".into(), vec![], Sort::Newest),
        MixQuery("all, newest".into(), String::new(), vec![], Sort::Newest),
    ]
}

const FACETS: [&str; 6] = ["kind", "status", "channels", "campaign", "locale", "custom.risk"];

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

    // Build.
    let started = Instant::now();
    let mut build = engine.build(ws, Language::English).map_err(err)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..assets {
        batch.push(document(i, &words, &zipf, &mut rng));
        if batch.len() == 10_000 {
            build.add(&batch).map_err(err)?;
            batch.clear();
        }
    }
    build.add(&batch).map_err(err)?;
    build.finish(Cursor { seq: 0, indexed_at: 0 }).map_err(err)?;
    let took = started.elapsed();
    let size = dir_size(&dir.path().join("index"));
    println!(
        "  index build: {:.1} s ({:.0} documents/s), {:.0} MB on disk",
        took.as_secs_f64(),
        assets as f64 / took.as_secs_f64(),
        size as f64 / 1e6
    );

    let mut vocabulary_ = Vocabulary::default();
    vocabulary_.custom.insert("budget".into(), FieldType::Number);
    vocabulary_.custom.insert("risk".into(), FieldType::Keyword);
    vocabulary_.custom_facets.push("risk".into());
    let facets: Vec<String> = FACETS.iter().map(|s| s.to_string()).collect();
    let queries = mix(&words);

    // Vellum.
    println!("  Vellum search (permission filter, facet rules, 24 hits, highlights):");
    let mut ours_all = Vec::new();
    for MixQuery(label, q, filters, sort) in &queries {
        let parsed = parse(q).map_err(|e| e.message)?;
        let mut f: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in filters {
            f.entry(k.to_string()).or_default().push(Value::Is { value: v.to_string() });
        }
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let r = Request {
                clauses: &parsed.clauses,
                filters: &f,
                facets: &facets,
                sort: *sort,
                limit: 24,
                after: None,
                audience: Audience::Members,
                rights_gate: false,
                today: 20_000,
                warning_days: 30,
                vocabulary: &vocabulary_,
                only: None,
            };
            let t = Instant::now();
            let out = engine.search(ws, Language::English, &r).map_err(err)?;
            times.push(t.elapsed());
            std::hint::black_box(out.total);
        }
        ours_all.extend(times.iter().copied());
        figures(label, times);
    }

    // Raw tantivy on the same index.
    println!("  Raw tantivy (query parser, top 24 + count + one terms aggregation):");
    let index = tantivy::Index::open_in_dir(dir.path().join("index").join(ws.to_string()).join("g1")).map_err(err)?;
    vellum_search::schema::register(&index, Language::English);
    let reader = index.reader().map_err(err)?;
    let searcher = reader.searcher();
    let schema = index.schema();
    let fields = ["title", "filename", "body"].map(|n| schema.get_field(n)).map(|f| f.map_err(err));
    let fields: Vec<_> = fields.into_iter().collect::<Result<_, _>>()?;
    let mut parser = QueryParser::for_index(&index, fields);
    parser.set_conjunction_by_default();
    let agg: Aggregations =
        serde_json::from_value(serde_json::json!({"f": {"terms": {"field": "facets", "size": 100}}})).map_err(err)?;
    let mut raw_all = Vec::new();
    let ranges = schema.get_field("ranges").map_err(err)?;
    for MixQuery(label, q, filters, sort) in &queries {
        // The same query in tantivy's own terms: the parser for words, a term range for the
        // range, everything for the listing.
        let query: Box<dyn tantivy::query::Query> = match label.as_str() {
            "range" => Box::new(tantivy::query::RangeQuery::new(
                std::ops::Bound::Excluded(tantivy::Term::from_field_text(
                    ranges,
                    &vellum_search::document::number_term("custom.budget", 9_000_000),
                )),
                std::ops::Bound::Excluded(tantivy::Term::from_field_text(ranges, "custom.budget$")),
            )),
            "all, newest" => Box::new(tantivy::query::AllQuery),
            _ => {
                let mut text = q.to_string();
                for (k, v) in filters {
                    text.push_str(&format!(" +terms:\"{k}={v}\""));
                }
                parser.parse_query(&text).map_err(err)?
            }
        };
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let aggs = AggregationCollector::from_aggs(agg.clone(), Default::default());
            let t = Instant::now();
            if *sort == Sort::Newest {
                let top = TopDocs::with_limit(24).order_by_fast_field::<i64>("created", tantivy::Order::Desc);
                let out = searcher.search(&query, &(top, Count, aggs)).map_err(err)?;
                std::hint::black_box(out.1);
            } else {
                let out = searcher.search(&query, &(TopDocs::with_limit(24), Count, aggs)).map_err(err)?;
                std::hint::black_box(out.1);
            }
            times.push(t.elapsed());
        }
        raw_all.extend(times.iter().copied());
        figures(label, times);
    }
    ours_all.sort();
    raw_all.sort();
    println!(
        "  all queries: Vellum p50 {:.2} ms p99 {:.2} ms; raw tantivy p50 {:.2} ms p99 {:.2} ms; Vellum/raw at p99 {:.2}×",
        ms(percentile(&ours_all, 50.0)),
        ms(percentile(&ours_all, 99.0)),
        ms(percentile(&raw_all, 50.0)),
        ms(percentile(&raw_all, 99.0)),
        percentile(&ours_all, 99.0).as_secs_f64() / percentile(&raw_all, 99.0).as_secs_f64().max(1e-9)
    );
    drop(searcher);
    drop(reader);

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
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
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
    let hashes: Vec<u64> = (0..n).map(|_| rng.next()).collect();
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
