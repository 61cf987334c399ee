//! The search box's language: words (a trailing `*` matches as a prefix), `"phrases"`,
//! `-term` to exclude, `field:value` for any field (`kind:video`, `custom.risk:high`), and
//! ranges (`custom.budget:>5000000`, `created:2026-01..2026-03`, `..2026-03`). Parsing never
//! panics; a fault is reported with its position (in characters from 0) so the box can point
//! at it. Which fields exist and what their values mean is the search engine's business; this
//! only checks that a field name is well formed.

use serde::Serialize;

/// The longest query accepted, in characters.
pub const MAX_CHARS: usize = 1000;
/// The most clauses one query may hold.
pub const MAX_CLAUSES: usize = 64;

/// Text to look for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Text {
    /// One word; `prefix` when written with a trailing `*`.
    Word { text: String, prefix: bool },
    /// Words in this order.
    Phrase { words: Vec<String> },
}

/// A comparison a range clause makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    Inclusive,
    Exclusive,
}

/// What a field is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Value {
    /// Equal to this (a word or a quoted phrase, as written).
    Is { value: String },
    /// Between two ends, either of which may be open.
    Range { from: Option<(String, Bound)>, to: Option<(String, Bound)> },
}

/// One part of a query; all parts must hold (an excluded one must not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Clause {
    Text { text: Text, exclude: bool },
    Field { field: String, value: Value, exclude: bool },
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

/// Where and why a query could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Characters from the start of the query, 0-based.
    pub position: usize,
    pub message: String,
}

fn fault<T>(position: usize, message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError { position, message: message.into() })
}

/// A field name: `kind`, `custom.risk`, `rights_status` (letters, digits, `_`, dots between
/// parts, starting with a letter).
fn field_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

struct Reader {
    chars: Vec<char>,
    at: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// A quoted phrase from the opening quote; the words inside.
    fn phrase(&mut self) -> Result<Vec<String>, QueryError> {
        let open = self.at;
        self.at += 1;
        let start = self.at;
        while self.peek().is_some_and(|c| c != '"') {
            self.at += 1;
        }
        if self.peek().is_none() {
            return fault(open, "this quote is never closed");
        }
        let inside: String = self.chars[start..self.at].iter().collect();
        self.at += 1;
        let words: Vec<String> = inside.split_whitespace().map(str::to_string).collect();
        if words.is_empty() {
            return fault(open, "the quotes hold no words");
        }
        Ok(words)
    }

    /// A bare run of characters up to whitespace (or a quote).
    fn bare(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| !c.is_whitespace() && c != '"') {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }
}

/// A field's value as written after the colon, starting at `at`.
fn value_of(raw: &str, at: usize) -> Result<Value, QueryError> {
    let bounded = |s: &str, pos: usize| -> Result<String, QueryError> {
        if s.is_empty() {
            return fault(pos, "a comparison needs a value after it");
        }
        Ok(s.to_string())
    };
    if let Some(rest) = raw.strip_prefix(">=") {
        return Ok(Value::Range { from: Some((bounded(rest, at + 2)?, Bound::Inclusive)), to: None });
    }
    if let Some(rest) = raw.strip_prefix("<=") {
        return Ok(Value::Range { from: None, to: Some((bounded(rest, at + 2)?, Bound::Inclusive)) });
    }
    if let Some(rest) = raw.strip_prefix('>') {
        return Ok(Value::Range { from: Some((bounded(rest, at + 1)?, Bound::Exclusive)), to: None });
    }
    if let Some(rest) = raw.strip_prefix('<') {
        return Ok(Value::Range { from: None, to: Some((bounded(rest, at + 1)?, Bound::Exclusive)) });
    }
    if let Some((from, to)) = raw.split_once("..") {
        if from.is_empty() && to.is_empty() {
            return fault(at, "a range needs at least one end: 2026-01..2026-03, 2026-01.. or ..2026-03");
        }
        if to.contains("..") {
            return fault(at + from.chars().count() + 2, "a range has one '..'");
        }
        let end = |s: &str| (!s.is_empty()).then(|| (s.to_string(), Bound::Inclusive));
        return Ok(Value::Range { from: end(from), to: end(to) });
    }
    if raw.is_empty() {
        return fault(at, "say what the field should be: kind:video");
    }
    Ok(Value::Is { value: raw.to_string() })
}

/// Reads a query. An empty or blank one has no clauses (it lists everything visible).
pub fn parse(q: &str) -> Result<Query, QueryError> {
    let count = q.chars().count();
    if count > MAX_CHARS {
        return fault(MAX_CHARS, format!("a query is at most {MAX_CHARS} characters"));
    }
    let mut r = Reader { chars: q.chars().collect(), at: 0 };
    let mut clauses = Vec::new();
    loop {
        r.skip_space();
        let Some(c) = r.peek() else { break };
        if clauses.len() == MAX_CLAUSES {
            return fault(r.at, format!("a query has at most {MAX_CLAUSES} parts"));
        }
        let start = r.at;
        let exclude = c == '-' && r.chars.get(r.at + 1).is_some_and(|n| !n.is_whitespace());
        if exclude {
            r.at += 1;
        }
        if r.peek() == Some('"') {
            let words = r.phrase()?;
            clauses.push(Clause::Text { text: Text::Phrase { words }, exclude });
            continue;
        }
        let word_at = r.at;
        let word = r.bare();
        if let Some((field, rest)) = word.split_once(':') {
            if !field_name(field) {
                return fault(word_at, format!("'{field}' is not a field name (kind, status, custom.risk…)"));
            }
            let value_at = word_at + field.chars().count() + 1;
            let value = if rest.is_empty() && r.peek() == Some('"') {
                Value::Is { value: r.phrase()?.join(" ") }
            } else {
                value_of(rest, value_at)?
            };
            clauses.push(Clause::Field { field: field.to_string(), value, exclude });
            continue;
        }
        let (text, prefix) = match word.strip_suffix('*') {
            Some(stem) => (stem.to_string(), true),
            None => (word.clone(), false),
        };
        if text.is_empty() || text.chars().all(|c| !c.is_alphanumeric()) {
            if word == "-" || word.is_empty() {
                // A lone dash: nothing to exclude.
                return fault(start, "say what to leave out: -draft");
            }
            return fault(word_at, "a word needs a letter or a digit");
        }
        clauses.push(Clause::Text { text: Text::Word { text, prefix }, exclude });
    }
    Ok(Query { clauses })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(t: &str) -> Clause {
        Clause::Text { text: Text::Word { text: t.into(), prefix: false }, exclude: false }
    }

    fn is(field: &str, v: &str) -> Clause {
        Clause::Field { field: field.into(), value: Value::Is { value: v.into() }, exclude: false }
    }

    #[test]
    fn words_phrases_exclusions_and_prefixes() {
        let q = parse(r#"spring  "summer sale" -draft hero* -"old logo""#).unwrap();
        assert_eq!(
            q.clauses,
            vec![
                word("spring"),
                Clause::Text { text: Text::Phrase { words: vec!["summer".into(), "sale".into()] }, exclude: false },
                Clause::Text { text: Text::Word { text: "draft".into(), prefix: false }, exclude: true },
                Clause::Text { text: Text::Word { text: "hero".into(), prefix: true }, exclude: false },
                Clause::Text { text: Text::Phrase { words: vec!["old".into(), "logo".into()] }, exclude: true },
            ]
        );
        assert_eq!(parse("   ").unwrap(), Query::default());
        assert_eq!(parse("café Zürich").unwrap().clauses, vec![word("café"), word("Zürich")]);
        assert_eq!(parse("well-known").unwrap().clauses, vec![word("well-known")], "a dash inside is part of the word");
    }

    #[test]
    fn fields_values_and_ranges() {
        let q = parse(r#"kind:video locale:en-AU campaign:SPRING26 custom.risk:high title:"big day" -status:draft"#)
            .unwrap();
        assert_eq!(q.clauses[0], is("kind", "video"));
        assert_eq!(q.clauses[1], is("locale", "en-AU"));
        assert_eq!(q.clauses[3], is("custom.risk", "high"));
        assert_eq!(q.clauses[4], is("title", "big day"));
        assert_eq!(
            q.clauses[5],
            Clause::Field { field: "status".into(), value: Value::Is { value: "draft".into() }, exclude: true }
        );
        let range = |q: &str| match &parse(q).unwrap().clauses[0] {
            Clause::Field { value, .. } => value.clone(),
            other => panic!("{other:?}"),
        };
        let inc = |s: &str| Some((s.to_string(), Bound::Inclusive));
        let exc = |s: &str| Some((s.to_string(), Bound::Exclusive));
        assert_eq!(range("custom.budget:>5000000"), Value::Range { from: exc("5000000"), to: None });
        assert_eq!(range("custom.budget:>=5"), Value::Range { from: inc("5"), to: None });
        assert_eq!(range("custom.budget:<5"), Value::Range { from: None, to: exc("5") });
        assert_eq!(range("custom.budget:<=5"), Value::Range { from: None, to: inc("5") });
        assert_eq!(range("created:2026-01..2026-03"), Value::Range { from: inc("2026-01"), to: inc("2026-03") });
        assert_eq!(range("created:2026-01.."), Value::Range { from: inc("2026-01"), to: None });
        assert_eq!(range("created:..2026-03"), Value::Range { from: None, to: inc("2026-03") });
    }

    #[test]
    fn faults_say_where() {
        let at = |q: &str| parse(q).unwrap_err().position;
        assert_eq!(at(r#"spring "summer sale"#), 7, "the unclosed quote");
        assert_eq!(at("kind:video Custom.risk:high"), 11, "field names are lower case");
        assert_eq!(at("kind:"), 5, "a value is needed");
        assert_eq!(at("custom.budget:>"), 15);
        assert_eq!(at("created:.."), 8);
        assert_eq!(at("created:1..2..3"), 11);
        assert_eq!(at("a -"), 2);
        assert_eq!(at(r#"a """#), 2, "empty quotes");
        assert_eq!(at("***"), 0);
        assert_eq!(at(&"x".repeat(MAX_CHARS + 1)), MAX_CHARS);
        assert_eq!(at(&"a ".repeat(MAX_CLAUSES + 1)), MAX_CLAUSES * 2);
        assert_eq!(at(".a:b"), 0);
    }

    #[test]
    fn nothing_panics_on_random_input() {
        let alphabet: Vec<char> = "ab:-\"*.<>=0 é\t\u{0}-\u{10FFFF}..".chars().collect();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut q = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for i in 0..(x % 40) {
                let k = ((x >> (i % 50)) as usize + i as usize) % alphabet.len();
                q.push(alphabet[k]);
            }
            match parse(&q) {
                Ok(p) => assert!(p.clauses.len() <= MAX_CLAUSES),
                Err(e) => assert!(e.position <= q.chars().count(), "{q:?}: {e:?}"),
            }
        }
    }
}
