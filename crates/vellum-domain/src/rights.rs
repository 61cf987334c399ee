//! An asset's rights: its licence, where and how it may be used, its talent, model, property
//! and music releases, and the window in which it may be distributed. Whether the asset is
//! `expired` is computed from these dates and today's, never stored, so it cannot be stale.

use serde::{Deserialize, Serialize};

use crate::campaign::parse_date;

/// What a release covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReleaseKind {
    Talent,
    Model,
    Property,
    Music,
}

impl ReleaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseKind::Talent => "talent",
            ReleaseKind::Model => "model",
            ReleaseKind::Property => "property",
            ReleaseKind::Music => "music",
        }
    }
}

/// A signed release and the day it lapses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub name: String,
    pub kind: ReleaseKind,
    /// `YYYY-MM-DD`: the last day it covers.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub expires_on: String,
    /// Whether the asset may not be distributed once it lapses.
    pub required: bool,
}

/// The rights of one asset, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Rights {
    /// `royalty_free`, `rights_managed`, `owned`, `creative_commons`… (free text, 1–100).
    pub licence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licensor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_terms: Option<String>,
    /// ISO 3166-1 alpha-2 codes (`AU`, `NZ`).
    #[serde(default)]
    pub territories: Vec<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    /// `YYYY-MM-DD`: the first day it may be distributed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub valid_from: Option<String>,
    /// `YYYY-MM-DD`: the last day it may be distributed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub valid_until: Option<String>,
    #[serde(default)]
    pub releases: Vec<Release>,
}

/// Where an asset's rights stand today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RightsStatus {
    Ok,
    /// Within the warning window of its end or of a required release's lapse.
    Expiring,
    /// Outside its window, or a required release has lapsed: nothing distributes it.
    Expired,
}

impl RightsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RightsStatus::Ok => "ok",
            RightsStatus::Expiring => "expiring",
            RightsStatus::Expired => "expired",
        }
    }
}

/// The warning window when the workspace sets none.
pub const DEFAULT_WARNING_DAYS: i32 = 30;

/// When expiry warnings go out unless a workspace says otherwise: 30 and 7 days before.
pub const DEFAULT_WARNINGS: [u32; 2] = [30, 7];
const TEXT_MAX: usize = 2000;
const NAME_MAX: usize = 100;
const MAX_ITEMS: usize = 250;

fn plain(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(|c| c.is_control() && c != '\n')
}

impl Rights {
    /// Every problem, as `(field, message)`.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |k: &str, m: String| out.push((k.to_string(), m));
        if !plain(&self.licence, NAME_MAX) {
            bad("licence", format!("the licence must be 1–{NAME_MAX} characters of plain text"));
        }
        if self.licensor.as_deref().is_some_and(|l| !plain(l, 200)) {
            bad("licensor", "the licensor must be 1–200 characters of plain text".into());
        }
        if self.usage_terms.as_deref().is_some_and(|t| !plain(t, TEXT_MAX)) {
            bad("usage_terms", format!("the usage terms must be 1–{TEXT_MAX} characters"));
        }
        if self.territories.len() > MAX_ITEMS
            || self.territories.iter().any(|t| t.len() != 2 || !t.bytes().all(|b| b.is_ascii_uppercase()))
        {
            bad("territories", "territories are ISO 3166 codes such as AU or NZ".into());
        }
        if self.channels.len() > MAX_ITEMS || self.channels.iter().any(|c| !plain(c, NAME_MAX)) {
            bad("channels", format!("channels are 1–{NAME_MAX} characters each"));
        }
        let from = self.valid_from.as_deref().map(|d| (d, parse_date(d)));
        let until = self.valid_until.as_deref().map(|d| (d, parse_date(d)));
        for (key, v) in [("valid_from", from), ("valid_until", until)] {
            if let Some((text, None)) = v {
                bad(key, format!("'{text}' is not a date like 2026-05-01"));
            }
        }
        if let (Some((_, Some(f))), Some((_, Some(u)))) = (from, until) {
            if u < f {
                bad("valid_until", "the window ends before it starts".into());
            }
        }
        if self.releases.len() > MAX_ITEMS {
            bad("releases", format!("at most {MAX_ITEMS} releases"));
        }
        for (i, r) in self.releases.iter().enumerate() {
            if !plain(&r.name, 200) {
                bad(&format!("releases/{i}/name"), "a release names who or what it covers".into());
            }
            if parse_date(&r.expires_on).is_none() {
                bad(&format!("releases/{i}/expires_on"), format!("'{}' is not a date like 2026-05-01", r.expires_on));
            }
        }
        out
    }

    /// Where the rights stand on `today`, warning `warning_days` ahead of an end.
    pub fn status(&self, today: jiff::civil::Date, warning_days: i32) -> RightsStatus {
        let day = |s: &Option<String>| s.as_deref().and_then(parse_date);
        if day(&self.valid_from).is_some_and(|f| today < f) {
            return RightsStatus::Expired;
        }
        let mut ends: Vec<jiff::civil::Date> = day(&self.valid_until).into_iter().collect();
        ends.extend(self.releases.iter().filter(|r| r.required).filter_map(|r| parse_date(&r.expires_on)));
        if ends.iter().any(|&e| today > e) {
            return RightsStatus::Expired;
        }
        let soon = today.checked_add(jiff::Span::new().days(warning_days)).unwrap_or(today);
        if ends.iter().any(|&e| e <= soon) {
            RightsStatus::Expiring
        } else {
            RightsStatus::Ok
        }
    }
}

/// An end worth warning about: the day, what ends, and how many days ahead this warning is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub ends_on: jiff::civil::Date,
    /// "the rights window", or "the model release of Jo Model".
    pub what: String,
    /// The threshold this warning answers (one of the workspace's warning days).
    pub days_before: u32,
    pub days_left: i64,
}

impl Rights {
    /// The last day it may be distributed: the window's end or the first required release to
    /// lapse, whichever comes first (None: nothing ends it).
    pub fn last_day(&self) -> Option<jiff::civil::Date> {
        let until = self.valid_until.as_deref().and_then(parse_date);
        let releases = self.releases.iter().filter(|r| r.required).filter_map(|r| parse_date(&r.expires_on));
        until.into_iter().chain(releases).min()
    }

    /// The first day it may be distributed.
    pub fn first_day(&self) -> Option<jiff::civil::Date> {
        self.valid_from.as_deref().and_then(parse_date)
    }

    /// The warnings due on `today` for each end (the window and each required release): the
    /// nearest threshold already reached, so one that is passed unnoticed (a week of downtime)
    /// still sends the one that matters now. Ends already past warn no more.
    pub fn warnings(&self, today: jiff::civil::Date, thresholds: &[u32]) -> Vec<Warning> {
        let mut ends: Vec<(jiff::civil::Date, String)> = Vec::new();
        if let Some(u) = self.valid_until.as_deref().and_then(parse_date) {
            ends.push((u, "the rights window".into()));
        }
        for r in self.releases.iter().filter(|r| r.required) {
            if let Some(e) = parse_date(&r.expires_on) {
                ends.push((e, format!("the {} release of {}", r.kind.as_str(), r.name)));
            }
        }
        let mut out = Vec::new();
        for (ends_on, what) in ends {
            let days_left = (ends_on - today).get_days() as i64;
            if days_left < 0 {
                continue;
            }
            if let Some(&days_before) = thresholds.iter().filter(|t| i64::from(**t) >= days_left).min() {
                out.push(Warning { ends_on, what, days_before, days_left });
            }
        }
        out
    }
}

/// The status of an asset that may have no rights recorded (then nothing limits it).
pub fn status_of(rights: Option<&Rights>, today: jiff::civil::Date, warning_days: i32) -> RightsStatus {
    rights.map_or(RightsStatus::Ok, |r| r.status(today, warning_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> jiff::civil::Date {
        s.parse().unwrap()
    }

    fn rights(from: Option<&str>, until: Option<&str>, release: Option<(&str, bool)>) -> Rights {
        Rights {
            licence: "rights_managed".into(),
            licensor: Some("Studio".into()),
            usage_terms: None,
            territories: vec!["AU".into()],
            channels: vec![],
            valid_from: from.map(Into::into),
            valid_until: until.map(Into::into),
            releases: release
                .map(|(day, required)| Release {
                    name: "Jo Model".into(),
                    kind: ReleaseKind::Model,
                    expires_on: day.into(),
                    required,
                })
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn warnings_go_out_at_the_nearest_threshold_reached_and_stop_after_the_end() {
        let r = rights(None, Some("2027-01-31"), Some(("2027-01-10", true)));
        let at = |day: &str| r.warnings(d(day), &[30, 7]);
        assert_eq!(at("2026-12-01"), vec![], "more than 30 days ahead of both");
        let w = at("2026-12-12");
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!((w[0].ends_on, w[0].days_before, w[0].days_left), (d("2027-01-10"), 30, 29));
        assert!(w[0].what.contains("Jo Model"));
        let w = at("2027-01-05");
        assert_eq!(w.iter().map(|w| (w.days_before, w.days_left)).collect::<Vec<_>>(), vec![(30, 26), (7, 5)]);
        assert_eq!(at("2027-02-01"), vec![], "past every end");
        let optional = rights(None, None, Some(("2027-01-10", false)));
        assert_eq!(optional.warnings(d("2027-01-05"), &[30, 7]), vec![], "optional releases do not warn");
    }

    #[test]
    fn the_window_and_required_releases_decide_expiry() {
        let today = d("2026-12-02");
        assert_eq!(rights(None, None, None).status(today, 30), RightsStatus::Ok);
        assert_eq!(rights(Some("2026-12-03"), None, None).status(today, 30), RightsStatus::Expired);
        assert_eq!(rights(Some("2026-12-02"), Some("2026-12-02"), None).status(today, 30), RightsStatus::Expiring);
        assert_eq!(rights(None, Some("2026-12-01"), None).status(today, 30), RightsStatus::Expired);
        assert_eq!(rights(None, Some("2027-01-01"), None).status(today, 30), RightsStatus::Expiring);
        assert_eq!(rights(None, Some("2027-01-02"), None).status(today, 30), RightsStatus::Ok);
        assert_eq!(rights(None, None, Some(("2026-12-01", true))).status(today, 30), RightsStatus::Expired);
        assert_eq!(rights(None, None, Some(("2026-12-01", false))).status(today, 30), RightsStatus::Ok);
        assert_eq!(status_of(None, today, 30), RightsStatus::Ok);
    }

    #[test]
    fn problems_are_named_by_field() {
        let mut r = rights(Some("2026-13-01"), Some("2026-01-01"), Some(("soon", true)));
        r.territories.push("aus".into());
        let keys: Vec<String> = r.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["territories", "valid_from", "releases/0/expires_on"]);
        let backwards = rights(Some("2026-02-01"), Some("2026-01-01"), None);
        assert_eq!(backwards.problems()[0].0, "valid_until");
        assert!(rights(None, None, None).problems().is_empty());
    }
}
