//! The index end to end on a temporary folder: words, fields, ranges, facets by the filter
//! rules, the audiences, the viewers' rights gate, sorting and cursors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use uuid::Uuid;
use vellum_domain::search_query::{parse, Value};
use vellum_search::{After, Audience, Cursor, Document, Engine, Language, Request, Results, Shown, Sort, Vocabulary};

fn doc(n: u128, title: &str, kind: &str, status: &str, channels: &[&str], created_day: i64) -> Document {
    Document {
        asset_id: Uuid::from_u128(n),
        audience: Audience::Members,
        title: title.into(),
        filename: format!("{}.jpg", title.to_lowercase().replace(' ', "-")),
        body: vec![format!("{title} body text")],
        facets: [("kind", kind), ("status", status)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain(channels.iter().map(|c| ("channels".to_string(), c.to_string())))
            .collect(),
        terms: Vec::new(),
        numbers: vec![("custom.budget".into(), n as i64 * 1000)],
        dates: vec![("created".into(), format!("2026-0{}-15", 1 + (n % 3)))],
        created: created_day,
        due: None,
        rights_from: None,
        rights_until: None,
        shown: Shown { title: title.into(), kind: kind.into(), status: status.into(), version: 1, thumbnail: false },
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Engine,
    ws: Uuid,
    vocabulary: Vocabulary,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path().join("index")).unwrap();
    let ws = Uuid::from_u128(7);
    let mut docs = vec![
        doc(1, "Spring sale hero", "image", "approved", &["social", "web"], 10),
        doc(2, "Spring sale banner", "image", "draft", &["web"], 20),
        doc(3, "Summer running video", "video", "approved", &["social"], 30),
        doc(4, "Café crème poster", "document", "in_review", &["print"], 40),
        doc(5, "Runners at dawn", "image", "approved", &["social"], 50),
    ];
    let mut viewer = doc(1, "Spring sale hero", "image", "approved", &["social", "web"], 10);
    viewer.audience = Audience::Viewers;
    let mut expired = doc(5, "Runners at dawn", "image", "approved", &["social"], 50);
    expired.audience = Audience::Viewers;
    expired.rights_until = Some(99);
    docs.push(viewer);
    docs.push(expired);
    let ids: Vec<Uuid> = (1..=5).map(Uuid::from_u128).collect();
    engine.apply(ws, &ids, &docs, Cursor { seq: 9, indexed_at: 1 }).unwrap();
    let mut vocabulary = Vocabulary::default();
    vocabulary.custom.insert("budget".into(), vellum_search::FieldType::Number);
    Fixture { _dir: dir, engine, ws, vocabulary }
}

impl Fixture {
    fn run(&self, q: &str, filters: &[(&str, &str)], sort: Sort, after: Option<After>, limit: usize) -> Results {
        self.run_as(Audience::Members, q, filters, sort, after, limit)
    }

    fn run_as(
        &self,
        audience: Audience,
        q: &str,
        filters: &[(&str, &str)],
        sort: Sort,
        after: Option<After>,
        limit: usize,
    ) -> Results {
        let parsed = parse(q).unwrap();
        let mut f: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in filters {
            f.entry(k.to_string()).or_default().push(Value::Is { value: v.to_string() });
        }
        let facets = ["kind", "status", "channels", "rights_status"].map(String::from);
        let r = Request {
            clauses: &parsed.clauses,
            filters: &f,
            facets: &facets,
            sort,
            limit,
            after,
            audience,
            rights_gate: audience == Audience::Viewers,
            today: 100,
            warning_days: 30,
            vocabulary: &self.vocabulary,
            only: None,
        };
        self.engine.search(self.ws, &r).unwrap()
    }
}

fn titles(r: &Results) -> Vec<&str> {
    r.hits.iter().map(|h| h.shown.title.as_str()).collect()
}

fn counts(r: &Results, facet: &str) -> Vec<(String, u64)> {
    r.facets.get(facet).cloned().unwrap_or_default()
}

#[test]
fn words_are_stemmed_folded_and_prefixed() {
    let f = fixture();
    assert_eq!(titles(&f.run("runs", &[], Sort::Title, None, 10)), ["Summer running video"]);
    assert_eq!(titles(&f.run("sales", &[], Sort::Title, None, 10)), ["Spring sale banner", "Spring sale hero"]);
    assert_eq!(titles(&f.run("cafe", &[], Sort::Relevance, None, 10)), ["Café crème poster"]);
    assert_eq!(titles(&f.run("spri*", &[], Sort::Title, None, 10)), ["Spring sale banner", "Spring sale hero"]);
    assert_eq!(titles(&f.run("\"sale hero\"", &[], Sort::Relevance, None, 10)), ["Spring sale hero"]);
    assert_eq!(titles(&f.run("spring -banner", &[], Sort::Relevance, None, 10)), ["Spring sale hero"]);
    let hit = &f.run("hero", &[], Sort::Relevance, None, 10).hits[0];
    assert!(hit.score.is_some_and(|s| s > 0.0));
    assert_eq!(hit.highlights["title"], ["Spring sale <b>hero</b>"]);
}

#[test]
fn fields_and_ranges() {
    let f = fixture();
    assert_eq!(f.run("kind:video", &[], Sort::Title, None, 10).total, 1);
    assert_eq!(f.run("kind:IMAGE", &[], Sort::Title, None, 10).total, 3);
    assert_eq!(f.run("-kind:image", &[], Sort::Title, None, 10).total, 2);
    assert_eq!(f.run("custom.budget:>=3000", &[], Sort::Title, None, 10).total, 3);
    assert_eq!(f.run("custom.budget:2000..4000", &[], Sort::Title, None, 10).total, 3);
    assert_eq!(f.run("custom.budget:<2000", &[], Sort::Title, None, 10).total, 1);
    // Days: 1→Feb, 2→Mar, 3→Jan, 4→Feb, 5→Mar.
    assert_eq!(f.run("created:2026-02", &[], Sort::Title, None, 10).total, 2);
    assert_eq!(f.run("created:2026-01..2026-02", &[], Sort::Title, None, 10).total, 3);
    assert_eq!(f.run("created:>2026-02", &[], Sort::Title, None, 10).total, 2);
    assert_eq!(f.run("created:..2026-01-15", &[], Sort::Title, None, 10).total, 1);
    assert_eq!(f.run("title:poster", &[], Sort::Title, None, 10).total, 1);
    let parsed = parse("workspace:x").unwrap();
    let r = Request {
        clauses: &parsed.clauses,
        filters: &BTreeMap::new(),
        facets: &[],
        sort: Sort::Newest,
        limit: 10,
        after: None,
        audience: Audience::Members,
        rights_gate: false,
        today: 0,
        warning_days: 0,
        vocabulary: &f.vocabulary,
        only: None,
    };
    assert!(matches!(f.engine.search(f.ws, &r), Err(vellum_search::Error::Query(_))));
}

#[test]
fn facets_or_within_and_across_each_without_its_own_pick() {
    let f = fixture();
    let all = f.run("", &[], Sort::Newest, None, 10);
    assert_eq!(all.total, 5);
    assert_eq!(counts(&all, "kind"), [("image".into(), 3), ("document".into(), 1), ("video".into(), 1)]);
    assert_eq!(counts(&all, "channels"), [("social".into(), 3), ("web".into(), 2), ("print".into(), 1)]);
    let picked = f.run("", &[("kind", "image"), ("kind", "video"), ("channels", "social")], Sort::Newest, None, 10);
    assert_eq!(titles(&picked), ["Runners at dawn", "Summer running video", "Spring sale hero"]);
    // Kind counts ignore the kind pick but keep the channel pick.
    assert_eq!(counts(&picked, "kind"), [("image".into(), 2), ("video".into(), 1)]);
    // Channel counts ignore the channel pick but keep the kind pick.
    assert_eq!(counts(&picked, "channels"), [("social".into(), 3), ("web".into(), 2)]);
    assert_eq!(counts(&picked, "status"), [("approved".into(), 3)]);
}

#[test]
fn viewers_see_their_documents_in_rights_only() {
    let f = fixture();
    let r = f.run_as(Audience::Viewers, "", &[], Sort::Newest, None, 10);
    assert_eq!(titles(&r), ["Spring sale hero"]);
    assert_eq!(counts(&r, "kind"), [("image".into(), 1)]);
    assert_eq!(f.run_as(Audience::Viewers, "runners", &[], Sort::Newest, None, 10).total, 0);
    let members = f.run("", &[("rights_status", "ok")], Sort::Newest, None, 10);
    assert_eq!(members.total, 5);
}

#[test]
fn cursors_walk_every_order_without_gaps_or_repeats() {
    let f = fixture();
    for sort in [Sort::Newest, Sort::Oldest, Sort::Title, Sort::Relevance] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = f.run("", &[], sort, after, 2);
            seen.extend(titles(&page).iter().map(|s| s.to_string()));
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (5, 5), "{sort:?}: {seen:?}");
        if sort == Sort::Title {
            assert_eq!(seen, unique);
        }
    }
}

#[test]
fn suggestions_come_from_titles_the_caller_sees() {
    let f = fixture();
    let mut s = f.engine.suggest(f.ws, "spr", Audience::Members, None, 5).unwrap();
    s.sort();
    assert_eq!(s, ["Spring sale banner", "Spring sale hero"]);
    let v = f.engine.suggest(f.ws, "spr", Audience::Viewers, Some(100), 5).unwrap();
    assert_eq!(v, ["Spring sale hero"]);
}

#[test]
fn an_update_replaces_and_the_cursor_moves_with_it() {
    let f = fixture();
    let one = Uuid::from_u128(1);
    let changed = doc(1, "Autumn hero", "image", "approved", &["web"], 10);
    f.engine.apply(f.ws, &[one], &[changed], Cursor { seq: 12, indexed_at: 2 }).unwrap();
    assert_eq!(f.run("spring", &[], Sort::Title, None, 10).total, 1);
    assert_eq!(f.run("autumn", &[], Sort::Title, None, 10).total, 1);
    assert_eq!(f.engine.cursor(f.ws).unwrap().map(|c| c.seq), Some(12));
    assert_eq!(f.engine.documents(f.ws).unwrap(), 5);
    // The viewers' document went with it: the new one was not given for viewers.
    assert_eq!(f.run_as(Audience::Viewers, "", &[], Sort::Newest, None, 10).total, 0);
}

#[test]
fn a_rebuild_takes_the_place_of_the_index_in_use() {
    let f = fixture();
    let mut b = f.engine.build(f.ws, Language::English).unwrap();
    b.add(&[doc(9, "Only one", "image", "draft", &[], 1)]).unwrap();
    // Search keeps serving the old generation until the swap.
    assert_eq!(f.run("", &[], Sort::Newest, None, 10).total, 5);
    b.finish(Cursor { seq: 40, indexed_at: 3 }).unwrap();
    assert_eq!(titles(&f.run("", &[], Sort::Newest, None, 10)), ["Only one"]);
    assert_eq!(f.engine.cursor(f.ws).unwrap().map(|c| c.seq), Some(40));
}

#[test]
fn a_generation_stems_in_the_language_it_was_built_in() {
    let f = fixture();
    assert_eq!(f.engine.language(f.ws).unwrap(), Some(Language::English));
    let german = doc(9, "Häuser am Meer", "image", "draft", &[], 1);
    f.engine
        .apply(f.ws, &[Uuid::from_u128(9)], std::slice::from_ref(&german), Cursor { seq: 10, indexed_at: 2 })
        .unwrap();
    // English leaves "hauser" whole, so the singular finds nothing.
    assert_eq!(f.run("haus", &[], Sort::Relevance, None, 10).total, 0);
    let mut b = f.engine.build(f.ws, Language::German).unwrap();
    b.add(&[german]).unwrap();
    b.finish(Cursor { seq: 11, indexed_at: 3 }).unwrap();
    assert_eq!(f.engine.language(f.ws).unwrap(), Some(Language::German));
    assert_eq!(titles(&f.run("haus", &[], Sort::Relevance, None, 10)), ["Häuser am Meer"]);
    // A new engine on the same folder reads the language back from the generation.
    let again = Engine::open(f._dir.path().join("index")).unwrap();
    assert_eq!(again.language(f.ws).unwrap(), Some(Language::German));
}

#[test]
fn picks_in_many_facets_combine_and_too_many_are_refused() {
    let f = fixture();
    let picked = f.run("", &[("kind", "image"), ("status", "approved"), ("channels", "social")], Sort::Title, None, 10);
    assert_eq!(titles(&picked), ["Runners at dawn", "Spring sale hero"]);
    // Each facet counts without its own pick: kind over approved social assets.
    assert_eq!(counts(&picked, "kind"), [("image".to_string(), 2), ("video".to_string(), 1)]);
    let mut vocabulary = f.vocabulary.clone();
    let mut filters = BTreeMap::new();
    for i in 0..=vellum_search::collect::MAX_PICKED {
        vocabulary.custom.insert(format!("f{i}"), vellum_search::FieldType::Keyword);
        vocabulary.custom_facets.push(format!("f{i}"));
        filters.insert(format!("custom.f{i}"), vec![Value::Is { value: "x".into() }]);
    }
    let r = Request {
        clauses: &[],
        filters: &filters,
        facets: &[],
        sort: Sort::Newest,
        limit: 10,
        after: None,
        audience: Audience::Members,
        rights_gate: false,
        today: 100,
        warning_days: 30,
        vocabulary: &vocabulary,
        only: None,
    };
    assert!(matches!(f.engine.search(f.ws, &r), Err(vellum_search::Error::Query(_))));
}

#[test]
fn relevance_pages_hold_still_while_assets_arrive() {
    let f = fixture();
    // Twelve otters, with titles of different lengths so their scores differ.
    let originals: Vec<Document> = (100..112)
        .map(|n| {
            let title = format!("Otter {}", "river bank ".repeat((n - 100) as usize));
            doc(n, title.trim(), "image", "draft", &[], n as i64)
        })
        .collect();
    let ids: Vec<Uuid> = originals.iter().map(|d| d.asset_id).collect();
    f.engine.apply(f.ws, &ids, &originals, Cursor { seq: 20, indexed_at: 2 }).unwrap();
    let first = f.run("otter", &[], Sort::Relevance, None, 4);
    let mut seen: Vec<Uuid> = first.hits.iter().map(|h| h.asset_id).collect();
    // Many more otters arrive between pages: the word is rarer no more, and titles are longer.
    let arrivals: Vec<Document> = (200..260)
        .map(|n| doc(n, &format!("Otter otter sea {}", "kelp ".repeat((n % 7) as usize)), "image", "draft", &[], 1))
        .collect();
    let ids: Vec<Uuid> = arrivals.iter().map(|d| d.asset_id).collect();
    f.engine.apply(f.ws, &ids, &arrivals, Cursor { seq: 21, indexed_at: 3 }).unwrap();
    let mut after = first.next;
    while let Some(a) = after {
        assert!(a.stats.is_some(), "a relevance cursor carries its figures");
        let page = f.run("otter", &[], Sort::Relevance, Some(a), 4);
        seen.extend(page.hits.iter().map(|h| h.asset_id));
        after = page.next;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no asset twice: {seen:?}");
    for n in 100..112u128 {
        assert!(seen.contains(&Uuid::from_u128(n)), "original {n} was skipped");
    }
}
