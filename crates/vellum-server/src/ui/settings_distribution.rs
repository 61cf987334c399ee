//! Distribution settings (owners and admins): the rights managers and when they are warned,
//! the watermark outsiders' previews carry, the retention policies with their dry run, and
//! legal holds to place and lift.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;
use vellum_core::workspaces::WorkspacePatch;
use vellum_domain::{retention::RetentionSpec, Id};

use super::{
    layout::page,
    page::{csrf_field, see_other, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
    settings::{admin_chrome, done},
};
use crate::{extract::path_id, AppState};

type Form = Vec<(String, String)>;

/// What a refused form keeps: the retention policies as typed.
#[derive(Default)]
struct Draft {
    retention: Option<String>,
}

async fn render(
    s: &AppState,
    who: &Signed,
    ws: &str,
    notice: Option<Notice>,
    status: StatusCode,
    draft: Draft,
) -> UiResult {
    let (chrome, slug) = admin_chrome(s, who, ws).await?;
    let access = s.core.workspace(&who.actor, ws).await?;
    let w = &access.workspace;
    let groups = s.core.groups(&who.actor, ws).await?;
    let watermark = s.core.watermark_text(&who.actor, ws).await?;
    let retention = s.core.retention(&who.actor, ws).await?;
    let retention_text = draft
        .retention
        .unwrap_or_else(|| serde_json::to_string_pretty(&retention).unwrap_or_else(|_| "{\"policies\": []}".into()));
    let due = s.core.retention_preview(&who.actor, ws).await?;
    let holds = s.core.legal_holds(&who.actor, ws).await?;
    let campaigns = s.core.campaigns(&who.actor, ws).await?;
    let days: Vec<String> = w.rights_warning_days.iter().map(u32::to_string).collect();
    let base = format!("/w/{slug}/settings/distribution");
    let body = html! {
        p.crumbs { a href={ "/w/" (slug) "/settings" } { "Settings" } }
        h1 { "Distribution" }
        section.card aria-labelledby="h-rm" {
            h2 #h-rm { "Rights managers" }
            p.muted { "They decide download requests and, with each asset's owner, are told before rights end." }
            form method="post" action={ (base) "/rights" } {
                (csrf_field(&who.csrf))
                label for="d-group" { "Group" }
                select #d-group name="rights_managers" {
                    option value="" selected[w.rights_managers.is_none()] { "Nobody besides each asset's owner" }
                    @for g in &groups { option value=(g.id) selected[w.rights_managers == Some(g.id)] { (g.name) } }
                }
                label for="d-days" { "Warn this many days before (comma-separated)" }
                input #d-days name="rights_warning_days" value=(days.join(", ")) required;
                button.primary type="submit" { "Save" }
            }
        }
        section.card aria-labelledby="h-wm" {
            h2 #h-wm { "Watermark" }
            p.muted { "Externals, and share links with the watermark on, see previews marked with this line, who is looking and the date." }
            form method="post" action={ (base) "/watermark" } {
                (csrf_field(&who.csrf))
                label for="d-wm" { "Text" }
                input #d-wm name="text" value=(watermark) maxlength="100" required;
                button.primary type="submit" { "Save watermark" }
            }
        }
        section.card aria-labelledby="h-ret" {
            h2 #h-ret { "Retention" }
            p.muted {
                "Policies are tried in order; the first whose condition matches keeps an asset's files "
                code { "keep_years" } " after its last distribution or its archiving, then purges them (records stay). "
                "Example: " code { "{\"policies\": [{\"keep_years\": 7, \"after\": \"archive\"}]}" }
            }
            form method="post" action={ (base) "/retention" } {
                (csrf_field(&who.csrf))
                label for="d-ret" { "Policies (JSON)" }
                textarea #d-ret name="policies" rows="8" { (retention_text) }
                button.primary type="submit" { "Save policies" }
            }
            h3 { "What would be purged now" }
            @if due.is_empty() { p.muted { "Nothing is due." } }
            @else {
                table {
                    thead { tr { th { "Asset" } th { "Versions" } th { "Why" } th { "Held by" } } }
                    tbody {
                        @for c in &due {
                            tr {
                                td { a href={ "/a/" (c.asset_id) } { (c.title) } }
                                td { (c.versions.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")) }
                                td { "policy " (c.due.policy + 1) ": " (c.keep_years) " years after " (format!("{:?}", c.due.after).to_lowercase()) " (" (c.due.since.to_string().get(..10).unwrap_or("")) ")" }
                                td { @if c.held_by.is_empty() { "—" } @else { (c.held_by.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")) } }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="h-holds" {
            h2 #h-holds { "Legal holds" }
            p.muted { "What a live hold covers cannot be purged or deleted by anyone until it is lifted, with a reason." }
            @if holds.is_empty() { p.muted { "No holds." } }
            ul.links {
                @for h in &holds {
                    li {
                        strong { (h.name) } " — " (h.reason)
                        " · " (h.asset_ids.len()) " assets"
                        @if h.campaign_id.is_some() { " · a campaign" }
                        @if let Some(at) = h.lifted_at { " · lifted " (at.to_string().get(..10).unwrap_or("")) ": " (h.lift_reason.as_deref().unwrap_or("")) }
                        @else {
                            form.inline method="post" action={ (base) "/holds/" (h.id) "/lift" } {
                                (csrf_field(&who.csrf))
                                label.visually-hidden for={ "lift-" (h.id) } { "Why lift it" }
                                input id={ "lift-" (h.id) } name="reason" placeholder="Why lift it" required;
                                button type="submit" { "Lift" }
                            }
                        }
                    }
                }
            }
            details.card {
                summary { "Place a hold" }
                form method="post" action={ (base) "/holds" } {
                    (csrf_field(&who.csrf))
                    label for="h-name" { "Name" }
                    input #h-name name="name" required maxlength="200";
                    label for="h-reason" { "Reason" }
                    textarea #h-reason name="reason" rows="2" required {}
                    label for="h-assets" { "Asset ids (one per line)" }
                    textarea #h-assets name="asset_ids" rows="3" {}
                    label for="h-campaign" { "Or a whole campaign" }
                    select #h-campaign name="campaign_id" {
                        option value="" { "—" }
                        @for c in &campaigns { option value=(c.id) { (c.code) " · " (c.name) } }
                    }
                    button.primary type="submit" { "Place hold" }
                }
            }
        }
    };
    Ok(Page::with_status(status, page("Distribution", Some(&chrome), notice.as_ref(), body)).into_response())
}

async fn back(s: &AppState, who: &Signed, ws: &str, outcome: Result<(), UiError>, draft: Draft) -> UiResult {
    match outcome {
        Ok(()) => Ok(see_other(&format!("/w/{ws}/settings/distribution?done=distribution_saved"))),
        Err(e) => render(s, who, ws, Some(e.notice()), e.status, draft).await,
    }
}

/// `GET /w/{ws}/settings/distribution`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render(&s, &who, &ws, done(q.done.as_deref()), StatusCode::OK, Draft::default()).await
}

/// `POST /w/{ws}/settings/distribution/{what}`: `rights` (managers and warning days),
/// `watermark`, `retention` (the policies as JSON) or `holds` (place one).
pub async fn save(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, what)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let mut draft = Draft::default();
    let outcome: Result<(), UiError> = async {
        match what.as_str() {
            "rights" => {
                let group = match field(&f, "rights_managers").trim() {
                    "" => None,
                    g => Some(path_id(g, "group")?),
                };
                let days: Result<Vec<u32>, _> = field(&f, "rights_warning_days")
                    .split(',')
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::parse)
                    .collect();
                let days = days.map_err(|_| {
                    UiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Warning days are whole numbers, such as 30, 7.")
                })?;
                let patch = WorkspacePatch {
                    rights_managers: Some(group),
                    rights_warning_days: Some(days),
                    ..WorkspacePatch::default()
                };
                s.core.update_workspace(&who.actor, &ws, patch).await?;
            }
            "watermark" => {
                s.core.put_watermark_text(&who.actor, &ws, Some(field(&f, "text"))).await?;
            }
            "retention" => {
                let text = field(&f, "policies").to_string();
                draft.retention = Some(text.clone());
                let spec: RetentionSpec = serde_json::from_str(&text).map_err(|e| {
                    UiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("The policies are not valid JSON: {e}"))
                })?;
                s.core.put_retention(&who.actor, &ws, spec).await?;
            }
            "holds" => {
                let assets: Result<Vec<Id>, _> = field(&f, "asset_ids")
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(|a| path_id(a, "asset"))
                    .collect();
                let campaign = match field(&f, "campaign_id").trim() {
                    "" => None,
                    c => Some(path_id(c, "campaign")?),
                };
                let (name, reason) = (field(&f, "name"), field(&f, "reason"));
                s.core.create_legal_hold(&who.actor, &ws, name, reason, assets?, campaign).await?;
            }
            _ => return Err(UiError::new(StatusCode::NOT_FOUND, "There is no such setting.")),
        }
        Ok(())
    }
    .await;
    back(&s, &who, &ws, outcome, draft).await
}

/// `POST /w/{ws}/settings/distribution/holds/{id}/lift`.
pub async fn lift_hold(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let outcome = async {
        s.core.lift_legal_hold(&who.actor, path_id(&id, "legal hold")?, field(&f, "reason")).await?;
        Ok(())
    }
    .await;
    back(&s, &who, &ws, outcome, Draft::default()).await
}
