//! The search page: results as a grid or a list with thumbnails and status badges, a facet
//! sidebar whose counts follow the search, chips for the filters in force, pages by cursor,
//! and saving the search (pinned, shared, followed). Also the saved searches page.

use axum::{
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup, PreEscaped};
use vellum_core::search::{saved::NewSaved, saved::SavedQuery, SearchOutcome, SearchParams};

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, enc, see_other, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::AppState;

/// The facets the sidebar shows, with their labels.
const SIDEBAR: [(&str, &str); 11] = [
    ("kind", "Kind"),
    ("status", "Status"),
    ("rights_status", "Rights"),
    ("channels", "Channels"),
    ("campaign", "Campaign"),
    ("locale", "Locale"),
    ("language", "Language"),
    ("file_type", "File type"),
    ("orientation", "Orientation"),
    ("created", "Created"),
    ("uploader", "Uploaded by"),
];

/// What the page was asked for.
#[derive(Default, Clone)]
struct Asked {
    q: String,
    filters: Vec<String>,
    sort: String,
    cursor: String,
    view: String,
}

impl Asked {
    fn read(raw: Option<&str>) -> Asked {
        let mut a = Asked::default();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "q" => a.q = v,
                "filter" if !v.is_empty() => a.filters.push(v),
                "sort" => a.sort = v,
                "cursor" => a.cursor = v,
                "view" => a.view = v,
                _ => {}
            }
        }
        a
    }

    /// This page's address with the given filters (and no cursor).
    fn href(&self, base: &str, filters: &[String]) -> String {
        let mut out = format!("{base}/search?q={}", enc(&self.q));
        for f in filters {
            out.push_str(&format!("&filter={}", enc(f)));
        }
        if !self.sort.is_empty() {
            out.push_str(&format!("&sort={}", enc(&self.sort)));
        }
        if !self.view.is_empty() {
            out.push_str(&format!("&view={}", enc(&self.view)));
        }
        out
    }

    fn toggled(&self, base: &str, filter: &str) -> String {
        let mut fs: Vec<String> = self.filters.iter().filter(|f| *f != filter).cloned().collect();
        if fs.len() == self.filters.len() {
            fs.push(filter.to_string());
        }
        self.href(base, &fs)
    }
}

fn facet_label(name: &str) -> String {
    SIDEBAR
        .iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| name.strip_prefix("custom.").unwrap_or(name).replace('_', " "), |(_, l)| l.to_string())
}

fn sidebar(base: &str, asked: &Asked, out: &SearchOutcome) -> Markup {
    html! {
        aside.facets aria-label="Narrow the results" {
            @for (name, values) in &out.facets {
                @if !values.is_empty() {
                    section.facet {
                        h2 { (facet_label(name)) }
                        ul {
                            @for (value, count) in values.iter().take(12) {
                                @let f = format!("{name}:{}", quoted(value));
                                @let on = asked.filters.contains(&f);
                                li {
                                    a.facet-value href=(asked.toggled(base, &f)) aria-pressed=(on) data-facet=(name) data-value=(value) {
                                        span.check aria-hidden="true" { @if on { "☑" } @else { "☐" } }
                                        " " (value) " " span.count { (count) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A value as a filter writes it (quoted when it holds a space or a colon).
fn quoted(v: &str) -> String {
    if v.chars().any(|c| c.is_whitespace() || c == ':' || c == '"') {
        format!("\"{}\"", v.replace('"', ""))
    } else {
        v.to_string()
    }
}

fn results(out: &SearchOutcome, grid: bool) -> Markup {
    html! {
        @if grid {
            ul.grid.results #results {
                @for h in &out.hits {
                    li.card {
                        a.thumb-link href={ "/a/" (h.asset_id) } tabindex="-1" aria-hidden="true" {
                            @if h.thumbnail {
                                img.thumb src={ "/api/v1/assets/" (h.asset_id) "/versions/" (h.version) "/renditions/thumbnail" } alt="" loading="lazy" width="200" height="150";
                            } @else { span.thumb.none {} }
                        }
                        a.title.result href={ "/a/" (h.asset_id) } { (h.title) }
                        p { span.badge data-status=(h.status) { (h.status.replace('_', " ")) } " " span.muted { (h.kind.replace('_', " ")) " · v" (h.version) } }
                        @for snippets in h.highlights.values() { @for s in snippets { p.snippet { (PreEscaped(s)) } } }
                    }
                }
            }
        } @else {
            ol.results.list #results {
                @for h in &out.hits {
                    li {
                        a.result href={ "/a/" (h.asset_id) } { (h.title) }
                        " " span.badge data-status=(h.status) { (h.status.replace('_', " ")) }
                        " " span.muted { (h.kind.replace('_', " ")) " · v" (h.version) }
                        @for snippets in h.highlights.values() { @for s in snippets { p.snippet { (PreEscaped(s)) } } }
                    }
                }
            }
        }
    }
}

/// `GET /w/{ws}/search`.
pub async fn search(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Search).await?;
    let Some(current) = &chrome.current else {
        return Err(UiError::from(crate::error::ApiError::not_found("workspace")));
    };
    let base = format!("/w/{}", current.workspace.slug);
    let asked = Asked::read(raw.as_deref());
    let params = SearchParams {
        q: asked.q.clone(),
        filters: asked.filters.clone(),
        facets: Some(SIDEBAR.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(",")),
        sort: (!asked.sort.is_empty()).then(|| asked.sort.clone()),
        limit: Some(48),
        cursor: (!asked.cursor.is_empty()).then(|| asked.cursor.clone()),
    };
    let (out, notice, status) = match s.core.search(&who.actor, &ws, &params).await {
        Ok(o) => (Some(o), None, StatusCode::OK),
        Err(e) => {
            let position = e.position();
            let e = UiError::from(e);
            let message = match position {
                Some(p) => format!("{} (at character {})", e.message, p + 1),
                None => e.message.clone(),
            };
            (None, Some(Notice::Error(message)), e.status)
        }
    };
    let grid = asked.view != "list";
    let sorts = [
        ("relevance", "Best match"),
        ("newest", "Newest"),
        ("oldest", "Oldest"),
        ("title", "Title"),
        ("due", "Due date"),
    ];
    let body = html! {
        div.titlebar {
            h1 { "Search" }
            a href={ (base) "/saved-searches" } { "Saved searches" }
        }
        form.search-again role="search" method="get" action={ (base) "/search" } {
            label.visually-hidden for="sq" { "Search" }
            input #sq type="search" name="q" value=(asked.q) maxlength="1000" placeholder="Words, \"phrases\", kind:video, created:2026-01..2026-03";
            @for f in &asked.filters { input type="hidden" name="filter" value=(f); }
            label for="ss" { "Sort" }
            select #ss name="sort" {
                @for (v, l) in sorts { option value=(v) selected[asked.sort == v || (asked.sort.is_empty() && v == "relevance")] { (l) } }
            }
            select name="view" aria-label="View" {
                option value="grid" selected[grid] { "Grid" }
                option value="list" selected[!grid] { "List" }
            }
            button.primary type="submit" { "Search" }
        }
        @if !asked.filters.is_empty() {
            ul.chips aria-label="Filters in force" {
                @for f in &asked.filters {
                    li { a.chip href=(asked.toggled(&base, f)) aria-label={ "Remove the filter " (f) } { (f) " ✕" } }
                }
                li { a href=(asked.href(&base, &[])) { "Clear all" } }
            }
        }
        @if let Some(out) = &out {
            div.search-layout {
                (sidebar(&base, &asked, out))
                div.search-results {
                    p.muted #result-count { (out.total) " " @if out.total == 1 { "asset" } @else { "assets" } " · " (out.took_ms) " ms" }
                    @if out.hits.is_empty() { p.empty { "Nothing matches. Fewer words or filters find more." } }
                    (results(out, grid))
                    @if let Some(c) = &out.next_cursor {
                        nav.pager { a rel="next" href={ (asked.href(&base, &asked.filters)) "&cursor=" (enc(c)) } { "More results ›" } }
                    }
                }
            }
            details.save-search {
                summary { "Save this search" }
                form.card method="post" action={ (base) "/saved-searches" } {
                    (csrf_field(&chrome.csrf))
                    input type="hidden" name="q" value=(asked.q);
                    @for f in &asked.filters { input type="hidden" name="filter" value=(f); }
                    label for="save-name" { "Name" }
                    input #save-name name="name" required maxlength="200";
                    label { input type="checkbox" name="notify" value="yes"; " Tell me when a newly approved asset matches" }
                    label { input type="checkbox" name="pinned" value="yes"; " Pin it to the top" }
                    label { input type="checkbox" name="shared" value="yes"; " Share it with the workspace" }
                    button type="submit" { "Save" }
                }
            }
        }
    };
    Ok(Page::with_status(status, page("Search", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `POST /w/{ws}/saved-searches`.
pub async fn save(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let on = |k: &str| field(&f, k) == "yes";
    let query = SavedQuery {
        q: field(&f, "q").to_string(),
        filters: f.iter().filter(|(k, _)| k == "filter").map(|(_, v)| v.clone()).collect(),
        facets: None,
        sort: None,
    };
    let new = NewSaved {
        name: field(&f, "name").to_string(),
        query,
        shared: on("shared"),
        notify: on("notify"),
        pinned: on("pinned"),
    };
    s.core.save_search(&who.actor, &ws, new).await?;
    Ok(see_other(&format!("/w/{ws}/saved-searches?done=saved")))
}

/// `GET /w/{ws}/saved-searches`.
pub async fn saved(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Search).await?;
    let list = s.core.saved_searches(&who.actor, &ws).await?;
    let done = raw.as_deref().and_then(|r| r.strip_prefix("done=")).map(str::to_string);
    let notice = Notice::done(done.as_deref());
    let base = format!("/w/{ws}");
    let body = html! {
        h1 { "Saved searches" }
        @if list.is_empty() { p.empty { "Nothing saved yet. Search, then use “Save this search”." } }
        ul.saved-searches {
            @for s in &list {
                @let q: SavedQuery = serde_json::from_value(s.query.clone()).unwrap_or_default();
                @let asked = Asked { q: q.q.clone(), filters: q.filters.clone(), ..Asked::default() };
                li {
                    a href=(asked.href(&base, &q.filters)) { (s.name) }
                    @if s.pinned { " " span.badge { "pinned" } }
                    @if s.shared { " " span.badge { "shared" } }
                    @if s.notify && s.owner_id == who.actor.user.id { " " span.badge { "followed" } }
                    " " span.muted { (q.q) @for f in &q.filters { " " (f) } }
                    @if s.owner_id == who.actor.user.id {
                        form.inline method="post" action={ (base) "/saved-searches/" (s.id) "/delete" } {
                            (csrf_field(&chrome.csrf))
                            button.link type="submit" { "Delete" }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::with_status(StatusCode::OK, page("Saved searches", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `POST /w/{ws}/saved-searches/{id}/delete`.
pub async fn delete_saved(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = vellum_domain::id::parse_id(&id)
        .ok_or_else(|| UiError::from(crate::error::ApiError::not_found("saved search")))?;
    s.core.delete_saved_search(&who.actor, id).await?;
    Ok(see_other(&format!("/w/{ws}/saved-searches?done=saved")))
}
