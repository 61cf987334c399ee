//! Signing in and out, and the first-run setup that creates the first admin.
//!
//! The sign-in form has no session yet, so it is protected from login CSRF by a double-submit
//! cookie: a random value in `vellum_login_csrf` that the form must repeat.

use axum::{
    extract::{Query, State},
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    layout::page,
    page::{safe_next, see_other, Notice, Page, UiError, UiResult},
    session::{Signed, UiForm},
};
use crate::{
    auth::{clear_cookie, cookie, resolve, same_secret, session_cookie, SESSION_COOKIE},
    extract::origin_of,
    AppState,
};

const LOGIN_CSRF: &str = "vellum_login_csrf";

fn login_csrf_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let max_age = if value.is_empty() { "; Max-Age=0" } else { "" };
    format!("{LOGIN_CSRF}={value}; Path=/login; HttpOnly; SameSite=Strict{max_age}{secure}")
}

/// The login CSRF value: the browser's current one if it looks like ours, else a new one.
fn login_csrf(headers: &HeaderMap) -> Result<String, UiError> {
    match cookie(headers, LOGIN_CSRF) {
        Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(v),
        _ => Ok(vellum_core::secret::random_token("")?),
    }
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    done: Option<String>,
}

/// What the login page shows.
pub(crate) struct LoginView<'a> {
    pub csrf: &'a str,
    pub email: &'a str,
    pub next: &'a str,
    pub setup_open: bool,
    /// Single sign-on is configured: the button is shown.
    pub sso: bool,
    /// Local passwords sign in: the form is shown.
    pub passwords: bool,
}

impl<'a> LoginView<'a> {
    /// The page as the server's settings have it now.
    pub(crate) async fn of(
        s: &AppState,
        csrf: &'a str,
        email: &'a str,
        next: &'a str,
        setup_open: bool,
    ) -> Result<LoginView<'a>, UiError> {
        let sso = s.core.sso_settings().await?;
        Ok(LoginView { csrf, email, next, setup_open, sso: sso.is_enabled(), passwords: sso.allow_passwords })
    }
}

fn login_form(v: &LoginView<'_>) -> Markup {
    let (csrf, email, next) = (v.csrf, v.email, v.next);
    let sso_href = match safe_next(next) {
        Some(n) => format!("/auth/oidc/login?next={}", vellum_domain::oidc::encode(n)),
        None => "/auth/oidc/login".to_string(),
    };
    html! {
        h1 { "Sign in to Vellum" }
        @if v.sso {
            p { a.button.primary #sso href=(sso_href) { "Sign in with single sign-on" } }
            @if v.passwords { p.muted { "Or sign in with a Vellum password:" } }
        }
        @if v.passwords {
            form.card method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                @if safe_next(next).is_some() { input type="hidden" name="next" value=(next); }
                label for="email" { "Email" }
                input #email type="email" name="email" value=(email) required autocomplete="username" autofocus[email.is_empty()];
                label for="password" { "Password" }
                input #password type="password" name="password" required autocomplete="current-password" autofocus[!email.is_empty()];
                label for="totp_code" { "Authenticator code " span.muted { "(if your account has one)" } }
                input #totp_code name="totp_code" inputmode="numeric" autocomplete="one-time-code" maxlength="32";
                button.primary type="submit" { "Sign in" }
            }
            p { a href="/forgot-password" { "Forgot your password?" } }
        } @else {
            p.hint { "This server signs people in through your organisation's identity provider only." }
        }
        @if v.setup_open {
            p.hint { "This server has no users yet. Open the setup link that " code { "vellum serve" } " printed to create the first admin." }
        }
    }
}

pub(crate) fn login_page(s: &AppState, view: &LoginView<'_>, notice: Option<Notice>, status: StatusCode) -> Response {
    let body = page("Sign in", None, notice.as_ref(), login_form(view));
    ([(header::SET_COOKIE, login_csrf_cookie(view.csrf, s.http.secure_cookies))], Page::with_status(status, body))
        .into_response()
}

pub async fn show(State(s): State<AppState>, parts: Parts, Query(q): Query<LoginQuery>) -> UiResult {
    if resolve(&parts, &s).await.ok().flatten().is_some_and(|a| a.csrf.is_some()) {
        return Ok(see_other(safe_next(&q.next).unwrap_or("/")));
    }
    let csrf = login_csrf(&parts.headers)?;
    let setup_open = s.core.needs_setup().await?;
    let view = LoginView::of(&s, &csrf, "", &q.next, setup_open).await?;
    Ok(login_page(&s, &view, Notice::done(q.done.as_deref()), StatusCode::OK))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp_code: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(State(s): State<AppState>, parts: Parts, UiForm(f): UiForm<LoginForm>) -> UiResult {
    let expected = cookie(&parts.headers, LOGIN_CSRF).unwrap_or_default();
    if expected.is_empty() || !same_secret(&f.csrf, &expected) {
        let fresh = login_csrf(&HeaderMap::new())?;
        let notice = Notice::Error("The sign-in form expired. Please try again.".into());
        let view = LoginView::of(&s, &fresh, &f.email, &f.next, false).await?;
        return Ok(login_page(&s, &view, Some(notice), StatusCode::FORBIDDEN));
    }
    let code = Some(f.totp_code.as_str()).filter(|c| !c.trim().is_empty());
    match s.core.sign_in(&origin_of(&parts), &f.email, &f.password, code).await {
        Ok(session) => {
            let max_age = u64::from(s.core.limits.session_hours) * 3600;
            let mut res = see_other(safe_next(&f.next).unwrap_or("/"));
            let h = res.headers_mut();
            for c in [
                session_cookie(&session.token, max_age, s.http.secure_cookies),
                login_csrf_cookie("", s.http.secure_cookies),
            ] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            Ok(res)
        }
        Err(e) => {
            let e = UiError::from(e);
            let view = LoginView::of(&s, &expected, &f.email, &f.next, false).await?;
            Ok(login_page(&s, &view, Some(e.notice()), e.status))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(s): State<AppState>,
    who: Signed,
    headers: HeaderMap,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult {
    who.check(&f.csrf)?;
    let mut to = "/login?done=signed_out";
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        // A session from single sign-on ends the provider's session too (RP-initiated logout).
        if s.core.began_with_sso(&token).await? {
            to = crate::sso::LOGOUT_PATH;
        }
        s.core.sign_out(&token, &who.actor.origin).await?;
    }
    let mut res = see_other(to);
    if let Ok(v) = clear_cookie(s.http.secure_cookies).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

fn setup_page(f: &SetupForm, notice: Option<Notice>, status: StatusCode) -> Page {
    let body = html! {
        h1 { "Set up Vellum" }
        p { "Create the first account. It becomes the server's administrator." }
        form.card method="post" action="/setup" {
            input type="hidden" name="token" value=(f.token);
            label for="name" { "Your name" }
            input #name name="name" value=(f.name) required autocomplete="name" autofocus;
            label for="email" { "Email" }
            input #email type="email" name="email" value=(f.email) required autocomplete="username";
            label for="password" { "Password" }
            input #password type="password" name="password" required minlength="12" autocomplete="new-password";
            label for="confirm" { "Repeat the password" }
            input #confirm type="password" name="confirm" required minlength="12" autocomplete="new-password";
            button.primary type="submit" { "Create the admin account" }
        }
    };
    Page::with_status(status, page("Set up", None, notice.as_ref(), body))
}

#[derive(Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

pub async fn setup(State(s): State<AppState>, Query(q): Query<SetupQuery>) -> UiResult {
    if !s.core.needs_setup().await? {
        return Ok(see_other("/login"));
    }
    Ok(setup_page(&SetupForm { token: q.token, ..SetupForm::default() }, None, StatusCode::OK).into_response())
}

pub async fn complete_setup(State(s): State<AppState>, UiForm(f): UiForm<SetupForm>) -> UiResult {
    if f.password != f.confirm {
        let notice = Notice::Error("The two passwords differ.".into());
        return Ok(setup_page(&f, Some(notice), StatusCode::UNPROCESSABLE_ENTITY).into_response());
    }
    match s.core.complete_setup(&f.token, &f.email, &f.name, &f.password).await {
        Ok(_) => Ok(see_other("/login?done=setup")),
        Err(e) => {
            let e = UiError::from(e);
            let notice = if e.status == StatusCode::NOT_FOUND {
                Notice::Error(
                    "This setup link is not valid, or setup is already done. Use the link `vellum serve` printed."
                        .into(),
                )
            } else {
                e.notice()
            };
            Ok(setup_page(&f, Some(notice), e.status).into_response())
        }
    }
}
