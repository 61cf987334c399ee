//! Brief pages: the workspace's briefs (`/w/{ws}/briefs`), the form that writes one on a
//! template with each refused field's message next to it, and a brief's own page (`/b/{id}`)
//! with its answers (glossary terms explained on hover), mandatories, deliverables and linked
//! work, its time to market, its approval with the approver's decision form, and its edit form.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};
use vellum_core::{
    briefs::{BriefInput, BriefView, Template},
    reviews::ReviewView,
};
use vellum_domain::{
    brief::{BriefFieldType, BriefStatus, TemplateField, TemplateSpec},
    fields::FieldError,
    glossary::Term,
    id::parse_id,
    review::{ReviewStatus, StageStatus},
    role::Capability,
    Id,
};

use super::{
    glossary::glossed,
    layout::{page, Chrome, Section},
    page::{badge, csrf_field, see_other, when, Notice, Page, UiError, UiResult},
    review::{choice_label, CHOICES},
    session::{field, Signed, UiForm},
};
use crate::{extract::path_id, AppState};

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    template: Option<String>,
    done: Option<String>,
}

/// The answers as typed, by key, to put back in a refused form.
type Draft = Vec<(String, String)>;

fn typed<'a>(draft: &'a Draft, key: &str) -> Vec<&'a str> {
    draft.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// One question of the form, with its refusal message under it.
fn input(f: &TemplateField, draft: &Draft, errors: &[FieldError], members: &[(Id, String)]) -> Markup {
    let name = format!("f.{}", f.key);
    let id = format!("bf-{}", f.key);
    let got = typed(draft, &name);
    let first = got.first().copied().unwrap_or("");
    let error = errors.iter().find(|e| e.key == f.key);
    let hint = format!("{id}-hint");
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (f.label) @if f.required { " " abbr title="required" { "*" } } }
            @match f.field_type {
                BriefFieldType::LongText => textarea #(id) name=(name) rows="5" aria-describedby=(hint) { (first) },
                BriefFieldType::AssetRefs => textarea #(id) name=(name) rows="3" aria-describedby=(hint) placeholder="One asset id a line" { (first) },
                BriefFieldType::Enum => select #(id) name=(name) aria-describedby=(hint) {
                    option value="" { "—" }
                    @for v in &f.values { option value=(v) selected[first == v] { (v) } }
                },
                BriefFieldType::MultiEnum => fieldset #(id) aria-describedby=(hint) {
                    @for (i, v) in f.values.iter().enumerate() {
                        div.choice {
                            input type="checkbox" name=(name) id={ (id) "-" (i) } value=(v) checked[got.contains(&v.as_str())];
                            label for={ (id) "-" (i) } { (v) }
                        }
                    }
                },
                BriefFieldType::Boolean => input #(id) type="checkbox" name=(name) value="true" checked[first == "true"] aria-describedby=(hint);,
                BriefFieldType::User => select #(id) name=(name) aria-describedby=(hint) {
                    option value="" { "—" }
                    @for (uid, n) in members { option value=(uid) selected[first == uid.to_string()] { (n) } }
                },
                BriefFieldType::Number => input #(id) type="number" step="any" name=(name) value=(first) aria-describedby=(hint);,
                BriefFieldType::Date => input #(id) type="date" name=(name) value=(first) aria-describedby=(hint);,
                BriefFieldType::Url => input #(id) type="url" name=(name) value=(first) aria-describedby=(hint);,
                BriefFieldType::Money => input #(id) type="text" name=(name) value=(first) placeholder="5000.00 AUD" aria-describedby=(hint);,
                BriefFieldType::Text => input #(id) type="text" name=(name) value=(first) aria-describedby=(hint);,
            }
            @if let Some(e) = error { p.field-error role="alert" { (e.message) } }
            @if let Some(h) = &f.help { p.hint id=(hint) { (h) } }
        }
    }
}

/// Reads a typed money answer (`5000.00 AUD`) into minor units; anything else is passed on as
/// text, so the brief's check names the field.
fn money(s: &str) -> Value {
    let mut parts = s.split_whitespace();
    let (Some(amount), Some(currency), None) = (parts.next(), parts.next(), parts.next()) else {
        return Value::from(s);
    };
    let (whole, cents) = amount.split_once('.').unwrap_or((amount, "0"));
    let cents = format!("{cents:0<2}");
    match (whole.parse::<i64>(), cents[..2].parse::<i64>()) {
        (Ok(w), Ok(c)) if cents.len() == 2 && w >= 0 => {
            serde_json::json!({"amount": w * 100 + c, "currency": currency.to_uppercase()})
        }
        _ => Value::from(s),
    }
}

/// The form's answers as the API takes them, typed by the template.
fn answers(spec: &TemplateSpec, form: &Draft) -> Map<String, Value> {
    let mut out = Map::new();
    for f in spec.fields() {
        let got = typed(form, &format!("f.{}", f.key));
        let first = got.first().map(|s| s.trim()).unwrap_or("");
        let v = match f.field_type {
            BriefFieldType::MultiEnum => Value::from(got.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            BriefFieldType::AssetRefs => Value::from(first.split_whitespace().map(str::to_string).collect::<Vec<_>>()),
            BriefFieldType::Boolean => Value::Bool(first == "true"),
            _ if first.is_empty() => continue,
            BriefFieldType::Number => first.parse::<f64>().map(Value::from).unwrap_or_else(|_| Value::from(first)),
            BriefFieldType::Money => money(first),
            _ => Value::from(first),
        };
        out.insert(f.key.clone(), v);
    }
    out
}

/// The stored answers as the form shows them.
fn draft_of(b: &vellum_core::briefs::Brief) -> Draft {
    let mut out = vec![("title".to_string(), b.title.clone())];
    for (k, v) in &b.fields {
        let name = format!("f.{k}");
        match v {
            Value::Array(items) => {
                let texts: Vec<String> = items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect();
                // Asset references are one box; a multi-choice is one value per checkbox.
                if k.contains("ref") || texts.iter().all(|t| parse_id(t).is_some()) {
                    out.push((name, texts.join("\n")));
                } else {
                    out.extend(texts.into_iter().map(|t| (name.clone(), t)));
                }
            }
            Value::Object(m) => {
                let amount = m.get("amount").and_then(Value::as_i64).unwrap_or(0);
                let currency = m.get("currency").and_then(Value::as_str).unwrap_or("");
                out.push((name, format!("{}.{:02} {currency}", amount / 100, amount % 100)));
            }
            Value::String(s) => out.push((name, s.clone())),
            other => out.push((name, other.to_string())),
        }
    }
    out
}

async fn members(s: &AppState, who: &Signed, ws: &str) -> Result<Vec<(Id, String)>, UiError> {
    Ok(s.core.members(&who.actor, ws).await?.into_iter().map(|m| (m.user_id, m.name)).collect())
}

/// The questions of a template, section by section, plus title and campaign.
#[allow(clippy::too_many_arguments)]
fn brief_form(
    action: &str,
    submit: &str,
    spec: &TemplateSpec,
    draft: &Draft,
    errors: &[FieldError],
    members: &[(Id, String)],
    campaigns: &[vellum_core::campaigns::Campaign],
    csrf: &str,
) -> Markup {
    let title = typed(draft, "title").first().copied().unwrap_or("").to_string();
    let campaign = typed(draft, "campaign_id").first().copied().unwrap_or("").to_string();
    let title_error = errors.iter().find(|e| e.key == "title");
    html! {
        form.card.brief-form method="post" action=(action) novalidate {
            (csrf_field(csrf))
            div.field.invalid[title_error.is_some()] {
                label for="bf-title" { "Title " abbr title="required" { "*" } }
                input #bf-title type="text" name="title" value=(title) maxlength="200";
                @if let Some(e) = title_error { p.field-error role="alert" { (e.message) } }
            }
            @if !campaigns.is_empty() {
                div.field {
                    label for="bf-campaign" { "Campaign" }
                    select #bf-campaign name="campaign_id" {
                        option value="" { "No campaign" }
                        @for k in campaigns { option value=(k.id) selected[campaign == k.id.to_string()] { (k.name) " (" (k.code) ")" } }
                    }
                }
            }
            @for s in &spec.sections {
                fieldset.section {
                    legend { (s.title) }
                    @for f in &s.fields { (input(f, draft, errors, members)) }
                }
            }
            @if !spec.mandatories.is_empty() {
                div.mandatories {
                    h3 { "Regulatory mandatories this brief must cover" }
                    ul { @for m in &spec.mandatories { li { (m) } } }
                }
            }
            button.primary type="submit" { (submit) }
        }
    }
}

/// `GET /w/{ws}/briefs`: the briefs, and a new one on a template.
pub async fn list(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<ListQuery>,
) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Briefs).await?;
    let status = q.status.as_deref().and_then(BriefStatus::parse);
    let briefs = s.core.briefs(&who.actor, &ws, status, None).await?;
    let templates = s.core.brief_templates(&who.actor, &ws).await.unwrap_or_default();
    let may_write = chrome.current.as_ref().is_some_and(|c| c.role.can(Capability::Upload));
    let may_admin = chrome.current.as_ref().is_some_and(|c| c.role.can(Capability::Administer));
    let notice = Notice::done(q.done.as_deref());
    let body = html! {
        h1 { "Briefs" }
        p.muted { "Every piece of work starts with a brief, approved before work starts." }
        nav.tabs aria-label="Filter by status" {
            a href={ "/w/" (ws) "/briefs" } aria-current=[status.is_none().then_some("page")] { "All" }
            @for st in BriefStatus::ALL {
                a href={ "/w/" (ws) "/briefs?status=" (st.as_str()) } aria-current=[(status == Some(st)).then_some("page")] { (st.as_str().replace('_', " ")) }
            }
        }
        @if may_write && !templates.is_empty() {
            form.inline method="get" action={ "/w/" (ws) "/briefs/new" } {
                label for="nb-template" { "New brief from" }
                select #nb-template name="template" {
                    @for t in &templates { option value=(t.id) { (t.spec.name) } }
                }
                button.primary type="submit" { "Write brief" }
            }
        } @else if templates.is_empty() {
            p.hint { "There is no brief template yet." @if may_admin { " " a href={ "/w/" (ws) "/brief-templates" } { "Create one" } "." } }
        }
        @if may_admin { p { a href={ "/w/" (ws) "/brief-templates" } { "Brief templates" } } }
        @if briefs.is_empty() {
            p.empty { "No briefs." }
        } @else {
            table.briefs {
                thead { tr { th { "Brief" } th { "Template" } th { "Status" } th { "Revision" } th { "Submitted" } } }
                tbody {
                    @for b in &briefs {
                        tr {
                            td { a href={ "/b/" (b.brief.id) } { (b.brief.title) } }
                            td { (b.template.name) }
                            td { (badge(b.brief.status.as_str())) }
                            td { (b.brief.revision) }
                            td { @if let Some(t) = b.brief.timeline.submitted_at { (when(t)) } @else { "—" } }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::ok(page("Briefs", Some(&chrome), notice.as_ref(), body)).into_response())
}

async fn template_for(s: &AppState, who: &Signed, id: &str) -> Result<Template, UiError> {
    Ok(s.core.brief_template(&who.actor, path_id(id, "brief template")?).await?)
}

async fn render_new(
    s: &AppState,
    who: &Signed,
    ws: &str,
    t: &Template,
    draft: &Draft,
    errors: &[FieldError],
) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Briefs).await?;
    let members = members(s, who, ws).await?;
    let campaigns = s.core.campaigns(&who.actor, ws).await?;
    let terms = s.core.glossary(&who.actor, ws).await.unwrap_or_default();
    let notice = (!errors.is_empty()).then(|| {
        Notice::Error(format!(
            "{} field{} need{} attention.",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            if errors.len() == 1 { "s" } else { "" }
        ))
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let action = format!("/w/{ws}/briefs?template={}", t.id);
    let body = html! {
        h1 { "New brief: " (glossed(&t.spec.name, &terms)) }
        (brief_form(&action, "Save brief", &t.spec, draft, errors, &members, &campaigns, &who.csrf))
    };
    Ok(Page::with_status(status, page("New brief", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/briefs/new?template=`: the form of a template's latest revision.
pub async fn new(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<ListQuery>,
) -> UiResult {
    let t = template_for(&s, &who, q.template.as_deref().unwrap_or("")).await?;
    let draft: Draft = Vec::new();
    render_new(&s, &who, &ws, &t, &draft, &[]).await
}

/// `POST /w/{ws}/briefs?template=`: writes the brief, or shows the form again with each
/// refused field's message next to it.
pub async fn create(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<ListQuery>,
    UiForm(f): UiForm<Draft>,
) -> UiResult {
    who.check_pairs(&f)?;
    let t = template_for(&s, &who, q.template.as_deref().unwrap_or("")).await?;
    let input = BriefInput {
        template_id: Some(t.id),
        title: Some(field(&f, "title").to_string()),
        campaign_id: Some(parse_id(field(&f, "campaign_id"))),
        fields: Some(answers(&t.spec, &f)),
        reference_asset_ids: None,
    };
    match s.core.create_brief(&who.actor, &ws, input).await {
        Ok(b) => Ok(see_other(&format!("/b/{}?done=saved", b.brief.id))),
        Err(e) if !e.fields().is_empty() => {
            let errors = e.fields().to_vec();
            render_new(&s, &who, &ws, &t, &f, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct BriefQuery {
    done: Option<String>,
}

/// What the brief page shows besides the brief.
struct Shown<'a> {
    notice: Option<Notice>,
    status: StatusCode,
    draft: Option<&'a Draft>,
    errors: &'a [FieldError],
}

fn shown_ok(done: Option<&str>) -> Shown<'static> {
    Shown { notice: Notice::done(done), status: StatusCode::OK, draft: None, errors: &[] }
}

fn answer(v: &Value, terms: &[Term]) -> Markup {
    match v {
        Value::String(s) => {
            html! { @for (i, line) in s.lines().enumerate() { @if i > 0 { br; } (glossed(line, terms)) } }
        }
        Value::Array(items) => html! {
            (items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string)).collect::<Vec<_>>().join(", "))
        },
        Value::Object(m) => {
            let amount = m.get("amount").and_then(Value::as_i64).unwrap_or(0);
            html! { (format!("{}.{:02}", amount / 100, amount % 100)) " " (m.get("currency").and_then(Value::as_str).unwrap_or("")) }
        }
        Value::Bool(b) => html! { @if *b { "Yes" } @else { "No" } },
        other => html! { (other.to_string()) },
    }
}

fn review_card(r: &ReviewView, me: Id, brief: Id, csrf: &str) -> Markup {
    let awaits = r.status == ReviewStatus::InProgress
        && r.stages.iter().any(|s| {
            s.status == StageStatus::Active && s.approvers.iter().any(|a| a.user_id == me && a.decision.is_none())
        });
    html! {
        section.review.card id={ "review-" (r.id) } {
            h3 { "Approval of revision " (r.version) " " (badge(r.status.as_str())) }
            ol.stages {
                @for s in &r.stages {
                    li {
                        strong { (s.name) } " " (badge(s.status.as_str()))
                        @if let Some(d) = s.due_at { " — due " (when(d)) }
                        ul {
                            @for a in &s.approvers {
                                li {
                                    (a.name.as_deref().unwrap_or("A former member"))
                                    @if let Some(d) = a.decision { ": " (choice_label(d.as_str()).unwrap_or(d.as_str())) @if let Some(r) = &a.reason { " — " (r) } }
                                    @else { ": waiting" }
                                }
                            }
                        }
                    }
                }
            }
            @if awaits {
                form.decide method="post" action={ "/b/" (brief) "/reviews/" (r.id) "/decision" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(r.version);
                    fieldset {
                        legend { "Your decision on revision " (r.version) }
                        @for (value, label) in CHOICES {
                            div.choice {
                                input type="radio" name="decision" id={ "d-" (value) } value=(value) required;
                                label for={ "d-" (value) } { (label) }
                            }
                        }
                    }
                    label for="d-reason" { "Reason" }
                    textarea #d-reason name="reason" rows="3" maxlength="4000" {}
                    button.primary type="submit" { "Submit decision" }
                }
            }
        }
    }
}

async fn render_brief(s: &AppState, who: &Signed, id: Id, shown: Shown<'_>) -> UiResult {
    let v: BriefView = s.core.brief(&who.actor, id).await?;
    let ws = v.brief.workspace_id.to_string();
    let chrome = Chrome::load(s, who, Some(&ws), Section::Briefs).await?;
    let slug = chrome.current.as_ref().map_or(ws.clone(), |c| c.workspace.slug.clone());
    let terms = s.core.glossary(&who.actor, &ws).await.unwrap_or_default();
    let reviews = s.core.brief_reviews(&who.actor, id).await?;
    let may_write = chrome.current.as_ref().is_some_and(|c| c.role.can(Capability::Upload));
    let members = members(s, who, &ws).await?;
    let campaigns = s.core.campaigns(&who.actor, &ws).await?;
    let b = &v.brief;
    let campaign = b.campaign_id.and_then(|k| campaigns.iter().find(|c| c.id == k));
    let may_submit =
        may_write && matches!(b.status, BriefStatus::Draft | BriefStatus::ChangesRequested | BriefStatus::Rejected);
    let draft = shown.draft.cloned().unwrap_or_else(|| {
        let mut d = draft_of(b);
        d.push(("campaign_id".into(), b.campaign_id.map(|k| k.to_string()).unwrap_or_default()));
        d
    });
    let t = &b.timeline;
    let body = html! {
        p.crumbs { a href={ "/w/" (slug) "/briefs" } { "Briefs" } }
        h1 { (b.title) " " (badge(b.status.as_str())) }
        p.muted {
            (glossed(&v.template.name, &terms)) ", revision " (b.revision)
            @if let Some(k) = campaign { " · campaign " a href={ "/w/" (slug) "/campaigns/" (k.id) } { (k.name) } }
        }
        @if may_submit {
            form.inline method="post" action={ "/b/" (b.id) "/submit" } {
                (csrf_field(&who.csrf))
                button.primary type="submit" { "Submit for approval" }
            }
        }
        section.card {
            h2 { "The brief" }
            @for sec in &v.template.sections {
                h3 { (sec.title) }
                dl {
                    @for f in &sec.fields {
                        dt { (glossed(&f.label, &terms)) }
                        dd { @match b.fields.get(&f.key) { Some(val) => (answer(val, &terms)), None => span.muted { "—" } } }
                    }
                }
            }
            @if !v.template.mandatories.is_empty() {
                h3 { "Mandatories" }
                ul { @for m in &v.template.mandatories { li { (glossed(m, &terms)) } } }
            }
        }
        section.card {
            h2 { "Deliverables" }
            @if v.deliverables.is_empty() { p.empty { "This brief names no deliverables." } }
            ul.deliverables {
                @for d in &v.deliverables {
                    li.done[d.approved] {
                        @if d.approved { "✓ " } @else { "○ " }
                        (d.name)
                        @for a in &d.asset_ids { " " a href={ "/a/" (a) } { "asset" } }
                    }
                }
            }
            @if !v.other_asset_ids.is_empty() {
                p { "Other linked work: " @for a in &v.other_asset_ids { a href={ "/a/" (a) } { "asset" } " " } }
            }
            @if b.status.receives_work() && may_write {
                form.card.upload method="post" action={ "/w/" (slug) "/upload" } enctype="multipart/form-data" {
                    (csrf_field(&who.csrf))
                    input type="hidden" name="brief_id" value=(b.id);
                    h3 { "Upload work for this brief" }
                    label for="bu-deliverable" { "Deliverable" }
                    select #bu-deliverable name="deliverable" {
                        @for d in &v.deliverables { option value=(d.name) { (d.name) } }
                    }
                    label for="bu-kind" { "Kind" }
                    select #bu-kind name="kind" {
                        @for k in ["visual", "video", "written", "design_source", "campaign_ready"] { option value=(k) { (k.replace('_', " ")) } }
                    }
                    label for="bu-file" { "File" }
                    input #bu-file type="file" name="file" required;
                    button.primary type="submit" { "Upload" }
                }
            }
        }
        section.card.timeline {
            h2 { "Time to market" }
            dl {
                dt { "Submitted" } dd { @if let Some(x) = t.submitted_at { (when(x)) } @else { "—" } }
                dt { "Approved" } dd { @if let Some(x) = t.approved_at { (when(x)) } @else { "—" } }
                dt { "First asset" } dd { @if let Some(x) = t.first_asset_at { (when(x)) } @else { "—" } }
                dt { "All deliverables approved" } dd { @if let Some(x) = t.done_at { (when(x)) } @else { "—" } }
            }
        }
        section #h-review {
            h2 { "Approval" }
            @if reviews.is_empty() { p.empty { "Not submitted yet." } }
            @for r in &reviews { (review_card(r, who.actor.user.id, b.id, &who.csrf)) }
        }
        @if may_write {
            details.card open[shown.draft.is_some()] {
                summary { "Edit the brief" }
                p.hint { "A submitted revision never changes: saving makes the next revision, and an approval in progress starts again on it." }
                (brief_form(&format!("/b/{}/edit", b.id), "Save changes", &v.template, &draft, shown.errors, &members, &campaigns, &who.csrf))
            }
        }
    };
    Ok(Page::with_status(shown.status, page(&b.title, Some(&chrome), shown.notice.as_ref(), body)).into_response())
}

/// `GET /b/{id}`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Query(q): Query<BriefQuery>,
) -> UiResult {
    render_brief(&s, &who, path_id(&id, "brief")?, shown_ok(q.done.as_deref())).await
}

/// `POST /b/{id}/edit`.
pub async fn edit(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Draft>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "brief")?;
    let v = s.core.brief(&who.actor, id).await?;
    // Every question of the template is on the form: one left empty is removed.
    let mut answers = answers(&v.template, &f);
    for q in v.template.fields() {
        answers.entry(q.key.clone()).or_insert(Value::Null);
    }
    let input = BriefInput {
        template_id: None,
        title: Some(field(&f, "title").to_string()),
        campaign_id: Some(parse_id(field(&f, "campaign_id"))),
        fields: Some(answers),
        reference_asset_ids: None,
    };
    match s.core.update_brief(&who.actor, id, input).await {
        Ok(_) => Ok(see_other(&format!("/b/{id}?done=saved"))),
        Err(e) if !e.fields().is_empty() => {
            let errors = e.fields().to_vec();
            let notice = Some(Notice::Error(e.public_message()));
            let shown = Shown { notice, status: StatusCode::UNPROCESSABLE_ENTITY, draft: Some(&f), errors: &errors };
            render_brief(&s, &who, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /b/{id}/submit`.
pub async fn submit(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Draft>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "brief")?;
    match s.core.submit_brief(&who.actor, id, None).await {
        Ok(_) => Ok(see_other(&format!("/b/{id}?done=review_started"))),
        Err(e) => {
            let e = UiError::from(e);
            let shown = Shown { notice: Some(e.notice()), status: e.status, draft: None, errors: &[] };
            render_brief(&s, &who, id, shown).await
        }
    }
}

/// `POST /b/{id}/reviews/{review}/decision`.
pub async fn decide(
    State(s): State<AppState>,
    who: Signed,
    Path((id, review)): Path<(String, String)>,
    UiForm(f): UiForm<Draft>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "brief")?;
    let review = path_id(&review, "review")?;
    let version = field(&f, "version").parse::<u32>().unwrap_or(0);
    let reason = Some(field(&f, "reason").trim()).filter(|r| !r.is_empty());
    match s.core.decide(&who.actor, review, version, field(&f, "decision"), reason).await {
        Ok(_) => Ok(see_other(&format!("/b/{id}?done=decided"))),
        Err(e) => {
            let e = UiError::from(e);
            let shown = Shown { notice: Some(e.notice()), status: e.status, draft: None, errors: &[] };
            render_brief(&s, &who, id, shown).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_major_units_and_passes_anything_else_on() {
        assert_eq!(money("5000.5 aud"), serde_json::json!({"amount": 500050, "currency": "AUD"}));
        assert_eq!(money("12 NZD"), serde_json::json!({"amount": 1200, "currency": "NZD"}));
        assert_eq!(money("lots"), Value::from("lots"));
        assert_eq!(money("1.234 AUD"), Value::from("1.234 AUD"));
    }
}
