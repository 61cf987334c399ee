//! The master calendar page (`/w/{ws}/calendar`): campaign spans, milestones, review deadlines
//! and distribution windows as a month grid, a week or a list; each person's load per day with
//! the collisions marked; and the user's iCalendar feeds, made, shown once and revoked here.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use vellum_core::schedule::{range, CalendarView, FeedScope, FeedView};
use vellum_domain::{
    campaign::parse_date,
    ical::{Date, Entry, EntryKind, When},
    id::parse_id,
    role::Capability,
    Id,
};

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, short_id, when, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::AppState;

/// Items on one person's day from which the workload table calls it a collision.
const COLLISION: u32 = 3;
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    /// `month`, `week` or `list`.
    view: Option<String>,
    /// `YYYY-MM`, for the month and list views.
    month: Option<String>,
    /// `YYYY-MM-DD`: any day of the week to show.
    week: Option<String>,
    campaign: Option<String>,
    done: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Month,
    Week,
    List,
}

impl View {
    const ALL: [View; 3] = [View::Month, View::Week, View::List];

    fn as_str(self) -> &'static str {
        match self {
            View::Month => "month",
            View::Week => "week",
            View::List => "list",
        }
    }

    fn label(self) -> &'static str {
        match self {
            View::Month => "Month",
            View::Week => "Week",
            View::List => "List",
        }
    }
}

/// What one rendering shows: the view, its first day (the 1st of the month, or a Monday),
/// the days it covers and the campaign it is narrowed to.
struct Shown {
    view: View,
    anchor: Date,
    from: Date,
    to: Date,
    campaign: Option<Id>,
}

/// `d` moved by `n` whole days. Calendar days, never instants: a date does not pass through
/// a time zone, so it cannot drift. None only beyond the years a date can hold.
fn shift(d: Date, n: i32) -> Option<Date> {
    (0..n.unsigned_abs()).try_fold(d, |d, _| if n > 0 { d.tomorrow() } else { d.yesterday() }.ok())
}

fn monday(d: Date) -> Option<Date> {
    shift(d, -i32::from(d.weekday().to_monday_zero_offset()))
}

fn month_name(d: Date) -> String {
    let name = usize::try_from(d.month() - 1).ok().and_then(|m| MONTHS.get(m)).copied().unwrap_or("");
    format!("{name} {}", d.year())
}

fn day_name(d: Date) -> String {
    let wd = usize::try_from(d.weekday().to_monday_zero_offset()).ok().and_then(|w| WEEKDAYS.get(w)).copied();
    format!("{} {}", wd.unwrap_or(""), d.day())
}

impl Shown {
    /// Reads the query: a blank or unknown view is the month, no date is today's.
    fn of(q: &CalendarQuery, today: Date) -> Result<Shown, UiError> {
        let view = View::ALL.into_iter().find(|v| q.view.as_deref() == Some(v.as_str())).unwrap_or(View::Month);
        let campaign = match q.campaign.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => {
                Some(parse_id(c).ok_or_else(|| UiError::invalid("The campaign could not be read; choose it again."))?)
            }
        };
        let out_of_range = || UiError::invalid("That date is out of range.");
        let (anchor, from, to) = match view {
            View::Week => {
                let day = match q.week.as_deref() {
                    Some(w) => {
                        parse_date(w).ok_or_else(|| UiError::invalid("The week must be a date like 2026-06-01."))?
                    }
                    None => today,
                };
                let mon = monday(day).ok_or_else(out_of_range)?;
                (mon, mon, shift(mon, 6).ok_or_else(out_of_range)?)
            }
            View::Month | View::List => {
                let first = match q.month.as_deref() {
                    Some(m) => parse_date(&format!("{m}-01"))
                        .ok_or_else(|| UiError::invalid("The month must look like 2026-06."))?,
                    None => today.first_of_month(),
                };
                let last = first.last_of_month();
                match view {
                    // The grid runs from the Monday before the 1st to the Sunday after the last.
                    View::Month => {
                        let sunday = monday(last).and_then(|m| shift(m, 6)).ok_or_else(out_of_range)?;
                        (first, monday(first).ok_or_else(out_of_range)?, sunday)
                    }
                    _ => (first, first, last),
                }
            }
        };
        Ok(Shown { view, anchor, from, to, campaign })
    }

    /// The page for `view` around `anchor`, keeping the campaign.
    fn url(&self, ws: &str, view: View, anchor: Date) -> String {
        let at = match view {
            View::Week => format!("week={anchor}"),
            View::Month | View::List => format!("month={:04}-{:02}", anchor.year(), anchor.month()),
        };
        let campaign = self.campaign.map(|k| format!("&campaign={k}")).unwrap_or_default();
        format!("/w/{ws}/calendar?view={}&{at}{campaign}", view.as_str())
    }

    /// Previous and next month, or week, with their labels.
    fn steps(&self) -> Option<((Date, String), (Date, String))> {
        Some(match self.view {
            View::Week => {
                let (p, n) = (shift(self.anchor, -7)?, shift(self.anchor, 7)?);
                ((p, format!("Week of {p}")), (n, format!("Week of {n}")))
            }
            View::Month | View::List => {
                let p = self.anchor.yesterday().ok()?.first_of_month();
                let n = self.anchor.last_of_month().tomorrow().ok()?;
                ((p, month_name(p)), (n, month_name(n)))
            }
        })
    }

    fn days(&self) -> Vec<Date> {
        std::iter::successors(Some(self.from), |d| d.tomorrow().ok()).take_while(|d| *d <= self.to).collect()
    }
}

fn kind_label(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Campaign => "Campaign",
        EntryKind::Milestone => "Milestone",
        EntryKind::ReviewDue => "Review due",
        EntryKind::Distribution => "Runs",
        EntryKind::Rights => "Rights",
    }
}

/// The entry's colour as a bar. The page's policy forbids inline styles, and an SVG fill is an
/// attribute, not a style; only `#rrggbb` is drawn (what campaign colours and the channel
/// palette are), anything else takes the text colour.
fn bar(colour: Option<&str>) -> Markup {
    let hex = colour
        .filter(|c| c.strip_prefix('#').is_some_and(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit())));
    html! {
        svg.bar viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true" focusable="false" {
            rect width="1" height="1" fill=(hex.unwrap_or("currentColor")) {}
        }
    }
}

fn entry(e: &Entry) -> Markup {
    html! {
        a.cal-entry href=(e.link) {
            (bar(e.colour.as_deref()))
            span { span.kind { (kind_label(e.kind)) } " " (e.title) }
            @if let Some(w) = &e.warning {
                " " strong.warning title=(w) { "⚠ " (w) }
            }
        }
    }
}

/// The workspace's time zone: instants are shown, and put on days, in it (whole days never
/// move). An unknown zone shows UTC, as the API does.
struct Zone(String);

impl Zone {
    fn local(&self, t: vellum_domain::Timestamp) -> Option<(Date, String, &str)> {
        match vellum_domain::ical::local(t, &self.0) {
            Some((d, hm)) => Some((d, hm, self.0.as_str())),
            None => vellum_domain::ical::local(t, "UTC").map(|(d, hm)| (d, hm, "UTC")),
        }
    }

    fn day(&self, w: When) -> Option<Date> {
        match w {
            When::Day(d) => Some(d),
            When::At(t) => self.local(t).map(|(d, _, _)| d),
        }
    }

    fn show(&self, t: vellum_domain::Timestamp) -> Markup {
        match self.local(t) {
            Some((d, hm, zone)) => html! { time datetime=(t) { (d) " " (hm) " " span.muted { (zone) } } },
            None => when(t),
        }
    }
}

/// When an entry is: whole days as the dates they are, instants in the workspace's zone.
fn span_of(e: &Entry, z: &Zone) -> Markup {
    let one = |w: When| match w {
        When::Day(d) => html! { time datetime=(d) { (d) } },
        When::At(t) => z.show(t),
    };
    html! { (one(e.start)) @if e.end != e.start { " – " (one(e.end)) } }
}

fn entries_on<'a>(entries: &'a [Entry], d: Date, z: &'a Zone) -> impl Iterator<Item = &'a Entry> {
    entries.iter().filter(move |e| match (z.day(e.start), z.day(e.end)) {
        (Some(s), Some(end)) => s <= d && d <= end,
        _ => false,
    })
}

fn month_grid(shown: &Shown, entries: &[Entry], today: Date, z: &Zone) -> Markup {
    let days = shown.days();
    html! {
        div.scroll {
            table.cal-month {
                caption.visually-hidden { (month_name(shown.anchor)) }
                thead { tr { @for w in WEEKDAYS { th scope="col" { (w) } } } }
                tbody {
                    @for week in days.chunks(7) {
                        tr {
                            @for &d in week {
                                @let out = d.month() != shown.anchor.month();
                                td class=[out.then_some("out")] aria-current=[(d == today).then_some("date")] {
                                    time.day-no datetime=(d) { (d.day()) }
                                    ul.cal-entries { @for e in entries_on(entries, d, z) { li { (entry(e)) } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn week(shown: &Shown, entries: &[Entry], today: Date, z: &Zone) -> Markup {
    html! {
        div.cal-week {
            @for d in shown.days() {
                section.cal-day aria-current=[(d == today).then_some("date")] {
                    h3 { time datetime=(d) { (day_name(d)) } }
                    ul.cal-entries {
                        @for e in entries_on(entries, d, z) {
                            li {
                                (entry(e))
                                @if let When::At(t) = e.start { " " small { (z.show(t)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn list(entries: &[Entry], z: &Zone) -> Markup {
    html! {
        @if entries.is_empty() {
            p.empty { "Nothing planned in this month." }
        } @else {
            table.stack {
                thead { tr { th { "Date" } th { "Kind" } th { "Title" } th { "Channel" } } }
                tbody {
                    @for e in entries {
                        tr {
                            td data-label="Date" { (span_of(e, z)) }
                            td data-label="Kind" { span.tag { (kind_label(e.kind)) } }
                            td.title-cell data-label="Title" { (entry(e)) }
                            td data-label="Channel" { (e.channel.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

fn workload(load: &[(Id, Date, u32)], names: &HashMap<Id, String>) -> Markup {
    html! {
        h2 #workload { "Workload" }
        p.muted { "What each person has on each day. " (COLLISION) " or more on one day is a collision." }
        @if load.is_empty() {
            p.empty { "Nobody has anything assigned on these days." }
        } @else {
            table.stack.workload {
                thead { tr { th { "Day" } th { "Person" } th { "Items" } } }
                tbody {
                    @for (who, d, n) in load {
                        tr class=[(*n >= COLLISION).then_some("collision")] {
                            td data-label="Day" { time datetime=(d) { (d) } }
                            td data-label="Person" { (names.get(who).map_or_else(|| short_id_of(who), Clone::clone)) }
                            td.num data-label="Items" { (n) @if *n >= COLLISION { " " strong { "collision" } } }
                        }
                    }
                }
            }
        }
    }
}

fn short_id_of(id: &Id) -> String {
    short_id(&id.to_string()).to_string()
}

fn feeds(ws: &str, csrf: &str, feeds: &[FeedView], campaigns: &[(Id, String)], new_url: Option<&str>) -> Markup {
    let campaign_name = |id: &Id| {
        campaigns
            .iter()
            .find(|(k, _)| k == id)
            .map_or_else(|| format!("another workspace's ({})", short_id_of(id)), |(_, n)| n.clone())
    };
    html! {
        h2 #feeds { "Calendar feeds" }
        p.muted { "Subscribe to these in a calendar app. Each address holds a secret: anyone who has it sees what the feed shows, so revoke a feed whose address got out." }
        @if let Some(url) = new_url {
            div.card.new-feed {
                label for="feed-url" { "Your new feed's address" }
                input #feed-url type="text" readonly value=(url) aria-describedby="feed-url-hint";
                p.hint #feed-url-hint { "Copy it into your calendar app now: it is shown only this once." }
            }
        }
        @if feeds.is_empty() {
            p.empty { "No feeds yet." }
        } @else {
            table.stack {
                thead { tr { th { "Created" } th { "Shows" } th { span.visually-hidden { "Actions" } } } }
                tbody {
                    @for f in feeds {
                        tr {
                            td data-label="Created" { (when(f.feed.created_at)) }
                            td data-label="Shows" {
                                @match (f.feed.scope, f.feed.campaign_id) {
                                    (FeedScope::Campaign, Some(k)) => { "Campaign " (campaign_name(&k)) }
                                    (FeedScope::Campaign, None) => { "A campaign" }
                                    (FeedScope::Me, _) => { "Your work, in every workspace" }
                                }
                            }
                            td.actions {
                                form.inline method="post" action={ "/w/" (ws) "/calendar/feeds/" (f.feed.id) "/revoke" } {
                                    (csrf_field(csrf))
                                    button.danger type="submit" { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.card method="post" action={ "/w/" (ws) "/calendar/feeds" } {
            (csrf_field(csrf))
            div.grid2 {
                div {
                    label for="feed-scope" { "Shows" }
                    select #feed-scope name="scope" {
                        option value="me" { "Your work, in every workspace" }
                        option value="campaign" { "One campaign" }
                    }
                }
                div {
                    label for="feed-campaign" { "Campaign" }
                    select #feed-campaign name="campaign_id" aria-describedby="feed-campaign-hint" {
                        option value="" { "—" }
                        @for (id, name) in campaigns { option value=(id) { (name) } }
                    }
                    p.hint #feed-campaign-hint { "For a campaign feed only." }
                }
            }
            button.primary type="submit" { "Create feed" }
        }
    }
}

async fn render(
    s: &AppState,
    who: &Signed,
    ws: &str,
    q: &CalendarQuery,
    notice: Option<Notice>,
    status: StatusCode,
    new_feed: Option<String>,
) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Calendar).await?;
    // Today as the server's clock has it, in UTC: the calendar's whole days are UTC days too.
    let today = When::At(s.core.now()).day().ok_or_else(|| UiError::invalid("The server's clock has no date."))?;
    let shown = Shown::of(q, today)?;
    let days = range(&shown.from.to_string(), &shown.to.to_string())?;
    let CalendarView { entries, workload: load } =
        s.core.calendar_entries(&who.actor, ws, days, shown.campaign).await?;
    let zone = Zone(s.core.calendar(&who.actor, ws).await.map(|c| c.time_zone).unwrap_or_else(|_| "UTC".into()));
    let campaigns: Vec<(Id, String)> = s
        .core
        .campaigns(&who.actor, ws)
        .await?
        .into_iter()
        .map(|k| (k.id, format!("{} ({})", k.name, k.code)))
        .collect();
    // Viewers may not list members: their workload shows ids.
    let names: HashMap<Id, String> = if chrome.can(Capability::SeeWorkInProgress) {
        s.core.members(&who.actor, ws).await?.into_iter().map(|m| (m.user_id, m.name)).collect()
    } else {
        HashMap::new()
    };
    // A span counts on its last day, which may fall after the days shown.
    let load: Vec<(Id, Date, u32)> = load.into_iter().filter(|(_, d, _)| *d >= shown.from && *d <= shown.to).collect();
    let my_feeds = s.core.feeds(&who.actor).await?;
    let current = match shown.view {
        View::Week => format!("Week of {}", shown.anchor),
        View::Month | View::List => month_name(shown.anchor),
    };
    // The week view opens on this week when the month shown holds today, else on its first week.
    let week_of = if today.first_of_month() == shown.anchor.first_of_month() { today } else { shown.anchor };
    let body = html! {
        div.titlebar {
            h1 { "Calendar" }
            nav.toggle aria-label="View" {
                @for v in View::ALL {
                    @let at = if v == View::Week { monday(week_of).unwrap_or(week_of) } else { shown.anchor };
                    " " a href=(shown.url(ws, v, at)) aria-current=[(v == shown.view).then_some("page")] { (v.label()) }
                }
            }
        }
        form.filters method="get" action={ "/w/" (ws) "/calendar" } {
            input type="hidden" name="view" value=(shown.view.as_str());
            @match shown.view {
                View::Week => { input type="hidden" name="week" value=(shown.anchor); }
                View::Month | View::List => {
                    input type="hidden" name="month" value=(format!("{:04}-{:02}", shown.anchor.year(), shown.anchor.month()));
                }
            }
            div {
                label for="c-campaign" { "Campaign" }
                select #c-campaign name="campaign" {
                    option value="" { "Every campaign" }
                    @for (id, name) in &campaigns { option value=(id) selected[shown.campaign == Some(*id)] { (name) } }
                }
            }
            div.filter-actions { button type="submit" { "Show" } }
        }
        nav.pager aria-label="Dates" {
            @if let Some(((p, pl), (n, nl))) = shown.steps() {
                a rel="prev" href=(shown.url(ws, shown.view, p)) { "← " (pl) }
                strong { (current) }
                a href=(shown.url(ws, shown.view, today)) { "Today" }
                a rel="next" href=(shown.url(ws, shown.view, n)) { (nl) " →" }
            } @else {
                strong { (current) }
            }
        }
        @match shown.view {
            View::Month => { (month_grid(&shown, &entries, today, &zone)) }
            View::Week => { (week(&shown, &entries, today, &zone)) }
            View::List => { (list(&entries, &zone)) }
        }
        (workload(&load, &names))
        (feeds(ws, &who.csrf, &my_feeds, &campaigns, new_feed.as_deref()))
    };
    Ok(Page::with_status(status, page("Calendar", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/calendar`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> UiResult {
    // Fixed texts only, so a link cannot put words on the page.
    let notice = (q.done.as_deref() == Some("feed_revoked"))
        .then_some(Notice::Info("The feed was revoked: calendar apps subscribed to it get nothing more."));
    render(&s, &who, &ws, &q, notice, StatusCode::OK, None).await
}

/// `POST /w/{ws}/calendar/feeds`: answers with the page itself, because the new address holds
/// a secret shown this once (pages are never cached).
pub async fn create_feed(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let scope = field(&f, "scope");
    // The campaign select keeps its choice when the scope is switched back to "me"; only a
    // campaign feed names one.
    let campaign = match field(&f, "campaign_id") {
        c if scope != "campaign" || c.is_empty() => None,
        c => Some(parse_id(c).ok_or_else(|| UiError::invalid("The campaign could not be read; choose it again."))?),
    };
    let q = CalendarQuery::default();
    match s.core.create_feed(&who.actor, scope, campaign).await {
        Ok(feed) => {
            let url = format!("{}{}", s.core.notify.public_url.trim_end_matches('/'), feed.path.unwrap_or_default());
            let notice = Some(Notice::Info("The feed was created."));
            render(&s, &who, &ws, &q, notice, StatusCode::OK, Some(url)).await
        }
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, &ws, &q, Some(e.notice()), e.status, None).await
        }
    }
}

/// `POST /w/{ws}/calendar/feeds/{id}/revoke`.
pub async fn revoke_feed(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = parse_id(&id).ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "That feed does not exist."))?;
    match s.core.revoke_feed(&who.actor, id).await {
        Ok(()) => Ok(see_other(&format!("/w/{ws}/calendar?done=feed_revoked#feeds"))),
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, &ws, &CalendarQuery::default(), Some(e.notice()), e.status, None).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        parse_date(s).unwrap_or_default()
    }

    fn query(view: &str, month: Option<&str>, week: Option<&str>) -> CalendarQuery {
        CalendarQuery {
            view: Some(view.into()),
            month: month.map(Into::into),
            week: week.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn a_month_grid_runs_monday_to_sunday_around_the_month() {
        // June 2026 starts on a Monday and ends on a Tuesday.
        let s = Shown::of(&query("month", Some("2026-06"), None), day("2026-01-15")).map_err(|e| e.message);
        let s = s.as_ref().map(|s| (s.from, s.to, s.days().len()));
        assert_eq!(s, Ok((day("2026-06-01"), day("2026-07-05"), 35)));
        let list = Shown::of(&query("list", Some("2026-02"), None), day("2026-01-15")).map(|s| (s.from, s.to));
        assert_eq!(list.map_err(|e| e.message), Ok((day("2026-02-01"), day("2026-02-28"))));
    }

    #[test]
    fn a_week_starts_on_its_monday_and_steps_by_seven_days() {
        let s = Shown::of(&query("week", None, Some("2026-06-04")), day("2026-01-15")).map_err(|e| e.message);
        assert_eq!(s.as_ref().map(|s| (s.from, s.to)), Ok((day("2026-06-01"), day("2026-06-07"))));
        let steps = s.as_ref().ok().and_then(Shown::steps).map(|((p, _), (n, _))| (p, n));
        assert_eq!(steps, Some((day("2026-05-25"), day("2026-06-08"))));
    }

    #[test]
    fn no_date_is_today_and_a_bad_one_is_refused() {
        let s = Shown::of(&CalendarQuery::default(), day("2026-03-18")).map(|s| (s.view == View::Month, s.anchor));
        assert_eq!(s.map_err(|e| e.message), Ok((true, day("2026-03-01"))));
        assert!(Shown::of(&query("month", Some("March"), None), day("2026-03-18")).is_err());
    }

    #[test]
    fn only_hex_colours_are_drawn() {
        assert!(bar(Some("#2456c7")).into_string().contains("fill=\"#2456c7\""));
        assert!(bar(Some("red\" onload=\"x")).into_string().contains("fill=\"currentColor\""));
    }
}
