//! The master calendar as data, and the iCalendar feeds a member subscribes to (the feed
//! itself is served at `/ical/{token}.ics`, outside the API, to calendar apps).

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::schedule::{FeedScope, FeedView};
use vellum_domain::{ical::EntryKind, ErrorCode, Timestamp};

use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// First day, `YYYY-MM-DD`.
    #[param(format = Date)]
    from: String,
    /// Last day, inclusive (at most 400 days after `from`).
    #[param(format = Date)]
    to: String,
    /// One campaign's entries (its id).
    #[param(value_type = Option<Uuid>)]
    campaign: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventItem {
    /// Stable across fetches and changes.
    uid: String,
    kind: EntryKind,
    title: String,
    /// A date (`2026-12-07`, whole days) or a UTC instant.
    start: String,
    /// Inclusive: the last day, or the same instant.
    end: String,
    all_day: bool,
    channel: Option<String>,
    /// `#rrggbb`: the campaign's colour, else the channel's.
    colour: Option<String>,
    /// The page it opens.
    link: String,
    assignee_ids: Vec<Uuid>,
    /// Something to fix, e.g. an asset planned to run past its rights.
    warning: Option<String>,
}

/// How many entries a person has on a day.
#[derive(Serialize, ToSchema)]
pub struct LoadItem {
    user_id: Uuid,
    date: String,
    count: u32,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarEvents {
    events: Vec<EventItem>,
    workload: Vec<LoadItem>,
}

/// The workspace's calendar between two dates: campaigns, milestones, review deadlines and
/// distribution windows, with each person's load per day.
#[utoipa::path(get, path = "/workspaces/{ws}/calendar-events", tag = "calendar", operation_id = "list_calendar_events",
    params(("ws" = String, Path, description = "Workspace id or slug"), CalendarQuery),
    responses((status = 200, description = "The entries, by start", body = CalendarEvents)))]
pub async fn events(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<CalendarQuery>,
) -> ApiResult<Json<CalendarEvents>> {
    let range = vellum_core::schedule::range(&q.from, &q.to)?;
    let campaign = match q.campaign.as_deref() {
        None => None,
        Some(c) => Some(
            vellum_domain::id::parse_id(c)
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, format!("campaign: '{c}' is not an id")))?,
        ),
    };
    let view = s.core.calendar_entries(&a.actor, &ws, range, campaign).await?;
    Ok(Json(CalendarEvents {
        events: view
            .entries
            .into_iter()
            .map(|e| EventItem {
                all_day: matches!(e.start, vellum_domain::ical::When::Day(_)),
                uid: e.uid,
                kind: e.kind,
                title: e.title,
                start: e.start.api(),
                end: e.end.api(),
                channel: e.channel,
                colour: e.colour,
                link: e.link,
                assignee_ids: e.assignees,
                warning: e.warning,
            })
            .collect(),
        workload: view
            .workload
            .into_iter()
            .map(|(user_id, date, count)| LoadItem { user_id, date: date.to_string(), count })
            .collect(),
    }))
}

/// What a feed shows.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// What is assigned to you, in every workspace.
    Me,
    /// One campaign.
    Campaign,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeed {
    scope: Scope,
    /// The campaign (`scope: campaign` only).
    campaign_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedFeed {
    id: Uuid,
    /// The address a calendar app subscribes to; it holds the secret and is shown once.
    url: String,
    scope: Scope,
    campaign_id: Option<Uuid>,
    created_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct FeedItem {
    id: Uuid,
    scope: Scope,
    campaign_id: Option<Uuid>,
    created_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct FeedList {
    feeds: Vec<FeedItem>,
}

fn scope_of(f: &FeedView) -> Scope {
    match f.feed.scope {
        FeedScope::Me => Scope::Me,
        FeedScope::Campaign => Scope::Campaign,
    }
}

/// Creates a calendar feed; the answer's URL is the only time its secret is shown.
#[utoipa::path(post, path = "/me/ical-feeds", tag = "calendar", operation_id = "create_ical_feed", request_body = NewFeed,
    responses((status = 201, description = "Created", body = CreatedFeed)))]
pub async fn create_feed(
    State(s): State<AppState>,
    a: Authed,
    AppJson(b): AppJson<NewFeed>,
) -> ApiResult<(StatusCode, Json<CreatedFeed>)> {
    let scope = match b.scope {
        Scope::Me => "me",
        Scope::Campaign => "campaign",
    };
    let f = s.core.create_feed(&a.actor, scope, b.campaign_id).await?;
    let url = format!("{}{}", s.core.notify.public_url.trim_end_matches('/'), f.path.clone().unwrap_or_default());
    Ok((
        StatusCode::CREATED,
        Json(CreatedFeed {
            id: f.feed.id,
            url,
            scope: scope_of(&f),
            campaign_id: f.feed.campaign_id,
            created_at: f.feed.created_at,
        }),
    ))
}

/// Your calendar feeds that still work.
#[utoipa::path(get, path = "/me/ical-feeds", tag = "calendar", operation_id = "list_ical_feeds",
    responses((status = 200, description = "Your feeds", body = FeedList)))]
pub async fn feeds(State(s): State<AppState>, a: Authed) -> ApiResult<Json<FeedList>> {
    let feeds = s.core.feeds(&a.actor).await?;
    Ok(Json(FeedList {
        feeds: feeds
            .iter()
            .map(|f| FeedItem {
                id: f.feed.id,
                scope: scope_of(f),
                campaign_id: f.feed.campaign_id,
                created_at: f.feed.created_at,
            })
            .collect(),
    }))
}

/// Revokes a feed: its URL answers 404 from now on.
#[utoipa::path(delete, path = "/ical-feeds/{id}", tag = "calendar", operation_id = "revoke_ical_feed",
    params(("id" = Uuid, Path, description = "The feed")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke_feed(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.core.revoke_feed(&a.actor, path_id(&id, "feed")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The feed a calendar app fetches: no session, the token is the credential.
pub async fn ical(State(s): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return crate::error::ApiError::not_found("feed").into_response();
    };
    match s.core.feed_text(token).await {
        Ok(text) => (
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, no-cache")],
            text,
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
