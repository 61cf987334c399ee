//! Single sign-on in the browser: `GET /auth/oidc/login` sends the browser to the identity
//! provider, binding the sign-in's state to this browser with a short-lived cookie;
//! `GET /auth/oidc/callback` finishes it and lands on a clean local URL, so neither the code
//! nor any token stays in the address bar or the history. Failures show the login page with
//! what went wrong. `GET /auth/oidc/logout` hands a signed-out browser on to the provider's
//! logout (a page, not a redirect from the sign-out form: the pages' `form-action 'self'`
//! policy would block a form's redirect to another site).

use axum::{
    extract::{Query, State},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    auth::{cookie, session_cookie},
    extract::origin_of,
    ui::{
        login::{login_page, LoginView},
        page::{safe_next, see_other, Notice, UiError},
    },
    AppState,
};

const STATE_COOKIE: &str = "vellum_oidc";
/// Where signing out of a single sign-on session continues to the provider.
pub const LOGOUT_PATH: &str = "/auth/oidc/logout";

/// The cookie holding a started sign-in's state. `SameSite=Lax`: the provider sends the browser
/// back with a top-level GET from its own site, which `Strict` would strip the cookie from.
fn state_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let max_age = if value.is_empty() { 0 } else { vellum_domain::oidc::LOGIN_TTL_SECS };
    format!("{STATE_COOKIE}={value}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// A local path to land on once signed in.
    #[serde(default)]
    next: String,
}

/// Shows the login page with what went wrong.
async fn failed(s: &AppState, e: UiError) -> Response {
    let csrf = vellum_core::secret::random_token("").unwrap_or_default();
    let status = if e.status.is_success() { StatusCode::BAD_REQUEST } else { e.status };
    match LoginView::of(s, &csrf, "", "", false).await {
        Ok(view) => {
            let mut res = login_page(s, &view, Some(Notice::Error(e.message)), status);
            if let Ok(v) = state_cookie("", s.http.secure_cookies).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => e.into_response(),
    }
}

/// Starts a sign-in at the identity provider.
#[utoipa::path(get, path = "/auth/oidc/login", tag = "sign-in", operation_id = "oidc_login",
    security(()),
    params(LoginQuery),
    responses(
        (status = 303, description = "On to the identity provider, with this browser's sign-in state in a cookie"),
        (status = 404, description = "The login page: single sign-on is not configured", body = String, content_type = "text/html"),
        (status = 502, description = "The login page: the identity provider could not be reached", body = String, content_type = "text/html"),
    )
)]
pub async fn login(State(s): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    match s.core.begin_sso(safe_next(&q.next)).await {
        Ok(started) => {
            let mut res = see_other(&started.url);
            let h = res.headers_mut();
            h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            if let Ok(v) = state_cookie(&started.state, s.http.secure_cookies).parse() {
                h.append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => failed(&s, e.into()).await,
    }
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The authorization code.
    #[serde(default)]
    code: String,
    /// The state the sign-in started with.
    #[serde(default)]
    state: String,
    /// The provider's refusal (RFC 6749, section 4.1.2.1).
    error: Option<String>,
    error_description: Option<String>,
}

/// Finishes a sign-in the provider sent back.
#[utoipa::path(get, path = "/auth/oidc/callback", tag = "sign-in", operation_id = "oidc_callback",
    security(()),
    params(CallbackQuery),
    responses(
        (status = 303, description = "Signed in: on to where the sign-in was headed, with a session cookie"),
        (status = 400, description = "The login page: the state matches no sign-in started in this browser, or was used", body = String, content_type = "text/html"),
        (status = 401, description = "The login page: the provider refused, or its ID token failed verification", body = String, content_type = "text/html"),
        (status = 403, description = "The login page: no verified email address, or the account is disabled", body = String, content_type = "text/html"),
        (status = 404, description = "The login page: single sign-on is not configured", body = String, content_type = "text/html"),
        (status = 502, description = "The login page: the identity provider could not be reached", body = String, content_type = "text/html"),
    )
)]
pub async fn callback(State(s): State<AppState>, parts: Parts, Query(q): Query<CallbackQuery>) -> Response {
    if let Some(error) = q.error {
        let why = q.error_description.unwrap_or_default();
        let message = format!("The identity provider did not sign you in ({error}). {why}");
        let safe: String = message.chars().filter(|c| !c.is_control()).take(500).collect();
        return failed(&s, UiError::new(StatusCode::UNAUTHORIZED, safe)).await;
    }
    let browser_state = cookie(&parts.headers, STATE_COOKIE);
    let finished = s.core.finish_sso(&origin_of(&parts), &q.code, &q.state, browser_state.as_deref()).await;
    match finished {
        Ok(done) => {
            let max_age = u64::from(s.core.limits.session_hours) * 3600;
            let to = done.next.as_deref().and_then(safe_next).unwrap_or("/");
            let mut res = see_other(to);
            let h = res.headers_mut();
            h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            h.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
            for c in [
                session_cookie(&done.session.token, max_age, s.http.secure_cookies),
                state_cookie("", s.http.secure_cookies),
            ] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            res
        }
        Err(e) => failed(&s, e.into()).await,
    }
}

/// Sends a signed-out browser on to end its session at the provider, which sends it back to
/// the login page.
#[utoipa::path(get, path = "/auth/oidc/logout", tag = "sign-in", operation_id = "oidc_logout",
    security(()),
    responses(
        (status = 200, description = "A page that continues to the provider's logout", body = String, content_type = "text/html"),
        (status = 303, description = "The provider offers no logout: on to the login page"),
        (status = 404, description = "The login page: single sign-on is not configured", body = String, content_type = "text/html"),
        (status = 502, description = "The login page: the identity provider could not be reached", body = String, content_type = "text/html"),
    )
)]
pub async fn logout(State(s): State<AppState>) -> Response {
    match s.core.sso_end_session_url().await {
        Ok(Some(url)) => {
            let body = maud::html! {
                h1 { "Signing you out" }
                p { "You are signed out of Vellum. Signing you out of your organisation's identity provider too…" }
                p { a.button.primary href=(url) { "Continue" } }
            };
            let mut res =
                crate::ui::page::Page::ok(crate::ui::layout::page("Signing out", None, None, body)).into_response();
            if let Ok(v) = header::HeaderValue::from_str(&format!("0; url={url}")) {
                res.headers_mut().insert(header::REFRESH, v);
            }
            res
        }
        Ok(None) => see_other("/login?done=signed_out"),
        Err(e) => failed(&s, e.into()).await,
    }
}
