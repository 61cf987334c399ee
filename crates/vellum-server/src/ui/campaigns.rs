//! Campaign pages: the workspace's campaigns (`/w/{ws}/campaigns`, planners create them) and a
//! campaign's page — its milestones as a timeline with their buffers and the ones a date
//! breaks, a form that checks a move (dry run) before saving it, and the briefs and assets of
//! the campaign where the board puts them, with each brief's time to market.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;
use serde::Deserialize;
use vellum_core::{
    board::BoardFilter,
    campaigns::{CampaignInput, MilestoneInput},
};
use vellum_domain::{
    board::CardType,
    campaign::{BufferConflict, MilestoneKind},
    role::Capability,
    Id,
};

use super::{
    layout::{page, Chrome, Section},
    page::{badge, csrf_field, see_other, when, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::{extract::path_id, AppState};

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

type Form = Vec<(String, String)>;

fn opt(f: &Form, key: &str) -> Option<String> {
    Some(field(f, key).trim().to_string()).filter(|v| !v.is_empty())
}

/// `GET /w/{ws}/campaigns`.
pub async fn list(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render_list(&s, &who, &ws, Notice::done(q.done.as_deref()), StatusCode::OK).await
}

async fn render_list(s: &AppState, who: &Signed, ws: &str, notice: Option<Notice>, status: StatusCode) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Campaigns).await?;
    let campaigns = s.core.campaigns(&who.actor, ws).await?;
    let may_plan = chrome.current.as_ref().is_some_and(|c| c.role.can(Capability::PlanCampaigns));
    let body = html! {
        h1 { "Campaigns" }
        @if campaigns.is_empty() { p.empty { "No campaigns yet." } }
        table.campaigns {
            thead { tr { th { "Campaign" } th { "Code" } th { "Runs" } th { "Channels" } } }
            tbody {
                @for k in &campaigns {
                    tr {
                        td { a href={ "/w/" (ws) "/campaigns/" (k.id) } { (k.name) } }
                        td { code { (k.code) } }
                        td { (k.starts_on) " – " (k.ends_on) }
                        td { (k.channels.join(", ")) }
                    }
                }
            }
        }
        @if may_plan {
            form.card method="post" action={ "/w/" (ws) "/campaigns" } {
                (csrf_field(&who.csrf))
                h2 { "New campaign" }
                label for="k-name" { "Name" } input #k-name type="text" name="name" required maxlength="200";
                label for="k-code" { "Code" } input #k-code type="text" name="code" required placeholder="SPRING26" maxlength="32";
                label for="k-objective" { "Objective" } textarea #k-objective name="objective" rows="2" {}
                label for="k-channels" { "Channels (comma-separated)" } input #k-channels type="text" name="channels";
                label for="k-start" { "Starts" } input #k-start type="date" name="starts_on" required;
                label for="k-end" { "Ends" } input #k-end type="date" name="ends_on" required;
                label for="k-colour" { "Colour" } input #k-colour type="color" name="colour" value="#2456c7";
                button.primary type="submit" { "Create campaign" }
            }
        }
    };
    Ok(Page::with_status(status, page("Campaigns", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `POST /w/{ws}/campaigns`.
pub async fn create(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let input = CampaignInput {
        name: opt(&f, "name"),
        code: opt(&f, "code"),
        objective: opt(&f, "objective"),
        channels: Some(
            field(&f, "channels").split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect(),
        ),
        starts_on: opt(&f, "starts_on"),
        ends_on: opt(&f, "ends_on"),
        budget: None,
        colour: opt(&f, "colour"),
    };
    match s.core.create_campaign(&who.actor, &ws, input).await {
        Ok(k) => Ok(see_other(&format!("/w/{ws}/campaigns/{}?done=saved", k.id))),
        Err(e) => {
            let e = UiError::from(e);
            render_list(&s, &who, &ws, Some(e.notice()), e.status).await
        }
    }
}

/// What a campaign page shows besides the campaign.
struct Shown {
    notice: Option<Notice>,
    status: StatusCode,
    /// A move checked but not saved: the milestone, its new date and what it would break.
    checked: Option<(Id, String, Vec<BufferConflict>)>,
}

/// `GET /w/{ws}/campaigns/{id}`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    let shown = Shown { notice: Notice::done(q.done.as_deref()), status: StatusCode::OK, checked: None };
    render(&s, &who, &ws, path_id(&id, "campaign")?, shown).await
}

async fn render(s: &AppState, who: &Signed, ws: &str, id: Id, shown: Shown) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Campaigns).await?;
    let k = s.core.campaign(&who.actor, id).await?;
    if chrome.current.as_ref().is_some_and(|c| c.workspace.id != k.workspace_id) {
        return Err(UiError::from(vellum_core::Error::not_found("campaign")));
    }
    let (milestones, conflicts) = s.core.milestones(&who.actor, id).await?;
    let may_plan = chrome.current.as_ref().is_some_and(|c| c.role.can(Capability::PlanCampaigns));
    let filter = BoardFilter { campaign: Some(id), ..BoardFilter::default() };
    let board = s.core.board(&who.actor, ws, &filter).await?;
    let briefs = if chrome.current.as_ref().is_some_and(|c| c.role.can(Capability::SeeWorkInProgress)) {
        s.core.briefs(&who.actor, ws, None, Some(id)).await?
    } else {
        Vec::new()
    };
    let name_of = |m: Id| milestones.iter().find(|x| x.id == m).map_or("a milestone", |x| x.name.as_str());
    let short: Vec<Id> = conflicts.iter().map(|c| c.milestone_id).collect();
    let body = html! {
        p.crumbs { a href={ "/w/" (ws) "/campaigns" } { "Campaigns" } }
        h1 { (k.name) " " code { (k.code) } }
        p.muted { (k.starts_on) " – " (k.ends_on) @if !k.channels.is_empty() { " · " (k.channels.join(", ")) } }
        @if let Some(o) = &k.objective { p { (o) } }
        @if let Some(b) = &k.budget { p { "Budget: " (format!("{}.{:02}", b.amount / 100, b.amount % 100)) " " (b.currency) } }
        section.card {
            h2 { "Milestones" }
            @if milestones.is_empty() { p.empty { "No milestones yet." } }
            ol.timeline {
                @for m in &milestones {
                    li #{ "milestone-" (m.id) } .broken[short.contains(&m.id)] {
                        time datetime=(m.due_on) { (m.due_on) } " "
                        strong { (m.name) } " " span.muted { (m.kind.as_str().replace('_', " ")) }
                        @if let Some(c) = &m.channel { " · " (c) }
                        @if m.buffer_business_days > 0 { " · leaves " (m.buffer_business_days) " business days" }
                        @for c in conflicts.iter().filter(|c| c.milestone_id == m.id) {
                            p.field-error { (-c.buffer_days_left) " business day(s) short of the buffer after “" (name_of(c.depends_on)) "”" }
                        }
                        @if may_plan {
                            form.inline method="post" action={ "/w/" (ws) "/campaigns/" (k.id) "/milestones/" (m.id) } {
                                (csrf_field(&who.csrf))
                                label for={ "due-" (m.id) } { "Move to" }
                                input id={ "due-" (m.id) } type="date" name="due_on" value=(m.due_on);
                                button type="submit" name="dry_run" value="true" { "Check" }
                                button type="submit" name="dry_run" value="false" { "Save" }
                            }
                        }
                    }
                }
            }
            @if let Some((mid, date, found)) = &shown.checked {
                div.card.checked role="status" {
                    @if found.is_empty() { p { "Moving “" (name_of(*mid)) "” to " (date) " breaks no buffer. Nothing was saved yet." } }
                    @else {
                        p { "Moving “" (name_of(*mid)) "” to " (date) " would break:" }
                        ul { @for c in found { li { "“" (name_of(c.milestone_id)) "”: " (-c.buffer_days_left) " business day(s) short after “" (name_of(c.depends_on)) "”" } } }
                        p.hint { "Nothing was saved. Save to move it anyway." }
                    }
                }
            }
            @if may_plan {
                form.card method="post" action={ "/w/" (ws) "/campaigns/" (k.id) "/milestones" } {
                    (csrf_field(&who.csrf))
                    h3 { "Add a milestone" }
                    label for="m-name" { "Name" } input #m-name type="text" name="name" required;
                    label for="m-kind" { "Kind" }
                    select #m-kind name="kind" { @for kind in MilestoneKind::ALL { option value=(kind.as_str()) { (kind.as_str().replace('_', " ")) } } }
                    label for="m-due" { "Due" } input #m-due type="date" name="due_on" required;
                    label for="m-channel" { "Channel" } input #m-channel type="text" name="channel";
                    label for="m-buffer" { "Buffer before the next (business days)" } input #m-buffer type="number" min="0" max="250" name="buffer_business_days" value="0";
                    label for="m-after" { "After" }
                    select #m-after name="depends_on" { option value="" { "—" } @for m in &milestones { option value=(m.id) { (m.name) } } }
                    button.primary type="submit" { "Add milestone" }
                }
            }
        }
        section.card {
            h2 { "Briefs" }
            @if briefs.is_empty() { p.empty { "No briefs in this campaign." } }
            table {
                thead { tr { th { "Brief" } th { "Status" } th { "Submitted" } th { "Approved" } th { "First asset" } th { "Delivered" } } }
                tbody {
                    @for b in &briefs {
                        @let t = &b.brief.timeline;
                        tr {
                            td { a href={ "/b/" (b.brief.id) } { (b.brief.title) } }
                            td { (badge(b.brief.status.as_str())) }
                            @for x in [t.submitted_at, t.approved_at, t.first_asset_at, t.done_at] {
                                td { @if let Some(x) = x { (when(x)) } @else { "—" } }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "Work" }
            ul {
                @for col in &board {
                    @for c in col.cards.iter().filter(|c| c.card_type == CardType::Asset) {
                        li { a href={ "/a/" (c.id) } { (c.title) } " — " (col.column.label()) }
                    }
                }
            }
            p { a href={ "/w/" (ws) "/board?campaign=" (k.id) } { "Open the campaign's board" } " · " a href={ "/w/" (ws) "/calendar?campaign=" (k.id) } { "Calendar" } }
        }
    };
    Ok(Page::with_status(shown.status, page(&k.name, Some(&chrome), shown.notice.as_ref(), body)).into_response())
}

/// `POST /w/{ws}/campaigns/{id}/milestones`.
pub async fn add_milestone(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "campaign")?;
    let input = MilestoneInput {
        name: opt(&f, "name"),
        kind: opt(&f, "kind"),
        due_on: opt(&f, "due_on"),
        channel: opt(&f, "channel"),
        buffer_business_days: field(&f, "buffer_business_days").parse().ok(),
        depends_on: Some(vellum_domain::id::parse_id(field(&f, "depends_on")).into_iter().collect()),
        assignee_id: None,
    };
    match s.core.add_milestone(&who.actor, id, input).await {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/campaigns/{id}?done=saved"))),
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, &ws, id, Shown { notice: Some(e.notice()), status: e.status, checked: None }).await
        }
    }
}

/// `POST /w/{ws}/campaigns/{id}/milestones/{m}`: checks a move (dry run) or saves it.
pub async fn move_milestone(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id, m)): Path<(String, String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let (id, m) = (path_id(&id, "campaign")?, path_id(&m, "milestone")?);
    let dry_run = field(&f, "dry_run") == "true";
    let due = field(&f, "due_on").to_string();
    let input = MilestoneInput { due_on: Some(due.clone()), ..MilestoneInput::default() };
    match s.core.update_milestone(&who.actor, m, input, dry_run).await {
        Ok(change) if dry_run => {
            let shown = Shown { notice: None, status: StatusCode::OK, checked: Some((m, due, change.conflicts)) };
            render(&s, &who, &ws, id, shown).await
        }
        Ok(_) => Ok(see_other(&format!("/w/{ws}/campaigns/{id}?done=saved#milestone-{m}"))),
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, &ws, id, Shown { notice: Some(e.notice()), status: e.status, checked: None }).await
        }
    }
}
