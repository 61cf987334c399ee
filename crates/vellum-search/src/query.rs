//! Turning a parsed search (the box's clauses and the picked filters) into an index query
//! over one audience's documents. The audience and, for viewers, the rights window are added
//! here, after the user's clauses, and no user clause can name them: a query only narrows
//! what its caller may already see.

use std::collections::BTreeMap;
use std::ops::Bound as B;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;
use vellum_domain::search_query::{Bound, Clause, QueryError, Text, Value};

use crate::document::{date_term, number_term, term, Audience};
use crate::schema::Fields;

/// How a field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Matched whole, ignoring case (`kind:video`); counted as a facet when it is one.
    Keyword,
    /// Matched by words.
    Text,
    Number,
    /// Days: matched by prefix (`created:2026-03`) and compared by ranges.
    Date,
}

/// The facets every workspace has; custom ones are `custom.<key>`.
pub const FACETS: [&str; 11] = [
    "kind",
    "status",
    "channels",
    "locale",
    "language",
    "campaign",
    "rights_status",
    "uploader",
    "file_type",
    "orientation",
    "created",
];

/// The facet computed from the rights window and today, not stored.
pub const RIGHTS_STATUS: &str = "rights_status";

/// The fields of a workspace: the built-in ones and its custom fields' types.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub custom: BTreeMap<String, FieldType>,
    /// Custom fields counted as facets (enum, multi_enum, boolean).
    pub custom_facets: Vec<String>,
}

impl Vocabulary {
    pub fn field_type(&self, name: &str) -> Option<FieldType> {
        let builtin = match name {
            "kind" | "status" | "channels" | "locale" | "language" | "campaign" | "rights_status" | "uploader"
            | "file_type" | "orientation" | "folder" | "brief" => FieldType::Keyword,
            "title" | "filename" | "text" => FieldType::Text,
            "created" | "due" => FieldType::Date,
            _ => {
                return name.strip_prefix("custom.").map(|k| self.custom.get(k).copied().unwrap_or(FieldType::Keyword))
            }
        };
        Some(builtin)
    }

    pub fn is_facet(&self, name: &str) -> bool {
        FACETS.contains(&name)
            || name.strip_prefix("custom.").is_some_and(|k| self.custom_facets.iter().any(|c| c == k))
    }

    /// The names a misspelt field is told about.
    fn known(&self) -> String {
        let mut names: Vec<String> =
            ["kind", "status", "channels", "locale", "language", "campaign", "rights_status", "uploader"]
                .iter()
                .chain(&["file_type", "orientation", "folder", "brief", "title", "filename", "text", "created", "due"])
                .map(|s| s.to_string())
                .collect();
        names.extend(self.custom.keys().map(|k| format!("custom.{k}")));
        names.join(", ")
    }
}

/// A query ready to run, and the rights statuses a clause asked for (they are computed
/// while collecting, from today's date).
pub struct Built {
    pub query: Box<dyn Query>,
    pub rights_status: Vec<String>,
    /// Whether words were looked for (otherwise relevance means newest).
    pub has_text: bool,
}

/// The text fields a word is looked for in, with their weight.
fn text_fields(f: &Fields) -> [(Field, f32); 3] {
    [(f.title, 3.0), (f.filename, 2.0), (f.body, 1.0)]
}

pub struct Builder<'a> {
    pub fields: &'a Fields,
    pub vocabulary: &'a Vocabulary,
    pub analyzer: TextAnalyzer,
    pub prefix_analyzer: TextAnalyzer,
}

fn fault(message: String) -> QueryError {
    QueryError { position: 0, message }
}

impl Builder<'_> {
    /// The whole query: the audience, the viewers' rights window on `today` (days since
    /// 1970), then the user's clauses.
    pub fn build(&mut self, clauses: &[Clause], audience: Audience, today: Option<i64>) -> Result<Built, QueryError> {
        let f = self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            Box::new(TermQuery::new(Term::from_field_text(f.audience, audience.as_str()), IndexRecordOption::Basic)),
        )];
        if let Some(day) = today {
            must.push((Occur::Must, range_i64(f.rights_from, i64::MIN, day)));
            must.push((Occur::Must, range_i64(f.rights_until, day, i64::MAX)));
        }
        let mut rights_status = Vec::new();
        let mut has_text = false;
        for clause in clauses {
            let (q, exclude) = match clause {
                Clause::Text { text, exclude } => {
                    has_text |= !exclude;
                    (self.text(text, &text_fields(f)), *exclude)
                }
                Clause::Field { field, value, exclude } => {
                    if field == RIGHTS_STATUS {
                        match (value, exclude) {
                            (Value::Is { value }, false) => {
                                rights_status.push(value.to_lowercase());
                                continue;
                            }
                            _ => return Err(fault("rights_status takes one of ok, expiring or expired".into())),
                        }
                    }
                    let q = self.field(field, value)?;
                    has_text |= !exclude && self.vocabulary.field_type(field) == Some(FieldType::Text);
                    (q, *exclude)
                }
            };
            must.push((if exclude { Occur::MustNot } else { Occur::Must }, q));
        }
        Ok(Built { query: Box::new(BooleanQuery::new(must)), rights_status, has_text })
    }

    /// One clause of a field, as `filter=` gives it too.
    pub fn field(&mut self, field: &str, value: &Value) -> Result<Box<dyn Query>, QueryError> {
        let f = self.fields;
        let Some(kind) = self.vocabulary.field_type(field) else {
            return Err(fault(format!("'{field}' is not a field; use {}", self.vocabulary.known())));
        };
        let field = if field == "channel" { "channels" } else { field };
        Ok(match (kind, value) {
            (FieldType::Keyword, Value::Is { value }) => {
                Box::new(TermQuery::new(Term::from_field_text(f.terms, &term(field, value)), IndexRecordOption::Basic))
            }
            (FieldType::Text, Value::Is { value }) => {
                let target = match field {
                    "title" => f.title,
                    "filename" => f.filename,
                    _ => f.body,
                };
                let words: Vec<String> = value.split_whitespace().map(str::to_string).collect();
                let text = if words.len() > 1 {
                    Text::Phrase { words }
                } else {
                    Text::Word { text: value.clone(), prefix: false }
                };
                self.text(&text, &[(target, 1.0)])
            }
            (FieldType::Number, v) => {
                let (lo, hi) = match v {
                    Value::Is { value } => {
                        let n = number(field, value)?;
                        (B::Included(n), B::Included(n))
                    }
                    Value::Range { from, to } => (
                        end(from, |s| number(field, s))?.unwrap_or(B::Unbounded),
                        end(to, |s| number(field, s))?.unwrap_or(B::Unbounded),
                    ),
                };
                let lo = match lo {
                    B::Included(n) => B::Included(number_term(field, n)),
                    B::Excluded(n) => B::Excluded(number_term(field, n)),
                    B::Unbounded => B::Included(format!("{field}#")),
                };
                let hi = match hi {
                    B::Included(n) => B::Included(number_term(field, n)),
                    B::Excluded(n) => B::Excluded(number_term(field, n)),
                    B::Unbounded => B::Excluded(format!("{field}$")),
                };
                term_range(f.ranges, lo, hi)
            }
            (FieldType::Date, v) => {
                // A day, month or year covers the days that start with it.
                let low = |d: &str| date_term(field, d);
                let high = |d: &str| format!("{}\u{10FFFF}", date_term(field, d));
                let (lo, hi) = match v {
                    Value::Is { value } => {
                        let d = day(field, value)?;
                        (B::Included(low(&d)), B::Included(high(&d)))
                    }
                    Value::Range { from, to } => {
                        let lo = match from {
                            Some((d, Bound::Inclusive)) => B::Included(low(&day(field, d)?)),
                            Some((d, Bound::Exclusive)) => B::Excluded(high(&day(field, d)?)),
                            None => B::Included(format!("{field}@")),
                        };
                        let hi = match to {
                            Some((d, Bound::Inclusive)) => B::Included(high(&day(field, d)?)),
                            Some((d, Bound::Exclusive)) => B::Excluded(low(&day(field, d)?)),
                            None => B::Excluded(format!("{field}A")),
                        };
                        (lo, hi)
                    }
                };
                term_range(f.ranges, lo, hi)
            }
            (FieldType::Keyword | FieldType::Text, Value::Range { .. }) => {
                return Err(fault(format!("'{field}' is not a number or a date, so it takes no range")));
            }
        })
    }

    /// Words or a phrase in any of `targets`.
    fn text(&mut self, text: &Text, targets: &[(Field, f32)]) -> Box<dyn Query> {
        let (tokens, prefix) = match text {
            Text::Word { text, prefix: true } => (tokens(&mut self.prefix_analyzer, text), true),
            Text::Word { text, prefix: false } => (tokens(&mut self.analyzer, text), false),
            Text::Phrase { words } => (tokens(&mut self.analyzer, &words.join(" ")), false),
        };
        if tokens.is_empty() {
            // Only punctuation: nothing to look for, so it narrows nothing.
            return Box::new(AllQuery);
        }
        let per_field = targets.iter().map(|&(field, boost)| {
            let terms: Vec<Term> = tokens.iter().map(|t| Term::from_field_text(field, t)).collect();
            let q: Box<dyn Query> = match (terms.len(), prefix) {
                (1, false) => Box::new(TermQuery::new(terms[0].clone(), IndexRecordOption::WithFreqs)),
                (1, true) => Box::new(FuzzyTermQuery::new_prefix(terms[0].clone(), 0, false)),
                (_, false) => Box::new(PhraseQuery::new(terms)),
                (_, true) => Box::new(PhrasePrefixQuery::new(terms)),
            };
            let q: Box<dyn Query> = if boost == 1.0 { q } else { Box::new(BoostQuery::new(q, boost)) };
            (Occur::Should, q)
        });
        Box::new(BooleanQuery::new(per_field.collect()))
    }
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out.truncate(16);
    out
}

fn range_i64(field: Field, lo: i64, hi: i64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        B::Included(Term::from_field_i64(field, lo)),
        B::Included(Term::from_field_i64(field, hi)),
    ))
}

fn term_range(field: Field, lo: B<String>, hi: B<String>) -> Box<dyn Query> {
    let t = |b: B<String>| match b {
        B::Included(s) => B::Included(Term::from_field_text(field, &s)),
        B::Excluded(s) => B::Excluded(Term::from_field_text(field, &s)),
        B::Unbounded => B::Unbounded,
    };
    let (lo, hi) = (t(lo), t(hi));
    if matches!((&lo, &hi), (B::Unbounded, B::Unbounded)) {
        return Box::new(EmptyQuery);
    }
    Box::new(RangeQuery::new(lo, hi))
}

fn end<T>(
    e: &Option<(String, Bound)>,
    read: impl Fn(&str) -> Result<T, QueryError>,
) -> Result<Option<B<T>>, QueryError> {
    e.as_ref()
        .map(|(s, b)| {
            let v = read(s)?;
            Ok(match b {
                Bound::Inclusive => B::Included(v),
                Bound::Exclusive => B::Excluded(v),
            })
        })
        .transpose()
}

fn number(field: &str, s: &str) -> Result<i64, QueryError> {
    s.replace('_', "")
        .parse::<i64>()
        .map_err(|_| fault(format!("'{s}' is not a whole number for '{field}' (money is in minor units)")))
}

/// A year, month or day written `2026`, `2026-03` or `2026-03-15`.
pub fn day(field: &str, s: &str) -> Result<String, QueryError> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let ok = match b.len() {
        4 => digits(0..4),
        7 => digits(0..4) && b[4] == b'-' && digits(5..7),
        10 => digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
        _ => false,
    };
    if ok {
        Ok(s.to_string())
    } else {
        Err(fault(format!("'{s}' is not a date for '{field}'; write 2026, 2026-03 or 2026-03-15")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_years_months_or_days() {
        for ok in ["2026", "2026-03", "2026-03-15"] {
            assert_eq!(day("created", ok).as_deref(), Ok(ok));
        }
        for bad in ["26", "2026-3", "2026/03", "2026-03-1x", "", "2026-03-15T10"] {
            assert!(day("created", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_with_the_known_ones() {
        let v = Vocabulary::default();
        assert_eq!(v.field_type("kind"), Some(FieldType::Keyword));
        assert_eq!(v.field_type("custom.anything"), Some(FieldType::Keyword));
        assert_eq!(v.field_type("workspace"), None);
        assert_eq!(v.field_type("audience"), None);
        assert!(v.is_facet("orientation"));
        assert!(!v.is_facet("custom.risk"));
    }
}
