//! A workspace's glossary: the terms its people use ("final cut", "approved copy") with what
//! they mean, checked as a whole.

use serde::{Deserialize, Serialize};

use crate::fields::FieldError;

/// The most terms a glossary holds, and the longest term and definition.
pub const MAX_TERMS: usize = 1000;
pub const MAX_TERM: usize = 100;
pub const MAX_DEFINITION: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Term {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub term: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub definition: String,
}

/// The glossary as it is kept: terms trimmed, in alphabetical order (ignoring case); or one
/// error per wrong entry (`terms[3].term`).
pub fn check(terms: Vec<Term>) -> Result<Vec<Term>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if terms.len() > MAX_TERMS {
        errors.push(FieldError { key: "terms".into(), message: format!("a glossary holds at most {MAX_TERMS} terms") });
    }
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(terms.len());
    for (i, t) in terms.into_iter().enumerate() {
        let term = t.term.trim().to_string();
        let definition = t.definition.trim().to_string();
        let folded = term.to_lowercase();
        if term.is_empty() || term.chars().count() > MAX_TERM {
            errors.push(FieldError {
                key: format!("terms[{i}].term"),
                message: format!("a term is 1–{MAX_TERM} characters"),
            });
        } else if seen.contains(&folded) {
            errors.push(FieldError { key: format!("terms[{i}].term"), message: format!("'{term}' is listed twice") });
        }
        if definition.is_empty() || definition.chars().count() > MAX_DEFINITION {
            errors.push(FieldError {
                key: format!("terms[{i}].definition"),
                message: format!("a definition is 1–{MAX_DEFINITION} characters"),
            });
        }
        seen.push(folded);
        out.push(Term { term, definition });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    out.sort_by_key(|t| t.term.to_lowercase());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(term: &str, definition: &str) -> Term {
        Term { term: term.into(), definition: definition.into() }
    }

    #[test]
    fn terms_are_trimmed_and_sorted() {
        let kept =
            check(vec![t(" Version lineage ", "Every version of an asset"), t("approved copy", "Text signed off")]);
        assert_eq!(
            kept,
            Ok(vec![t("approved copy", "Text signed off"), t("Version lineage", "Every version of an asset")])
        );
    }

    #[test]
    fn each_wrong_entry_is_named() {
        let errors =
            check(vec![t("Final cut", "The edit that ships"), t("final CUT", "again"), t("", "x"), t("Proof", " ")])
                .err()
                .unwrap_or_default();
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["terms[1].term", "terms[2].term", "terms[3].definition"]);
    }
}
