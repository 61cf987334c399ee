//! What every UI response shares: the HTML response with its security headers, redirects,
//! the error page, and small formatting helpers for the templates.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use maud::{html, Markup, DOCTYPE};

use vellum_domain::status::AssetStatus;

use crate::error::ApiError;

/// Pages only load the app's own CSS and module; nothing inline, no frames, forms post home.
const CSP: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// A rendered HTML page with its status.
pub struct Page {
    pub status: StatusCode,
    pub markup: Markup,
}

impl Page {
    pub fn ok(markup: Markup) -> Page {
        Page { status: StatusCode::OK, markup }
    }

    pub fn with_status(status: StatusCode, markup: Markup) -> Page {
        Page { status, markup }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut res = (self.status, self.markup.into_string()).into_response();
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
        // Pages show private work; never keep them in shared or back-button caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

/// 303 See Other: where a browser goes after a successful POST (or a sign-in wall).
pub fn see_other(to: &str) -> Response {
    let to = HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

/// The `?done=` of a page a form redirected to.
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// A message at the top of a page.
pub enum Notice {
    Info(&'static str),
    /// Information made for this answer (who an invitation went to).
    Message(String),
    Error(String),
}

impl Notice {
    /// The message a redirect's `?done=` names; only fixed texts, so a link cannot inject one.
    pub fn done(code: Option<&str>) -> Option<Notice> {
        let text = match code? {
            "uploaded" => "The asset was uploaded.",
            "saved" => "Saved.",
            "download_requested" => "Your request was sent; you will be told when it is decided.",
            "version_added" => "The new version was uploaded.",
            "restored" => "The version was restored as a new version.",
            "review_started" => "The review has started.",
            "decided" => "Your decision was recorded.",
            "workflow_saved" => "The workflow was saved.",
            "member_saved" => "The member's role was saved.",
            "group_created" => "The group was created.",
            "job_retried" => "The job is queued again.",
            "workspace_created" => "The workspace was created.",
            "setup" => "Setup is complete. Sign in with the account you just created.",
            "signed_out" => "You are signed out.",
            "signed_out_everywhere" => "You are signed out in every browser.",
            "password_changed" => "Your password was changed; your other sessions were signed out.",
            "password_reset" => "Your new password is set. Sign in with it.",
            "token_revoked" => "The token was revoked.",
            "enrol_second_factor" => "This server requires a second factor: set up an authenticator below to continue.",
            "user_created" => "The user was created.",
            "user_disabled" => "The user was disabled: their sessions ended and their tokens were revoked.",
            "user_enabled" => "The user can sign in again.",
            "member_removed" => "The member was removed from the workspace and its groups.",
            "group_saved" => "The group was saved.",
            "group_deleted" => "The group was deleted.",
            "all_read" => "All notifications are marked read.",
            "preferences_saved" => "Your notification settings were saved.",
            "away_set" => "Your out-of-office period is set; your delegate may decide in your place meanwhile.",
            "away_ended" => "Your out-of-office period ended; you decide yourself again.",
            "reset_requested" => "If an account exists for that email, a link to reset its password is on its way.",
            "joined" => "Welcome: you joined the workspace.",
            _ => return None,
        };
        Some(Notice::Info(text))
    }

    pub fn render(&self) -> Markup {
        match self {
            Notice::Info(t) => html! { p.notice.info role="status" { (t) } },
            Notice::Message(t) => html! { p.notice.info role="status" { (t) } },
            Notice::Error(t) => html! { p.notice.error role="alert" { (t) } },
        }
    }
}

/// An error on its way to a browser: a page with the status, or the sign-in page for 401.
#[derive(Debug)]
pub struct UiError {
    pub status: StatusCode,
    pub message: String,
}

impl UiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> UiError {
        UiError { status, message: message.into() }
    }

    pub fn csrf() -> UiError {
        UiError::new(
            StatusCode::FORBIDDEN,
            "The form expired or did not come from this site. Go back, reload the page and try again.",
        )
    }

    pub fn invalid(message: impl Into<String>) -> UiError {
        UiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub fn notice(&self) -> Notice {
        Notice::Error(self.message.clone())
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError { status: e.status, message: sentence(&e.message) }
    }
}

impl From<vellum_core::Error> for UiError {
    fn from(e: vellum_core::Error) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::UNAUTHORIZED {
            return see_other("/login");
        }
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = html! {
            (DOCTYPE)
            html lang="en" {
                head { (head(title)) }
                body {
                    main.narrow #main {
                        h1 { (title) }
                        (Notice::Error(self.message).render())
                        p { a href="/" { "Back to Vellum" } }
                    }
                }
            }
        };
        Page::with_status(self.status, body).into_response()
    }
}

pub type UiResult<T = Response> = Result<T, UiError>;

/// Core messages are lower-case clauses; on a page they read better as sentences.
pub fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => {
            let mut out: String = first.to_uppercase().chain(c).collect();
            if !out.ends_with(['.', '!', '?']) {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

/// The `<head>` contents every page shares.
pub fn head(title: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · Vellum" }
        link rel="icon" href=(super::ICON_URL) type="image/svg+xml";
        link rel="stylesheet" href=(super::CSS_URL);
        script type="module" src=(super::JS_URL) {}
    }
}

/// The hidden CSRF field of a signed-in form.
pub fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// `2026-05-01T12:34:56.000000Z` → a `<time>` showing `2026-05-01 12:34 UTC` that wraps
/// (in narrow table cells) only between the date and the time.
pub fn when(ts: impl std::fmt::Display) -> Markup {
    let full = ts.to_string();
    match (full.get(..10), full.get(11..16)) {
        (Some(d), Some(t)) => {
            html! { time datetime=(full) { span.d { (d) } " " span.d { (t) " UTC" } } }
        }
        _ => html! { time datetime=(full) { (full) } },
    }
}

/// Bytes in the largest unit that keeps a number ≥ 1.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1000.0;
    let mut unit = UNITS[0];
    for u in UNITS.iter().skip(1) {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// A status shown as a coloured label; the class is the status itself.
pub fn badge(status: &str) -> Markup {
    html! { span class={ "badge s-" (status) } { (status.replace('_', " ")) } }
}

/// An asset's state as badges: with an approved version behind a newer one, both
/// ("Approved v1 · v2 in review"), so approved work never looks like a draft.
pub fn asset_badge(status: AssetStatus, current: u32, approved: Option<u32>) -> Markup {
    let parts = asset_states(status, current, approved);
    html! {
        span.states {
            @for (i, (class, words)) in parts.iter().enumerate() {
                @if i > 0 { " · " }
                span class={ "badge s-" (class) } { (words) }
            }
        }
    }
}

/// The badge classes and words of [`asset_badge`].
fn asset_states(status: AssetStatus, current: u32, approved: Option<u32>) -> Vec<(&'static str, String)> {
    let words = status.as_str().replace('_', " ");
    match approved {
        Some(v) if v != current => {
            vec![("approved", format!("Approved v{v}")), (status.as_str(), format!("v{current} {words}"))]
        }
        _ => vec![(status.as_str(), words)],
    }
}

/// The tail of an id: UUIDv7s share their leading (time) digits, so the end tells them apart.
pub fn short_id(id: &str) -> &str {
    id.get(id.len().saturating_sub(8)..).unwrap_or(id)
}

/// Percent-encodes a query-string value.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to return to after signing in; anything else (other sites, `//host`) is refused.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 2048;
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_format_for_people() {
        assert_eq!(size(999), "999 B");
        assert_eq!(size(1_500), "1.5 KB");
        assert_eq!(size(2_500_000), "2.5 MB");
        assert_eq!(sentence("the title is required"), "The title is required.");
        assert_eq!(enc("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(when("2026-05-01T12:34:56.000000Z").into_string(), "<time datetime=\"2026-05-01T12:34:56.000000Z\"><span class=\"d\">2026-05-01</span> <span class=\"d\">12:34 UTC</span></time>");
    }

    #[test]
    fn an_approved_version_behind_a_newer_one_shows_both_states() {
        let words = |s, c, a| asset_states(s, c, a).into_iter().map(|(_, w)| w).collect::<Vec<_>>().join(" · ");
        assert_eq!(words(AssetStatus::InReview, 2, Some(1)), "Approved v1 · v2 in review");
        assert_eq!(words(AssetStatus::Draft, 3, Some(1)), "Approved v1 · v3 draft");
        assert_eq!(words(AssetStatus::Approved, 2, Some(2)), "approved");
        assert_eq!(words(AssetStatus::Draft, 1, None), "draft");
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/a/1?x=2"), Some("/a/1?x=2"));
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "evil", "/a\nb"] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }
}
