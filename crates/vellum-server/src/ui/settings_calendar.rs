//! The business calendar in a workspace's settings: time zone, working days and hours, and
//! holidays, which deadlines in working hours and working days are counted on.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::html;
use vellum_domain::calendar::{CalendarSpec, WorkingHours, DAY_NAMES};

use super::{
    layout::page,
    page::{csrf_field, see_other, sentence, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, fields, Signed, UiForm},
    settings::{admin_chrome, done, field_error},
};
use crate::AppState;

/// Zones offered as suggestions; any IANA zone may be typed.
const ZONES: [&str; 32] = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "Africa/Cairo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
];

const DAY_WORDS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Reads the form; holidays are one date per line (commas and spaces also separate them).
fn spec_of(pairs: &[(String, String)]) -> CalendarSpec {
    // A time input may send seconds (`09:00:00`) when its step asks for them; the calendar
    // counts in minutes.
    let clock = |v: &str| v.trim().get(..5).unwrap_or(v.trim()).to_string();
    CalendarSpec {
        time_zone: field(pairs, "time_zone").trim().to_string(),
        working_days: fields(pairs, "working_days").map(String::from).collect(),
        working_hours: WorkingHours { start: clock(field(pairs, "start")), end: clock(field(pairs, "end")) },
        holidays: field(pairs, "holidays")
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|d| !d.is_empty())
            .map(String::from)
            .collect(),
    }
}

async fn render(
    s: &AppState,
    who: &Signed,
    ws: &str,
    notice: Option<Notice>,
    status: StatusCode,
    failed: Option<(CalendarSpec, Vec<(String, String)>)>,
) -> UiResult {
    let (chrome, slug) = admin_chrome(s, who, ws).await?;
    let (spec, errors) = match failed {
        Some((spec, errors)) => (spec, errors),
        None => (s.core.calendar(&who.actor, ws).await?, Vec::new()),
    };
    let error = |key: &str| errors.iter().find(|(k, _)| k == key).map(|(_, m)| m.as_str());
    let invalid = |key: &str| error(key).map(|_| "true");
    let described = |key: &str, hint: &'static str| match error(key) {
        Some(_) => format!("cal-{key}-error {hint}"),
        None => hint.to_string(),
    };
    let body = html! {
        p.crumbs { a href={ "/w/" (slug) "/settings" } { "Settings" } }
        h1 { "Business calendar" }
        p.muted { "Deadlines given in working hours or working days count only the time worked on this calendar. Reviews already running keep the calendar they started with." }
        form.card.calendar method="post" action={ "/w/" (slug) "/settings/calendar" } {
            (csrf_field(&who.csrf))
            label for="cal-zone" { "Time zone" }
            input #cal-zone name="time_zone" value=(spec.time_zone) list="cal-zones" required autocomplete="off"
                aria-invalid=[invalid("time_zone")] aria-describedby=(described("time_zone", "cal-zone-hint"));
            datalist #cal-zones { @for z in ZONES { option value=(z) {} } }
            p.hint #cal-zone-hint { "An IANA time zone such as Australia/Sydney or Europe/Paris." }
            (field_error("cal-time_zone-error", error("time_zone")))
            fieldset.days aria-describedby=[error("working_days").map(|_| "cal-working_days-error")] {
                legend { "Working days" }
                @for (day, words) in DAY_NAMES.iter().zip(DAY_WORDS) {
                    label.check {
                        input type="checkbox" name="working_days" value=(day) checked[spec.working_days.iter().any(|d| d == day)];
                        (words)
                    }
                }
                (field_error("cal-working_days-error", error("working_days")))
            }
            div.grid2 {
                div {
                    label for="cal-start" { "Working hours start" }
                    input #cal-start type="time" name="start" value=(spec.working_hours.start) required
                        aria-invalid=[invalid("working_hours")] aria-describedby=[error("working_hours").map(|_| "cal-working_hours-error")];
                }
                div {
                    label for="cal-end" { "Working hours end" }
                    input #cal-end type="time" name="end" value=(spec.working_hours.end) required
                        aria-invalid=[invalid("working_hours")] aria-describedby=[error("working_hours").map(|_| "cal-working_hours-error")];
                }
            }
            (field_error("cal-working_hours-error", error("working_hours")))
            label for="cal-holidays" { "Holidays" }
            textarea #cal-holidays name="holidays" rows="6" placeholder="2026-12-25"
                aria-invalid=[invalid("holidays")] aria-describedby=(described("holidays", "cal-holidays-hint")) {
                (spec.holidays.join("\n"))
            }
            p.hint #cal-holidays-hint { "One date per line, such as 2026-12-25, in the calendar's time zone." }
            (field_error("cal-holidays-error", error("holidays")))
            button.primary type="submit" { "Save calendar" }
        }
    };
    Ok(Page::with_status(status, page("Business calendar", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/settings/calendar`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render(&s, &who, &ws, done(q.done.as_deref()), StatusCode::OK, None).await
}

/// `POST /w/{ws}/settings/calendar`.
pub async fn save(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let spec = spec_of(&f);
    match s.core.put_calendar(&who.actor, &ws, spec.clone()).await {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/settings/calendar?done=calendar_saved"))),
        Err(e) => {
            let errors = e.fields().iter().map(|f| (f.key.clone(), sentence(&f.message))).collect();
            let e = UiError::from(e);
            render(&s, &who, &ws, Some(e.notice()), e.status, Some((spec, errors))).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_as_a_calendar() {
        let form: Vec<(String, String)> = [
            ("time_zone", " Europe/Paris "),
            ("working_days", "mon"),
            ("working_days", "tue"),
            ("start", "09:00:00"),
            ("end", "17:30"),
            ("holidays", "2026-12-25\r\n\n2026-12-26, 2027-01-01"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let spec = spec_of(&form);
        assert_eq!(spec.time_zone, "Europe/Paris");
        assert_eq!(spec.working_days, ["mon", "tue"]);
        assert_eq!((spec.working_hours.start.as_str(), spec.working_hours.end.as_str()), ("09:00", "17:30"));
        assert_eq!(spec.holidays, ["2026-12-25", "2026-12-26", "2027-01-01"]);
    }
}
