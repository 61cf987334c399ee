//! The workspaces' indexes on disk: one tantivy index per workspace under the index folder,
//! in numbered generations so that a rebuild writes beside the index in use and then takes
//! its place (`CURRENT` names the generation in use). Each commit carries the position in
//! the workspace's change record it has reached, so the index and its cursor move together.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value as _};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Executor, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use uuid::Uuid;
use vellum_domain::search_language::SearchLanguage as Language;
use vellum_domain::search_query::{Clause, QueryError, Value};

use crate::collect::{After, Collect, Key, Plan, Sort};
use crate::document::{key, Audience, Document, Shown};
use crate::query::{Builder, Vocabulary};
use crate::schema::{self, Fields};
use crate::stats::{Frozen, Stats};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", .0.message)]
    Query(QueryError),
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("index folder: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How far a workspace's index has read its change record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The last change applied (its sequence number in the workspace's record).
    pub seq: i64,
    /// When the last batch was applied, microseconds since 1970.
    pub indexed_at: i64,
}

/// A search as the caller may run it.
pub struct Request<'a> {
    pub clauses: &'a [Clause],
    /// `filter=` values by field: values of one field combine with OR.
    pub filters: &'a BTreeMap<String, Vec<Value>>,
    pub facets: &'a [String],
    pub sort: Sort,
    pub limit: usize,
    pub after: Option<After>,
    pub audience: Audience,
    /// Viewers only see what is in rights today.
    pub rights_gate: bool,
    /// Today in days since 1970, and how many days before an end rights count as expiring.
    pub today: i64,
    pub warning_days: i64,
    pub vocabulary: &'a Vocabulary,
    /// Only these assets (a followed search checks the ones that just changed).
    pub only: Option<&'a [Uuid]>,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub asset_id: Uuid,
    pub shown: Shown,
    pub score: Option<f32>,
    pub highlights: BTreeMap<String, Vec<String>>,
    pub key: After,
}

#[derive(Debug, Clone)]
pub struct Results {
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
    /// Where the next page starts, when there is one.
    pub next: Option<After>,
}

/// One generation of a workspace's index, open.
struct Open {
    generation: u64,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    language: Language,
    writer: Mutex<Option<IndexWriter>>,
}

/// The indexes of every workspace under one folder.
pub struct Engine {
    root: PathBuf,
    open: Mutex<HashMap<Uuid, Arc<Open>>>,
    /// One pool of searching threads for every workspace's index: a search reads its
    /// segments side by side, and a thousand workspaces do not make a thousand pools.
    executor: Executor,
}

/// The file in a generation's folder naming the language its words were stemmed in.
const LANGUAGE_FILE: &str = "LANGUAGE";

/// The memory an index writer buffers before it writes a segment.
const WRITER_BYTES: usize = 32 << 20;

fn poisoned() -> Error {
    Error::Io(std::io::Error::other("an index lock was poisoned by a panic"))
}

impl Engine {
    pub fn open(root: impl Into<PathBuf>) -> Result<Engine> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let executor = Executor::multi_thread(threads, "vellum-search-")?;
        Ok(Engine { root, open: Mutex::new(HashMap::new()), executor })
    }

    fn dir(&self, ws: Uuid) -> PathBuf {
        self.root.join(ws.to_string())
    }

    fn current(&self, ws: Uuid) -> Result<Option<u64>> {
        match std::fs::read_to_string(self.dir(ws).join("CURRENT")) {
            Ok(s) => Ok(s.trim().parse().ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The folder of the generation in use, for tools that open the index themselves.
    pub fn generation_dir(&self, ws: Uuid) -> Result<Option<PathBuf>> {
        Ok(self.current(ws)?.map(|g| self.dir(ws).join(format!("g{g}"))))
    }

    /// The generation in use, opened once and reopened when a rebuild has replaced it.
    fn handle(&self, ws: Uuid) -> Result<Option<Arc<Open>>> {
        let Some(generation) = self.current(ws)? else { return Ok(None) };
        let mut open = self.open.lock().map_err(|_| poisoned())?;
        if let Some(h) = open.get(&ws) {
            if h.generation == generation {
                return Ok(Some(h.clone()));
            }
        }
        let h =
            Arc::new(open_generation(&self.dir(ws).join(format!("g{generation}")), generation, self.executor.clone())?);
        open.insert(ws, h.clone());
        Ok(Some(h))
    }

    /// The language the index in use was stemmed in (None: there is no index yet).
    pub fn language(&self, ws: Uuid) -> Result<Option<Language>> {
        Ok(self.handle(ws)?.map(|h| h.language))
    }

    /// Whether a workspace has an index that opens.
    pub fn check(&self, ws: Uuid) -> Result<bool> {
        Ok(self.handle(ws)?.is_some())
    }

    pub fn cursor(&self, ws: Uuid) -> Result<Option<Cursor>> {
        let Some(h) = self.handle(ws)? else { return Ok(None) };
        let payload = h.index.load_metas()?.payload;
        Ok(payload.and_then(|p| serde_json::from_str(&p).ok()))
    }

    /// Replaces the documents of `assets` with `docs` (an asset left without documents is
    /// gone from search) and moves the cursor, in one commit.
    pub fn apply(&self, ws: Uuid, assets: &[Uuid], docs: &[Document], cursor: Cursor) -> Result<()> {
        let h = match self.handle(ws)? {
            Some(h) => h,
            None => {
                let b = self.build(ws, Language::default())?;
                b.finish(Cursor { seq: 0, indexed_at: cursor.indexed_at })?;
                self.handle(ws)?.ok_or_else(|| Error::Io(std::io::Error::other("the new index vanished")))?
            }
        };
        let mut guard = h.writer.lock().map_err(|_| poisoned())?;
        if guard.is_none() {
            *guard = Some(h.index.writer_with_num_threads(1, WRITER_BYTES)?);
        }
        let Some(writer) = guard.as_mut() else { return Err(poisoned()) };
        for &a in assets {
            writer.delete_term(Term::from_field_text(h.fields.key, &key(a, Audience::Members)));
            writer.delete_term(Term::from_field_text(h.fields.key, &key(a, Audience::Viewers)));
        }
        for d in docs {
            writer.add_document(d.to_tantivy(&h.fields))?;
        }
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&cursor).unwrap_or_default());
        prepared.commit()?;
        h.reader.reload()?;
        Ok(())
    }

    /// Starts a new generation of a workspace's index beside the one in use.
    pub fn build(&self, ws: Uuid, language: Language) -> Result<Build> {
        let dir = self.dir(ws);
        std::fs::create_dir_all(&dir)?;
        let mut generation = self.current(ws)?.unwrap_or(0) + 1;
        while dir.join(format!("g{generation}")).exists() {
            generation += 1;
        }
        let path = dir.join(format!("g{generation}"));
        std::fs::create_dir_all(&path)?;
        let (schema, fields) = schema::schema();
        let index = Index::create_in_dir(&path, schema)?;
        schema::register(&index, language);
        std::fs::write(path.join(LANGUAGE_FILE), language.code())?;
        let writer = index.writer_with_num_threads(1, WRITER_BYTES.max(64 << 20))?;
        Ok(Build { dir, generation, writer, fields })
    }

    /// Counts a workspace's assets in the index.
    pub fn documents(&self, ws: Uuid) -> Result<u64> {
        let Some(h) = self.handle(ws)? else { return Ok(0) };
        let q = TermQuery::new(
            Term::from_field_text(h.fields.audience, Audience::Members.as_str()),
            IndexRecordOption::Basic,
        );
        Ok(h.reader.searcher().search(&q, &Count)? as u64)
    }

    pub fn search(&self, ws: Uuid, r: &Request) -> Result<Results> {
        let Some(h) = self.handle(ws)? else {
            return Ok(Results { total: 0, hits: Vec::new(), facets: BTreeMap::new(), next: None });
        };
        let mut b = builder(&h, r.vocabulary);
        let built = b.build(r.clauses, r.audience, r.rights_gate.then_some(r.today)).map_err(Error::Query)?;
        let mut picks: BTreeMap<String, HashSet<String>> = BTreeMap::new();
        if !built.rights_status.is_empty() {
            picks.insert(crate::query::RIGHTS_STATUS.into(), built.rights_status.iter().cloned().collect());
        }
        let mut parts: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, built.query)];
        for (field, values) in r.filters {
            let all_values = values.iter().all(|v| matches!(v, Value::Is { .. }));
            if all_values && r.vocabulary.is_facet(field) {
                let set = picks.entry(field.clone()).or_default();
                for v in values {
                    if let Value::Is { value } = v {
                        set.insert(value.to_lowercase());
                    }
                }
                continue;
            }
            let mut any = Vec::new();
            for v in values {
                any.push((Occur::Should, b.field(field, v).map_err(Error::Query)?));
            }
            parts.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(ids) = r.only {
            let any = ids
                .iter()
                .map(|&id| {
                    let t = Term::from_field_text(h.fields.key, &key(id, r.audience));
                    (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>)
                })
                .collect();
            parts.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if picks.len() > crate::collect::MAX_PICKED {
            return Err(Error::Query(QueryError {
                position: 0,
                message: format!("at most {} fields can be filtered at once", crate::collect::MAX_PICKED),
            }));
        }
        let query = BooleanQuery::new(parts);
        let sort = if r.sort == Sort::Relevance && !built.has_text { Sort::Newest } else { r.sort };
        let plan = Plan {
            facets: r.facets.to_vec(),
            picks,
            sort,
            after: r.after.clone(),
            limit: r.limit,
            today: r.today,
            warning_days: r.warning_days,
        };
        let searcher = h.reader.searcher();
        // By relevance, every page is scored with the first page's figures.
        let stats = if sort == Sort::Relevance {
            match r.after.as_ref().and_then(|a| a.stats.clone()) {
                Some(s) => Some(s),
                None => Some(Stats::of(&searcher, &query)?).filter(Stats::fits),
            }
        } else {
            None
        };
        let harvest = match &stats {
            Some(stats) => searcher.search_with_statistics_provider(
                &query,
                &Collect(&plan),
                &Frozen { stats, searcher: &searcher },
            )?,
            None => searcher.search(&query, &Collect(&plan))?,
        };
        let snippets = if built.has_text {
            let mut gens = Vec::new();
            for (name, field) in [("title", h.fields.title), ("body", h.fields.body)] {
                let mut g = SnippetGenerator::create(&searcher, &query, field)?;
                g.set_max_num_chars(160);
                gens.push((name, g));
            }
            gens
        } else {
            Vec::new()
        };
        let mut hits = Vec::with_capacity(harvest.hits.len());
        for (k, id, addr) in &harvest.hits {
            let doc: TantivyDocument = searcher.doc(*addr)?;
            let shown: Shown = doc
                .get_first(h.fields.hit)
                .and_then(|v| v.as_str())
                .and_then(|s| serde_json::from_str(s).ok())
                .ok_or_else(|| Error::Io(std::io::Error::other("a document of the index lacks what a hit shows")))?;
            let mut highlights = BTreeMap::new();
            for (name, g) in &snippets {
                let s = g.snippet_from_doc(&doc);
                if !s.highlighted().is_empty() {
                    highlights.insert(name.to_string(), vec![s.to_html()]);
                }
            }
            let score = match (sort, k) {
                (Sort::Relevance, Key::Num(n)) => Some(f32::from_bits(n.saturating_neg() as u32)),
                _ => None,
            };
            hits.push(Hit {
                asset_id: Uuid::from_u128(*id),
                shown,
                score,
                highlights,
                key: After { key: k.clone(), id: *id, stats: None },
            });
        }
        let next = if harvest.remaining > hits.len() as u64 {
            hits.last().map(|h| After { stats: stats.clone(), ..h.key.clone() })
        } else {
            None
        };
        let facets = harvest
            .facets
            .into_iter()
            .map(|(name, values)| {
                let mut v: Vec<(String, u64)> = values.into_iter().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                v.truncate(100);
                (name, v)
            })
            .collect();
        Ok(Results { total: harvest.total, hits, facets, next })
    }

    /// Titles that start with what was typed, best first, among what the caller may see.
    pub fn suggest(
        &self,
        ws: Uuid,
        typed: &str,
        audience: Audience,
        rights_day: Option<i64>,
        limit: usize,
    ) -> Result<Vec<String>> {
        let Some(h) = self.handle(ws)? else { return Ok(Vec::new()) };
        let words: Vec<&str> = typed.split_whitespace().take(8).collect();
        let Some((last, before)) = words.split_last() else { return Ok(Vec::new()) };
        let mut clauses: Vec<Clause> = before
            .iter()
            .map(|w| Clause::Field { field: "title".into(), value: Value::Is { value: w.to_string() }, exclude: false })
            .collect();
        clauses.push(Clause::Text {
            text: vellum_domain::search_query::Text::Word { text: last.to_string(), prefix: true },
            exclude: false,
        });
        let vocabulary = Vocabulary::default();
        let built = builder(&h, &vocabulary).build(&clauses, audience, rights_day).map_err(Error::Query)?;
        let searcher = h.reader.searcher();
        let top = searcher.search(&built.query, &TopDocs::with_limit(limit * 4))?;
        let mut out: Vec<String> = Vec::new();
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(t) = doc.get_first(h.fields.title).and_then(|v| v.as_str()) {
                if !out.iter().any(|o| o == t) {
                    out.push(t.to_string());
                }
            }
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }
}

fn builder<'a>(h: &'a Open, vocabulary: &'a Vocabulary) -> Builder<'a> {
    Builder {
        fields: &h.fields,
        vocabulary,
        analyzer: schema::analyzer(h.language),
        prefix_analyzer: schema::prefix_analyzer(),
    }
}

fn open_generation(path: &Path, generation: u64, executor: Executor) -> Result<Open> {
    let mut index = Index::open_in_dir(path)?;
    // Generations written before languages were recorded are English.
    let language = match std::fs::read_to_string(path.join(LANGUAGE_FILE)) {
        Ok(code) => Language::parse(code.trim())
            .ok_or_else(|| Error::Io(std::io::Error::other(format!("the index names an unknown language '{code}'"))))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Language::English,
        Err(e) => return Err(e.into()),
    };
    index.set_executor(executor);
    let (_, fields) = schema::schema();
    if index.schema() != schema::schema().0 {
        return Err(Error::Io(std::io::Error::other("the index was written with other fields")));
    }
    schema::register(&index, language);
    let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    Ok(Open { generation, index, reader, fields, language, writer: Mutex::new(None) })
}

/// A generation being written; it replaces the one in use when finished.
pub struct Build {
    dir: PathBuf,
    generation: u64,
    writer: IndexWriter,
    fields: Fields,
}

impl Build {
    pub fn add(&mut self, docs: &[Document]) -> Result<()> {
        for d in docs {
            self.writer.add_document(d.to_tantivy(&self.fields))?;
        }
        Ok(())
    }

    /// Commits with `cursor` and makes this generation the one in use; older ones go.
    pub fn finish(mut self, cursor: Cursor) -> Result<()> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&cursor).unwrap_or_default());
        prepared.commit()?;
        self.writer.wait_merging_threads()?;
        let tmp = self.dir.join("CURRENT.tmp");
        std::fs::write(&tmp, self.generation.to_string())?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, self.dir.join("CURRENT"))?;
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().to_string();
            let old = name.strip_prefix('g').and_then(|n| n.parse::<u64>().ok()).is_some_and(|g| g < self.generation);
            if old {
                // A server still reading the old generation keeps its open files.
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        Ok(())
    }
}
