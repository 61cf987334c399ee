//! The naming convention in a workspace's settings: the pattern, whether a mismatch is only
//! flagged or refused, and the name a sample file would get.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;
use vellum_domain::naming::{Convention, Mode, NameValues, Part, Pattern};

use super::{
    layout::page,
    page::{csrf_field, see_other, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
    settings::{admin_chrome, done},
};
use crate::AppState;

/// What the preview fills the parts with.
fn sample() -> NameValues {
    NameValues {
        campaign: Some("SPRING26".into()),
        version: Some(1),
        kind: Some("visual".into()),
        deliverable: Some("1080x1080-tile".into()),
        locale: Some("en-AU".into()),
        channel: Some("social".into()),
        date: Some("2026-12-01".into()),
        initials: Some("MS".into()),
    }
}

async fn render(
    s: &AppState,
    who: &Signed,
    ws: &str,
    notice: Option<Notice>,
    status: StatusCode,
    draft: Option<Convention>,
) -> UiResult {
    let (chrome, slug) = admin_chrome(s, who, ws).await?;
    let current = match draft {
        Some(d) => Some(d),
        None => s.core.naming(&who.actor, ws).await?,
    };
    let pattern = current.as_ref().map_or("", |c| c.pattern.as_str());
    let mode = current.as_ref().map_or(Mode::Suggest, |c| c.mode);
    let preview = Pattern::parse(pattern).ok().map(|p| p.render(&sample()));
    let body = html! {
        p.crumbs { a href={ "/w/" (slug) "/settings" } { "Settings" } }
        h1 { "Naming convention" }
        p.muted { "The name every file should have, built from named parts. Uploads are checked against it." }
        form.card method="post" action={ "/w/" (slug) "/settings/naming" } {
            (csrf_field(&who.csrf))
            label for="n-pattern" { "Pattern" }
            input #n-pattern name="pattern" value=(pattern) required maxlength="200" aria-describedby="n-pattern-hint"
                placeholder="{campaign}_V{version}_{deliverable}_{locale}";
            p.hint #n-pattern-hint {
                "Parts: "
                @for (i, p) in Part::ALL.iter().enumerate() { @if i > 0 { ", " } code { "{" (p.as_str()) "}" } }
                ". Put text (such as _ or -) between two parts."
            }
            @if let Some(name) = &preview { p { "A sample file would be named " code { (name) } "." } }
            fieldset {
                legend { "When an uploaded name does not match" }
                label.check { input type="radio" name="mode" value="suggest" checked[mode == Mode::Suggest]; "Suggest the expected name and flag the asset" }
                label.check { input type="radio" name="mode" value="require" checked[mode == Mode::Require]; "Refuse the upload and say the expected name" }
            }
            button.primary type="submit" { "Save convention" }
        }
    };
    Ok(Page::with_status(status, page("Naming convention", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/settings/naming`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render(&s, &who, &ws, done(q.done.as_deref()), StatusCode::OK, None).await
}

/// `POST /w/{ws}/settings/naming`.
pub async fn save(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let draft = Convention {
        pattern: field(&f, "pattern").trim().to_string(),
        mode: Mode::parse(field(&f, "mode")).unwrap_or(Mode::Suggest),
    };
    match s.core.put_naming(&who.actor, &ws, draft.clone()).await {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/settings/naming?done=naming_saved"))),
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, &ws, Some(e.notice()), e.status, Some(draft)).await
        }
    }
}
