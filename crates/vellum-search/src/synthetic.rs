//! A generated library for benchmarks: realistic asset documents (titles from a word list
//! with Zipf-distributed terms, metadata and custom fields), a fixed mix of queries, and the
//! timing of that mix through the engine and through raw tantivy on the same index. Shared by
//! `vellum bench search` and this crate's own `search_bench` example, which rebuilds in a
//! fraction of the time when only the engine changes.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::AggregationCollector;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use uuid::Uuid;
use vellum_domain::search_query::{parse, Value};

use crate::{Audience, Document, Engine, FieldType, Language, Request, Shown, Sort, Vocabulary};

/// A small, fast, deterministic generator (xorshift*), so every run builds the same library.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Words made of syllables, so the vocabulary is large and reads like words.
pub fn vocabulary(n: usize) -> Vec<String> {
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
pub struct Zipf(Vec<f64>);

impl Zipf {
    pub fn new(n: usize) -> Zipf {
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

pub fn document(i: u64, words: &[String], zipf: &Zipf, rng: &mut Rng) -> Document {
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
pub struct MixQuery(pub String, pub String, pub Vec<(&'static str, &'static str)>, pub Sort);

/// The query mix.
pub fn mix(words: &[String]) -> Vec<MixQuery> {
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

pub const FACETS: [&str; 6] = ["kind", "status", "channels", "campaign", "locale", "custom.risk"];

/// The vocabulary the mix's fields need.
pub fn mix_vocabulary() -> Vocabulary {
    let mut v = Vocabulary::default();
    v.custom.insert("budget".into(), FieldType::Number);
    v.custom.insert("risk".into(), FieldType::Keyword);
    v.custom_facets.push("risk".into());
    v
}

/// Each query of the mix `rounds` times through the engine, as a member sees it.
pub fn engine_times(
    engine: &Engine,
    ws: Uuid,
    queries: &[MixQuery],
    rounds: usize,
) -> Result<Vec<(String, Vec<Duration>)>, String> {
    let vocabulary = mix_vocabulary();
    let facets: Vec<String> = FACETS.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    for MixQuery(label, q, filters, sort) in queries {
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
                vocabulary: &vocabulary,
                only: None,
            };
            let t = Instant::now();
            let found = engine.search(ws, &r).map_err(err)?;
            times.push(t.elapsed());
            std::hint::black_box(found.total);
        }
        out.push((label.clone(), times));
    }
    Ok(out)
}

/// Each query of the mix `rounds` times through raw tantivy on the index in `dir` (one
/// generation's folder): its query parser, top 24, a count and one terms aggregation, with no
/// permission filter and no facet rules.
pub fn raw_times(dir: &Path, queries: &[MixQuery], rounds: usize) -> Result<Vec<(String, Vec<Duration>)>, String> {
    let mut index = tantivy::Index::open_in_dir(dir).map_err(err)?;
    index.set_default_multithread_executor().map_err(err)?;
    crate::schema::register(&index, Language::English);
    let reader = index.reader().map_err(err)?;
    let searcher = reader.searcher();
    let schema = index.schema();
    let fields = ["title", "filename", "body"].map(|n| schema.get_field(n)).map(|f| f.map_err(err));
    let fields: Vec<_> = fields.into_iter().collect::<Result<_, _>>()?;
    let mut parser = QueryParser::for_index(&index, fields);
    parser.set_conjunction_by_default();
    let agg: Aggregations =
        serde_json::from_value(serde_json::json!({"f": {"terms": {"field": "facets", "size": 100}}})).map_err(err)?;
    let ranges = schema.get_field("ranges").map_err(err)?;
    let mut out = Vec::new();
    for MixQuery(label, q, filters, sort) in queries {
        // The same query in tantivy's own terms: the parser for words, a term range for the
        // range, everything for the listing.
        let query: Box<dyn tantivy::query::Query> = match label.as_str() {
            "range" => Box::new(tantivy::query::RangeQuery::new(
                std::ops::Bound::Excluded(tantivy::Term::from_field_text(
                    ranges,
                    &crate::document::number_term("custom.budget", 9_000_000),
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
                let found = searcher.search(&query, &(top, Count, aggs)).map_err(err)?;
                std::hint::black_box(found.1);
            } else {
                let found = searcher.search(&query, &(TopDocs::with_limit(24), Count, aggs)).map_err(err)?;
                std::hint::black_box(found.1);
            }
            times.push(t.elapsed());
        }
        out.push((label.clone(), times));
    }
    Ok(out)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Indexes `assets` generated documents into a new generation of `ws`'s index; the same
/// seed gives the same library every time.
pub fn build_library(engine: &Engine, ws: Uuid, assets: u64, words: &[String], zipf: &Zipf) -> Result<(), String> {
    let mut build = engine.build(ws, Language::English).map_err(err)?;
    let mut rng = Rng(SEED);
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..assets {
        batch.push(document(i, words, zipf, &mut rng));
        if batch.len() == 10_000 {
            build.add(&batch).map_err(err)?;
            batch.clear();
        }
    }
    build.add(&batch).map_err(err)?;
    build.finish(crate::Cursor { seq: 0, indexed_at: 0 }).map_err(err)
}

/// The generator's seed, so the PostgreSQL baseline can generate the same rows.
pub const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
