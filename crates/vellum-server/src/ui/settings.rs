//! The Settings section of a workspace (owners and admins): the index page, and what its
//! pages share — the admin-only page shell, their fixed success messages, field errors.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use vellum_core::workspaces::WorkspacePatch;
use vellum_domain::{role::Capability, search_language::SearchLanguage};

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::{error::ApiError, AppState};

/// The header of a settings page, refused unless the user administers the workspace. The
/// core checks every change too; this also keeps read-only settings (the calendar, the
/// custom fields, which every member may read through the API) out of other members' menus.
pub async fn admin_chrome(s: &AppState, who: &Signed, ws: &str) -> Result<(Chrome, String), UiError> {
    let chrome = Chrome::load(s, who, Some(ws), Section::Settings).await?;
    let Some(current) = &chrome.current else {
        return Err(ApiError::not_found("workspace").into());
    };
    if !current.role.can(Capability::Administer) {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Only the workspace's owners and admins can see and change its settings.",
        ));
    }
    let slug = current.workspace.slug.clone();
    Ok((chrome, slug))
}

/// The message a settings page shows after a redirect's `?done=`; only fixed texts, so a
/// link cannot make a page say something else.
pub fn done(code: Option<&str>) -> Option<Notice> {
    let code = code?;
    let text = match code {
        "fields_saved" => "The custom fields were saved.",
        "rules_saved" => "The routing rules were saved as a new revision.",
        "calendar_saved" => "The calendar was saved. Reviews already running keep the calendar they started with.",
        "naming_saved" => "The naming convention was saved.",
        "webhook_deleted" => "The webhook was deleted; nothing more is sent to it.",
        "distribution_saved" => "Saved. The change is recorded in the audit log.",
        "language_saved" => "The search language was saved; search follows once every asset has been re-read.",
        _ => return Notice::done(Some(code)),
    };
    Some(Notice::Info(text))
}

/// An error shown under the input it is about; `id` is what the input's
/// `aria-describedby` names.
pub fn field_error(id: &str, message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message { p.field-error id=(id) { (m) } }
    }
}

/// `GET /w/{ws}/settings`.
pub async fn index(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    let (chrome, slug) = admin_chrome(&s, &who, &ws).await?;
    let language = chrome.current.as_ref().map(|c| c.workspace.search_language).unwrap_or_default();
    let base = format!("/w/{slug}/settings");
    let pages = [
        (
            "fields",
            "Custom fields",
            "The metadata every asset of this workspace can carry — risk, budget, market — with its type, \
             its allowed values and the kinds of asset that must fill it in.",
        ),
        (
            "routing",
            "Routing rules",
            "Which workflow an asset's review runs when nobody picks one, decided by its kind and metadata; \
             try the rules on an asset before relying on them.",
        ),
        (
            "calendar",
            "Business calendar",
            "The time zone, working days, working hours and holidays that deadlines in working hours and \
             working days are counted on.",
        ),
        (
            "naming",
            "Naming convention",
            "The name every file should have, built from the campaign code, version, deliverable, locale and \
             more, and whether a mismatched upload is flagged or refused.",
        ),
        (
            "distribution",
            "Distribution",
            "Who manages rights and when they are warned, the watermark outsiders see, how long files are \
             kept after their last use (with a dry run), and legal holds.",
        ),
        (
            "webhooks",
            "Webhooks",
            "Addresses of other systems that receive signed events (a new version, a decision) as they happen, \
             with the log of every delivery.",
        ),
    ];
    let body = html! {
        h1 { "Settings" }
        p.muted { "How this workspace works, for its owners and admins. Every change is recorded in the audit log." }
        ul.settings-index {
            @for (path, title, what) in pages {
                li.card {
                    a.title href={ (base) "/" (path) } { (title) }
                    p { (what) }
                }
            }
        }
        section.card aria-labelledby="h-lang" {
            h2 #h-lang { "Search language" }
            p.muted {
                "The workspace's main language: search matches the forms of a word in it (house, houses). "
                "A change re-reads every asset in the background; search keeps answering meanwhile."
            }
            form method="post" action={ (base) "/search-language" } {
                (csrf_field(&who.csrf))
                label for="s-lang" { "Language" }
                select #s-lang name="search_language" {
                    @for l in SearchLanguage::ALL {
                        option value=(l.code()) selected[l == language] { (l.name()) }
                    }
                }
                button.primary type="submit" { "Save" }
            }
        }
    };
    let notice = done(q.done.as_deref());
    Ok(Page::ok(page("Settings", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `POST /w/{ws}/settings/search-language`.
pub async fn save_language(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let Some(language) = SearchLanguage::parse(field(&f, "search_language")) else {
        return Err(UiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Pick one of the languages in the list."));
    };
    let patch = WorkspacePatch { search_language: Some(language), ..WorkspacePatch::default() };
    s.core.update_workspace(&who.actor, &ws, patch).await?;
    Ok(see_other(&format!("/w/{ws}/settings?done=language_saved")))
}
