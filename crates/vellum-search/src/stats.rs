//! Relevance that holds still while paging: the corpus figures BM25 scored the first page
//! with travel in the cursor, so later pages score every document the same way however many
//! assets arrived or left since, and the cursor's score still marks the same place.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tantivy::query::{Bm25StatisticsProvider, Query};
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// The most terms whose figures a cursor carries; a longer query pages on live figures.
const MAX_TERMS: usize = 64;
/// The most bytes of term text a cursor carries.
const MAX_TEXT: usize = 2048;

/// The figures BM25 reads: documents, tokens per field and documents per term.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub docs: u64,
    /// Tokens per field id.
    pub tokens: Vec<(u32, u64)>,
    /// Documents per term: its field id, its text, the count.
    pub freqs: Vec<(u32, String, u64)>,
}

impl Stats {
    /// The figures a query's terms are scored with on this searcher.
    pub fn of(searcher: &Searcher, query: &dyn Query) -> tantivy::Result<Stats> {
        let mut terms: BTreeSet<Term> = BTreeSet::new();
        query.query_terms(&mut |t, _| {
            terms.insert(t.clone());
        });
        let fields: BTreeSet<Field> = terms.iter().map(Term::field).collect();
        let mut tokens = Vec::with_capacity(fields.len());
        for f in fields {
            tokens.push((f.field_id(), searcher.total_num_tokens(f)?));
        }
        let mut freqs = Vec::with_capacity(terms.len());
        for t in &terms {
            if let Some(text) = t.value().as_str() {
                freqs.push((t.field().field_id(), text.to_string(), searcher.doc_freq(t)?));
            }
        }
        Ok(Stats { docs: searcher.total_num_docs()?, tokens, freqs })
    }

    /// Whether the figures are small enough to travel in a cursor (and, from a client,
    /// whether to believe they are ours).
    pub fn fits(&self) -> bool {
        self.freqs.len() <= MAX_TERMS
            && self.tokens.len() <= MAX_TERMS
            && self.freqs.iter().map(|(_, t, _)| t.len()).sum::<usize>() <= MAX_TEXT
            && self.freqs.iter().all(|(_, _, n)| *n <= self.docs)
    }
}

/// A searcher's statistics with a query's figures held where a cursor froze them.
pub struct Frozen<'a> {
    pub stats: &'a Stats,
    pub searcher: &'a Searcher,
}

impl Bm25StatisticsProvider for Frozen<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        match self.stats.tokens.iter().find(|(f, _)| *f == field.field_id()) {
            Some((_, n)) => Ok(*n),
            None => self.searcher.total_num_tokens(field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.stats.docs.max(1))
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let value = term.value();
        let text = value.as_str();
        let frozen =
            self.stats.freqs.iter().find(|(f, t, _)| *f == term.field().field_id() && Some(t.as_str()) == text);
        let n = match frozen {
            Some((_, _, n)) => *n,
            None => self.searcher.doc_freq(term)?,
        };
        // BM25 needs a term in no more documents than the index holds.
        Ok(n.min(self.stats.docs.max(1)))
    }
}
