//! The glossary page (`/w/{ws}/glossary`): every member reads the workspace's terms and filters
//! them; owners, admins and managers edit the list, one `Term: definition` a line.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use vellum_domain::{glossary::Term, role::Capability};

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::AppState;

/// Reads the edit box: `Term: definition` per line; a line without a colon is a term with no
/// definition (which the glossary refuses, naming the line).
fn terms_of(text: &str) -> Vec<Term> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once(':') {
            Some((t, d)) => Term { term: t.trim().to_string(), definition: d.trim().to_string() },
            None => Term { term: l.trim().to_string(), definition: String::new() },
        })
        .collect()
}

fn text_of(terms: &[Term]) -> String {
    terms.iter().map(|t| format!("{}: {}", t.term, t.definition)).collect::<Vec<_>>().join("\n")
}

/// Text with every glossary term in it marked up with its definition, shown on hover (the
/// longest term first, whole words only, in any letter case).
pub fn glossed(text: &str, terms: &[Term]) -> Markup {
    let mut sorted: Vec<&Term> = terms.iter().filter(|t| !t.term.is_empty()).collect();
    sorted.sort_by_key(|t| std::cmp::Reverse(t.term.len()));
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII: only then is the text left plain.
    if lower.len() != text.len() {
        return html! { (text) };
    }
    let boundary = |i: usize| text[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
    let mut pieces: Vec<(&str, Option<&Term>)> = Vec::new();
    let (mut i, mut plain) = (0, 0);
    while i < text.len() {
        let hit = sorted.iter().find(|t| {
            let end = i + t.term.len();
            end <= text.len()
                && text.is_char_boundary(end)
                && lower[i..end] == t.term.to_lowercase()
                && boundary(i)
                && text[end..].chars().next().is_none_or(|c| !c.is_alphanumeric())
        });
        match hit {
            Some(t) => {
                pieces.push((&text[plain..i], None));
                pieces.push((&text[i..i + t.term.len()], Some(t)));
                i += t.term.len();
                plain = i;
            }
            None => i += text[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    pieces.push((&text[plain..], None));
    html! {
        @for (piece, term) in pieces {
            @match term {
                Some(t) => dfn.term title=(t.definition) tabindex="0" { (piece) },
                None => (piece),
            }
        }
    }
}

#[derive(Deserialize)]
pub struct GlossaryQuery {
    q: Option<String>,
    done: Option<String>,
}

async fn render(
    s: &AppState,
    who: &Signed,
    ws: &str,
    filter: &str,
    notice: Option<Notice>,
    status: StatusCode,
    draft: Option<String>,
) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Glossary).await?;
    let terms = s.core.glossary(&who.actor, ws).await?;
    let may_edit = chrome.current.as_ref().is_some_and(|c| c.role.can(Capability::PlanCampaigns));
    let needle = filter.trim().to_lowercase();
    let shown: Vec<&Term> = terms
        .iter()
        .filter(|t| {
            needle.is_empty()
                || t.term.to_lowercase().contains(&needle)
                || t.definition.to_lowercase().contains(&needle)
        })
        .collect();
    let body = html! {
        h1 { "Glossary" }
        p.muted { "The words this workspace uses, and what they mean here." }
        form.filter method="get" role="search" {
            label for="g-q" { "Filter terms" }
            input #g-q type="search" name="q" value=(filter);
            button type="submit" { "Filter" }
        }
        @if shown.is_empty() {
            p.empty { @if terms.is_empty() { "No terms yet." } @else { "No term matches the filter." } }
        } @else {
            dl.glossary {
                @for t in &shown {
                    dt id={ "term-" (t.term.to_lowercase().replace(' ', "-")) } { (t.term) }
                    dd { (t.definition) }
                }
            }
        }
        @if may_edit {
            form.card method="post" action={ "/w/" (ws) "/glossary" } {
                (csrf_field(&who.csrf))
                label for="g-terms" { "Terms" }
                textarea #g-terms name="terms" rows="12" aria-describedby="g-terms-hint" {
                    (draft.unwrap_or_else(|| text_of(&terms)))
                }
                p.hint #g-terms-hint { "One term a line: Term: what it means." }
                button.primary type="submit" { "Save glossary" }
            }
        }
    };
    Ok(Page::with_status(status, page("Glossary", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/glossary`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<GlossaryQuery>,
) -> UiResult {
    let notice = (q.done.as_deref() == Some("glossary_saved")).then_some(Notice::Info("The glossary was saved."));
    render(&s, &who, &ws, q.q.as_deref().unwrap_or(""), notice, StatusCode::OK, None).await
}

/// `POST /w/{ws}/glossary`.
pub async fn save(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let text = field(&f, "terms").to_string();
    match s.core.put_glossary(&who.actor, &ws, terms_of(&text)).await {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/glossary?done=glossary_saved"))),
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, &ws, "", Some(e.notice()), e.status, Some(text)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_reads_one_term_a_line() {
        let terms = terms_of("Final cut: the edit that ships\n\n  Proof : a version to review: with a colon\nlonely");
        assert_eq!(terms[0], Term { term: "Final cut".into(), definition: "the edit that ships".into() });
        assert_eq!(terms[1].definition, "a version to review: with a colon");
        assert_eq!(terms[2], Term { term: "lonely".into(), definition: String::new() });
        assert_eq!(terms_of(&text_of(&terms[..2])), terms[..2].to_vec());
    }

    #[test]
    fn terms_are_explained_where_they_stand_as_whole_words() {
        let terms = vec![
            Term { term: "final cut".into(), definition: "the edit that ships".into() },
            Term { term: "cut".into(), definition: "an edit".into() },
        ];
        let out = glossed("The Final Cut, not a shortcut or a cut <b>", &terms).into_string();
        assert_eq!(
            out,
            "The <dfn class=\"term\" title=\"the edit that ships\" tabindex=\"0\">Final Cut</dfn>, not a shortcut or a \
             <dfn class=\"term\" title=\"an edit\" tabindex=\"0\">cut</dfn> &lt;b&gt;"
        );
    }
}
