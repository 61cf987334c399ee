//! The page a password-reset link opens: choose a new password, once, before the link expires.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;
use serde::Deserialize;

use super::{
    layout::page,
    page::{see_other, Notice, Page, UiError, UiResult},
    session::UiForm,
};
use crate::{extract::RequestOrigin, AppState};

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

fn reset_page(token: &str, notice: Option<Notice>, status: StatusCode) -> Page {
    let body = html! {
        h1 { "Choose a new password" }
        form.card method="post" action="/reset-password" {
            input type="hidden" name="token" value=(token);
            label for="password" { "New password" }
            input #password type="password" name="password" required minlength="12" autocomplete="new-password" autofocus aria-describedby="r-hint";
            p.hint #r-hint { "At least 12 characters and hard to guess: a phrase of unrelated words works well." }
            label for="confirm" { "Repeat it" }
            input #confirm type="password" name="confirm" required minlength="12" autocomplete="new-password";
            button.primary type="submit" { "Set the password" }
        }
    };
    Page::with_status(status, page("New password", None, notice.as_ref(), body))
}

fn gone() -> Page {
    let body = html! {
        h1 { "This link no longer works" }
        (Notice::Error("The password-reset link has expired or was already used. Ask for a new one from the sign-in page (“Forgot your password?”) or a server admin.".into()).render())
        p { a href="/login" { "Go to sign-in" } }
    };
    Page::with_status(StatusCode::NOT_FOUND, page("Link expired", None, None, body))
}

/// `GET /reset-password?token=…`.
pub async fn show(State(s): State<AppState>, Query(f): Query<ResetForm>) -> UiResult {
    if !s.core.reset_link_open(&f.token).await? {
        return Ok(gone().into_response());
    }
    Ok(reset_page(&f.token, None, StatusCode::OK).into_response())
}

/// `POST /reset-password`.
pub async fn submit(
    State(s): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    UiForm(f): UiForm<ResetForm>,
) -> UiResult {
    if f.password != f.confirm {
        let notice = Notice::Error("The two passwords differ.".into());
        return Ok(reset_page(&f.token, Some(notice), StatusCode::UNPROCESSABLE_ENTITY).into_response());
    }
    match s.core.reset_password(&origin, &f.token, &f.password).await {
        Ok(()) => Ok(see_other("/login?done=password_reset")),
        Err(e) => {
            let e = UiError::from(e);
            if e.status == StatusCode::NOT_FOUND {
                return Ok(gone().into_response());
            }
            Ok(reset_page(&f.token, Some(e.notice()), e.status).into_response())
        }
    }
}
