//! A workspace's business calendar.

use axum::{
    extract::{Path, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vellum_domain::calendar::{CalendarSpec, WorkingHours};

use crate::{auth::Authed, error::ApiResult, extract::AppJson, AppState};

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingHoursView {
    /// `09:00`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    /// `17:30`, after `start`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub end: String,
}

/// Where and when the workspace works: business-time deadlines count on it.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Calendar)]
pub struct CalendarView {
    /// An IANA time zone, `Australia/Sydney`.
    #[schema(example = "Australia/Sydney", min_length = 1, max_length = 64)]
    pub time_zone: String,
    #[schema(min_items = 1, max_items = 7)]
    pub working_days: Vec<Weekday>,
    pub working_hours: WorkingHoursView,
    /// Days not worked, in the calendar's zone.
    #[serde(default)]
    #[schema(max_items = 500, value_type = Vec<String>, format = Date)]
    pub holidays: Vec<String>,
}

impl From<CalendarSpec> for CalendarView {
    fn from(c: CalendarSpec) -> Self {
        let day = |d: &str| match d {
            "mon" => Some(Weekday::Mon),
            "tue" => Some(Weekday::Tue),
            "wed" => Some(Weekday::Wed),
            "thu" => Some(Weekday::Thu),
            "fri" => Some(Weekday::Fri),
            "sat" => Some(Weekday::Sat),
            "sun" => Some(Weekday::Sun),
            _ => None,
        };
        CalendarView {
            time_zone: c.time_zone,
            working_days: c.working_days.iter().filter_map(|d| day(d)).collect(),
            working_hours: WorkingHoursView { start: c.working_hours.start, end: c.working_hours.end },
            holidays: c.holidays,
        }
    }
}

impl From<CalendarView> for CalendarSpec {
    fn from(c: CalendarView) -> Self {
        let name = |d: &Weekday| {
            match d {
                Weekday::Mon => "mon",
                Weekday::Tue => "tue",
                Weekday::Wed => "wed",
                Weekday::Thu => "thu",
                Weekday::Fri => "fri",
                Weekday::Sat => "sat",
                Weekday::Sun => "sun",
            }
            .to_string()
        };
        CalendarSpec {
            time_zone: c.time_zone,
            working_days: c.working_days.iter().map(name).collect(),
            working_hours: WorkingHours { start: c.working_hours.start, end: c.working_hours.end },
            holidays: c.holidays,
        }
    }
}

/// The workspace's calendar (Monday–Friday, 09:00–17:00 UTC until one is set).
#[utoipa::path(get, path = "/workspaces/{ws}/calendar", tag = "calendar", operation_id = "get_calendar",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The calendar", body = CalendarView)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<CalendarView>> {
    Ok(Json(s.core.calendar(&a.actor, &ws).await?.into()))
}

/// Sets the workspace's calendar (owners and admins); reviews already running keep the one
/// they started under. A calendar that does not hold (unknown zone, a day twice, a working day
/// that ends before it starts) is `422 invalid_calendar` with `fields`.
#[utoipa::path(put, path = "/workspaces/{ws}/calendar", tag = "calendar", operation_id = "put_calendar",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = CalendarView,
    responses((status = 200, description = "The calendar as saved", body = CalendarView)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(body): AppJson<CalendarView>,
) -> ApiResult<Json<CalendarView>> {
    Ok(Json(s.core.put_calendar(&a.actor, &ws, body.into()).await?.into()))
}
