//! The signed-in person's inbox and notification settings.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::notifications::NotificationView;
use vellum_domain::{
    event::{EmailChoice, EventKind, Preferences, PreferencesChange},
    Timestamp,
};

use super::paging::page_request;
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

/// One inbox item.
#[derive(Serialize, ToSchema)]
pub struct NotificationItem {
    id: Uuid,
    kind: EventKind,
    title: String,
    /// The page it is about, as a path of this server (`/a/{asset}#review-{review}`).
    link: String,
    workspace_id: Option<Uuid>,
    object_type: String,
    object_id: Uuid,
    created_at: Timestamp,
    read_at: Option<Timestamp>,
}

impl From<NotificationView> for NotificationItem {
    fn from(n: NotificationView) -> Self {
        NotificationItem {
            id: n.id,
            kind: n.kind,
            title: n.title,
            link: n.link,
            workspace_id: n.workspace_id,
            object_type: n.object_type,
            object_id: n.object_id,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    notifications: Vec<NotificationItem>,
    /// How many of your notifications are unread (all of them, not just this page).
    unread: i64,
    /// Pass as `cursor` to get the next page; null on the last one.
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    unread: Option<bool>,
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9-]*$")]
    cursor: Option<String>,
}

/// Your notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/notifications", tag = "notifications", operation_id = "list_notifications",
    params(NotificationQuery), responses((status = 200, description = "Your inbox", body = NotificationList)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    AppQuery(q): AppQuery<NotificationQuery>,
) -> ApiResult<Json<NotificationList>> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let (page, unread) = s.core.notifications(&a.actor, q.unread.unwrap_or(false), &page).await?;
    Ok(Json(NotificationList {
        notifications: page.items.into_iter().map(Into::into).collect(),
        unread,
        next_cursor: page.next_cursor,
    }))
}

/// Marks one of your notifications read.
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications", operation_id = "read_notification",
    params(("id" = Uuid, Path, description = "The notification")),
    responses((status = 200, description = "Read", body = NotificationItem)))]
pub async fn read(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<NotificationItem>> {
    Ok(Json(s.core.mark_read(&a.actor, path_id(&id, "notification")?).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ReadAll {
    /// How many were unread.
    marked: u64,
    /// Always 0 after this.
    unread: i64,
}

/// Marks all your notifications read.
#[utoipa::path(post, path = "/notifications/read-all", tag = "notifications", operation_id = "read_all_notifications",
    responses((status = 200, description = "All read", body = ReadAll)))]
pub async fn read_all(State(s): State<AppState>, a: Authed) -> ApiResult<Json<ReadAll>> {
    let marked = s.core.mark_all_read(&a.actor).await?;
    Ok(Json(ReadAll { marked, unread: s.core.unread_count(&a.actor).await? }))
}

/// Your notification settings.
#[derive(Serialize, ToSchema)]
pub struct PreferencesView {
    /// The email choice per event kind.
    #[schema(value_type = std::collections::BTreeMap<String, EmailChoice>)]
    email: std::collections::BTreeMap<EventKind, EmailChoice>,
    /// The local hour (0–23) the daily digest goes out.
    digest_hour: u8,
    /// The IANA time zone of that hour.
    time_zone: String,
}

impl From<Preferences> for PreferencesView {
    fn from(p: Preferences) -> Self {
        PreferencesView { email: p.email, digest_hour: p.digest_hour, time_zone: p.time_zone }
    }
}

/// A change of settings: any part may be left out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// Event kind → `immediate`, `daily_digest` or `off`.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, EmailChoice>)]
    email: std::collections::BTreeMap<String, String>,
    #[schema(minimum = 0, maximum = 23)]
    digest_hour: Option<i64>,
    /// An IANA time zone such as `Australia/Sydney`.
    #[schema(max_length = 64)]
    time_zone: Option<String>,
}

/// Your email choice per event kind and the hour of your daily digest.
#[utoipa::path(get, path = "/me/notification-preferences", tag = "notifications",
    operation_id = "get_notification_preferences",
    responses((status = 200, description = "Your settings", body = PreferencesView)))]
pub async fn preferences(State(s): State<AppState>, a: Authed) -> ApiResult<Json<PreferencesView>> {
    Ok(Json(s.core.notification_preferences(&a.actor).await?.into()))
}

/// Changes your notification settings; an invalid part changes nothing.
#[utoipa::path(put, path = "/me/notification-preferences", tag = "notifications",
    operation_id = "set_notification_preferences", request_body = PreferencesBody,
    responses((status = 200, description = "Your settings", body = PreferencesView)))]
pub async fn set_preferences(
    State(s): State<AppState>,
    a: Authed,
    AppJson(b): AppJson<PreferencesBody>,
) -> ApiResult<Json<PreferencesView>> {
    let change = PreferencesChange { email: b.email, digest_hour: b.digest_hour, time_zone: b.time_zone };
    Ok(Json(s.core.set_notification_preferences(&a.actor, &change).await?.into()))
}
