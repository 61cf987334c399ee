//! Search: the use cases over a workspace's index (search, suggestions, status, find
//! similar) and the indexer that keeps each index caught up with the workspace's change
//! record. The index is derived state: its cursor is committed with it, so a crash replays
//! changes, and a missing or unreadable index is rebuilt from the database.

pub mod documents;
mod indexer;
pub mod saved;
mod similar;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use vellum_domain::rights::DEFAULT_WARNING_DAYS;
use vellum_domain::search_language::SearchLanguage;
use vellum_domain::search_query::{self, Clause, Value};
use vellum_domain::{fields::FieldType as SchemaType, ErrorCode, Id, Timestamp};
use vellum_search::{After, Audience, Engine, FieldType, Key, Request, Sort, Vocabulary};
use vellum_store::metadata_schemas;

use crate::{access, Actor, Core, Error, Result};

pub use similar::{Similar, SimilarItem};

/// The search side of a node: its indexes and what it is rebuilding.
pub struct Search {
    pub(crate) engine: Arc<Engine>,
    /// Workspaces whose index is being rebuilt because it was missing or unreadable: their
    /// searches answer 503 rather than wrong results.
    pub(crate) rebuilding: Mutex<HashSet<Id>>,
    /// One indexer step at a time in this process.
    pub(crate) step: tokio::sync::Mutex<()>,
    pub(crate) similar: similar::Trees,
    /// How far this node last moved each workspace's followers' cursor, so an idle step
    /// need not read it back (the database row stays the truth whenever this is behind).
    pub(crate) told: Mutex<HashMap<Id, i64>>,
}

impl Search {
    pub fn open(dir: &Path) -> Result<Search> {
        let engine = Engine::open(dir).map_err(|e| index_error(&e))?;
        Ok(Search {
            engine: Arc::new(engine),
            rebuilding: Mutex::new(HashSet::new()),
            step: tokio::sync::Mutex::new(()),
            similar: similar::Trees::default(),
            told: Mutex::new(HashMap::new()),
        })
    }

    fn is_rebuilding(&self, ws: Id) -> bool {
        self.rebuilding.lock().map(|r| r.contains(&ws)).unwrap_or(true)
    }
}

pub(crate) fn index_error(e: &vellum_search::Error) -> Error {
    match e {
        vellum_search::Error::Query(q) => Error::Query { message: q.message.clone(), position: q.position },
        other => {
            tracing::error!(error = %other, "search index failed");
            Error::new(ErrorCode::Internal, format!("search index: {other}"))
        }
    }
}

fn rebuilding() -> Error {
    Error::new(ErrorCode::IndexRebuilding, "the search index of this workspace is being rebuilt; try again in a minute")
}

/// A search as the API takes it.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    pub q: String,
    /// `field:value` each.
    pub filters: Vec<String>,
    /// Comma-separated facet names.
    pub facets: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SearchHit {
    pub asset_id: Id,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub version: u32,
    pub thumbnail: bool,
    pub highlights: BTreeMap<String, Vec<String>>,
    pub score: Option<f32>,
}

#[derive(Debug, Clone)]
pub struct SearchOutcome {
    pub total: u64,
    pub hits: Vec<SearchHit>,
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
    pub next_cursor: Option<String>,
    pub took_ms: u64,
}

#[derive(Debug, Clone)]
pub struct SearchStatus {
    pub documents: u64,
    pub lag_ms: u64,
    pub last_indexed_at: Option<Timestamp>,
    pub rebuilding: bool,
    /// The language the index in use stems words in; until a changed workspace language has
    /// been applied, it differs from the workspace's and the lag is not 0.
    pub language: Option<SearchLanguage>,
}

pub const MAX_LIMIT: u32 = 100;
pub const DEFAULT_LIMIT: u32 = 24;
const MAX_FILTERS: usize = 32;
const MAX_FACETS: usize = 32;
/// The longest cursor read (the figures of a long query fit well inside).
const MAX_CURSOR: usize = 16 * 1024;

/// The cursor as it travels: the sort it belongs to, the last hit's key and id.
#[derive(Serialize, Deserialize)]
struct CursorForm {
    s: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t: Option<String>,
    id: String,
    /// By relevance: the figures every page is scored with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    st: Option<vellum_search::Stats>,
}

fn sort_name(s: Sort) -> &'static str {
    match s {
        Sort::Relevance => "relevance",
        Sort::Newest => "newest",
        Sort::Oldest => "oldest",
        Sort::Title => "title",
        Sort::Due => "due",
    }
}

pub fn parse_sort(s: Option<&str>) -> Result<Sort> {
    Ok(match s.unwrap_or("relevance") {
        "" | "relevance" => Sort::Relevance,
        "newest" => Sort::Newest,
        "oldest" => Sort::Oldest,
        "title" => Sort::Title,
        "due" => Sort::Due,
        other => {
            return Err(Error::new(
                ErrorCode::SearchQuery,
                format!("'{other}' is not a sort; use relevance, newest, oldest, title or due"),
            ))
        }
    })
}

fn encode_cursor(sort: Sort, a: &After) -> String {
    let (n, t) = match &a.key {
        Key::Num(n) => (Some(*n), None),
        Key::Text(t) => (None, Some(t.clone())),
    };
    let form = CursorForm { s: sort_name(sort).into(), n, t, id: Id::from_u128(a.id).to_string(), st: a.stats.clone() };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&form).unwrap_or_default())
}

fn decode_cursor(sort: Sort, c: &str) -> Result<After> {
    let bad = || Error::new(ErrorCode::InvalidCursor, "the cursor is not one this search gave out");
    if c.len() > MAX_CURSOR {
        return Err(bad());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let form: CursorForm = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if form.s != sort_name(sort) {
        return Err(Error::new(ErrorCode::InvalidCursor, "the cursor belongs to another sort order"));
    }
    let id = vellum_domain::id::parse_id(&form.id).ok_or_else(bad)?.as_u128();
    let key = match (form.n, form.t) {
        (Some(n), None) => Key::Num(n),
        (None, Some(t)) => Key::Text(t),
        _ => return Err(bad()),
    };
    if form.st.as_ref().is_some_and(|st| !st.fits()) {
        return Err(bad());
    }
    Ok(After { key, id, stats: form.st })
}

/// The fields of a workspace as search sees them, from its custom field schema.
pub(crate) fn vocabulary(schema: &vellum_domain::fields::MetadataSchema) -> Vocabulary {
    let mut v = Vocabulary::default();
    for f in &schema.fields {
        let t = match f.field_type {
            SchemaType::Number | SchemaType::Money => FieldType::Number,
            SchemaType::Date => FieldType::Date,
            SchemaType::Text => FieldType::Text,
            SchemaType::Enum | SchemaType::MultiEnum | SchemaType::Boolean => {
                v.custom_facets.push(f.key.clone());
                FieldType::Keyword
            }
            SchemaType::User => FieldType::Keyword,
        };
        v.custom.insert(f.key.clone(), t);
    }
    v
}

/// Reads the `filter=` values: each one `field:value` (or a range), grouped by field.
fn parse_filters(filters: &[String]) -> Result<BTreeMap<String, Vec<Value>>> {
    if filters.len() > MAX_FILTERS {
        return Err(Error::new(ErrorCode::SearchQuery, format!("at most {MAX_FILTERS} filters")));
    }
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for f in filters {
        let parsed = search_query::parse(f)
            .map_err(|e| Error::Query { message: format!("filter '{f}': {}", e.message), position: e.position })?;
        match parsed.clauses.as_slice() {
            [Clause::Field { field, value, exclude: false }] => {
                let field = if field == "channel" { "channels".to_string() } else { field.clone() };
                out.entry(field).or_default().push(value.clone());
            }
            _ => {
                return Err(Error::Query {
                    message: format!("filter '{f}' is not one field:value, like kind:video"),
                    position: 0,
                })
            }
        }
    }
    Ok(out)
}

/// A search read and checked, ready to run.
pub(crate) struct Prepared {
    query: search_query::Query,
    filters: BTreeMap<String, Vec<Value>>,
    facets: Vec<String>,
    sort: Sort,
    limit: u32,
    after: Option<After>,
}

/// Reads and checks a search's parameters against a workspace's fields.
pub(crate) fn prepare(p: &SearchParams, vocabulary: &Vocabulary) -> Result<Prepared> {
    let query = search_query::parse(&p.q).map_err(|e| Error::Query { message: e.message, position: e.position })?;
    let filters = parse_filters(&p.filters)?;
    let facets: Vec<String> = p
        .facets
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    if facets.len() > MAX_FACETS {
        return Err(Error::new(ErrorCode::SearchQuery, format!("at most {MAX_FACETS} facets")));
    }
    if let Some(bad) = facets.iter().find(|f| !vocabulary.is_facet(f)) {
        return Err(Error::new(
            ErrorCode::SearchQuery,
            format!(
                "'{bad}' is not a facet; use {} or custom.<key> of an enum, multi_enum or boolean field",
                vellum_search::query::FACETS.join(", ")
            ),
        ));
    }
    let sort = parse_sort(p.sort.as_deref())?;
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::new(ErrorCode::InvalidLimit, format!("limit must be 1–{MAX_LIMIT}")));
    }
    let after = p.cursor.as_deref().filter(|c| !c.is_empty()).map(|c| decode_cursor(sort, c)).transpose()?;
    Ok(Prepared { query, filters, facets, sort, limit, after })
}

/// Runs a prepared search off the async threads, as a member or a viewer on `today`.
pub(crate) async fn run(
    engine: &Arc<Engine>,
    ws: Id,
    p: Prepared,
    vocabulary: Vocabulary,
    viewer: bool,
    today: i64,
    only: Option<Vec<Id>>,
) -> Result<(vellum_search::Results, Sort)> {
    let engine = engine.clone();
    let sort = p.sort;
    let results = tokio::task::spawn_blocking(move || {
        let r = Request {
            clauses: &p.query.clauses,
            filters: &p.filters,
            facets: &p.facets,
            sort: p.sort,
            limit: p.limit as usize,
            after: p.after,
            audience: if viewer { Audience::Viewers } else { Audience::Members },
            rights_gate: viewer,
            today,
            warning_days: i64::from(DEFAULT_WARNING_DAYS),
            vocabulary: &vocabulary,
            only: only.as_deref(),
        };
        engine.search(ws, &r)
    })
    .await
    .map_err(|e| Error::new(ErrorCode::Internal, format!("search task: {e}")))?
    .map_err(|e| index_error(&e))?;
    Ok((results, sort))
}

/// Today in days since 1970, by the core's clock.
pub(crate) fn today(now: Timestamp) -> i64 {
    vellum_domain::ical::When::At(now).day().map_or(0, documents::day_number)
}

impl Core {
    /// The same core with search indexes in `dir`.
    pub fn with_search(mut self, dir: &Path) -> Result<Self> {
        self.search = Some(Arc::new(Search::open(dir)?));
        Ok(self)
    }

    pub(crate) fn search_side(&self) -> Result<&Arc<Search>> {
        self.search.as_ref().ok_or_else(|| Error::new(ErrorCode::IndexRebuilding, "search is not set up on this node"))
    }

    /// Searches a workspace as the actor may see it: members see work in progress, viewers
    /// and externals the approved version of what is in rights today.
    pub async fn search(&self, actor: &Actor, ws: &str, p: &SearchParams) -> Result<SearchOutcome> {
        let started = std::time::Instant::now();
        let search = self.search_side()?.clone();
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        let (schema, _) = metadata_schemas::get(&mut c, access.workspace.id).await?;
        drop(c);
        if search.is_rebuilding(access.workspace.id) {
            return Err(rebuilding());
        }
        let vocabulary = vocabulary(&schema);
        let prepared = prepare(p, &vocabulary)?;
        let viewer = !access.sees_work_in_progress();
        let today = today(self.now());
        let results = run(&search.engine, access.workspace.id, prepared, vocabulary, viewer, today, None).await?;
        let sort = results.1;
        let results = results.0;
        let hits = results
            .hits
            .iter()
            .map(|h| SearchHit {
                asset_id: h.asset_id,
                title: h.shown.title.clone(),
                kind: h.shown.kind.clone(),
                status: h.shown.status.clone(),
                version: h.shown.version,
                thumbnail: h.shown.thumbnail,
                highlights: h.highlights.clone(),
                score: h.score,
            })
            .collect();
        Ok(SearchOutcome {
            total: results.total,
            hits,
            facets: results.facets,
            next_cursor: results.next.as_ref().map(|a| encode_cursor(sort, a)),
            took_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// Titles starting with what was typed, among what the actor may see.
    pub async fn suggest(&self, actor: &Actor, ws: &str, typed: &str) -> Result<Vec<String>> {
        let search = self.search_side()?.clone();
        let access = access::workspace(&mut *self.store.conn().await?, &actor.user, ws).await?;
        if search.is_rebuilding(access.workspace.id) {
            return Err(rebuilding());
        }
        let typed: String = typed.chars().take(200).collect();
        let viewer = !access.sees_work_in_progress();
        let audience = if viewer { Audience::Viewers } else { Audience::Members };
        let day = viewer.then(|| today(self.now()));
        let ws_id = access.workspace.id;
        let engine = search.engine.clone();
        tokio::task::spawn_blocking(move || engine.suggest(ws_id, &typed, audience, day, 8))
            .await
            .map_err(|e| Error::new(ErrorCode::Internal, format!("search task: {e}")))?
            .map_err(|e| index_error(&e))
    }

    /// How far a workspace's index is behind (workspace admins).
    pub async fn search_status(&self, actor: &Actor, ws: &str) -> Result<SearchStatus> {
        let search = self.search_side()?.clone();
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(vellum_domain::role::Capability::Administer)?;
        let ws_id = access.workspace.id;
        let engine = search.engine.clone();
        let (cursor, documents, language) = tokio::task::spawn_blocking(move || {
            Ok::<_, vellum_search::Error>((engine.cursor(ws_id)?, engine.documents(ws_id)?, engine.language(ws_id)?))
        })
        .await
        .map_err(|e| Error::new(ErrorCode::Internal, format!("search task: {e}")))?
        .map_err(|e| index_error(&e))?;
        let lag_ms =
            self.lag_ms(&mut c, ws_id, cursor.map_or(0, |c| c.seq), language, access.workspace.search_language).await?;
        Ok(SearchStatus {
            documents,
            lag_ms,
            last_indexed_at: cursor.and_then(|c| Timestamp::from_unix_micros(c.indexed_at)),
            rebuilding: search.is_rebuilding(ws_id),
            language,
        })
    }

    /// How long the oldest change after `seq` has waited; a change waiting counts at least a
    /// millisecond, so "caught up" means 0. An index stemmed in another language than the
    /// workspace's (`stemmed` against `wanted`) is behind too, until it is rebuilt.
    async fn lag_ms(
        &self,
        c: &mut vellum_store::Conn,
        ws: Id,
        seq: i64,
        stemmed: Option<SearchLanguage>,
        wanted: SearchLanguage,
    ) -> Result<u64> {
        let next = vellum_store::search::next_change_at(c, ws, seq).await?;
        let now = self.now();
        let lag = next.map_or(0, |at| u64::try_from((now.unix_micros() - at.unix_micros()) / 1000).unwrap_or(0).max(1));
        Ok(if stemmed == Some(wanted) { lag } else { lag.max(1) })
    }

    /// The node's search figures over every workspace, for `/metrics`: no workspace is
    /// named, so nothing about a tenant leaks through them.
    pub async fn search_metrics(&self) -> Result<SearchMetrics> {
        let Some(search) = self.search.clone() else { return Ok(SearchMetrics::default()) };
        let mut c = self.store.conn().await?;
        let mut m = SearchMetrics::default();
        for (ws, language) in vellum_store::search::workspaces(&mut c).await? {
            if search.is_rebuilding(ws) {
                m.rebuilding += 1;
            }
            let engine = search.engine.clone();
            let (cursor, stemmed) = tokio::task::spawn_blocking(move || {
                Ok::<_, vellum_search::Error>((engine.cursor(ws)?, engine.language(ws)?))
            })
            .await
            .map_err(|e| Error::new(ErrorCode::Internal, format!("search task: {e}")))?
            .map_err(|e| index_error(&e))?;
            let lag = self.lag_ms(&mut c, ws, cursor.map_or(0, |c| c.seq), stemmed, language).await?;
            m.lag_ms = m.lag_ms.max(lag);
        }
        Ok(m)
    }
}

/// Search figures over every workspace of the node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchMetrics {
    /// The largest lag of any workspace's index.
    pub lag_ms: u64,
    /// Workspace indexes being rebuilt.
    pub rebuilding: u64,
}

/// Counts of documents by asset, for the rebuild's progress.
pub(crate) type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);
