//! The proofing page of a version (`/a/{id}/v/{n}`, and `?compare=m` beside another version)
//! and a guest's page (`/g/{token}`): the preview, page viewer or video player with the
//! annotation layer, the comment list and form, and the decision form for approvers. The page
//! is drawn here with what it needs as data attributes; `proof.js` makes it interactive over
//! the JSON API, and without it the comments still read as a list.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use vellum_core::{
    comments::{CommentFilter, CommentView},
    model::{Asset, Processing, Version},
};
use vellum_domain::{media::MediaType, role::Capability, Id};

use super::{
    layout::{page, Chrome, Section},
    page::{Page, UiError, UiResult},
    review,
    session::Signed,
};
use crate::{extract::path_id, AppState};

const PROOF_JS: &str = concat!("/static/proof.js?v=", env!("CARGO_PKG_VERSION"));

/// How a version is shown for proofing.
fn kind_of(v: &Version) -> &'static str {
    let t = v.media.as_ref().and_then(|m| m.info.media_type).unwrap_or(MediaType::Unknown);
    match v.processing {
        Processing::Pending => "pending",
        Processing::Failed => "failed",
        Processing::Done if t.is_video() => "video",
        Processing::Done if v.media.as_ref().and_then(|m| m.info.page_count).is_some() => "pages",
        Processing::Done if vellum_domain::compare::CompareKind::of(t).is_some() => "image",
        Processing::Done => "other",
    }
}

/// The attributes `proof.js` reads for one version.
fn stage(v: &Version, api: &str, frame_offset: u32, side: &str) -> Markup {
    let info = v.media.as_ref().map(|m| &m.info);
    html! {
        div.proof-stage data-side=(side) data-kind=(kind_of(v)) data-version=(v.number)
            data-api=(api)
            data-pages=(info.and_then(|i| i.page_count).unwrap_or(0))
            data-rate=[info.and_then(|i| i.frame_rate.as_deref())]
            data-frames=[info.and_then(|i| i.frame_count)]
            data-start-tc=[info.and_then(|i| i.start_timecode.as_deref())]
            data-frame-offset=(frame_offset)
            data-width=[info.and_then(|i| i.width)]
            data-height=[info.and_then(|i| i.height)] {
            div.proof-viewport tabindex="0" aria-label={ "Version " (v.number) } {
                div.proof-media {}
            }
            @match v.processing {
                Processing::Pending => p.status role="status" { "Version " (v.number) " is still being processed; reload in a moment." },
                Processing::Failed => p.status.error role="status" { "Processing failed: " (v.processing_reason.as_deref().unwrap_or("unknown reason")) },
                Processing::Done => {}
            }
        }
    }
}

fn anchor_text(c: &CommentView) -> String {
    let mut parts = Vec::new();
    if c.origin_version != c.version || c.region_changed.is_some() {
        parts.push(format!("from version {}", c.origin_version));
    }
    if let Some(a) = &c.anchor {
        if let Some(p) = a.page {
            parts.push(format!("page {p}"));
        }
        if let Some(t) = &c.timecode {
            parts.push(match &c.timecode_end {
                Some(e) => format!("{t}–{e}"),
                None => t.clone(),
            });
        }
        if let Some(s) = &a.shape {
            parts.push(format!("{:?}", s.shape_type).to_lowercase());
        }
    }
    parts.join(" · ")
}

/// The comment list as HTML (what readers without the script see; the script redraws it).
fn comment_list(list: &[CommentView]) -> Markup {
    html! {
        ol.comment-list aria-live="polite" {
            @for c in list {
                li.comment id={ "comment-" (c.id) } data-id=(c.id) data-status=(c.status.as_str()) {
                    p.muted { (c.author_name) @if c.via_token_id.is_some() { " (via agent)" } " · " (anchor_text(c)) " · " (c.status.as_str()) }
                    div.comment-body { (PreEscaped(&c.body_html)) }
                }
            }
            @if list.is_empty() { li.empty { "No comments yet." } }
        }
    }
}

/// The comment form; the script adds the drawn shape, page and frame.
fn comment_form() -> Markup {
    html! {
        form.card.comment-form {
            div.tools role="toolbar" aria-label="Drawing tools" {
                @for (t, label, key) in [("none", "No mark", "0"), ("point", "Point", "1"), ("rect", "Rectangle", "2"), ("arrow", "Arrow", "3"), ("ellipse", "Ellipse", "4"), ("path", "Freehand", "5")] {
                    button type="button" data-tool=(t) aria-pressed=(if t == "rect" { "true" } else { "false" }) title={ (label) " (" (key) ")" } { (label) }
                }
            }
            label for="comment-body" { "Comment" }
            textarea #comment-body name="body" rows="3" maxlength="10000" required
                placeholder="Draw on the preview, then write. **bold**, *italic*, [link](https://…), @name@example.com" {}
            p.hint.pinned aria-live="polite" {}
            input type="hidden" name="parent_id";
            div.actions {
                button.primary type="submit" { "Comment" }
                button.cancel-reply type="button" hidden { "Cancel reply" }
            }
            p.error.form-error role="alert" hidden {}
        }
    }
}

/// Which comments the list shows (the script filters; without it, all are listed).
fn filter_control(guest: bool) -> Markup {
    html! {
        label.filter-label { "Show "
            select.comment-filter {
                option value="all" { "All comments" }
                option value="open" { "Open" }
                option value="resolved" { "Resolved" }
                option value="page" { "On this page" }
                @if !guest {
                    option value="mine" { "Mine" }
                    option value="mentions" { "Mentioning me" }
                }
            }
        }
    }
}

/// Page turning and frame stepping; the script shows what the version needs.
fn player_controls() -> Markup {
    html! {
        div.player-controls hidden {
            button.prev-page type="button" { "‹ Page" }
            span.page-label {}
            button.next-page type="button" { "Page ›" }
            button.prev-frame type="button" { "◂ Frame" }
            button.play type="button" { "Play" }
            button.next-frame type="button" { "Frame ▸" }
            output.timecode {}
        }
    }
}

fn shortcuts() -> Markup {
    html! {
        details.shortcuts {
            summary { "Keyboard shortcuts" }
            dl {
                dt { kbd { "←" } " " kbd { "→" } } dd { "Previous / next frame (video)" }
                dt { kbd { "Page Up" } " " kbd { "Page Down" } } dd { "Previous / next page" }
                dt { kbd { "j" } " " kbd { "k" } } dd { "Next / previous comment" }
                dt { kbd { "r" } } dd { "Resolve the selected comment" }
                dt { kbd { "0" } "–" kbd { "5" } } dd { "Drawing tool" }
                dt { kbd { "Shift" } "+" kbd { "arrows" } } dd { "Move the marking cross on the focused preview (with " kbd { "Alt" } ": finer)" }
                dt { kbd { "Enter" } } dd { "Place a point, or a shape's first then second corner, at the cross" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ProofQuery {
    compare: Option<u32>,
}

/// `GET /a/{id}/v/{n}`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path((id, n)): Path<(String, String)>,
    Query(q): Query<ProofQuery>,
) -> UiResult<Response> {
    let id = path_id(&id, "asset")?;
    let n: u32 = n
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "There is no such version."))?;
    let (asset, access) = s.core.asset(&who.actor, id).await?;
    let version = s.core.version(&who.actor, id, n).await?;
    let versions = s.core.versions(&who.actor, id).await?;
    let other = match q.compare.filter(|m| *m != n) {
        Some(m) => Some(s.core.version(&who.actor, id, m).await?),
        None => None,
    };
    let list = s.core.comments(&who.actor, id, n, &CommentFilter::default()).await?;
    let ws = access.workspace.id.to_string();
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Library).await?;
    let sees_wip = access.sees_work_in_progress();
    let reviews = if sees_wip { s.core.reviews_of(&who.actor, id).await? } else { Vec::new() };
    let may_comment = access.role.can(Capability::Upload) || reviews.iter().any(|r| takes_part(r, who.actor.user.id));
    let offset = access.workspace.frame_offset;

    let api = |v: u32| format!("/api/v1/assets/{id}/versions/{v}");
    let panel = review::Panel {
        asset: &asset,
        reviews: &reviews,
        workflows: &[],
        me: who.actor.user.id,
        csrf: &who.csrf,
        can_start: false,
        draft: None,
    };
    let body = html! {
        p.crumbs {
            a href={ "/w/" (access.workspace.slug) } { (access.workspace.name) } " › "
            a href={ "/a/" (id) } { (asset.title) } " › Version " (n)
        }
        div.titlebar { h1 { "Proof: " (asset.title) } }
        (version_nav(&asset, &versions, n, other.as_ref().map(|o| o.number)))
        div.proof #proof data-asset=(id) data-csrf=(who.csrf) data-me=(who.actor.user.id)
            data-may-comment=(may_comment) data-compare=[other.as_ref().map(|o| o.number)] {
            div.proof-main {
                @if let Some(o) = &other {
                    div.compare-tools role="group" aria-label="Compare" {
                        label { "Zoom " input.zoom type="range" min="1" max="4" step="0.25" value="1"; }
                        label { input.overlay type="checkbox"; " Overlay" }
                        label { "Opacity " input.opacity type="range" min="0" max="1" step="0.05" value="0.5"; }
                        label { input.heatmap type="checkbox"; " Heat-map" }
                        span.compare-status role="status" {}
                    }
                    div.compare-panes {
                        (stage(o, &api(o.number), offset, "a"))
                        (stage(&version, &api(n), offset, "b"))
                    }
                } @else {
                    (stage(&version, &api(n), offset, "b"))
                }
                (player_controls())
            }
            aside.proof-side {
                @if may_comment { (comment_form()) }
                h2 { "Comments" }
                (filter_control(false))
                (comment_list(&list))
                (shortcuts())
                @if !reviews.is_empty() { section.reviews aria-label="Review" { (panel.render()) } }
            }
        }
        script type="module" src=(PROOF_JS) {}
    };
    Ok(Page::ok(page(&format!("Proof of {}", asset.title), Some(&chrome), None, body)).into_response())
}

fn version_nav(a: &Asset, versions: &[Version], n: u32, compare: Option<u32>) -> Markup {
    html! {
        nav.versions aria-label="Versions" {
            span { "Version: " }
            @for v in versions {
                @if v.number == n { strong aria-current="page" { (v.number) } } @else { a href={ "/a/" (a.id) "/v/" (v.number) } { (v.number) } }
                " "
            }
            @if let Some(prev) = versions.iter().map(|v| v.number).filter(|m| *m < n).max() {
                @if compare.is_none() { a.button href={ "/a/" (a.id) "/v/" (n) "?compare=" (prev) } { "Compare with version " (prev) } }
            }
            @if compare.is_some() { a.button href={ "/a/" (a.id) "/v/" (n) } { "Close compare" } }
        }
    }
}

/// `GET /g/{token}`: a guest's proofing page.
pub async fn guest(State(s): State<AppState>, Path(token): Path<String>) -> UiResult<Response> {
    let (g, list) = s.core.guest_comments(&token).await.map_err(|_| {
        UiError::new(StatusCode::NOT_FOUND, "This link does not work: it may have expired or been revoked.")
    })?;
    let api = format!("/api/v1/guest/{token}");
    let body = html! {
        div.titlebar { h1 { "Review: " (g.asset.title) } }
        p.muted { "Version " (g.version.number) " · you comment as " (g.guest.email) " until " (super::page::when(g.guest.expires_at)) }
        div.proof #proof data-asset=(g.asset.id) data-guest="1" data-me=(g.user.id) data-may-comment="true" {
            div.proof-main {
                (stage(&g.version, &api, 0, "b"))
                (player_controls())
            }
            aside.proof-side {
                (comment_form())
                h2 { "Comments" }
                (filter_control(true))
                (comment_list(&list))
                (shortcuts())
            }
        }
        script type="module" src=(PROOF_JS) {}
    };
    Ok(Page::ok(page(&format!("Review of {}", g.asset.title), None, None, body)).into_response())
}

/// Whether `user` takes part in the review (approver or collaborator).
pub fn takes_part(r: &vellum_core::reviews::ReviewView, user: Id) -> bool {
    r.collaborators.contains(&user) || r.stages.iter().any(|s| s.approvers.iter().any(|a| a.user_id == user))
}
