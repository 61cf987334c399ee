//! The public event kinds everything that reacts to a change subscribes to (inbox, email,
//! webhooks), a person's email choices per kind, and when their daily digest is due.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, Timestamp};

/// What happened, by its public, stable name (webhooks and preferences use these; they are
/// separate from the audit log's action names, which may be finer and may change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    #[serde(rename = "version.created")]
    VersionCreated,
    #[serde(rename = "review.started")]
    ReviewStarted,
    #[serde(rename = "review.decision")]
    ReviewDecision,
    #[serde(rename = "stage.completed")]
    StageCompleted,
    #[serde(rename = "review.completed")]
    ReviewCompleted,
    #[serde(rename = "review.reminder")]
    ReviewReminder,
    #[serde(rename = "review.escalated")]
    ReviewEscalated,
    #[serde(rename = "review.reassigned")]
    ReviewReassigned,
    #[serde(rename = "mention")]
    Mention,
    #[serde(rename = "download.requested")]
    DownloadRequested,
    #[serde(rename = "download.decided")]
    DownloadDecided,
    #[serde(rename = "rights.expiring")]
    RightsExpiring,
    #[serde(rename = "search.match")]
    SearchMatch,
}

impl EventKind {
    pub const ALL: [EventKind; 13] = [
        EventKind::VersionCreated,
        EventKind::ReviewStarted,
        EventKind::ReviewDecision,
        EventKind::StageCompleted,
        EventKind::ReviewCompleted,
        EventKind::ReviewReminder,
        EventKind::ReviewEscalated,
        EventKind::ReviewReassigned,
        EventKind::Mention,
        EventKind::DownloadRequested,
        EventKind::DownloadDecided,
        EventKind::RightsExpiring,
        EventKind::SearchMatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::VersionCreated => "version.created",
            EventKind::ReviewStarted => "review.started",
            EventKind::ReviewDecision => "review.decision",
            EventKind::StageCompleted => "stage.completed",
            EventKind::ReviewCompleted => "review.completed",
            EventKind::ReviewReminder => "review.reminder",
            EventKind::ReviewEscalated => "review.escalated",
            EventKind::ReviewReassigned => "review.reassigned",
            EventKind::Mention => "mention",
            EventKind::DownloadRequested => "download.requested",
            EventKind::DownloadDecided => "download.decided",
            EventKind::RightsExpiring => "rights.expiring",
            EventKind::SearchMatch => "search.match",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the kind reads in settings.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::VersionCreated => "A new version of an asset you own",
            EventKind::ReviewStarted => "A review waits for your decision",
            EventKind::ReviewDecision => "Someone decides on a review you started",
            EventKind::StageCompleted => "A stage completes and the next one waits for you",
            EventKind::ReviewCompleted => "A review you started or an asset you own is approved or rejected",
            EventKind::ReviewReminder => "Reminders of decisions you owe",
            EventKind::ReviewEscalated => "Overdue decisions escalated to you",
            EventKind::ReviewReassigned => "A decision reassigned to you",
            EventKind::Mention => "Someone mentions you",
            EventKind::DownloadRequested => "A download request waits for your decision",
            EventKind::DownloadDecided => "Your download request is granted or denied",
            EventKind::RightsExpiring => "The rights of an asset you own or manage are about to end",
            EventKind::SearchMatch => "A newly approved asset matches a saved search you follow",
        }
    }

    /// The email choice of someone who never set one: what needs them now comes at once,
    /// what only informs them waits for the digest.
    pub fn default_email(self) -> EmailChoice {
        match self {
            EventKind::ReviewStarted
            | EventKind::StageCompleted
            | EventKind::ReviewReminder
            | EventKind::ReviewEscalated
            | EventKind::ReviewReassigned
            | EventKind::Mention
            | EventKind::DownloadRequested
            | EventKind::DownloadDecided
            | EventKind::RightsExpiring
            | EventKind::SearchMatch => EmailChoice::Immediate,
            EventKind::VersionCreated | EventKind::ReviewDecision | EventKind::ReviewCompleted => {
                EmailChoice::DailyDigest
            }
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How someone wants to hear of one kind of event by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailChoice {
    Immediate,
    DailyDigest,
    Off,
}

impl EmailChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailChoice::Immediate => "immediate",
            EmailChoice::DailyDigest => "daily_digest",
            EmailChoice::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<EmailChoice> {
        [EmailChoice::Immediate, EmailChoice::DailyDigest, EmailChoice::Off].into_iter().find(|c| c.as_str() == s)
    }
}

/// A person's notification settings, complete (every kind has a choice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preferences {
    /// The email choice per event kind.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, EmailChoice>))]
    pub email: BTreeMap<EventKind, EmailChoice>,
    /// The local hour (0–23) the daily digest is sent at.
    pub digest_hour: u8,
    /// The IANA time zone that hour is in.
    pub time_zone: String,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            email: EventKind::ALL.into_iter().map(|k| (k, k.default_email())).collect(),
            digest_hour: 8,
            time_zone: "UTC".into(),
        }
    }
}

/// Why a preferences change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferencesError {
    pub code: ErrorCode,
    pub message: String,
}

fn invalid(message: String) -> PreferencesError {
    PreferencesError { code: ErrorCode::InvalidPreferences, message }
}

/// A change to preferences: any part may be left out and keeps its value.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreferencesChange {
    /// Email choices by event kind (`immediate`, `daily_digest` or `off`).
    #[serde(default)]
    pub email: BTreeMap<String, String>,
    #[serde(default)]
    pub digest_hour: Option<i64>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl Preferences {
    /// `self` with `change` applied, checked whole: unknown kinds or choices, an hour outside
    /// 0–23 or an unknown time zone change nothing.
    pub fn changed(&self, change: &PreferencesChange) -> Result<Preferences, PreferencesError> {
        let mut out = self.clone();
        for (kind, choice) in &change.email {
            let k = EventKind::parse(kind).ok_or_else(|| {
                let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                invalid(format!("'{kind}' is not an event kind; use one of {}", known.join(", ")))
            })?;
            let c = EmailChoice::parse(choice).ok_or_else(|| {
                invalid(format!("'{choice}' for {kind} is not a choice; use immediate, daily_digest or off"))
            })?;
            out.email.insert(k, c);
        }
        if let Some(h) = change.digest_hour {
            out.digest_hour = u8::try_from(h)
                .ok()
                .filter(|h| *h < 24)
                .ok_or_else(|| invalid(format!("digest_hour {h} is not an hour of the day (0–23)")))?;
        }
        if let Some(tz) = &change.time_zone {
            jiff::tz::TimeZone::get(tz).map_err(|_| invalid(format!("'{tz}' is not an IANA time zone")))?;
            out.time_zone = tz.clone();
        }
        Ok(out)
    }

    pub fn choice(&self, kind: EventKind) -> EmailChoice {
        self.email.get(&kind).copied().unwrap_or(kind.default_email())
    }

    /// The latest digest time (the chosen local hour, on the hour) at or before `now`.
    pub fn last_digest_slot(&self, now: Timestamp) -> Option<Timestamp> {
        let tz = jiff::tz::TimeZone::get(&self.time_zone).ok()?;
        let now_z = jiff::Timestamp::from_second(now.unix_seconds()).ok()?.to_zoned(tz.clone());
        let today = now_z.date().at(i8::try_from(self.digest_hour).ok()?, 0, 0, 0).to_zoned(tz).ok()?;
        let slot = if today.timestamp() <= now_z.timestamp() {
            today
        } else {
            today.checked_sub(jiff::Span::new().days(1)).ok()?
        };
        Timestamp::from_unix(slot.timestamp().as_second())
    }

    /// Whether a digest is due at `now` for someone whose oldest waiting item arrived at
    /// `waiting_since` and whose last digest went out at `last`: a digest slot has passed
    /// since both.
    pub fn digest_due(&self, waiting_since: Timestamp, last: Option<Timestamp>, now: Timestamp) -> bool {
        let Some(slot) = self.last_digest_slot(now) else { return false };
        slot >= waiting_since && last.is_none_or(|l| l < slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn kinds_round_trip_by_their_public_names() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.as_str()));
        }
        assert_eq!(EventKind::parse("review.decide"), None);
    }

    #[test]
    fn a_change_is_checked_whole() {
        let p = Preferences::default();
        let mut change = PreferencesChange::default();
        change.email.insert("review.reminder".into(), "off".into());
        change.digest_hour = Some(17);
        change.time_zone = Some("Australia/Sydney".into());
        let q = p.changed(&change).unwrap();
        assert_eq!(q.choice(EventKind::ReviewReminder), EmailChoice::Off);
        assert_eq!((q.digest_hour, q.time_zone.as_str()), (17, "Australia/Sydney"));

        for (kind, choice, hour, tz) in [
            ("review.nope", "off", None, None),
            ("mention", "sometimes", None, None),
            ("mention", "off", Some(24), None),
            ("mention", "off", Some(-1), None),
            ("mention", "off", None, Some("Mars/Olympus")),
        ] {
            let mut c = PreferencesChange { digest_hour: hour, time_zone: tz.map(String::from), ..Default::default() };
            c.email.insert(kind.into(), choice.into());
            let e = p.changed(&c).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidPreferences, "{kind} {choice} {hour:?} {tz:?}");
        }
    }

    #[test]
    fn the_digest_slot_is_the_local_hour_across_a_dst_change() {
        let p = Preferences { digest_hour: 8, time_zone: "Australia/Sydney".into(), ..Default::default() };
        // Sydney moves from +10 to +11 at 02:00 local on 2026-10-04 (16:00 UTC the day before):
        // 08:00 is 22:00 UTC the day before on the 3rd, 21:00 UTC the day before on the 4th.
        assert_eq!(p.last_digest_slot(at("2026-10-03T20:59:59Z")), Some(at("2026-10-02T22:00:00Z")));
        assert_eq!(p.last_digest_slot(at("2026-10-03T21:00:00Z")), Some(at("2026-10-03T21:00:00Z")));
        assert_eq!(p.last_digest_slot(at("2026-10-03T23:00:00Z")), Some(at("2026-10-03T21:00:00Z")));
    }

    #[test]
    fn a_digest_is_due_once_per_slot() {
        let p = Preferences { digest_hour: 9, time_zone: "UTC".into(), ..Default::default() };
        let waiting = at("2026-03-02T07:00:00Z");
        assert!(!p.digest_due(waiting, None, at("2026-03-02T08:59:59Z")), "nothing waited through a slot yet");
        assert!(p.digest_due(waiting, None, at("2026-03-02T09:00:00Z")));
        let sent = Some(at("2026-03-02T09:00:05Z"));
        let later = at("2026-03-02T10:00:00Z");
        assert!(!p.digest_due(later, sent, at("2026-03-02T18:00:00Z")));
        assert!(!p.digest_due(later, sent, at("2026-03-03T08:59:59Z")));
        assert!(p.digest_due(later, sent, at("2026-03-03T09:00:00Z")));
    }
}
