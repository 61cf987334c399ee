//! The brief template builder (`/w/{ws}/brief-templates`, admins): a template's questions are
//! written one a line under `# Section` headings — `key | Label | type | required | help |
//! values` — with its mandatories, deliverables, channels and approving workflow; saving an
//! existing template makes its next revision.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;
use serde::Deserialize;
use vellum_domain::{
    brief::{BriefFieldType, Section, TemplateField, TemplateKind, TemplateSpec},
    fields::FieldError,
};

use super::{
    layout::{page, Chrome, Section as Nav},
    page::{csrf_field, see_other, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::{extract::path_id, AppState};

const TYPES: [BriefFieldType; 11] = [
    BriefFieldType::Text,
    BriefFieldType::LongText,
    BriefFieldType::Number,
    BriefFieldType::Money,
    BriefFieldType::Date,
    BriefFieldType::Enum,
    BriefFieldType::MultiEnum,
    BriefFieldType::Boolean,
    BriefFieldType::User,
    BriefFieldType::AssetRefs,
    BriefFieldType::Url,
];

/// Reads the questions box into sections; a line it cannot read is named with its number.
fn sections_of(text: &str) -> Result<Vec<Section>, String> {
    let mut out: Vec<Section> = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        if let Some(title) = line.strip_prefix('#') {
            out.push(Section { title: title.trim().to_string(), fields: Vec::new() });
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(key), Some(label), Some(kind)) = (cells.first(), cells.get(1), cells.get(2)) else {
            return Err(format!("line {n}: write key | Label | type, then optionally required | help | values"));
        };
        let field_type = TYPES.into_iter().find(|t| t.as_str() == *kind).ok_or_else(|| {
            let names: Vec<&str> = TYPES.iter().map(|t| t.as_str()).collect();
            format!("line {n}: '{kind}' is not a field type; use {}", names.join(", "))
        })?;
        let required = match cells.get(3).copied().unwrap_or("") {
            "required" | "yes" => true,
            "" | "optional" | "no" => false,
            other => return Err(format!("line {n}: write required or optional, not '{other}'")),
        };
        let help = cells.get(4).filter(|h| !h.is_empty()).map(|h| h.to_string());
        let values = cells
            .get(5)
            .map(|v| v.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let f = TemplateField { key: key.to_string(), label: label.to_string(), field_type, required, help, values };
        match out.last_mut() {
            Some(s) => s.fields.push(f),
            None => out.push(Section { title: "Brief".into(), fields: vec![f] }),
        }
    }
    Ok(out)
}

fn text_of(sections: &[Section]) -> String {
    let mut out = String::new();
    for s in sections {
        out.push_str(&format!("# {}\n", s.title));
        for f in &s.fields {
            out.push_str(&format!(
                "{} | {} | {} | {} | {} | {}\n",
                f.key,
                f.label,
                f.field_type.as_str(),
                if f.required { "required" } else { "optional" },
                f.help.as_deref().unwrap_or(""),
                f.values.join(", ")
            ));
        }
    }
    out
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[derive(Deserialize)]
pub struct BuilderQuery {
    edit: Option<String>,
    done: Option<String>,
}

/// What the form shows: a template being written or revised, as typed.
#[derive(Default, Clone)]
struct Draft {
    name: String,
    kind: String,
    questions: String,
    mandatories: String,
    deliverables: String,
    channels: String,
    workflow_id: String,
}

fn draft_of(t: &TemplateSpec) -> Draft {
    Draft {
        name: t.name.clone(),
        kind: if t.kind == TemplateKind::RevisionRequest { "revision_request".into() } else { "brief".into() },
        questions: text_of(&t.sections),
        mandatories: t.mandatories.join("\n"),
        deliverables: t.deliverables.join("\n"),
        channels: t.channels.join(", "),
        workflow_id: t.workflow_id.map(|w| w.to_string()).unwrap_or_default(),
    }
}

const STARTER: &str = "# Audience\naudience | Audience | text | required | Who should act on it\nmarket | Market | enum | required | | AU, NZ\n# The work\nmessage | Key message | long_text | required\ndue | Needed by | date | optional\nreferences | Reference assets | asset_refs | optional\n";

/// What the builder shows besides the templates: a refused form as typed, and why.
struct Shown {
    draft: Option<Draft>,
    notice: Option<Notice>,
    status: StatusCode,
    errors: Vec<FieldError>,
}

async fn render(s: &AppState, who: &Signed, ws: &str, editing: Option<uuid::Uuid>, shown: Shown) -> UiResult {
    let Shown { draft, notice, status, errors } = shown;
    let chrome = Chrome::load(s, who, Some(ws), Nav::Briefs).await?;
    let templates = s.core.brief_templates(&who.actor, ws).await?;
    let workflows = s.core.workflows(&who.actor, ws).await?;
    let current = editing.and_then(|id| templates.iter().find(|t| t.id == id));
    let d = draft.unwrap_or_else(|| {
        current.map_or(Draft { kind: "brief".into(), questions: STARTER.into(), ..Draft::default() }, |t| {
            draft_of(&t.spec)
        })
    });
    let action = match current {
        Some(t) => format!("/w/{ws}/brief-templates?edit={}", t.id),
        None => format!("/w/{ws}/brief-templates"),
    };
    let body = html! {
        h1 { "Brief templates" }
        @if templates.is_empty() { p.empty { "No templates yet." } }
        ul.templates {
            @for t in &templates {
                li {
                    strong { (t.spec.name) } " — " (if t.spec.kind == TemplateKind::Brief { "brief" } else { "revision request" })
                    ", revision " (t.revision) " · "
                    a href={ "/w/" (ws) "/brief-templates?edit=" (t.id) } { "Edit" }
                }
            }
        }
        h2 { @if let Some(t) = current { "Revise “" (t.spec.name) "” (saves revision " (t.revision + 1) ")" } @else { "New template" } }
        @if !errors.is_empty() {
            ul.field-errors role="alert" { @for e in errors { li { strong { (e.key) } ": " (e.message) } } }
        }
        form.card method="post" action=(action) {
            (csrf_field(&who.csrf))
            label for="t-name" { "Name" }
            input #t-name type="text" name="name" value=(d.name) maxlength="120" required;
            label for="t-kind" { "Kind" }
            select #t-kind name="kind" {
                option value="brief" selected[d.kind == "brief"] { "Brief (new work)" }
                option value="revision_request" selected[d.kind == "revision_request"] { "Revision request (what to change, where, why, by when)" }
            }
            label for="t-questions" { "Questions" }
            textarea #t-questions name="questions" rows="12" aria-describedby="t-q-hint" { (d.questions) }
            p.hint #t-q-hint {
                "A section is a line “# Title”; a question is “key | Label | type | required or optional | help | values”. Types: "
                (TYPES.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "))
                ". Values (comma-separated) are for enum and multi_enum."
            }
            label for="t-mandatories" { "Regulatory mandatories (one a line)" }
            textarea #t-mandatories name="mandatories" rows="3" { (d.mandatories) }
            label for="t-deliverables" { "Deliverables (one a line)" }
            textarea #t-deliverables name="deliverables" rows="3" { (d.deliverables) }
            label for="t-channels" { "Default channels (comma-separated)" }
            input #t-channels type="text" name="channels" value=(d.channels);
            label for="t-workflow" { "Approved by" }
            select #t-workflow name="workflow_id" {
                option value="" { "The routing rules decide" }
                @for w in &workflows { option value=(w.id) selected[d.workflow_id == w.id.to_string()] { (w.name) } }
            }
            button.primary type="submit" { "Save template" }
        }
    };
    Ok(Page::with_status(status, page("Brief templates", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/brief-templates`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<BuilderQuery>,
) -> UiResult {
    let editing = match q.edit.as_deref() {
        Some(id) => Some(path_id(id, "brief template")?),
        None => None,
    };
    let shown =
        Shown { draft: None, notice: Notice::done(q.done.as_deref()), status: StatusCode::OK, errors: Vec::new() };
    render(&s, &who, &ws, editing, shown).await
}

/// `POST /w/{ws}/brief-templates[?edit=id]`: a new template, or the next revision of one.
pub async fn save(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<BuilderQuery>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let editing = match q.edit.as_deref() {
        Some(id) => Some(path_id(id, "brief template")?),
        None => None,
    };
    let d = Draft {
        name: field(&f, "name").to_string(),
        kind: field(&f, "kind").to_string(),
        questions: field(&f, "questions").to_string(),
        mandatories: field(&f, "mandatories").to_string(),
        deliverables: field(&f, "deliverables").to_string(),
        channels: field(&f, "channels").to_string(),
        workflow_id: field(&f, "workflow_id").to_string(),
    };
    let refuse = |status: StatusCode, message: String, errors: Vec<FieldError>| {
        let (s, who, ws, d) = (&s, &who, &ws, d.clone());
        let shown = Shown { draft: Some(d), notice: Some(Notice::Error(message)), status, errors };
        async move { render(s, who, ws, editing, shown).await }
    };
    let sections = match sections_of(&d.questions) {
        Ok(s) => s,
        Err(why) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, why, Vec::new()).await,
    };
    let spec = TemplateSpec {
        name: d.name.trim().to_string(),
        kind: if d.kind == "revision_request" { TemplateKind::RevisionRequest } else { TemplateKind::Brief },
        sections,
        mandatories: lines(&d.mandatories),
        deliverables: lines(&d.deliverables),
        channels: d.channels.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect(),
        workflow_id: vellum_domain::id::parse_id(&d.workflow_id),
    };
    let saved = match editing {
        Some(id) => s.core.revise_brief_template(&who.actor, id, spec).await,
        None => s.core.create_brief_template(&who.actor, &ws, spec).await,
    };
    match saved {
        Ok(t) => Ok(see_other(&format!("/w/{ws}/brief-templates?edit={}&done=saved", t.id))),
        Err(e) => {
            let errors = e.fields().to_vec();
            let e2 = UiError::from(e);
            refuse(e2.status, e2.message, errors).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_questions_box_reads_back_what_it_wrote() {
        let sections = sections_of(STARTER).unwrap();
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].fields[1].values, ["AU", "NZ"]);
        assert!(sections[0].fields[0].required);
        assert_eq!(sections_of(&text_of(&sections)).unwrap(), sections);
        assert!(sections_of("a | A | colour").unwrap_err().contains("line 1"));
        assert!(sections_of("a | A | text | maybe").unwrap_err().contains("required or optional"));
    }
}
