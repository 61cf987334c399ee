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
    /// Picked ordinals (None: nothing picked in this facet).
    picked: Option<HashSet<u64>>,
    counted: bool,
    counts: Vec<u32>,
}

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
        for name in names.into_iter().filter(|n| *n != RIGHTS_STATUS) {
            let counted = plan.facets.contains(name);
            let picks = plan.picks.get(name);
            let (start, end, picked) = match &facets_col {
                Some(col) => {
                    let start = StrBound::of(col, &format!("{name}="))?.first;
                    let end = StrBound::of(col, &format!("{name}>"))?.first;
                    let picked = match picks {
                        Some(values) => {
                            let mut set = HashSet::new();
                            let mut s = String::new();
                            for ord in start..end {
                                s.clear();
                                col.ord_to_str(ord, &mut s)?;
                                let value = s.split_once('=').map_or("", |(_, v)| v);
                                if values.contains(&value.to_lowercase()) {
                                    set.insert(ord);
                                }
                            }
                            Some(set)
                        }
                        None => None,
                    };
                    (start, end, picked)
                }
                None => (0, 0, picks.map(|_| HashSet::new())),
            };
            let counts = if counted { vec![0; (end - start) as usize] } else { Vec::new() };
            ranges.push(FacetRange { name: name.clone(), start, end, picked, counted, counts });
        }
        ranges.sort_by_key(|r| r.start);
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
    fn facet_of(&self, ord: u64) -> Option<usize> {
        let i = self.ranges.partition_point(|r| r.start <= ord).checked_sub(1)?;
        (ord < self.ranges[i].end).then_some(i)
    }

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
        // Which picked facets this document fails.
        let mut failing: Option<usize> = None;
        let mut failures = 0;
        for (i, r) in self.ranges.iter().enumerate() {
            if let Some(picked) = &r.picked {
                if !self.ords.iter().any(|o| picked.contains(o)) {
                    failures += 1;
                    failing = Some(i);
                }
            }
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
        if rights_fail {
            failures += 1;
        }
        if failures > 1 {
            return;
        }
        // Count each facet over the documents that pass every other facet's pick.
        for i in 0..self.ords.len() {
            let ord = self.ords[i];
            if let Some(fi) = self.facet_of(ord) {
                let r = &mut self.ranges[fi];
                if r.counted && (failures == 0 || (!rights_fail && failing == Some(fi))) {
                    r.counts[(ord - r.start) as usize] += 1;
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
        let id = self.id(doc);
        let primary = match self.sort {
            Sort::Relevance => -i64::from(score.max(0.0).to_bits()),
            Sort::Newest => self.primary.as_ref().and_then(|c| c.first(doc)).map_or(i64::MAX, |v| v.saturating_neg()),
            Sort::Oldest | Sort::Due => self.primary.as_ref().and_then(|c| c.first(doc)).unwrap_or(i64::MAX),
            Sort::Title => {
                self.title.as_ref().and_then(|(c, _)| c.term_ords(doc).next()).map_or(i64::MAX, |o| o as i64)
            }
        };
        // Only what comes after the cursor.
        if let Some((after_primary, after_id)) = self.after {
            let order = if self.title_after {
                match self.title.as_ref().and_then(|(_, b)| *b) {
                    Some(b) => b.cmp(primary as u64),
                    None => Ordering::Greater,
                }
            } else {
                primary.cmp(&after_primary.unwrap_or(i64::MIN))
            };
            if order.then(id.cmp(&after_id)) != Ordering::Greater {
                return;
            }
        }
        self.remaining += 1;
        let entry = (primary, id, doc);
        if self.heap.len() < self.limit {
            self.heap.push(entry);
        } else if self.heap.peek().is_some_and(|worst| entry < *worst) {
            self.heap.pop();
            self.heap.push(entry);
        }
    }

    fn harvest(self) -> SegmentHarvest {
        let mut facets: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let mut s = String::new();
        if let Some(col) = &self.facets_col {
            for r in self.ranges.iter().filter(|r| r.counted) {
                let into = facets.entry(r.name.clone()).or_default();
                for (i, &n) in r.counts.iter().enumerate().filter(|(_, &n)| n > 0) {
                    s.clear();
                    if col.ord_to_str(r.start + i as u64, &mut s).unwrap_or(false) {
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
