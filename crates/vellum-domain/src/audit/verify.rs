//! Re-walking a chain: links, hashes, tags and the signed checkpoints it must agree with.
//! Events are pushed one at a time in stored order, so a chain of millions of events is
//! checked without holding it in memory.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{checkpoint::Checkpoint, event_hash, key::AuditKey, StoredEvent, GENESIS};

/// What is wrong with a chain: the first event that does not fit, or a range of events that
/// a signed checkpoint (or the recorded head) vouches for but that are gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Problem {
    Bad { first_bad_seq: i64, reason: String },
    Missing { missing: Range, reason: String },
}

/// An inclusive range of sequence numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub from: i64,
    pub to: i64,
}

impl Problem {
    pub fn reason(&self) -> &str {
        match self {
            Problem::Bad { reason, .. } | Problem::Missing { reason, .. } => reason,
        }
    }

    fn missing(from: i64, to: i64, reason: String) -> Self {
        Problem::Missing { missing: Range { from, to }, reason }
    }
}

/// The outcome of walking one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub chain: String,
    pub events: u64,
    /// The hash of the last event (None for an empty chain).
    pub head: Option<String>,
    /// The newest signed checkpoint this chain was found to agree with: (seq, at).
    pub anchored: Option<(i64, String)>,
    pub problem: Option<Problem>,
}

impl ChainReport {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    seq: i64,
    hash: String,
    at: String,
}

/// The signed checkpoints a verifier trusts (their signatures already checked), as what each
/// chain must contain.
#[derive(Debug, Clone, Default)]
pub struct Checkpoints {
    marks: BTreeMap<String, Vec<Mark>>,
    count: usize,
}

impl Checkpoints {
    pub fn add(&mut self, cp: &Checkpoint) {
        self.count += 1;
        for (chain, head) in &cp.chains {
            if head.seq <= 0 {
                continue;
            }
            let marks = self.marks.entry(chain.clone()).or_default();
            let mark = Mark { seq: head.seq, hash: head.head_hash.clone(), at: cp.at.clone() };
            if !marks.iter().any(|m| m.seq == mark.seq && m.hash == mark.hash) {
                let at = marks.partition_point(|m| m.seq <= mark.seq);
                marks.insert(at, mark);
            }
        }
    }

    /// How many checkpoints were added.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every chain some checkpoint names (a chain missing from the database shows up here).
    pub fn chains(&self) -> impl Iterator<Item = &str> {
        self.marks.keys().map(String::as_str)
    }

    /// A verifier for one chain; `key` also checks each event's tag.
    pub fn verifier<'a>(&'a self, chain: &str, key: Option<&'a AuditKey>) -> ChainVerifier<'a> {
        ChainVerifier {
            chain: chain.to_string(),
            key,
            marks: self.marks.get(chain).map_or(&[], Vec::as_slice),
            next_mark: 0,
            last_good_mark: 0,
            anchored: None,
            prev: GENESIS.to_string(),
            count: 0,
            problem: None,
        }
    }
}

/// Walks one chain event by event.
pub struct ChainVerifier<'a> {
    chain: String,
    key: Option<&'a AuditKey>,
    marks: &'a [Mark],
    next_mark: usize,
    last_good_mark: i64,
    anchored: Option<(i64, String)>,
    prev: String,
    count: i64,
    problem: Option<Problem>,
}

impl ChainVerifier<'_> {
    /// Checks the next stored event (in sequence order). After the first problem the rest is
    /// ignored: the first bad event is what a person needs.
    pub fn push(&mut self, e: &StoredEvent) {
        if self.problem.is_some() {
            return;
        }
        let want = self.count + 1;
        let bad = |reason: String| Some(Problem::Bad { first_bad_seq: want, reason });
        let seq = e.fields.seq;
        if seq > want {
            self.problem = Some(Problem::missing(want, seq - 1, format!("events #{want} to #{} are gone", seq - 1)));
            return;
        }
        if seq < want {
            self.problem = bad(format!("expected event #{want} but found #{seq} again"));
            return;
        }
        if e.prev_hash != self.prev {
            self.problem = bad(format!("event #{want} does not link to the event before it"));
            return;
        }
        let hash = event_hash(&self.prev, &e.fields);
        if hash != e.hash {
            self.problem = bad(format!("event #{want} was altered after it was written"));
            return;
        }
        if let Some(key) = self.key {
            match &e.tag {
                None => {
                    self.problem = bad(format!("event #{want} carries no tag: it was written without the audit key"));
                    return;
                }
                Some(tag) if !key.tag_matches(&e.hash, tag) => {
                    self.problem =
                        bad(format!("event #{want} was rewritten: its tag does not match (the chain was recomputed)"));
                    return;
                }
                Some(_) => {}
            }
        }
        while let Some(m) = self.marks.get(self.next_mark).filter(|m| m.seq == want) {
            if m.hash != e.hash {
                let from = self.last_good_mark + 1;
                self.problem = Some(Problem::Bad {
                    first_bad_seq: from,
                    reason: format!(
                        "event #{want} differs from the signed checkpoint of {}: an event from #{from} to #{want} \
                         was changed, removed or inserted and the chain recomputed",
                        m.at
                    ),
                });
                return;
            }
            self.last_good_mark = want;
            self.anchored = Some((want, m.at.clone()));
            self.next_mark += 1;
        }
        self.prev = e.hash.clone();
        self.count = want;
    }

    /// Ends the walk. `recorded_head` is the (seq, hash) the store recorded when it last
    /// appended, if any.
    pub fn finish(mut self, recorded_head: Option<(i64, &str)>) -> ChainReport {
        let count = self.count;
        if self.problem.is_none() {
            if let Some(last) = self.marks.last().filter(|m| m.seq > count) {
                self.problem = Some(Problem::missing(
                    count + 1,
                    last.seq,
                    format!(
                        "the signed checkpoint of {} covers events up to #{} but the chain ends at #{count}",
                        last.at, last.seq
                    ),
                ));
            }
        }
        if self.problem.is_none() {
            if let Some((seq, hash)) = recorded_head {
                let reason = format!("the chain ends at #{count} but its recorded head is #{seq}");
                if seq > count {
                    self.problem = Some(Problem::missing(count + 1, seq, reason));
                } else if seq < count {
                    self.problem = Some(Problem::Bad { first_bad_seq: seq + 1, reason });
                } else if count > 0 && hash != self.prev {
                    self.problem = Some(Problem::Bad {
                        first_bad_seq: count,
                        reason: format!("event #{count} is not the recorded head"),
                    });
                }
            }
        }
        ChainReport {
            chain: self.chain,
            events: count as u64,
            head: (count > 0).then_some(self.prev),
            anchored: self.anchored,
            problem: self.problem,
        }
    }
}
