//! One pass over the matching documents that counts facets and keeps the top hits. Facets
//! combine as the library's filter rules say (OR within a facet, AND across, each facet
//! counted without its own pick), over exactly the documents the query let through, so a
//! count never shows what a hit list would not.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashSet};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::query::RIGHTS_STATUS;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    Newest,
    Oldest,
    Title,
    Due,
}

/// A hit's place in the order: smaller comes first, then the asset id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Num(i64),
    Text(String),
}

/// Where the previous page ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub key: Key,
    pub id: u128,
    /// By relevance: the figures the pages are scored with, so the key keeps its place.
    pub stats: Option<crate::Stats>,
}

/// What to count and keep.
#[derive(Debug, Clone)]
pub struct Plan {
    pub facets: Vec<String>,
    /// Picked values per facet, lower case.
    pub picks: BTreeMap<String, HashSet<String>>,
    pub sort: Sort,
    pub after: Option<After>,
    pub limit: usize,
    /// Today in days since 1970 and the warning days, for `rights_status`.
    pub today: i64,
    pub warning_days: i64,
}

#[derive(Debug, Default)]
pub struct Harvest {
    /// Documents that pass every pick.
    pub total: u64,
    /// Of those, the ones after the cursor.
    pub remaining: u64,
    pub hits: Vec<(Key, u128, DocAddress)>,
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}

pub struct Collect<'a>(pub &'a Plan);

/// The rights status of a window on `today`.
pub fn rights_status(from: i64, until: i64, today: i64, warning_days: i64) -> &'static str {
    if today < from || today > until {
        "expired"
    } else if until <= today.saturating_add(warning_days) {
        "expiring"
    } else {
        "ok"
    }
}

/// Where a string stands against a segment's sorted dictionary.
#[derive(Debug, Clone, Copy)]
struct StrBound {
    /// The first ordinal whose term is not below the string.
    first: u64,
    exact: bool,
}

impl StrBound {
    fn of(col: &StrColumn, s: &str) -> tantivy::Result<StrBound> {
        // A binary search over the sorted dictionary: about twenty lookups for a million terms.
        let (mut lo, mut hi) = (0u64, col.num_terms() as u64);
        let mut term = String::new();
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            term.clear();
            col.ord_to_str(mid, &mut term)?;
            if term.as_str() < s {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let exact = lo < col.num_terms() as u64 && {
            term.clear();
            col.ord_to_str(lo, &mut term)?;
            term == s
        };
        Ok(StrBound { first: lo, exact })
    }

    /// How a term of ordinal `ord` compares with the string.
    fn cmp(self, ord: u64) -> Ordering {
        if ord < self.first {
            Ordering::Less
        } else if ord == self.first && self.exact {
            Ordering::Equal
        } else {
            Ordering::Greater
        }
    }
}

/// A facet's ordinals in one segment (its terms are `name=…`, so they sit together).
struct FacetRange {
    name: String,
    start: u64,
    end: u64,
    counted: bool,
}

/// At most this many facets can be picked in one search: a document's passes are a bitmask.
pub const MAX_PICKED: usize = 64;

/// The rights status, computed per document from its window and today.
struct RightsFacet {
    picked: Option<HashSet<String>>,
    counted: bool,
    from: Column<i64>,
    until: Column<i64>,
}

pub struct SegmentCollect {
    segment: SegmentOrdinal,
    facets_col: Option<StrColumn>,
    ranges: Vec<FacetRange>,
    /// Per ordinal of the facets column: its count over the documents that pass every pick…
    counts: Vec<u32>,
    /// …and which picked facets (bits of `required`) a document with it satisfies.
    passes: Vec<u64>,
    /// One bit per picked facet (the rights status has none: it is not in the column).
    required: u64,
    /// The facet each bit of `required` stands for, as an index into `ranges`.
    bit_range: Vec<usize>,
    rights: Option<RightsFacet>,
    rights_counts: BTreeMap<&'static str, u64>,
    today: i64,
    warning_days: i64,
    sort: Sort,
    primary: Option<Column<i64>>,
    title: Option<(StrColumn, Option<StrBound>)>,
    id_hi: Column<u64>,
    id_lo: Column<u64>,
    after: Option<(Option<i64>, u128)>,
    title_after: bool,
    limit: usize,
    heap: BinaryHeap<(i64, u128, DocId)>,
    total: u64,
    remaining: u64,
    ords: Vec<u64>,
}

impl Collector for Collect<'_> {
    type Fruit = Harvest;
    type Child = SegmentCollect;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentCollect> {
        let plan = self.0;
        let fast = reader.fast_fields();
        let facets_col = fast.str("facets")?;
        let mut ranges = Vec::new();
        let mut names: Vec<&String> = plan.facets.iter().chain(plan.picks.keys()).collect();
        names.sort();
        names.dedup();
        let terms = facets_col.as_ref().map_or(0, |c| c.num_terms());
        let mut passes = vec![0u64; if plan.picks.is_empty() { 0 } else { terms }];
        let mut required = 0u64;
        let mut bit_range = Vec::new();
        let mut s = String::new();
        for name in names.into_iter().filter(|n| *n != RIGHTS_STATUS) {
            let (start, end) = match &facets_col {
                Some(col) => {
                    (StrBound::of(col, &format!("{name}="))?.first, StrBound::of(col, &format!("{name}>"))?.first)
                }
                None => (0, 0),
            };
            if let Some(values) = plan.picks.get(name) {
                let bit = bit_range.len();
                if bit >= MAX_PICKED {
                    return Err(tantivy::TantivyError::InvalidArgument(format!(
                        "at most {MAX_PICKED} fields can be filtered at once"
                    )));
                }
                required |= 1 << bit;
                bit_range.push(ranges.len());
                if let Some(col) = &facets_col {
                    for ord in start..end {
                        s.clear();
                        col.ord_to_str(ord, &mut s)?;
                        let value = s.split_once('=').map_or("", |(_, v)| v);
                        if values.contains(&value.to_lowercase()) {
                            passes[ord as usize] |= 1 << bit;
                        }
                    }
                }
            }
            ranges.push(FacetRange { name: name.clone(), start, end, counted: plan.facets.contains(name) });
        }
        let rights_needed = plan.facets.iter().any(|f| f == RIGHTS_STATUS) || plan.picks.contains_key(RIGHTS_STATUS);
        let rights = if rights_needed {
            Some(RightsFacet {
                picked: plan.picks.get(RIGHTS_STATUS).cloned(),
                counted: plan.facets.iter().any(|f| f == RIGHTS_STATUS),
                from: fast.i64("rights_from")?,
                until: fast.i64("rights_until")?,
            })
        } else {
            None
        };
        let primary = match plan.sort {
            Sort::Newest | Sort::Oldest => Some(fast.i64("created")?),
            Sort::Due => Some(fast.i64("due")?),
            Sort::Relevance | Sort::Title => None,
        };
        let title = match plan.sort {
            Sort::Title => match fast.str("title_sort")? {
                Some(col) => {
                    let bound = match &plan.after {
                        Some(After { key: Key::Text(s), .. }) => Some(StrBound::of(&col, s)?),
                        _ => None,
                    };
                    Some((col, bound))
                }
                None => None,
            },
            _ => None,
        };
        let after = plan.after.as_ref().map(|a| (if let Key::Num(n) = a.key { Some(n) } else { None }, a.id));
        Ok(SegmentCollect {
            segment,
            facets_col,
            ranges,
            counts: vec![0; terms],
            passes,
            required,
            bit_range,
            rights,
            rights_counts: BTreeMap::new(),
            today: plan.today,
            warning_days: plan.warning_days,
            sort: plan.sort,
            primary,
            title,
            id_hi: fast.u64("id_hi")?,
            id_lo: fast.u64("id_lo")?,
            title_after: matches!(plan.after, Some(After { key: Key::Text(_), .. })),
            after,
            limit: plan.limit.max(1),
            heap: BinaryHeap::new(),
            total: 0,
            remaining: 0,
            ords: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.0.sort == Sort::Relevance
    }

    fn merge_fruits(&self, fruits: Vec<SegmentHarvest>) -> tantivy::Result<Harvest> {
        let mut out = Harvest::default();
        for f in fruits {
            out.total += f.total;
            out.remaining += f.remaining;
            out.hits.extend(f.hits);
            for (name, values) in f.facets {
                let into = out.facets.entry(name).or_default();
                for (v, n) in values {
                    *into.entry(v).or_default() += n;
                }
            }
        }
        out.hits.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        out.hits.truncate(self.0.limit.max(1));
        for name in &self.0.facets {
            out.facets.entry(name.clone()).or_default();
        }
        Ok(out)
    }
}

pub struct SegmentHarvest {
    total: u64,
    remaining: u64,
    hits: Vec<(Key, u128, DocAddress)>,
    facets: BTreeMap<String, BTreeMap<String, u64>>,
}

impl SegmentCollect {
    fn id(&self, doc: DocId) -> u128 {
        let hi = self.id_hi.first(doc).unwrap_or(0);
        let lo = self.id_lo.first(doc).unwrap_or(0);
        (u128::from(hi) << 64) | u128::from(lo)
    }
}

impl SegmentCollector for SegmentCollect {
    type Fruit = SegmentHarvest;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.ords.clear();
        if let Some(col) = &self.facets_col {
            self.ords.extend(col.term_ords(doc));
        }
        // Which picked facets this document fails, as bits.
        let mut missing = 0;
        if self.required != 0 {
            let mut passed = 0;
            for &ord in &self.ords {
                passed |= self.passes[ord as usize];
            }
            missing = self.required & !passed;
        }
        let rights = self.rights.as_ref().map(|r| {
            let status = rights_status(
                r.from.first(doc).unwrap_or(i64::MIN),
                r.until.first(doc).unwrap_or(i64::MAX),
                self.today,
                self.warning_days,
            );
            (status, r.picked.as_ref().is_none_or(|p| p.contains(status)), r.counted)
        });
        let rights_fail = rights.is_some_and(|(_, pass, _)| !pass);
        let failures = missing.count_ones() + u32::from(rights_fail);
        if failures > 1 {
            return;
        }
        // Count each facet over the documents that pass every other facet's pick.
        if failures == 0 {
            for &ord in &self.ords {
                self.counts[ord as usize] += 1;
            }
        } else if missing != 0 {
            let r = &self.ranges[self.bit_range[missing.trailing_zeros() as usize]];
            if r.counted {
                for &ord in self.ords.iter().filter(|&&o| o >= r.start && o < r.end) {
                    self.counts[ord as usize] += 1;
                }
            }
        }
        if let Some((status, _, true)) = rights {
            if failures == 0 || rights_fail {
                *self.rights_counts.entry(status).or_default() += 1;
            }
        }
        if failures > 0 {
            return;
        }
        self.total += 1;
        let primary = match self.sort {
            Sort::Relevance => -i64::from(score.max(0.0).to_bits()),
            Sort::Newest => self.primary.as_ref().and_then(|c| c.first(doc)).map_or(i64::MAX, |v| v.saturating_neg()),
            Sort::Oldest | Sort::Due => self.primary.as_ref().and_then(|c| c.first(doc)).unwrap_or(i64::MAX),
            Sort::Title => {
                self.title.as_ref().and_then(|(c, _)| c.term_ords(doc).next()).map_or(i64::MAX, |o| o as i64)
            }
        };
        // Only what comes after the cursor; the id breaks ties, so it is read only then.
        let mut id = None;
        if let Some((after_primary, after_id)) = self.after {
            let order = if self.title_after {
                match self.title.as_ref().and_then(|(_, b)| *b) {
                    Some(b) => b.cmp(primary as u64),
                    None => Ordering::Greater,
                }
            } else {
                primary.cmp(&after_primary.unwrap_or(i64::MIN))
            };
            let order = if order == Ordering::Equal {
                let this = self.id(doc);
                id = Some(this);
                this.cmp(&after_id)
            } else {
                order
            };
            if order != Ordering::Greater {
                return;
            }
        }
        self.remaining += 1;
        if self.heap.len() < self.limit {
            let id = id.unwrap_or_else(|| self.id(doc));
            self.heap.push((primary, id, doc));
        } else if let Some(&(worst, worst_id, _)) = self.heap.peek() {
            let better = primary < worst || (primary == worst && id.unwrap_or_else(|| self.id(doc)) < worst_id);
            if better {
                let id = id.unwrap_or_else(|| self.id(doc));
                self.heap.pop();
                self.heap.push((primary, id, doc));
            }
        }
    }

    fn harvest(self) -> SegmentHarvest {
        let mut facets: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let mut s = String::new();
        if let Some(col) = &self.facets_col {
            for r in self.ranges.iter().filter(|r| r.counted) {
                let into = facets.entry(r.name.clone()).or_default();
                for ord in r.start..r.end {
                    let n = self.counts[ord as usize];
                    if n == 0 {
                        continue;
                    }
                    s.clear();
                    if col.ord_to_str(ord, &mut s).unwrap_or(false) {
                        if let Some((_, v)) = s.split_once('=') {
                            *into.entry(v.to_string()).or_default() += u64::from(n);
                        }
                    }
                }
            }
        }
        if self.rights.as_ref().is_some_and(|r| r.counted) {
            let into = facets.entry(RIGHTS_STATUS.to_string()).or_default();
            for (status, n) in &self.rights_counts {
                *into.entry(status.to_string()).or_default() += n;
            }
        }
        let hits = self
            .heap
            .into_iter()
            .map(|(primary, id, doc)| {
                let key = match (&self.title, self.sort) {
                    (Some((col, _)), Sort::Title) if primary != i64::MAX => {
                        s.clear();
                        let _ = col.ord_to_str(primary as u64, &mut s);
                        Key::Text(s.clone())
                    }
                    (None, Sort::Title) => Key::Text(String::new()),
                    _ => Key::Num(primary),
                };
                (key, id, DocAddress::new(self.segment, doc))
            })
            .collect();
        SegmentHarvest { total: self.total, remaining: self.remaining, hits, facets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_status_follows_the_window() {
        assert_eq!(rights_status(i64::MIN, i64::MAX, 100, 30), "ok");
        assert_eq!(rights_status(101, i64::MAX, 100, 30), "expired");
        assert_eq!(rights_status(i64::MIN, 99, 100, 30), "expired");
        assert_eq!(rights_status(i64::MIN, 100, 100, 30), "expiring");
        assert_eq!(rights_status(i64::MIN, 130, 100, 30), "expiring");
        assert_eq!(rights_status(i64::MIN, 131, 100, 30), "ok");
    }
}
