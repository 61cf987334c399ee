//! Facet rules, stated once over plain documents: values picked in one facet combine with OR,
//! facets with AND, and each facet's counts ignore its own selection so its other values stay
//! visible. The search engine must give the same numbers; this is its reference.

use std::collections::{BTreeMap, BTreeSet};

/// A document as facets see it: each facet's values (several for multi-valued fields).
pub type Doc = BTreeMap<String, Vec<String>>;

/// What the caller picked: per facet, the values any of which a document must have.
pub type Selection = BTreeMap<String, BTreeSet<String>>;

/// Whether `doc` has, for every facet picked (but `except`), one of the picked values.
pub fn matches(doc: &Doc, picked: &Selection, except: Option<&str>) -> bool {
    picked
        .iter()
        .filter(|(facet, values)| Some(facet.as_str()) != except && !values.is_empty())
        .all(|(facet, values)| doc.get(facet).is_some_and(|have| have.iter().any(|v| values.contains(v))))
}

/// Each asked facet's values with their counts, most frequent first (ties by value): counted
/// over the documents that match every other facet's selection.
pub fn counts(docs: &[Doc], picked: &Selection, facets: &[&str]) -> BTreeMap<String, Vec<(String, u64)>> {
    let mut out = BTreeMap::new();
    for &facet in facets {
        let mut tally: BTreeMap<&str, u64> = BTreeMap::new();
        for doc in docs.iter().filter(|d| matches(d, picked, Some(facet))) {
            // A document counts once per value even if it lists the value twice.
            let mut seen = BTreeSet::new();
            for v in doc.get(facet).into_iter().flatten() {
                if seen.insert(v.as_str()) {
                    *tally.entry(v.as_str()).or_default() += 1;
                }
            }
        }
        let mut list: Vec<(String, u64)> = tally.into_iter().map(|(v, n)| (v.to_string(), n)).collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.insert(facet.to_string(), list);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &str, status: &str, channels: &[&str]) -> Doc {
        BTreeMap::from([
            ("kind".to_string(), vec![kind.to_string()]),
            ("status".to_string(), vec![status.to_string()]),
            ("channels".to_string(), channels.iter().map(|c| c.to_string()).collect()),
        ])
    }

    fn pick(pairs: &[(&str, &[&str])]) -> Selection {
        pairs.iter().map(|(f, vs)| (f.to_string(), vs.iter().map(|v| v.to_string()).collect())).collect()
    }

    fn library() -> Vec<Doc> {
        vec![
            doc("visual", "approved", &["social", "web"]),
            doc("visual", "draft", &["social"]),
            doc("video", "approved", &["web"]),
            doc("video", "in_review", &["social", "social"]),
            doc("document", "approved", &[]),
        ]
    }

    #[test]
    fn nothing_picked_counts_everything() {
        let c = counts(&library(), &Selection::new(), &["kind", "channels"]);
        assert_eq!(c["kind"], vec![("video".into(), 2), ("visual".into(), 2), ("document".into(), 1)]);
        assert_eq!(c["channels"], vec![("social".into(), 3), ("web".into(), 2)], "a repeated value counts once");
    }

    #[test]
    fn or_within_and_across_and_a_facet_ignores_its_own_pick() {
        let picked = pick(&[("kind", &["visual", "video"]), ("status", &["approved"])]);
        let docs = library();
        let hits: Vec<usize> = (0..docs.len()).filter(|&i| matches(&docs[i], &picked, None)).collect();
        assert_eq!(hits, vec![0, 2], "visual OR video, AND approved");
        let c = counts(&docs, &picked, &["kind", "status", "channels"]);
        // Kind ignores its own pick: every approved document by kind, document included.
        assert_eq!(c["kind"], vec![("document".into(), 1), ("video".into(), 1), ("visual".into(), 1)]);
        // Status ignores its own pick: every visual or video by status.
        assert_eq!(c["status"], vec![("approved".into(), 2), ("draft".into(), 1), ("in_review".into(), 1)]);
        // Other facets count the hits.
        assert_eq!(c["channels"], vec![("web".into(), 2), ("social".into(), 1)]);
        // An empty pick is no pick; a facet a document lacks never matches a pick.
        assert!(matches(&docs[4], &pick(&[("kind", &[])]), None));
        assert!(!matches(&docs[4], &pick(&[("channels", &["web"])]), None));
    }
}
