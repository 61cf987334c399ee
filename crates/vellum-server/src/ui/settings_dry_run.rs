//! The routing dry run of the settings: a form naming a stored asset or describing one, and
//! the explanation of what the saved rules would do with it — every rule tried, each test
//! with its actual value, the rule that matched, its workflow and the chain of stages.

use maud::{html, Markup};
use serde_json::Value;
use vellum_core::{
    model::{Asset, Group, Member, Workflow},
    routing::{ExplainSubject, Explained},
};
use vellum_domain::{id::parse_id, validate::AssetKind, workflow::ApproverRef};

use super::page::{csrf_field, UiError};

/// The dry-run form as typed.
#[derive(Clone, Default)]
pub struct DryForm {
    /// A recent asset picked from the list.
    pub asset: String,
    /// An asset id typed instead.
    pub asset_id: String,
    pub kind: String,
    pub title: String,
    /// The described asset's metadata as JSON.
    pub metadata: String,
}

impl DryForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> DryForm {
        let f = |n| super::session::field(pairs, n).to_string();
        DryForm {
            asset: f("asset"),
            asset_id: f("asset_id"),
            kind: f("kind"),
            title: f("title"),
            metadata: f("metadata"),
        }
    }

    /// What to evaluate: the typed id, else the picked asset, else the description.
    pub fn subject(&self) -> Result<ExplainSubject, UiError> {
        let id = Some(self.asset_id.trim())
            .filter(|s| !s.is_empty())
            .or(Some(self.asset.as_str()).filter(|s| !s.is_empty()));
        if let Some(id) = id {
            return parse_id(id)
                .map(ExplainSubject::Asset)
                .ok_or_else(|| UiError::invalid(format!("'{id}' is not an asset id.")));
        }
        let kind = AssetKind::parse(&self.kind)
            .map_err(|_| UiError::invalid("Pick an asset, or choose the kind of the asset you describe."))?;
        let metadata = match self.metadata.trim() {
            "" => Value::Object(Default::default()),
            m => serde_json::from_str(m)
                .map_err(|e| UiError::invalid(format!("The metadata is not valid JSON: {e}.")))?,
        };
        let title = Some(self.title.trim().to_string()).filter(|t| !t.is_empty());
        Ok(ExplainSubject::Described { kind, title, metadata })
    }
}

/// Names for the ids an explanation holds.
pub struct Names<'a> {
    pub workflows: &'a [Workflow],
    pub members: &'a [Member],
    pub groups: &'a [Group],
}

impl Names<'_> {
    pub fn approver(&self, a: &ApproverRef) -> String {
        match a {
            ApproverRef::User(id) => {
                self.members.iter().find(|m| m.user_id == *id).map_or_else(|| id.to_string(), |m| m.name.clone())
            }
            ApproverRef::Group(id) => self
                .groups
                .iter()
                .find(|g| g.id == *id)
                .map_or_else(|| id.to_string(), |g| format!("{} (group)", g.name)),
        }
    }

    pub fn workflow(&self, id: vellum_domain::Id) -> String {
        self.workflows.iter().find(|w| w.id == id).map_or_else(|| id.to_string(), |w| w.name.clone())
    }
}

/// A JSON value in a table cell: text bare, anything else as code.
fn shown(v: &Value) -> Markup {
    html! {
        @match v {
            Value::Null => span.muted { "none" },
            Value::String(s) => (s),
            other => code { (other.to_string()) },
        }
    }
}

fn result_badge(ok: bool) -> Markup {
    html! { @if ok { span.badge.s-approved { "true" } } @else { span.badge.s-rejected { "false" } } }
}

/// The `#explanation` panel: the outcome, an error, or (before any run) nothing.
pub fn explanation(outcome: Option<&Result<Explained, UiError>>, names: &Names, revision: u64) -> Markup {
    html! {
        div #explanation aria-live="polite" {
            @match outcome {
                None => {}
                Some(Err(e)) => { p.notice.error role="alert" { (e.message) } }
                Some(Ok(x)) => {
                    @if let (Some(m), Some(wf)) = (&x.routing.matched, x.routing.workflow_id) {
                        p.outcome {
                            "Matched rule " strong.matched-rule { (m.name) } " (number " (m.index + 1) ") → workflow "
                            strong { (names.workflow(wf)) } "."
                        }
                        h3 { "The chain the review would run" }
                        ol.stages {
                            @for s in &x.stages {
                                li { strong { (s.name) } " — " (s.approvers.iter().map(|a| names.approver(a)).collect::<Vec<_>>().join(", ")) }
                            }
                        }
                    } @else {
                        p.outcome {
                            @if revision == 0 { "No rules are saved yet, so nothing matches: a review must name its workflow." }
                            @else { "No rule matches: a review of this asset must name its workflow." }
                        }
                    }
                    @if !x.routing.explanation.is_empty() {
                        h3 { "Rules tried, in order" }
                        ol.trace {
                            @for t in &x.routing.explanation {
                                li {
                                    strong { (t.rule) } " " (result_badge(t.result))
                                    @if !t.conditions.is_empty() {
                                        div.scroll { table.stack.tests {
                                            thead { tr {
                                                th scope="col" { "Field" } th scope="col" { "Op" } th scope="col" { "Value" }
                                                th scope="col" { "Actual" } th scope="col" { "Result" }
                                            } }
                                            tbody {
                                                @for c in &t.conditions {
                                                    tr {
                                                        td data-label="Field" { code { (c.field) } }
                                                        td data-label="Op" { (c.op.as_str()) }
                                                        td data-label="Value" { (shown(&c.value)) }
                                                        td data-label="Actual" { (shown(&c.actual)) }
                                                        td data-label="Result" { (result_badge(c.result)) }
                                                    }
                                                }
                                            }
                                        } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The dry-run form; `recent` are the assets offered in the list.
pub fn form(action: &str, csrf: &str, f: &DryForm, recent: &[Asset]) -> Markup {
    html! {
        form.card #dry-run-form method="post" action=(action) {
            (csrf_field(csrf))
            div.grid2 {
                div {
                    label for="dry-asset" { "Asset" }
                    select #dry-asset name="asset" {
                        option value="" { "— the one described below —" }
                        @for a in recent {
                            option value=(a.id) selected[f.asset == a.id.to_string()] {
                                (a.title) " · " (a.kind.as_str().replace('_', " "))
                            }
                        }
                    }
                }
                div {
                    label for="dry-id" { "Or by id" }
                    input #dry-id name="asset_id" value=(f.asset_id) autocomplete="off" placeholder="0190…";
                }
            }
            fieldset.described {
                legend { "Or describe a hypothetical one" }
                div.grid2 {
                    div {
                        label for="dry-kind" { "Kind" }
                        select #dry-kind name="kind" {
                            @for k in AssetKind::ALL {
                                option value=(k.as_str()) selected[f.kind == k.as_str()] { (k.as_str().replace('_', " ")) }
                            }
                        }
                    }
                    div {
                        label for="dry-title" { "Title" }
                        input #dry-title name="title" value=(f.title) maxlength="200";
                    }
                }
                label for="dry-metadata" { "Metadata (JSON)" }
                textarea #dry-metadata name="metadata" rows="4" spellcheck="false" aria-describedby="dry-metadata-hint"
                    placeholder="{\"channels\": [\"social\"], \"custom\": {\"risk\": \"high\"}}" { (f.metadata) }
                p.hint #dry-metadata-hint { "As an asset's metadata: language, locale, channels and custom values." }
            }
            button.primary type="submit" { "Dry run" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_id_wins_over_the_list_and_a_description_needs_a_kind() {
        let id = "01900000-0000-7000-8000-000000000001";
        let f = DryForm { asset: "x".into(), asset_id: format!(" {id} "), ..DryForm::default() };
        assert!(matches!(f.subject(), Ok(ExplainSubject::Asset(a)) if a.to_string() == id));
        let described =
            DryForm { kind: "video".into(), metadata: "{\"channels\": [\"social\"]}".into(), ..DryForm::default() };
        assert!(matches!(
            described.subject(),
            Ok(ExplainSubject::Described { kind: AssetKind::Video, title: None, .. })
        ));
        let bad = DryForm { kind: "video".into(), metadata: "{".into(), ..DryForm::default() };
        assert!(bad.subject().is_err());
        assert!(DryForm::default().subject().is_err());
    }
}
