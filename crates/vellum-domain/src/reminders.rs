//! Reminders and escalation of a stage: when pending approvers are reminded (at fractions of
//! the time allowed, then every few hours while overdue) and when the stage escalates. Pure
//! schedule arithmetic: the sweep records each reminder under a unique key, so working out
//! the same schedule twice never sends anything twice.

use serde::{Deserialize, Serialize};

use crate::{Id, Timestamp};

/// The most reminders one approver gets on one stage, overdue ones included.
pub const MAX_REMINDERS: u32 = 50;

/// When pending approvers are reminded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReminderSpec {
    /// Fractions of the time allowed, strictly between 0 and 1, ascending (`[0.5, 0.9]`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub at_fractions: Vec<f64>,
    /// Once overdue, again every this many hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    pub overdue_every_hours: Option<u32>,
}

/// After what a stage escalates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalateAfter {
    /// As soon as the deadline passes.
    Deadline,
    /// Once each pending approver has had this many reminders.
    Reminders(u32),
}

/// Who a stage escalates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalateTo {
    /// Each pending approver's supervisor.
    Supervisor,
    User(Id),
    Group(Id),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationSpec {
    pub after: EscalateAfter,
    pub to: EscalateTo,
    /// Whether the target also becomes an approver of the stage.
    #[serde(default)]
    pub add_as_approver: bool,
}

/// `"deadline"` or `{"reminders": n}`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EscalateAfter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::word_or_count(&["deadline"], "reminders", MAX_REMINDERS)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EscalateAfter {}

/// `"supervisor"`, `{"user": id}` or `{"group": id}`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EscalateTo {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::word_or_id(&["supervisor"], &["user", "group"])
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EscalateTo {}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EscalationSpec {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        ObjectBuilder::new()
            .property("after", <EscalateAfter as utoipa::PartialSchema>::schema())
            .required("after")
            .property("to", <EscalateTo as utoipa::PartialSchema>::schema())
            .required("to")
            .property("add_as_approver", ObjectBuilder::new().schema_type(Type::Boolean))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EscalationSpec {}

impl ReminderSpec {
    /// What is wrong with it, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.at_fractions.len() > 10 {
            return Some("at most 10 reminder fractions".into());
        }
        if self.at_fractions.iter().any(|f| !(f.is_finite() && *f > 0.0 && *f < 1.0)) {
            return Some("reminder fractions lie strictly between 0 and 1".into());
        }
        if self.at_fractions.windows(2).any(|w| w[0] >= w[1]) {
            return Some("reminder fractions must be ascending, each once".into());
        }
        if self.overdue_every_hours.is_some_and(|h| !(1..=720).contains(&h)) {
            return Some("overdue_every_hours must be 1–720".into());
        }
        if self.at_fractions.is_empty() && self.overdue_every_hours.is_none() {
            return Some("give at_fractions, overdue_every_hours or both".into());
        }
        None
    }
}

impl EscalationSpec {
    pub fn problem(&self) -> Option<String> {
        match self.after {
            EscalateAfter::Reminders(n) if !(1..=MAX_REMINDERS).contains(&n) => {
                Some(format!("escalate after 1–{MAX_REMINDERS} reminders"))
            }
            _ => None,
        }
    }
}

/// One reminder of the schedule: its number (from 0, stable for a given spec) and when it is
/// due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminder {
    pub index: u32,
    pub at: Timestamp,
}

/// The reminders of a stage that started at `started` and is due at `due`, up to `now`.
pub fn reminders_due(started: Timestamp, due: Timestamp, spec: &ReminderSpec, now: Timestamp) -> Vec<Reminder> {
    let span = (due.unix_seconds() - started.unix_seconds()).max(0) as f64;
    let mut out: Vec<Reminder> = spec
        .at_fractions
        .iter()
        .enumerate()
        .map(|(i, f)| Reminder { index: i as u32, at: started.plus_secs((span * f).round() as i64) })
        .filter(|r| r.at <= now)
        .collect();
    if let Some(every) = spec.overdue_every_hours {
        let first = spec.at_fractions.len() as u32;
        for k in 1..=MAX_REMINDERS.saturating_sub(first) {
            let at = due.plus_secs(i64::from(k) * i64::from(every) * 3600);
            if at > now {
                break;
            }
            out.push(Reminder { index: first + k - 1, at });
        }
    }
    out
}

/// The time of every reminder a stage's schedule holds, in index order.
fn schedule(started: Timestamp, due: Timestamp, spec: &ReminderSpec) -> impl Iterator<Item = Timestamp> + '_ {
    let span = (due.unix_seconds() - started.unix_seconds()).max(0) as f64;
    let fractions = spec.at_fractions.iter().map(move |f| started.plus_secs((span * f).round() as i64));
    let first = spec.at_fractions.len() as u32;
    let overdue = spec.overdue_every_hours.into_iter().flat_map(move |every| {
        (1..=MAX_REMINDERS.saturating_sub(first)).map(move |k| due.plus_secs(i64::from(k) * i64::from(every) * 3600))
    });
    fractions.chain(overdue)
}

/// When a stage's next reminder or escalation after `now` comes due (None: nothing more
/// will): what the sweep index keeps, so a sweep reads only stages with something due.
pub fn next_chase(
    started: Timestamp,
    due: Timestamp,
    reminders: Option<&ReminderSpec>,
    escalation: Option<&EscalationSpec>,
    now: Timestamp,
) -> Option<Timestamp> {
    let next_reminder = reminders.and_then(|r| schedule(started, due, r).find(|t| *t > now));
    let escalation_at = escalation.and_then(|e| match e.after {
        EscalateAfter::Deadline => Some(due),
        EscalateAfter::Reminders(n) => {
            reminders.and_then(|r| schedule(started, due, r).nth(usize::try_from(n).ok()?.checked_sub(1)?))
        }
    });
    [next_reminder, escalation_at.filter(|t| *t > now)].into_iter().flatten().min()
}

/// Whether a stage due at `due` escalates by `now`, given the reminders it has had by then.
pub fn escalates(spec: &EscalationSpec, due: Timestamp, reminders_so_far: u32, now: Timestamp) -> bool {
    match spec.after {
        EscalateAfter::Deadline => now >= due,
        EscalateAfter::Reminders(n) => reminders_so_far >= n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> Timestamp {
        Timestamp::from_unix(1_800_000_000 + h * 3600).unwrap()
    }

    #[test]
    fn reminders_fall_at_fractions_then_every_few_hours_while_overdue() {
        let spec = ReminderSpec { at_fractions: vec![0.5, 0.9], overdue_every_hours: Some(4) };
        let (start, due) = (t(0), t(10));
        let at = |now| reminders_due(start, due, &spec, now).iter().map(|r| (r.index, r.at)).collect::<Vec<_>>();
        assert_eq!(at(t(4)), vec![]);
        assert_eq!(at(t(5)), vec![(0, t(5))]);
        assert_eq!(at(t(9)), vec![(0, t(5)), (1, t(9))]);
        assert_eq!(at(t(13)), vec![(0, t(5)), (1, t(9))], "overdue, but not 4 h yet");
        assert_eq!(at(t(18)), vec![(0, t(5)), (1, t(9)), (2, t(14)), (3, t(18))]);
        // The same schedule, asked again later, gives the same numbers: keys stay stable.
        assert_eq!(at(t(18))[..2], at(t(9))[..]);
        let many = reminders_due(start, due, &spec, t(10_000));
        assert_eq!(many.len() as u32, MAX_REMINDERS);
    }

    #[test]
    fn the_next_chase_is_the_first_reminder_or_escalation_still_ahead() {
        let spec = ReminderSpec { at_fractions: vec![0.5, 0.9], overdue_every_hours: Some(4) };
        let esc =
            EscalationSpec { after: EscalateAfter::Reminders(3), to: EscalateTo::Supervisor, add_as_approver: false };
        let (start, due) = (t(0), t(10));
        assert_eq!(next_chase(start, due, Some(&spec), None, t(0)), Some(t(5)));
        assert_eq!(next_chase(start, due, Some(&spec), None, t(5)), Some(t(9)));
        assert_eq!(next_chase(start, due, Some(&spec), None, t(9)), Some(t(14)));
        assert_eq!(next_chase(start, due, Some(&spec), Some(&esc), t(9)), Some(t(14)), "the third reminder escalates");
        let at_deadline = EscalationSpec { after: EscalateAfter::Deadline, ..esc };
        assert_eq!(next_chase(start, due, None, Some(&at_deadline), t(3)), Some(t(10)));
        assert_eq!(next_chase(start, due, None, Some(&at_deadline), t(10)), None, "escalated already");
        let once = ReminderSpec { at_fractions: vec![0.5], overdue_every_hours: None };
        assert_eq!(next_chase(start, due, Some(&once), None, t(5)), None);
        // Every reminder the sweep would record lies on the same schedule.
        let due_now = reminders_due(start, due, &spec, t(18));
        let mut at = t(0);
        for r in due_now {
            at = next_chase(start, due, Some(&spec), None, at).unwrap();
            assert_eq!(at, r.at);
        }
    }

    #[test]
    fn escalation_after_the_deadline_or_some_reminders() {
        let at_deadline =
            EscalationSpec { after: EscalateAfter::Deadline, to: EscalateTo::Supervisor, add_as_approver: true };
        assert!(!escalates(&at_deadline, t(10), 5, t(9)));
        assert!(escalates(&at_deadline, t(10), 0, t(10)));
        let after_two = EscalationSpec { after: EscalateAfter::Reminders(2), ..at_deadline };
        assert!(!escalates(&after_two, t(10), 1, t(20)));
        assert!(escalates(&after_two, t(10), 2, t(11)));
    }

    #[test]
    fn bad_specs_are_explained() {
        let bad = |f: Vec<f64>, h| ReminderSpec { at_fractions: f, overdue_every_hours: h }.problem();
        assert!(bad(vec![0.5], None).is_none());
        assert!(bad(vec![0.0], None).is_some());
        assert!(bad(vec![0.9, 0.5], None).is_some());
        assert!(bad(vec![0.5, 0.5], None).is_some());
        assert!(bad(vec![], Some(0)).is_some());
        assert!(bad(vec![], None).is_some());
        let e =
            EscalationSpec { after: EscalateAfter::Reminders(0), to: EscalateTo::Supervisor, add_as_approver: false };
        assert!(e.problem().is_some());
        let wire: EscalationSpec =
            serde_json::from_value(serde_json::json!({"after": {"reminders": 2}, "to": "supervisor"})).unwrap();
        assert_eq!(wire.after, EscalateAfter::Reminders(2));
        let wire: EscalationSpec = serde_json::from_value(
            serde_json::json!({"after": "deadline", "to": {"user": "01900000-0000-7000-8000-000000000001"}, "add_as_approver": true}),
        )
        .unwrap();
        assert!(matches!(wire.to, EscalateTo::User(_)));
    }
}
