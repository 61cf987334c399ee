//! A workspace's business calendar — IANA time zone, working days, working hours, holidays —
//! and deadlines counted on it: `n` business hours or business days after an instant.
//!
//! Every working day's hours are turned into instants in the calendar's zone on their own, so
//! a day that changes clocks (DST) still works from 09:00 to 17:30 local time, and a deadline
//! is an instant that every reader agrees on.

use serde::{Deserialize, Serialize};

use crate::{workflow::Deadline, Timestamp};

/// The days of the week, as the API names them.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A calendar as the API shows and accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// An IANA time zone, `Australia/Sydney`.
    pub time_zone: String,
    /// `["mon", "tue", "wed", "thu", "fri"]`.
    pub working_days: Vec<String>,
    pub working_hours: WorkingHours,
    /// Dates (`2026-12-25`) that are not worked, in the calendar's zone.
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// `09:00`.
    pub start: String,
    /// `17:30`, after `start` on the same day.
    pub end: String,
}

impl Default for CalendarSpec {
    /// Monday to Friday, 09:00–17:00 UTC, no holidays: until a workspace sets its own.
    fn default() -> Self {
        CalendarSpec {
            time_zone: "UTC".into(),
            working_days: DAY_NAMES[..5].iter().map(|d| d.to_string()).collect(),
            working_hours: WorkingHours { start: "09:00".into(), end: "17:00".into() },
            holidays: Vec::new(),
        }
    }
}

/// A checked calendar, ready to count on.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: jiff::tz::TimeZone,
    /// Indexed Monday = 0.
    working: [bool; 7],
    start: jiff::civil::Time,
    end: jiff::civil::Time,
    holidays: Vec<jiff::civil::Date>,
}

impl Default for Calendar {
    /// The calendar of a workspace that has not set one: [`CalendarSpec::default`].
    fn default() -> Self {
        Calendar {
            zone: jiff::tz::TimeZone::UTC,
            working: [true, true, true, true, true, false, false],
            start: jiff::civil::Time::constant(9, 0, 0, 0),
            end: jiff::civil::Time::constant(17, 0, 0, 0),
            holidays: Vec::new(),
        }
    }
}

/// What is wrong with a calendar: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    pub field: &'static str,
    pub message: String,
}

fn bad<T>(field: &'static str, message: impl Into<String>) -> Result<T, CalendarError> {
    Err(CalendarError { field, message: message.into() })
}

/// The most holidays a calendar lists (a few years of public holidays).
pub const MAX_HOLIDAYS: usize = 500;

/// How far ahead a deadline is looked for: a calendar with almost no working time still ends.
const HORIZON_DAYS: u32 = 3 * 366;

fn clock(field: &'static str, s: &str) -> Result<jiff::civil::Time, CalendarError> {
    let parsed = s.split_once(':').and_then(|(h, m)| {
        let two = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
        (two(h) && two(m)).then(|| jiff::civil::Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()).flatten()
    });
    parsed.map_or_else(|| bad(field, format!("'{s}' is not a time of day such as 09:00")), Ok)
}

impl Calendar {
    pub fn parse(spec: &CalendarSpec) -> Result<Calendar, CalendarError> {
        let Ok(zone) = jiff::tz::TimeZone::get(&spec.time_zone) else {
            return bad("time_zone", format!("'{}' is not an IANA time zone such as Australia/Sydney", spec.time_zone));
        };
        let mut working = [false; 7];
        for d in &spec.working_days {
            match DAY_NAMES.iter().position(|n| n == d) {
                Some(i) if !working[i] => working[i] = true,
                Some(_) => return bad("working_days", format!("'{d}' is listed twice")),
                None => {
                    return bad("working_days", format!("'{d}' is not a day: use mon, tue, wed, thu, fri, sat, sun"))
                }
            }
        }
        if !working.contains(&true) {
            return bad("working_days", "at least one day must be a working day");
        }
        let start = clock("working_hours", &spec.working_hours.start)?;
        let end = clock("working_hours", &spec.working_hours.end)?;
        if end <= start {
            return bad("working_hours", "the working day must end after it starts");
        }
        if spec.holidays.len() > MAX_HOLIDAYS {
            return bad("holidays", format!("at most {MAX_HOLIDAYS} holidays"));
        }
        let mut holidays = Vec::with_capacity(spec.holidays.len());
        for h in &spec.holidays {
            let ok = h.len() == 10 && h.as_bytes()[4] == b'-' && h.as_bytes()[7] == b'-';
            match h.parse::<jiff::civil::Date>() {
                Ok(d) if ok => holidays.push(d),
                _ => return bad("holidays", format!("'{h}' is not a date such as 2026-12-25")),
            }
        }
        holidays.sort();
        holidays.dedup();
        Ok(Calendar { zone, working, start, end, holidays })
    }

    fn is_working_day(&self, d: jiff::civil::Date) -> bool {
        let index = d.weekday().to_monday_zero_offset();
        self.working[usize::from(index.unsigned_abs())] && self.holidays.binary_search(&d).is_err()
    }

    /// The working interval of day `d` as Unix seconds, if it is worked.
    fn hours_of(&self, d: jiff::civil::Date) -> Option<(i64, i64)> {
        if !self.is_working_day(d) {
            return None;
        }
        let at = |t: jiff::civil::Time| self.zone.to_zoned(d.to_datetime(t)).ok().map(|z| z.timestamp().as_second());
        Some((at(self.start)?, at(self.end)?))
    }

    /// The local date of an instant.
    fn date_of(&self, seconds: i64) -> Option<jiff::civil::Date> {
        let ts = jiff::Timestamp::from_second(seconds).ok()?;
        Some(ts.to_zoned(self.zone.clone()).date())
    }

    /// The instant `hours` of working time after `from` (counted only inside working hours
    /// of working days; `from` outside them starts at the next opening).
    pub fn add_business_hours(&self, from: Timestamp, hours: u32) -> Option<Timestamp> {
        let mut left = i64::from(hours) * 3600;
        let mut cursor = from.unix_seconds();
        let mut day = self.date_of(cursor)?;
        for _ in 0..HORIZON_DAYS {
            if let Some((open, close)) = self.hours_of(day) {
                cursor = cursor.max(open);
                if cursor < close {
                    if left <= close - cursor {
                        return Timestamp::from_unix(cursor + left);
                    }
                    left -= close - cursor;
                }
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// When something started at `from` with `deadline` is due.
    pub fn deadline(&self, from: Timestamp, deadline: Deadline) -> Option<Timestamp> {
        match deadline {
            Deadline::Hours(h) => Some(from.plus_hours(h)),
            Deadline::Minutes(m) => Some(from.plus_secs(i64::from(m) * 60)),
            Deadline::BusinessHours(h) => self.add_business_hours(from, h),
            Deadline::BusinessDays(d) => self.add_business_days(from, d),
        }
    }

    /// Working days after `from` up to and including `to` (negative when `to` is earlier):
    /// a milestone due on Monday leaves one business day before one due on Tuesday.
    pub fn business_days_between(&self, from: jiff::civil::Date, to: jiff::civil::Date) -> i64 {
        let (lo, hi, sign) = if from <= to { (from, to, 1) } else { (to, from, -1) };
        let mut n = 0i64;
        let mut day = lo;
        for _ in 0..(HORIZON_DAYS * 4) {
            let Ok(next) = day.tomorrow() else { break };
            if next > hi {
                break;
            }
            day = next;
            n += i64::from(self.is_working_day(day));
        }
        sign * n
    }

    /// The close of business on the `days`-th working day after the day of `from` (the day
    /// something arrives is not counted, as people count "two business days").
    pub fn add_business_days(&self, from: Timestamp, days: u32) -> Option<Timestamp> {
        let mut day = self.date_of(from.unix_seconds())?;
        let mut counted = 0;
        for _ in 0..HORIZON_DAYS {
            day = day.tomorrow().ok()?;
            if let Some((_, close)) = self.hours_of(day) {
                counted += 1;
                if counted >= days.max(1) {
                    return Timestamp::from_unix(close);
                }
            }
        }
        None
    }
}

/// The instant a local wall-clock time (`2026-12-24T09:00`, as a date-time input sends it)
/// names in an IANA time zone; a time skipped by a DST change moves forward.
pub fn local_instant(time_zone: &str, local: &str) -> Option<Timestamp> {
    let tz = jiff::tz::TimeZone::get(time_zone).ok()?;
    let civil: jiff::civil::DateTime = local.trim().parse().ok()?;
    let zoned = civil.to_zoned(tz).ok()?;
    Timestamp::from_unix(zoned.timestamp().as_second())
}

/// `t` as a local wall-clock time (`2026-12-24T09:00`) in an IANA time zone.
pub fn local_text(time_zone: &str, t: Timestamp) -> Option<String> {
    let tz = jiff::tz::TimeZone::get(time_zone).ok()?;
    let z = jiff::Timestamp::from_second(t.unix_seconds()).ok()?.to_zoned(tz);
    Some(z.datetime().strftime("%Y-%m-%dT%H:%M").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_name_instants_in_their_zone() {
        let t = local_instant("Australia/Sydney", "2026-12-24T09:00").unwrap();
        assert_eq!(t, Timestamp::parse("2026-12-23T22:00:00Z").unwrap());
        assert_eq!(local_text("Australia/Sydney", t).as_deref(), Some("2026-12-24T09:00"));
        assert_eq!(local_instant("UTC", "not a time"), None);
        assert_eq!(local_instant("Mars/Olympus", "2026-12-24T09:00"), None);
    }

    fn spec(zone: &str, holidays: &[&str]) -> CalendarSpec {
        CalendarSpec {
            time_zone: zone.into(),
            working_days: DAY_NAMES[..5].iter().map(|d| d.to_string()).collect(),
            working_hours: WorkingHours { start: "09:00".into(), end: "17:30".into() },
            holidays: holidays.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn show(t: Option<Timestamp>) -> String {
        t.unwrap().to_string()
    }

    #[test]
    fn business_hours_skip_nights_weekends_and_holidays() {
        let c = Calendar::parse(&spec("Australia/Sydney", &["2026-12-25"])).unwrap();
        // Thursday 24 Dec 2026, 16:00 in Sydney (UTC+11): 1.5 h left that day, then Friday is
        // Christmas, the weekend follows, so the rest falls on Monday 28th.
        let thu = at("2026-12-24T16:00:00+11:00");
        assert_eq!(show(c.add_business_hours(thu, 1)), at("2026-12-24T17:00:00+11:00").to_string());
        assert_eq!(show(c.add_business_hours(thu, 4)), at("2026-12-28T11:30:00+11:00").to_string());
        // Arriving at night starts counting at the next opening.
        let night = at("2026-12-28T23:00:00+11:00");
        assert_eq!(show(c.add_business_hours(night, 2)), at("2026-12-29T11:00:00+11:00").to_string());
        // Exactly the whole of a working day.
        let opening = at("2026-12-29T09:00:00+11:00");
        assert_eq!(show(c.add_business_hours(opening, 17)), at("2026-12-30T17:30:00+11:00").to_string());
    }

    #[test]
    fn the_working_day_stays_local_across_a_dst_change() {
        let c = Calendar::parse(&spec("Europe/London", &[])).unwrap();
        // Friday 27 March 2026 16:30 GMT; clocks go forward on Sunday 29th. One hour is left on
        // Friday; the next 7 h run from Monday 09:00 BST (08:00 UTC) to 16:00 BST.
        let fri = at("2026-03-27T16:30:00Z");
        assert_eq!(show(c.add_business_hours(fri, 8)), at("2026-03-30T16:00:00+01:00").to_string());
        // And back in October: Monday 26th opens at 09:00 GMT again.
        let fri = at("2026-10-23T17:00:00+01:00");
        assert_eq!(show(c.add_business_hours(fri, 1)), at("2026-10-26T09:30:00Z").to_string());
    }

    #[test]
    fn business_days_end_at_close_of_business() {
        let c = Calendar::parse(&spec("America/New_York", &["2026-11-26"])).unwrap();
        // Wednesday 25 Nov 2026; Thursday is a holiday: two business days is Monday 30th.
        let wed = at("2026-11-25T10:00:00-05:00");
        assert_eq!(show(c.add_business_days(wed, 1)), at("2026-11-27T17:30:00-05:00").to_string());
        assert_eq!(show(c.add_business_days(wed, 2)), at("2026-11-30T17:30:00-05:00").to_string());
        // Minutes and hours ignore the calendar.
        assert_eq!(show(c.deadline(wed, Deadline::Minutes(90))), at("2026-11-25T11:30:00-05:00").to_string());
        assert_eq!(show(c.deadline(wed, Deadline::Hours(24))), at("2026-11-26T10:00:00-05:00").to_string());
        assert_eq!(c.deadline(wed, Deadline::BusinessDays(1)), c.add_business_days(wed, 1));
    }

    #[test]
    fn bad_calendars_name_the_field() {
        let mut s = spec("Mars/Olympus", &[]);
        assert_eq!(Calendar::parse(&s).unwrap_err().field, "time_zone");
        s.time_zone = "UTC".into();
        s.working_days = vec!["mon".into(), "mon".into()];
        assert_eq!(Calendar::parse(&s).unwrap_err().field, "working_days");
        s.working_days = vec![];
        assert_eq!(Calendar::parse(&s).unwrap_err().field, "working_days");
        s.working_days = vec!["funday".into()];
        assert_eq!(Calendar::parse(&s).unwrap_err().field, "working_days");
        s.working_days = vec!["mon".into()];
        s.working_hours.end = "08:00".into();
        assert_eq!(Calendar::parse(&s).unwrap_err().field, "working_hours");
        s.working_hours.end = "9pm".into();
        assert_eq!(Calendar::parse(&s).unwrap_err().field, "working_hours");
        s.working_hours.end = "17:00".into();
        s.holidays = vec!["25/12/2026".into()];
        assert_eq!(Calendar::parse(&s).unwrap_err().field, "holidays");
        s.holidays = vec![];
        assert!(Calendar::parse(&s).is_ok());
        let default = Calendar::parse(&CalendarSpec::default()).unwrap();
        let fri = at("2026-12-04T16:00:00Z");
        assert_eq!(default.add_business_hours(fri, 2), Calendar::default().add_business_hours(fri, 2));
        assert_eq!(show(Calendar::default().add_business_hours(fri, 2)), at("2026-12-07T10:00:00Z").to_string());
    }
}
