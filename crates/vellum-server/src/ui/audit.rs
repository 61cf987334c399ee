//! A workspace's audit trail: the newest events, whether the hash chain verifies, and links
//! to the full JSON and CSV exports.

use axum::{
    extract::{Path, State},
    response::IntoResponse,
};
use maud::{html, Markup};
use vellum_core::audit::{AuditEventView, AuditQuery, Verification};

use super::{
    layout::{page, Chrome, Section},
    page::{short_id, Page, UiResult},
    session::Signed,
};
use crate::{error::ApiError, AppState};

/// The page shows this many events, newest first; the exports have them all.
const SHOWN: usize = 500;

fn verification(v: &Verification) -> Markup {
    html! {
        @if v.ok {
            p.notice.info #chain role="status" {
                "The chain verifies: " (v.events) " events"
                @if let Some(h) = &v.head { ", head " code title=(h) { (h.chars().take(16).collect::<String>()) "…" } }
                @if let Some(c) = &v.checkpoint { ", signed up to event " (c.seq) " at " (c.at) }
                "."
            }
        } @else {
            p.notice.error #chain role="alert" {
                "The chain does NOT verify"
                @if let Some(seq) = v.first_bad_seq { " from event " (seq) }
                @if let Some(m) = &v.missing { ": events " (m.from) " to " (m.to) " are missing" }
                @if let Some(r) = &v.reason { ": " (r) }
                "."
            }
        }
    }
}

fn object(e: &AuditEventView) -> Markup {
    html! {
        (e.object_type)
        @if let Some(id) = &e.object_id {
            " "
            @if e.object_type == "asset" {
                a href={ "/a/" (id) } title=(id) { code { "…" (short_id(id)) } }
            } @else {
                code title=(id) { "…" (short_id(id)) }
            }
        }
    }
}

fn change(e: &AuditEventView) -> Markup {
    html! {
        @if e.before.is_some() || e.after.is_some() {
            details {
                summary { "details" }
                @if let Some(b) = &e.before { p { "before" } pre { (b) } }
                @if let Some(a) = &e.after { p { "after" } pre { (a) } }
            }
        }
    }
}

/// `GET /w/{ws}/audit`.
pub async fn show(State(s): State<AppState>, who: Signed, Path(ws): Path<String>) -> UiResult {
    let chrome = Chrome::load(&s, &who, Some(&ws), Section::Audit).await?;
    let Some(current) = &chrome.current else {
        return Err(ApiError::not_found("workspace").into());
    };
    let first = vellum_domain::page::PageRequest { limit: vellum_domain::page::MAX_LIMIT, cursor: None };
    let events = s.core.audit(&who.actor, &ws, AuditQuery::default(), &first).await?.items;
    let verified = s.core.verify_audit(&who.actor, &ws).await?;
    let members = s.core.members(&who.actor, &ws).await?;
    let actor = |id: &Option<String>| match id {
        None => "system".to_string(),
        Some(id) => {
            members.iter().find(|m| m.user_id.to_string() == *id).map_or_else(|| id.clone(), |m| m.name.clone())
        }
    };
    let export = format!("/api/v1/workspaces/{}/audit", current.workspace.id);
    let body = html! {
        div.titlebar {
            h1 { "Audit trail" }
            p.exports { "Export: " a href={ (export) "?format=json" } { "JSON" } " · " a href={ (export) "?format=csv" } download { "CSV" } }
        }
        (verification(&verified))
        @if events.len() > SHOWN { p.hint { "Showing the newest " (SHOWN) " of " (events.len()) " events; the exports have all of them." } }
        table.audit {
            thead { tr {
                th scope="col" { "#" } th scope="col" { "Time (UTC)" } th scope="col" { "Actor" } th scope="col" { "Action" }
                th scope="col" { "Object" } th scope="col" { "Version" } th scope="col" { "Change" }
            } }
            tbody {
                @for e in events.iter().rev().take(SHOWN) {
                    tr {
                        td { (e.seq) }
                        td { time datetime=(e.at) { (e.at.get(..19).unwrap_or(&e.at).replace('T', " ")) } }
                        td { (actor(&e.actor_id)) }
                        td { code { (e.action) } }
                        td { (object(e)) }
                        td { @if let Some(v) = e.version { (v) } }
                        td { (change(e)) }
                    }
                }
            }
        }
    };
    Ok(Page::ok(page("Audit", Some(&chrome), None, body)).into_response())
}
