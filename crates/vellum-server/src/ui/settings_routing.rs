//! The routing page of a workspace's settings: the rules in force, their editor, a dry run
//! against the saved rules, and earlier revisions with what each one changed.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use vellum_core::{
    assets::LibraryQuery,
    routing::{Explained, RulesRevision},
};
use vellum_domain::{page::PageRequest, routing::RuleSpec};

use super::{
    layout::page,
    page::{see_other, when, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
    settings::{admin_chrome, done},
    settings_dry_run::{self as dry, DryForm, Names},
    settings_rule_builder::condition_fields,
    settings_rules_form::{editor, Choices, Draft, RowError},
};
use crate::AppState;

/// Recent assets offered in the dry run's list.
const RECENT: u32 = 50;
/// Earlier revisions linked from the page.
const REVISION_LINKS: u64 = 30;

/// What a render shows besides what is saved.
struct View {
    notice: Option<Notice>,
    status: StatusCode,
    /// The editor as typed when it failed or grew a row.
    draft: Option<Draft>,
    blanks: usize,
    error: Option<RowError>,
    dry: DryForm,
    outcome: Option<Result<Explained, UiError>>,
    /// An earlier revision to show with its changes.
    revision: Option<u64>,
}

impl View {
    fn fresh(notice: Option<Notice>) -> View {
        View {
            notice,
            status: StatusCode::OK,
            draft: None,
            blanks: 0,
            error: None,
            dry: DryForm::default(),
            outcome: None,
            revision: None,
        }
    }
}

/// A condition in words: `(metadata.custom.risk eq "high" and kind in ["video"])`.
fn condition_text(v: &Value) -> String {
    let Some(o) = v.as_object() else { return v.to_string() };
    let joined = |items: &Value, word: &str| match items.as_array() {
        Some(a) => format!("({})", a.iter().map(condition_text).collect::<Vec<_>>().join(&format!(" {word} "))),
        None => items.to_string(),
    };
    if let Some(items) = o.get("all") {
        return joined(items, "and");
    }
    if let Some(items) = o.get("any") {
        return joined(items, "or");
    }
    if let Some(inner) = o.get("not") {
        return format!("not {}", condition_text(inner));
    }
    let field = o.get("field").and_then(Value::as_str).unwrap_or("?");
    let op = o.get("op").and_then(Value::as_str).unwrap_or("?").replace('_', " ");
    match o.get("value") {
        Some(value) => format!("{field} {op} {value}"),
        None => format!("{field} {op}"),
    }
}

fn extras(r: &RuleSpec, names: &Names) -> Markup {
    html! {
        @if r.add_stages.is_empty() && r.add_approvers.is_empty() { "—" }
        @for s in &r.add_stages { div { "+ stage " strong { (s.name) } } }
        @for a in &r.add_approvers {
            div { "+ " (names.approver(&a.approver)) " in " (a.stage) }
        }
    }
}

fn rules_table(rules: &[RuleSpec], names: &Names) -> Markup {
    html! {
        div.scroll { table.stack #rules-table {
            thead { tr {
                th scope="col" { "#" } th scope="col" { "Rule" } th scope="col" { "Condition" }
                th scope="col" { "Workflow" } th scope="col" { "Adds" }
            } }
            tbody {
                @for (i, r) in rules.iter().enumerate() {
                    tr {
                        td.num data-label="#" { (i + 1) }
                        td.title-cell data-label="Rule" { (r.name) }
                        td data-label="Condition" { code { (condition_text(&r.when)) } }
                        td data-label="Workflow" { (names.workflow(r.workflow_id)) }
                        td data-label="Adds" { (extras(r, names)) }
                    }
                }
            }
        } }
    }
}

fn saved_by(r: &RulesRevision, names: &Names) -> Markup {
    let who = r
        .created_by
        .map(|id| names.members.iter().find(|m| m.user_id == id).map_or_else(|| id.to_string(), |m| m.name.clone()));
    html! {
        @if let Some(at) = r.created_at { " saved " (when(at)) }
        @if let Some(who) = who { " by " (who) }
    }
}

async fn revision_section(s: &AppState, who: &Signed, ws: &str, n: u64, names: &Names<'_>) -> UiResult<Markup> {
    let (r, changes) = s.core.routing_revision(&who.actor, ws, n).await?;
    Ok(html! {
        article.card #revision {
            h3 { "Revision " (r.revision) (saved_by(&r, names)) }
            @if changes.is_empty() { p.muted { "No rule changed." } }
            @else {
                ul.changes {
                    @for (rule, change) in &changes { li { "“" (rule) "” " span.tag { (change.as_str()) } } }
                }
            }
            @if r.rules.rules.is_empty() { p.empty { "This revision has no rules." } }
            @else { (rules_table(&r.rules.rules, names)) }
        }
    })
}

async fn render(s: &AppState, who: &Signed, ws: &str, view: View) -> UiResult {
    let (chrome, slug) = admin_chrome(s, who, ws).await?;
    let saved = s.core.routing_rules(&who.actor, ws).await?;
    let workflows = s.core.workflows(&who.actor, ws).await?;
    let members = s.core.members(&who.actor, ws).await?;
    let groups = s.core.groups(&who.actor, ws).await?;
    let schema = s.core.metadata_schema(&who.actor, ws).await?.schema;
    let first = LibraryQuery { page: PageRequest { limit: RECENT, cursor: None }, ..LibraryQuery::default() };
    let recent = s.core.library(&who.actor, ws, &first).await?.items;
    let names = Names { workflows: &workflows, members: &members, groups: &groups };
    let earlier = match view.revision {
        Some(n) => Some(revision_section(s, who, ws, n, &names).await?),
        None => None,
    };
    let fields = condition_fields(&schema);
    let choices = Choices { workflows: &workflows, fields: &fields };
    let draft = view.draft.clone().unwrap_or_else(|| Draft::from_spec(&saved.rules));
    // Someone with no rules yet gets a row to write the first one in.
    let blanks = if draft.rules.is_empty() { view.blanks.max(1) } else { view.blanks };
    let base = format!("/w/{slug}/settings/routing");
    let body = html! {
        p.crumbs { a href={ "/w/" (slug) "/settings" } { "Settings" } }
        h1 { "Routing rules" }
        p.muted {
            "When a review is started without a workflow, the first rule whose condition holds picks it. "
            @if saved.revision == 0 { "No rules are saved yet, so such a review is refused." }
            @else { "Revision " strong #rules-revision { (saved.revision) } (saved_by(&saved, &names)) "." }
        }
        @if workflows.is_empty() {
            p.notice.info { "This workspace has no workflows yet. " a href={ "/w/" (slug) "/workflows" } { "Create one" } " before writing rules." }
        }
        @if !saved.rules.rules.is_empty() { (rules_table(&saved.rules.rules, &names)) }
        section aria-labelledby="h-dry" #dry-run {
            h2 #h-dry { "Dry run" }
            p.hint {
                "What the saved rules"
                @if saved.revision > 0 { " (revision " (saved.revision) ")" }
                " would do with an asset; nothing is started. Save edited rules to try them."
            }
            (dry::form(&format!("{base}/explain"), &who.csrf, &view.dry, &recent))
            (dry::explanation(view.outcome.as_ref(), &names, saved.revision))
        }
        section aria-labelledby="h-edit" {
            h2 #h-edit { "Edit the rules" }
            (editor(&base, &who.csrf, &draft, blanks, &choices, view.error.as_ref()))
        }
        @if saved.revision > 0 {
            section aria-labelledby="h-revisions" {
                h2 #h-revisions { "Revisions" }
                ul.revisions {
                    @for n in (1..=saved.revision).rev().take(REVISION_LINKS as usize) {
                        li {
                            @if view.revision == Some(n) { strong { "Revision " (n) } }
                            @else { a href={ (base) "?revision=" (n) "#revision" } { "Revision " (n) } }
                            @if n == saved.revision { " (in force)" }
                        }
                    }
                }
                @if let Some(section) = earlier { (section) }
            }
        }
    };
    Ok(Page::with_status(view.status, page("Routing rules", Some(&chrome), view.notice.as_ref(), body)).into_response())
}

#[derive(Deserialize)]
pub struct RoutingQuery {
    done: Option<String>,
    revision: Option<String>,
}

/// `GET /w/{ws}/settings/routing` (`?revision=n` shows an earlier revision's changes).
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<RoutingQuery>,
) -> UiResult {
    let revision = q.revision.as_deref().and_then(|n| n.parse::<u64>().ok()).filter(|n| *n >= 1);
    render(&s, &who, &ws, View { revision, ..View::fresh(done(q.done.as_deref())) }).await
}

/// `POST /w/{ws}/settings/routing`: saves the rules as a new revision, or (the "Add rule"
/// button, without JavaScript) shows the editor again with one more row.
pub async fn save(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let draft = Draft::from_pairs(&f).map_err(UiError::invalid)?;
    if field(&f, "add") == "1" {
        return render(&s, &who, &ws, View { draft: Some(draft), blanks: 1, ..View::fresh(None) }).await;
    }
    let schema = s.core.metadata_schema(&who.actor, &ws).await?.schema;
    let outcome = match draft.to_spec(&schema) {
        Ok((spec, rows)) => s.core.put_routing_rules(&who.actor, &ws, spec).await.map_err(|e| {
            let at = e.path().and_then(|p| RowError::at_path(p, &e.to_string(), &rows));
            (UiError::from(e), at)
        }),
        Err(at) => Err((UiError::invalid(at.text()), Some(at))),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/settings/routing?done=rules_saved"))),
        Err((e, at)) => {
            let notice = match &at {
                Some(at) => {
                    let name = draft.rules.get(at.row).map(|r| r.name.trim()).filter(|n| !n.is_empty());
                    let rule =
                        name.map_or_else(|| format!("rule {}", at.row + 1), |n| format!("rule {} (“{n}”)", at.row + 1));
                    Notice::Error(format!("Nothing was saved; {rule} needs a change. {}", at.text()))
                }
                None => e.notice(),
            };
            let view =
                View { notice: Some(notice), status: e.status, draft: Some(draft), error: at, ..View::fresh(None) };
            render(&s, &who, &ws, view).await
        }
    }
}

/// `POST /w/{ws}/settings/routing/explain`: the dry run, shown in the page's `#explanation`.
pub async fn explain(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let form = DryForm::from_pairs(&f);
    let outcome = match form.subject() {
        Ok(subject) => s.core.explain_routing(&who.actor, &ws, subject).await.map_err(UiError::from),
        Err(e) => Err(e),
    };
    let status = outcome.as_ref().map_or_else(|e| e.status, |_| StatusCode::OK);
    render(&s, &who, &ws, View { status, dry: form, outcome: Some(outcome), ..View::fresh(None) }).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_read_as_words() {
        let c = json!({"all": [
            {"field": "metadata.custom.risk", "op": "eq", "value": "high"},
            {"not": {"field": "kind", "op": "not_in", "value": ["video"]}},
            {"field": "title", "op": "exists"}
        ]});
        assert_eq!(
            condition_text(&c),
            "(metadata.custom.risk eq \"high\" and not kind not in [\"video\"] and title exists)"
        );
    }
}
