//! "Your account": change the password, make and revoke API tokens, sign out everywhere.

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::IntoResponse,
};
use maud::html;
use vellum_core::tokens::TokenRequest;
use vellum_domain::{id::parse_id, scope::Scope, Timestamp};

use super::{
    account_settings,
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, when, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::{
    auth::{clear_cookie, cookie, SESSION_COOKIE},
    AppState,
};

/// What the page shows besides its forms: a notice, and a token secret made just now.
#[derive(Default)]
struct Shown {
    notice: Option<Notice>,
    new_token: Option<(String, String)>,
    /// An authenticator being set up: its secret and `otpauth://` URI.
    enrolment: Option<(String, String)>,
    /// Recovery codes made just now (shown once).
    recovery_codes: Option<Vec<String>>,
}

async fn render(s: &AppState, who: &Signed, shown: Shown, status: StatusCode) -> UiResult {
    let chrome = Chrome::load(s, who, None, Section::Account).await?;
    let tokens = s.core.tokens(&who.actor).await?;
    let prefs = s.core.notification_preferences(&who.actor).await?;
    let periods = s.core.out_of_office(&who.actor).await?;
    let factor = s.core.second_factor(&who.actor).await?;
    let delegates = account_settings::delegate_choices(s, who, &chrome).await?;
    let mail_on = s.core.notify.smtp.is_some();
    let user = &who.actor.user;
    let body = html! {
        h1 { "Your account" }
        p { (user.name) " · " (user.email) @if user.is_admin { " · server admin" } }
        @if let Some((name, secret)) = &shown.new_token {
            div.notice.info role="status" {
                p { "Your new token “" (name) "”. Copy it now: it is shown only once." }
                p { code.secret { (secret) } }
            }
        }
        h2 { "Password" }
        form.card method="post" action="/account/password" {
            (csrf_field(&chrome.csrf))
            label for="p-current" { "Current password" }
            input #p-current type="password" name="current" required autocomplete="current-password";
            label for="p-new" { "New password" }
            input #p-new type="password" name="new" required minlength="12" autocomplete="new-password" aria-describedby="p-hint";
            p.hint #p-hint { "At least 12 characters and hard to guess: a phrase of unrelated words works well. Your other sessions will be signed out." }
            button.primary type="submit" { "Change password" }
        }
        h2 #second-factor { "Authenticator" }
        @if let Some(codes) = &shown.recovery_codes {
            div.notice.info role="status" {
                p { "Your authenticator is on. Keep these recovery codes somewhere safe: each signs you in once if you lose the app. They are shown only now." }
                ul.codes { @for c in codes { li { code.secret { (c) } } } }
            }
        }
        @if factor.enabled {
            p { "An authenticator app is on: signing in asks for its code. " (factor.recovery_codes_left) " recovery codes left." }
            form.card method="post" action="/account/totp/disable" {
                (csrf_field(&chrome.csrf))
                label for="tf-off" { "A current code or a recovery code" }
                input #tf-off name="code" required maxlength="32" autocomplete="one-time-code";
                button.danger type="submit" { "Turn the authenticator off" }
            }
        } @else if let Some((secret, uri)) = &shown.enrolment {
            form.card method="post" action="/account/totp/confirm" {
                (csrf_field(&chrome.csrf))
                p { "Add this key to your authenticator app (or open the link on your phone), then type the code it shows." }
                p { code.secret { (secret) } }
                p { a href=(uri) { "Open in an authenticator app" } }
                label for="tf-code" { "Code from the app" }
                input #tf-code name="code" required inputmode="numeric" maxlength="8" autocomplete="one-time-code";
                button.primary type="submit" { "Turn the authenticator on" }
            }
        } @else {
            form.card method="post" action="/account/totp" {
                (csrf_field(&chrome.csrf))
                p { "A second factor: signing in then also asks for a code from an authenticator app on your phone." }
                button.primary type="submit" { "Set up an authenticator" }
            }
        }
        h2 { "API tokens" }
        @if tokens.is_empty() { p.empty { "No tokens. Make one for a script or an integration below." } }
        @else {
            div.scroll { table {
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Scope" } th scope="col" { "Workspace" }
                    th scope="col" { "Made" } th scope="col" { "Last used" } th scope="col" { "Expires" }
                    th scope="col" { span.visually-hidden { "Revoke" } }
                } }
                tbody {
                    @for t in &tokens {
                        tr {
                            td { (t.name) }
                            td { (t.scope.as_str()) }
                            td {
                                @match t.workspace_id {
                                    None => "all yours",
                                    Some(w) => (chrome.workspaces.iter().find(|v| v.workspace.id == w).map_or("(no longer yours)".to_string(), |v| v.workspace.name.clone())),
                                }
                            }
                            td { (when(t.created_at)) }
                            td {
                                @if let Some(u) = t.last_used_at { (when(u)) @if let Some(ip) = &t.last_ip { " from " (ip) } }
                                @else { "never" }
                            }
                            td { @if let Some(e) = t.expires_at { (when(e)) } @else { "never" } }
                            td {
                                form.inline method="post" action={ "/account/tokens/" (t.id) "/revoke" } {
                                    (csrf_field(&chrome.csrf))
                                    button.danger type="submit" aria-label={ "Revoke " (t.name) } { "Revoke" }
                                }
                            }
                        }
                    }
                }
            } }
        }
        form.card method="post" action="/account/tokens" {
            (csrf_field(&chrome.csrf))
            div.grid2 {
                div {
                    label for="t-name" { "Token name" }
                    input #t-name name="name" required maxlength="200" placeholder="CI upload";
                }
                div {
                    label for="t-expires" { "Expires on (optional)" }
                    input #t-expires type="date" name="expires";
                }
                div {
                    label for="t-scope" { "Scope" }
                    select #t-scope name="scope" aria-describedby="t-scope-hint" {
                        @for sc in Scope::ALL {
                            option value=(sc.as_str()) selected[sc == Scope::Read] { (sc.as_str()) }
                        }
                    }
                    p.hint #t-scope-hint { "Each includes the ones above it: read, then comment, propose (changes a person accepts), write, admin." }
                }
                div {
                    label for="t-workspace" { "Workspace" }
                    select #t-workspace name="workspace" {
                        option value="" { "All my workspaces" }
                        @for v in &chrome.workspaces { option value=(v.workspace.id) { (v.workspace.name) } }
                    }
                }
            }
            button.primary type="submit" { "Make token" }
        }
        (account_settings::notifications_section(&chrome.csrf, &prefs, mail_on))
        (account_settings::away_section(&chrome.csrf, &prefs.time_zone, &periods, &delegates))
        h2 { "Sessions" }
        form.card method="post" action="/account/sign-out-everywhere" {
            (csrf_field(&chrome.csrf))
            p { "Sign out of Vellum in every browser, this one included. API tokens keep working until you revoke them." }
            button.danger type="submit" { "Sign out everywhere" }
        }
    };
    Ok(Page::with_status(status, page("Your account", Some(&chrome), shown.notice.as_ref(), body)).into_response())
}

fn failed(e: UiError) -> (Shown, StatusCode) {
    (Shown { notice: Some(e.notice()), ..Shown::default() }, e.status)
}

/// `GET /account`.
pub async fn show(State(s): State<AppState>, who: Signed, Query(q): Query<DoneQuery>) -> UiResult {
    render(&s, &who, Shown { notice: Notice::done(q.done.as_deref()), ..Shown::default() }, StatusCode::OK).await
}

/// `POST /account/password`.
pub async fn change_password(
    State(s): State<AppState>,
    who: Signed,
    headers: HeaderMap,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let keep = cookie(&headers, SESSION_COOKIE).map(|t| vellum_core::Core::session_key(&t));
    match s.core.change_password(&who.actor, field(&f, "current"), field(&f, "new"), keep.as_deref()).await {
        Ok(()) => Ok(see_other("/account?done=password_changed")),
        Err(e) => {
            let (shown, status) = failed(e.into());
            render(&s, &who, shown, status).await
        }
    }
}

/// The end of the day a date input names, as the token's expiry.
fn expiry(date: &str) -> Result<Option<Timestamp>, UiError> {
    if date.trim().is_empty() {
        return Ok(None);
    }
    Timestamp::parse(&format!("{}T23:59:59Z", date.trim()))
        .map(Some)
        .ok_or_else(|| UiError::invalid("The expiry date could not be read; use the date picker."))
}

/// `POST /account/tokens`: shows the new secret once, on the page itself.
pub async fn create_token(
    State(s): State<AppState>,
    who: Signed,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let made = match expiry(field(&f, "expires")) {
        // No scope chosen (a form from before scopes): the person's own, as tokens always had.
        Ok(expires) => match Some(field(&f, "scope")).filter(|s| !s.is_empty()).map(Scope::parse).transpose() {
            Ok(scope) => {
                let workspace = Some(field(&f, "workspace")).filter(|w| !w.is_empty());
                let request = TokenRequest { name: field(&f, "name"), scope, workspace, expires_at: expires };
                s.core.create_token(&who.actor, request).await.map_err(UiError::from)
            }
            Err(e) => Err(UiError::from(vellum_core::Error::from(e))),
        },
        Err(e) => Err(e),
    };
    match made {
        Ok(t) => {
            let shown = Shown { new_token: Some((t.token.name, t.secret)), ..Shown::default() };
            render(&s, &who, shown, StatusCode::CREATED).await
        }
        Err(e) => {
            let (shown, status) = failed(e);
            render(&s, &who, shown, status).await
        }
    }
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = parse_id(&id).ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "That token does not exist."))?;
    s.core.revoke_token(&who.actor, id).await?;
    Ok(see_other("/account?done=token_revoked"))
}

/// `POST /account/totp`: starts enrolling an authenticator and shows its key.
pub async fn begin_totp(State(s): State<AppState>, who: Signed, UiForm(f): UiForm<Vec<(String, String)>>) -> UiResult {
    who.check_pairs(&f)?;
    let shown = match s.core.begin_second_factor(&who.actor).await {
        Ok(e) => Shown { enrolment: Some((e.secret, e.otpauth_uri)), ..Shown::default() },
        Err(e) => failed(e.into()).0,
    };
    render(&s, &who, shown, StatusCode::OK).await
}

/// `POST /account/totp/confirm`: turns the authenticator on and shows the recovery codes once.
pub async fn confirm_totp(
    State(s): State<AppState>,
    who: Signed,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    match s.core.confirm_second_factor(&who.actor, field(&f, "code")).await {
        Ok(codes) => render(&s, &who, Shown { recovery_codes: Some(codes), ..Shown::default() }, StatusCode::OK).await,
        Err(e) => {
            let (shown, status) = failed(e.into());
            render(&s, &who, shown, status).await
        }
    }
}

/// `POST /account/totp/disable`.
pub async fn disable_totp(
    State(s): State<AppState>,
    who: Signed,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    match s.core.disable_second_factor(&who.actor, field(&f, "code")).await {
        Ok(()) => Ok(see_other("/account?done=saved#second-factor")),
        Err(e) => {
            let (shown, status) = failed(e.into());
            render(&s, &who, shown, status).await
        }
    }
}

/// `POST /account/sign-out-everywhere`.
pub async fn sign_out_everywhere(
    State(s): State<AppState>,
    who: Signed,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    s.core.sign_out_everywhere(&who.actor).await?;
    let mut res = see_other("/login?done=signed_out_everywhere");
    if let Ok(v) = clear_cookie(s.http.secure_cookies).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The account page again with the error of a failed form.
async fn refused(s: &AppState, who: &Signed, e: UiError) -> UiResult {
    let (shown, status) = failed(e);
    render(s, who, shown, status).await
}

/// `POST /account/notifications`.
pub async fn save_notifications(
    State(s): State<AppState>,
    who: Signed,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    match account_settings::save_notifications(&s, &who, &f).await {
        Ok(r) => Ok(r),
        Err(e) => refused(&s, &who, e).await,
    }
}

/// `POST /account/out-of-office`.
pub async fn set_away(State(s): State<AppState>, who: Signed, UiForm(f): UiForm<Vec<(String, String)>>) -> UiResult {
    who.check_pairs(&f)?;
    match account_settings::set_away(&s, &who, &f).await {
        Ok(r) => Ok(r),
        Err(e) => refused(&s, &who, e).await,
    }
}

/// `POST /account/out-of-office/end`.
pub async fn end_away(State(s): State<AppState>, who: Signed, UiForm(f): UiForm<Vec<(String, String)>>) -> UiResult {
    who.check_pairs(&f)?;
    match account_settings::end_away(&s, &who, &f).await {
        Ok(r) => Ok(r),
        Err(e) => refused(&s, &who, e).await,
    }
}
