//! Cron expressions (`minute hour day-of-month month day-of-week`, UTC) for the periodic
//! scheduler: lists, ranges, steps and `*`, as in crontab(5).

use crate::ErrorCode;
use crate::{DomainError, Timestamp};

/// A parsed five-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// crontab(5): when both day fields are restricted, either may match.
    day_or: bool,
}

fn field(text: &str, min: u32, max: u32, what: &str) -> Result<(u64, bool), DomainError> {
    let bad =
        || DomainError::invalid(ErrorCode::InvalidCron, format!("'{text}' is not a valid {what} field ({min}–{max})"));
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(bad)?),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?)
        } else {
            let v: u32 = range.parse().map_err(|_| bad())?;
            (v, if part.contains('/') { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return Err(bad());
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, text != "*"))
}

impl Cron {
    pub fn parse(expr: &str) -> Result<Cron, DomainError> {
        let parts: Vec<&str> = expr.split_whitespace().collect();
        let [m, h, dom, mon, dow] = parts[..] else {
            return Err(DomainError::invalid(
                ErrorCode::InvalidCron,
                format!("'{expr}' needs five fields: minute hour day month weekday"),
            ));
        };
        let (minutes, _) = field(m, 0, 59, "minute")?;
        let (hours, _) = field(h, 0, 23, "hour")?;
        let (days, dom_restricted) = field(dom, 1, 31, "day-of-month")?;
        let (months, _) = field(mon, 1, 12, "month")?;
        let (mut weekdays, dow_restricted) = field(dow, 0, 7, "day-of-week")?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1; // 7 is Sunday too
        }
        Ok(Cron { minutes, hours, days, months, weekdays, day_or: dom_restricted && dow_restricted })
    }

    fn matches(&self, t: &time::OffsetDateTime) -> bool {
        let day = self.days & (1 << t.day()) != 0;
        let weekday = self.weekdays & (1 << t.weekday().number_days_from_sunday()) != 0;
        let day_ok = if self.day_or { day || weekday } else { day && weekday };
        self.minutes & (1 << t.minute()) != 0
            && self.hours & (1 << t.hour()) != 0
            && self.months & (1 << u8::from(t.month())) != 0
            && day_ok
    }

    /// The first whole minute strictly after `after` that the expression matches (within
    /// about four years; None for expressions that never fire, like 31 February).
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let start = after.unix_seconds().div_euclid(60) * 60 + 60;
        let mut t = time::OffsetDateTime::from_unix_timestamp(start).ok()?;
        let limit = t + time::Duration::days(366 * 4);
        while t < limit {
            if self.months & (1 << u8::from(t.month())) == 0 {
                // Skip to the first day of the next month.
                let (y, m) = if t.month() == time::Month::December {
                    (t.year() + 1, time::Month::January)
                } else {
                    (t.year(), t.month().next())
                };
                t = time::Date::from_calendar_date(y, m, 1).ok()?.midnight().assume_utc();
                continue;
            }
            if self.matches(&t) {
                return Timestamp::from_unix(t.unix_timestamp());
            }
            t += time::Duration::minutes(1);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn steps_ranges_and_lists() {
        let every5 = Cron::parse("*/5 * * * *").unwrap();
        assert_eq!(every5.next_after(at("2026-01-01T10:02:30Z")), Some(at("2026-01-01T10:05:00Z")));
        assert_eq!(every5.next_after(at("2026-01-01T10:05:00Z")), Some(at("2026-01-01T10:10:00Z")));
        let nightly = Cron::parse("30 2 * * *").unwrap();
        assert_eq!(nightly.next_after(at("2026-01-01T10:00:00Z")), Some(at("2026-01-02T02:30:00Z")));
        let weekdays = Cron::parse("0 9 * * 1-5").unwrap();
        // 2026-01-03 is a Saturday.
        assert_eq!(weekdays.next_after(at("2026-01-03T00:00:00Z")), Some(at("2026-01-05T09:00:00Z")));
        let list = Cron::parse("0 8,17 * * *").unwrap();
        assert_eq!(list.next_after(at("2026-01-01T09:00:00Z")), Some(at("2026-01-01T17:00:00Z")));
        let sunday7 = Cron::parse("0 0 * * 7").unwrap();
        assert_eq!(sunday7.next_after(at("2026-01-01T00:00:00Z")), Some(at("2026-01-04T00:00:00Z")));
    }

    #[test]
    fn months_and_either_day_field() {
        let feb = Cron::parse("0 0 1 2 *").unwrap();
        assert_eq!(feb.next_after(at("2026-03-01T00:00:00Z")), Some(at("2027-02-01T00:00:00Z")));
        // The 13th or any Friday (crontab semantics when both are restricted).
        let either = Cron::parse("0 12 13 * 5").unwrap();
        assert_eq!(either.next_after(at("2026-01-01T00:00:00Z")), Some(at("2026-01-02T12:00:00Z")));
        assert_eq!(Cron::parse("0 0 31 2 *").unwrap().next_after(at("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn bad_expressions_are_refused() {
        for bad in ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * 0 * *"] {
            assert_eq!(Cron::parse(bad).unwrap_err().code(), "invalid_cron", "{bad}");
        }
    }
}
