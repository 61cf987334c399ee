//! The public share page (`/s/{token}`, no session): the shared version's preview and, when the
//! link allows it, its download; for a shared collection, every item that still opens, each
//! with its preview and download under the page's own token (`/s/{token}/items/{link}/…`). A link that does not open — unknown, expired, revoked, locked
//! behind its password, or its asset no longer distributable — gets one and the same 404 page
//! carrying the password form, so nothing about a link can be probed. A correct password sets
//! a cookie scoped to the link's own path; every derivative checks the link and that cookie
//! again on each request.

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use maud::{html, Markup, DOCTYPE};
use vellum_core::share_links::{Opened, Part};

use super::{
    page::{head, Page},
    session::{field, UiForm},
};
use crate::{
    auth::cookie,
    download::{public_answer, serve_stored, Stored},
    extract::RequestOrigin,
    AppState,
};

const UNLOCK: &str = "vellum_share";

/// A public answer, with a page policy that allows only this server's images and styles.
fn public(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    );
    public_answer(r)
}

fn shell(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { (head(title)) }
            body.share { main.share-page { (body) } }
        }
    }
}

/// The one page for every link that does not open, with the password form.
fn closed(token: &str, status: StatusCode) -> Response {
    let action = format!("/s/{}", safe(token));
    let body = shell(
        "Shared file",
        html! {
            h1 { "This link is not available" }
            p { "It may have expired or been withdrawn. If it is protected, enter its password." }
            form.card method="post" action=(action) {
                label for="share-password" { "Password" }
                input #share-password type="password" name="password" autocomplete="off" required;
                button.primary type="submit" { "Open" }
            }
        },
    );
    let mut r = Page::with_status(status, body).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    public(r)
}

/// The token as it may stand in a URL or a cookie path (ours are letters, digits and `_`).
fn safe(token: &str) -> String {
    token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(100).collect()
}

fn unlock_of(headers: &HeaderMap) -> Option<String> {
    cookie(headers, UNLOCK)
}

/// `GET /s/{token}`.
pub async fn show(
    State(s): State<AppState>,
    Path(token): Path<String>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
) -> Response {
    if token.starts_with("vsb_") {
        return bundle_page(&s, &token, &headers).await;
    }
    let o = match s.core.open_share(&token, unlock_of(&headers).as_deref()).await {
        Ok(o) => o,
        Err(_) => return closed(&token, StatusCode::NOT_FOUND),
    };
    if s.core.share_accessed(&o, None, &origin).await.is_err() {
        return closed(&token, StatusCode::NOT_FOUND);
    }
    let base = format!("/s/{token}");
    let body = shell(
        &o.title,
        html! {
            p.muted { "Shared with you through Vellum" }
            h1 { (o.title) }
            p.muted { "Version " (o.version.number) " · available until " (o.link.expires_at.to_string().get(..10).unwrap_or("")) }
            figure.share-preview { img src={ (base) "/preview" } alt={ "Preview of " (o.title) }; }
            @if o.link.allow_download {
                p { a.button.primary href={ (base) "/file" } download { "Download" } }
            } @else {
                p.hint { "This link is for viewing only." }
            }
        },
    );
    let mut r = Page::with_status(StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    public(r)
}

/// A shared collection's page: each item that still opens, in the collection's order.
async fn bundle_page(s: &AppState, token: &str, headers: &HeaderMap) -> Response {
    let Ok((bundle, items)) = s.core.open_bundle(token, unlock_of(headers).as_deref()).await else {
        return closed(token, StatusCode::NOT_FOUND);
    };
    if s.core.bundle_accessed(&bundle).await.is_err() {
        return closed(token, StatusCode::NOT_FOUND);
    }
    let base = format!("/s/{}", safe(token));
    let until = bundle.expires_at.to_string();
    let body = shell(
        &bundle.name,
        html! {
            p.muted { "Shared with you through Vellum" }
            h1 { (bundle.name) }
            p.muted { (items.len()) " files · available until " (until.get(..10).unwrap_or("")) }
            ul.share-items {
                @for o in &items {
                    @let item = format!("{base}/items/{}", o.link.id);
                    li.card {
                        figure.share-preview { img src={ (item) "/preview" } alt={ "Preview of " (o.title) }; }
                        h2 { (o.title) }
                        p.muted { "Version " (o.version.number) }
                        @if o.link.allow_download {
                            p { a.button.primary href={ (item) "/file" } download { "Download" } }
                        }
                    }
                }
            }
            @if !items.iter().any(|o| o.link.allow_download) {
                p.hint { "These files are for viewing only." }
            }
        },
    );
    let mut r = Page::with_status(StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    public(r)
}

/// `POST /s/{token}`: the password form. Right: a cookie for this link's path, and the page.
pub async fn unlock(
    State(s): State<AppState>,
    Path(token): Path<String>,
    RequestOrigin(origin): RequestOrigin,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> Response {
    match s.core.unlock_share(&token, field(&f, "password"), &origin).await {
        Ok(unlock) => {
            let secure = if s.http.secure_cookies { "; Secure" } else { "" };
            let path = safe(&token);
            let cookie = format!("{UNLOCK}={unlock}; Path=/s/{path}; HttpOnly; SameSite=Lax; Max-Age=43200{secure}");
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/s/{path}"))]).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            public(r)
        }
        Err(e) if e.retry_after_secs().is_some() => closed(&token, StatusCode::TOO_MANY_REQUESTS),
        Err(_) => closed(&token, StatusCode::NOT_FOUND),
    }
}

async fn part(s: &AppState, o: &Opened, which: Part, headers: &HeaderMap) -> Option<Response> {
    let c = &s.core;
    let (sha, size, content_type, modified, filename) = match (which, o.link.rendition.as_deref()) {
        (Part::File, None) => {
            let v = &o.version;
            (v.sha256.clone(), v.size, v.content_type.clone(), v.created_at, Some(v.filename.clone()))
        }
        (Part::File, Some(name)) | (Part::Preview, Some(name)) => {
            let r = c.share_rendition(o, name).await.ok()??;
            if let Some(m) = c.share_marked(o, &r).await.ok()? {
                return Some(crate::download::serve_marked(&m, headers));
            }
            let file = (which == Part::File).then(|| format!("{}-{name}", o.title));
            (r.sha256, r.size, r.content_type, r.created_at, file)
        }
        (Part::Preview, None) => {
            let r = c.share_rendition(o, "preview").await.ok()??;
            if let Some(m) = c.share_marked(o, &r).await.ok()? {
                return Some(crate::download::serve_marked(&m, headers));
            }
            (r.sha256, r.size, r.content_type, r.created_at, None)
        }
    };
    let stored = Stored { sha256: &sha, size, content_type: &content_type, filename: filename.as_deref(), modified };
    serve_stored(c, &stored, headers).await.ok()
}

async fn derivative(
    s: AppState,
    token: String,
    item: Option<String>,
    headers: HeaderMap,
    which: Part,
    origin: vellum_core::Origin,
) -> Response {
    let unlock = unlock_of(&headers);
    let opened = match &item {
        None => s.core.open_share(&token, unlock.as_deref()).await,
        Some(link) => match vellum_domain::id::parse_id(link) {
            Some(link) => s.core.open_bundle_item(&token, unlock.as_deref(), link).await,
            None => return closed(&token, StatusCode::NOT_FOUND),
        },
    };
    let Ok(o) = opened else {
        return closed(&token, StatusCode::NOT_FOUND);
    };
    if which == Part::File && !o.link.allow_download {
        return closed(&token, StatusCode::NOT_FOUND);
    }
    let Some(mut r) = part(&s, &o, which, &headers).await else {
        return closed(&token, StatusCode::NOT_FOUND);
    };
    if which == Part::File
        && r.status().is_success()
        && s.core.share_accessed(&o, Some(Part::File), &origin).await.is_err()
    {
        return closed(&token, StatusCode::NOT_FOUND);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    public(r)
}

/// `GET /s/{token}/preview`.
pub async fn preview(
    State(s): State<AppState>,
    Path(token): Path<String>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
) -> Response {
    derivative(s, token, None, headers, Part::Preview, origin).await
}

/// `GET /s/{token}/file`.
pub async fn file(
    State(s): State<AppState>,
    Path(token): Path<String>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
) -> Response {
    derivative(s, token, None, headers, Part::File, origin).await
}

/// `GET /s/{token}/items/{link}/preview`: an item of a shared collection.
pub async fn item_preview(
    State(s): State<AppState>,
    Path((token, link)): Path<(String, String)>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
) -> Response {
    derivative(s, token, Some(link), headers, Part::Preview, origin).await
}

/// `GET /s/{token}/items/{link}/file`.
pub async fn item_file(
    State(s): State<AppState>,
    Path((token, link)): Path<(String, String)>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
) -> Response {
    derivative(s, token, Some(link), headers, Part::File, origin).await
}
