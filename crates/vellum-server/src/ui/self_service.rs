//! The pages people reach from an email before they are signed in: asking for a
//! password-reset link, and accepting an invitation to a workspace (which signs them in).

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::IntoResponse,
};
use maud::html;
use serde::Deserialize;

use super::{
    layout::page,
    page::{see_other, Notice, Page, UiError, UiResult},
    session::UiForm,
};
use crate::{auth::session_cookie, extract::RequestOrigin, AppState};

fn forgot_page(email: &str, notice: Option<Notice>, status: StatusCode) -> Page {
    let body = html! {
        h1 { "Reset your password" }
        form.card method="post" action="/forgot-password" {
            label for="email" { "Your email" }
            input #email type="email" name="email" value=(email) required autocomplete="username" autofocus;
            p.hint { "We email a link to choose a new password; it works once, for a day." }
            button.primary type="submit" { "Email me a link" }
        }
        p { a href="/login" { "Back to sign-in" } }
    };
    Page::with_status(status, page("Reset your password", None, notice.as_ref(), body))
}

/// `GET /forgot-password`.
pub async fn forgot(State(s): State<AppState>) -> UiResult {
    let notice = s
        .core
        .notify
        .smtp
        .is_none()
        .then(|| Notice::Error("This server sends no email; ask a server admin for a reset link instead.".into()));
    Ok(forgot_page("", notice, StatusCode::OK).into_response())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /forgot-password`: the same answer whether or not the account exists.
pub async fn request_reset(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    UiForm(f): UiForm<ForgotForm>,
) -> UiResult {
    match s.core.request_password_reset(&origin, &f.email).await {
        Ok(()) => Ok(see_other("/login?done=reset_requested")),
        Err(e) => {
            let e = UiError::from(e);
            Ok(forgot_page(&f.email, Some(e.notice()), e.status).into_response())
        }
    }
}

fn gone() -> Page {
    let body = html! {
        h1 { "This invitation no longer works" }
        (Notice::Error("The invitation has expired or was already used. Ask whoever invited you for a new one.".into()).render())
        p { a href="/login" { "Go to sign-in" } }
    };
    Page::with_status(StatusCode::NOT_FOUND, page("Invitation expired", None, None, body))
}

async fn invitation_page(
    s: &AppState,
    token: &str,
    name: &str,
    notice: Option<Notice>,
    status: StatusCode,
) -> UiResult {
    let (inv, workspace, has_account) = match s.core.open_invitation(token).await {
        Ok(found) => found,
        Err(_) => return Ok(gone().into_response()),
    };
    let body = html! {
        h1 { "Join " (workspace) }
        p { "You are invited to the workspace " strong { (workspace) } " on Vellum as " strong { (inv.role.as_str()) } ", as " (inv.email) "." }
        form.card method="post" action={ "/invitations/" (token) } {
            @if has_account {
                p { "You already have an account. Enter its password to join." }
                label for="password" { "Your password" }
                input #password type="password" name="password" required autocomplete="current-password" autofocus;
            } @else {
                label for="name" { "Your name" }
                input #name name="name" value=(name) required maxlength="200" autocomplete="name" autofocus;
                label for="password" { "Choose a password" }
                input #password type="password" name="password" required minlength="12" autocomplete="new-password" aria-describedby="i-hint";
                p.hint #i-hint { "At least 12 characters and hard to guess: a phrase of unrelated words works well." }
            }
            button.primary type="submit" { "Join " (workspace) }
        }
    };
    Ok(Page::with_status(status, page("Join a workspace", None, notice.as_ref(), body)).into_response())
}

/// `GET /invitations/{token}`.
pub async fn invitation(State(s): State<AppState>, Path(token): Path<String>) -> UiResult {
    invitation_page(&s, &token, "", None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// `POST /invitations/{token}`: joins, signs in, and opens the workspace.
pub async fn accept(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Path(token): Path<String>,
    UiForm(f): UiForm<AcceptForm>,
) -> UiResult {
    let name = (!f.name.trim().is_empty()).then_some(f.name.as_str());
    let (accepted, user) = match s.core.accept_invitation(&origin, &token, name, &f.password).await {
        Ok(done) => done,
        Err(e) => {
            let e = UiError::from(e);
            if e.status == StatusCode::NOT_FOUND {
                return Ok(gone().into_response());
            }
            return invitation_page(&s, &token, &f.name, Some(e.notice()), e.status).await;
        }
    };
    let session = s.core.sign_in(&origin, &user.email, &f.password, None).await?;
    let max_age = u64::from(s.core.limits.session_hours) * 3600;
    let mut res = see_other(&format!("/w/{}?done=joined", accepted.workspace_slug));
    if let Ok(v) = session_cookie(&session.token, max_age, s.http.secure_cookies).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
