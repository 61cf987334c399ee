//! Server admins' user list: create accounts, disable and enable them, and make one-time
//! password-reset links.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;
use vellum_core::accounts::ResetLink;
use vellum_domain::{id::parse_id, Id};

use super::{
    layout::{page, Chrome, Section},
    page::{badge, csrf_field, see_other, when, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::AppState;

async fn render(
    s: &AppState,
    who: &Signed,
    notice: Option<Notice>,
    link: Option<(String, ResetLink)>,
    status: StatusCode,
) -> UiResult {
    let chrome = Chrome::load(s, who, None, Section::Users).await?;
    let users = s.core.users(&who.actor).await?;
    let body = html! {
        h1 { "Users" }
        p { a href="/admin/sign-in" { "Sign-in and directory settings" } " (single sign-on, SCIM provisioning)" }
        @if let Some((name, l)) = &link {
            div.notice.info role="status" {
                p { "A one-time link for " (name) " to choose a new password, valid until " (when(l.expires_at)) ". Send it to them privately; it is shown only once." }
                p { code.secret { (l.link) } }
            }
        }
        div.scroll { table {
            thead { tr {
                th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Status" } th scope="col" { "Since" }
                th scope="col" { span.visually-hidden { "Actions" } }
            } }
            tbody {
                @for u in &users {
                    tr {
                        td { (u.name) @if u.is_admin { " " small { "(admin)" } } }
                        td { (u.email) }
                        td { @if u.disabled_at.is_some() { (badge("disabled")) } @else { (badge("active")) } }
                        td { (when(u.created_at)) }
                        td.actions {
                            @if u.id != who.actor.user.id {
                                form.inline method="post" action={ "/admin/users/" (u.id) (if u.disabled_at.is_some() { "/enable" } else { "/disable" }) } {
                                    (csrf_field(&chrome.csrf))
                                    @if u.disabled_at.is_some() {
                                        button type="submit" aria-label={ "Enable " (u.name) } { "Enable" }
                                    } @else {
                                        button.danger type="submit" aria-label={ "Disable " (u.name) } { "Disable" }
                                    }
                                }
                            }
                            form.inline method="post" action={ "/admin/users/" (u.id) "/reset-link" } {
                                (csrf_field(&chrome.csrf))
                                button type="submit" aria-label={ "Password-reset link for " (u.name) } { "Reset link" }
                            }
                        }
                    }
                }
            }
        } }
        h2 { "New user" }
        form.card method="post" action="/admin/users" {
            (csrf_field(&chrome.csrf))
            div.grid2 {
                div { label for="u-name" { "Name" } input #u-name name="name" required maxlength="200"; }
                div { label for="u-email" { "Email" } input #u-email type="email" name="email" required; }
            }
            label for="u-password" { "First password" }
            input #u-password type="password" name="password" required minlength="12" autocomplete="new-password" aria-describedby="u-hint";
            p.hint #u-hint { "At least 12 characters and hard to guess. Or leave them to set their own with a reset link." }
            label.check { input type="checkbox" name="is_admin" value="yes"; " Server admin" }
            button.primary type="submit" { "Create user" }
        }
    };
    Ok(Page::with_status(status, page("Users", Some(&chrome), notice.as_ref(), body)).into_response())
}

fn user_id(id: &str) -> Result<Id, UiError> {
    parse_id(id).ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "That user does not exist."))
}

/// `GET /admin/users` (server admins).
pub async fn show(State(s): State<AppState>, who: Signed, Query(q): Query<DoneQuery>) -> UiResult {
    render(&s, &who, Notice::done(q.done.as_deref()), None, StatusCode::OK).await
}

/// `POST /admin/users`.
pub async fn create(State(s): State<AppState>, who: Signed, UiForm(f): UiForm<Vec<(String, String)>>) -> UiResult {
    who.check_pairs(&f)?;
    let admin = field(&f, "is_admin") == "yes";
    match s.core.create_user(&who.actor, field(&f, "email"), field(&f, "name"), field(&f, "password"), admin).await {
        Ok(_) => Ok(see_other("/admin/users?done=user_created")),
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, Some(e.notice()), None, e.status).await
        }
    }
}

/// `POST /admin/users/{id}/disable` and `/enable`.
pub async fn set_enabled(
    State(s): State<AppState>,
    who: Signed,
    Path((id, action)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = user_id(&id)?;
    let outcome = match action.as_str() {
        "disable" => s.core.disable_user(&who.actor, id).await.map(|_| "user_disabled"),
        "enable" => s.core.enable_user(&who.actor, id).await.map(|_| "user_enabled"),
        _ => return Err(UiError::new(StatusCode::NOT_FOUND, "There is no such action.")),
    };
    match outcome {
        Ok(done) => Ok(see_other(&format!("/admin/users?done={done}"))),
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, Some(e.notice()), None, e.status).await
        }
    }
}

/// `POST /admin/users/{id}/reset-link`: shows the link once, on the page itself.
pub async fn reset_link(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = user_id(&id)?;
    let link = s.core.password_reset_link(&who.actor, id).await?;
    let name = s.core.users(&who.actor).await?.into_iter().find(|u| u.id == id).map(|u| u.name).unwrap_or_default();
    render(&s, &who, None, Some((name, link)), StatusCode::CREATED).await
}
