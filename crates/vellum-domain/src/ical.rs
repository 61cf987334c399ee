//! Calendar entries and their iCalendar (RFC 5545) form: what the master calendar shows
//! (milestones, review due dates, distribution windows, campaign spans) and the text a
//! calendar app subscribes to. Every entry has a UID made from what it is about, so a moved
//! milestone replaces its old entry instead of adding a second one.

use serde::Serialize;

pub use jiff::civil::Date;

use crate::Timestamp;

/// What a calendar entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Campaign,
    Milestone,
    /// A review stage's due time.
    ReviewDue,
    /// When an asset is planned to run (its metadata's distribution window).
    Distribution,
    /// When an asset may be distributed (its rights window, up to a required release's end).
    Rights,
}

/// When an entry is: a whole day (dates never drift across time zones) or an instant (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Day(jiff::civil::Date),
    At(Timestamp),
}

impl When {
    /// `2026-12-07` or the RFC 3339 instant.
    pub fn api(self) -> String {
        match self {
            When::Day(d) => d.to_string(),
            When::At(t) => t.to_string(),
        }
    }

    /// The day it falls on (UTC for an instant), for ranges and workload.
    pub fn day(self) -> Option<jiff::civil::Date> {
        match self {
            When::Day(d) => Some(d),
            When::At(t) => crate::campaign::parse_date(&t.to_string()[..10]),
        }
    }
}

/// The day and wall-clock time (`14:30`) of an instant in an IANA time zone (None: a zone
/// this machine does not know).
pub fn local(t: Timestamp, zone: &str) -> Option<(Date, String)> {
    let tz = jiff::tz::TimeZone::get(zone).ok()?;
    let z = jiff::Timestamp::from_second(t.unix_seconds()).ok()?.to_zoned(tz);
    Some((z.date(), format!("{:02}:{:02}", z.hour(), z.minute())))
}

/// One calendar entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Stable across fetches: `milestone-<id>@vellum`.
    pub uid: String,
    pub kind: EntryKind,
    pub title: String,
    pub start: When,
    /// Inclusive: the last day of a span, or the same instant.
    pub end: When,
    pub channel: Option<String>,
    pub colour: Option<String>,
    /// The page it opens, relative to the server.
    pub link: String,
    /// Who it is assigned to (for workload and a person's own feed).
    pub assignees: Vec<crate::Id>,
    /// When what it shows last changed.
    pub updated_at: Timestamp,
    /// Something to fix: an asset planned to run past its rights.
    pub warning: Option<String>,
}

impl Entry {
    /// Whether the entry touches any day from `from` to `to`, inclusive.
    pub fn overlaps(&self, from: jiff::civil::Date, to: jiff::civil::Date) -> bool {
        match (self.start.day(), self.end.day()) {
            (Some(s), Some(e)) => s <= to && e >= from,
            _ => false,
        }
    }
}

/// The calendar's colour for a channel when the campaign has none: the same channel always
/// gets the same colour of a fixed palette.
pub fn channel_colour(channel: &str) -> &'static str {
    const PALETTE: [&str; 8] = ["#2456c7", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#be185d"];
    let h = channel.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    PALETTE[(h % PALETTE.len() as u32) as usize]
}

/// Entries per person per day: how much each assignee has on each day of the range.
pub fn workload(entries: &[Entry]) -> Vec<(crate::Id, jiff::civil::Date, u32)> {
    let mut out: Vec<(crate::Id, jiff::civil::Date, u32)> = Vec::new();
    for e in entries {
        let Some(day) = e.end.day() else { continue };
        for &who in &e.assignees {
            match out.iter_mut().find(|(w, d, _)| *w == who && *d == day) {
                Some(slot) => slot.2 += 1,
                None => out.push((who, day, 1)),
            }
        }
    }
    out.sort_by_key(|&(who, day, _)| (day, who));
    out
}

/// Escapes text for a property value (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a character (§3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn utc(t: Timestamp) -> String {
    let s = t.to_string();
    // 2026-12-07T09:00:00.000000Z → 20261207T090000Z
    format!("{}{}{}T{}{}{}Z", &s[0..4], &s[5..7], &s[8..10], &s[11..13], &s[14..16], &s[17..19])
}

fn day(d: jiff::civil::Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// The feed's text: one VEVENT per entry, times in UTC, whole days as dates (the end date
/// exclusive, as the format wants). `base` makes links absolute.
pub fn render(name: &str, entries: &[Entry], base: &str, now: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Vellum//Master calendar//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    for e in entries {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("DTSTAMP:{}", utc(now)));
        line(format!("LAST-MODIFIED:{}", utc(e.updated_at)));
        match (e.start, e.end) {
            (When::Day(s), When::Day(end)) => {
                line(format!("DTSTART;VALUE=DATE:{}", day(s)));
                let after = end.tomorrow().unwrap_or(end);
                line(format!("DTEND;VALUE=DATE:{}", day(after)));
            }
            (s, end) => {
                let at = |w: When| match w {
                    When::At(t) => utc(t),
                    When::Day(d) => format!("{}T000000Z", day(d)),
                };
                line(format!("DTSTART:{}", at(s)));
                line(format!("DTEND:{}", at(end)));
            }
        }
        match &e.warning {
            Some(w) => line(format!("SUMMARY:{}", escape(&format!("⚠ {} ({w})", e.title)))),
            None => line(format!("SUMMARY:{}", escape(&e.title))),
        }
        if let Some(c) = &e.channel {
            line(format!("CATEGORIES:{}", escape(c)));
        }
        line(format!("URL:{}{}", base.trim_end_matches('/'), e.link));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(uid: &str, title: &str, start: When, end: When) -> Entry {
        Entry {
            uid: uid.into(),
            kind: EntryKind::Milestone,
            title: title.into(),
            start,
            end,
            channel: Some("social".into()),
            colour: None,
            link: "/x".into(),
            assignees: Vec::new(),
            updated_at: Timestamp::parse("2026-12-01T10:00:00Z").unwrap(),
            warning: None,
        }
    }

    fn d(s: &str) -> jiff::civil::Date {
        s.parse().unwrap()
    }

    #[test]
    fn whole_days_end_the_day_after_and_instants_are_utc() {
        let now: Timestamp = Timestamp::parse("2026-12-02T08:30:00Z").unwrap();
        let text = render(
            "Spring",
            &[
                entry("m-1@vellum", "Draft, copy; v2", When::Day(d("2026-12-07")), When::Day(d("2026-12-07"))),
                entry("r-1@vellum", "Due", When::At(now), When::At(now)),
            ],
            "https://v.example/",
            now,
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.contains("DTSTART;VALUE=DATE:20261207\r\nDTEND;VALUE=DATE:20261208\r\n"));
        assert!(text.contains("DTSTART:20261202T083000Z\r\n"));
        assert!(text.contains("SUMMARY:Draft\\, copy\\; v2\r\n"));
        assert!(text.contains("URL:https://v.example/x\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    }

    #[test]
    fn long_lines_fold_without_splitting_a_character() {
        let title = "é".repeat(100);
        let e = entry("u", &title, When::Day(d("2026-01-01")), When::Day(d("2026-01-01")));
        let text = render("x", &[e], "", Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
        for l in text.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{title}")));
    }

    #[test]
    fn an_instant_falls_on_its_local_day() {
        let t = Timestamp::parse("2026-12-07T20:30:00Z").unwrap();
        assert_eq!(local(t, "Australia/Sydney"), Some((d("2026-12-08"), "07:30".into())));
        assert_eq!(local(t, "UTC"), Some((d("2026-12-07"), "20:30".into())));
        assert_eq!(local(t, "Nowhere/Else"), None);
    }

    #[test]
    fn ranges_and_workload_count_days() {
        let mut a = entry("a", "A", When::Day(d("2026-12-07")), When::Day(d("2026-12-09")));
        assert!(a.overlaps(d("2026-12-09"), d("2026-12-20")));
        assert!(!a.overlaps(d("2026-12-10"), d("2026-12-20")));
        let who = crate::id::new_id();
        a.assignees = vec![who];
        let mut b = a.clone();
        b.uid = "b".into();
        assert_eq!(workload(&[a, b]), vec![(who, d("2026-12-09"), 2)]);
        assert_eq!(channel_colour("social"), channel_colour("social"));
    }
}
