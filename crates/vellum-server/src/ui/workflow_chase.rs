//! The reminder and escalation part of a workflow stage in the editor: when to remind the
//! pending approvers (as percentages of the time allowed, then every N hours while overdue),
//! and when and to whom to escalate.

use maud::{html, Markup};
use vellum_domain::{
    id::parse_id,
    reminders::{EscalateAfter, EscalateTo, EscalationSpec, ReminderSpec},
};

use super::workflow_form::Options;

/// The fields as typed.
#[derive(Clone, Default, Debug, PartialEq)]
pub struct ChaseDraft {
    /// Percentages, comma-separated (`50, 90`).
    pub remind_at: String,
    pub overdue_every: String,
    /// ``, `deadline` or `reminders`.
    pub escalate_after: String,
    pub escalate_reminders: String,
    /// `supervisor`, `user:<id>` or `group:<id>`.
    pub escalate_to: String,
    pub escalate_add: bool,
}

fn percent(f: f64) -> String {
    let p = (f * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}")
    }
}

impl ChaseDraft {
    pub fn from_specs(r: Option<&ReminderSpec>, e: Option<&EscalationSpec>) -> ChaseDraft {
        let mut d = ChaseDraft::default();
        if let Some(r) = r {
            d.remind_at = r.at_fractions.iter().map(|f| percent(*f)).collect::<Vec<_>>().join(", ");
            d.overdue_every = r.overdue_every_hours.map(|h| h.to_string()).unwrap_or_default();
        }
        if let Some(e) = e {
            match e.after {
                EscalateAfter::Deadline => d.escalate_after = "deadline".into(),
                EscalateAfter::Reminders(n) => {
                    d.escalate_after = "reminders".into();
                    d.escalate_reminders = n.to_string();
                }
            }
            d.escalate_to = match e.to {
                EscalateTo::Supervisor => "supervisor".into(),
                EscalateTo::User(u) => format!("user:{u}"),
                EscalateTo::Group(g) => format!("group:{g}"),
            };
            d.escalate_add = e.add_as_approver;
        }
        d
    }

    /// Takes one posted stage field; false when it is not one of these.
    pub fn read(&mut self, part: &str, value: &str) -> bool {
        match part {
            "remind_at" => self.remind_at = value.to_string(),
            "overdue_every" => self.overdue_every = value.to_string(),
            "escalate_after" => self.escalate_after = value.to_string(),
            "escalate_reminders" => self.escalate_reminders = value.to_string(),
            "escalate_to" => self.escalate_to = value.to_string(),
            "escalate_add" => self.escalate_add = !value.is_empty(),
            _ => return false,
        }
        true
    }

    /// The specs; `label` names the stage in messages. The core checks the ranges.
    pub fn to_specs(&self, label: &str) -> Result<(Option<ReminderSpec>, Option<EscalationSpec>), String> {
        let mut at_fractions = Vec::new();
        for p in self.remind_at.split([',', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
            let n = p.trim_end_matches('%').parse::<f64>().map_err(|_| {
                format!("{label}: reminders are percentages of the time allowed, such as 50, 90 ('{p}' is not one).")
            })?;
            at_fractions.push(n / 100.0);
        }
        let overdue_every_hours = match self.overdue_every.trim() {
            "" => None,
            n => Some(
                n.parse::<u32>()
                    .map_err(|_| format!("{label}: 'every … hours while overdue' must be a whole number."))?,
            ),
        };
        let reminders = (!at_fractions.is_empty() || overdue_every_hours.is_some())
            .then_some(ReminderSpec { at_fractions, overdue_every_hours });
        let after = match self.escalate_after.as_str() {
            "" => return Ok((reminders, None)),
            "deadline" => EscalateAfter::Deadline,
            "reminders" => EscalateAfter::Reminders(
                self.escalate_reminders
                    .trim()
                    .parse()
                    .map_err(|_| format!("{label}: say after how many reminders to escalate."))?,
            ),
            other => return Err(format!("{label}: '{other}' is not a time to escalate.")),
        };
        let to = match self.escalate_to.split_once(':') {
            None if self.escalate_to == "supervisor" || self.escalate_to.is_empty() => EscalateTo::Supervisor,
            Some(("user", id)) => {
                EscalateTo::User(parse_id(id).ok_or_else(|| format!("{label}: choose whom to escalate to."))?)
            }
            Some(("group", id)) => {
                EscalateTo::Group(parse_id(id).ok_or_else(|| format!("{label}: choose whom to escalate to."))?)
            }
            _ => return Err(format!("{label}: choose whom to escalate to.")),
        };
        Ok((reminders, Some(EscalationSpec { after, to, add_as_approver: self.escalate_add })))
    }
}

/// The fields of one stage row; `id` and `name` make a field's id and form name.
pub fn fields(d: &ChaseDraft, id: &dyn Fn(&str) -> String, name: &dyn Fn(&str) -> String, o: &Options) -> Markup {
    html! {
        details.chase open[!d.remind_at.is_empty() || !d.escalate_after.is_empty()] {
            summary { "Reminders and escalation" }
            label for=(id("remind_at")) { "Remind at (% of the time allowed)" }
            input id=(id("remind_at")) name=(name("remind_at")) value=(d.remind_at) placeholder="50, 90" inputmode="decimal";
            label for=(id("overdue_every")) { "Then, while overdue, every (hours)" }
            input id=(id("overdue_every")) name=(name("overdue_every")) type="number" min="1" max="720" value=(d.overdue_every) inputmode="numeric";
            label for=(id("escalate_after")) { "Escalate" }
            select id=(id("escalate_after")) name=(name("escalate_after")) {
                option value="" selected[d.escalate_after.is_empty()] { "never" }
                option value="deadline" selected[d.escalate_after == "deadline"] { "when the deadline passes" }
                option value="reminders" selected[d.escalate_after == "reminders"] { "after a number of reminders" }
            }
            label for=(id("escalate_reminders")) { "Number of reminders" }
            input id=(id("escalate_reminders")) name=(name("escalate_reminders")) type="number" min="1" max="50" value=(d.escalate_reminders) inputmode="numeric";
            label for=(id("escalate_to")) { "Escalate to" }
            select id=(id("escalate_to")) name=(name("escalate_to")) {
                option value="supervisor" selected[d.escalate_to.is_empty() || d.escalate_to == "supervisor"] { "the approver's supervisor" }
                @for g in o.groups {
                    @let v = format!("group:{}", g.id);
                    option value=(v) selected[d.escalate_to == v] { (g.name) " (group)" }
                }
                @for m in o.members.iter().filter(|m| m.role.may_approve()) {
                    @let v = format!("user:{}", m.user_id);
                    option value=(v) selected[d.escalate_to == v] { (m.name) }
                }
            }
            label.check {
                input type="checkbox" name=(name("escalate_add")) value="1" checked[d.escalate_add];
                " Add them as an approver of the stage"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_settings_become_specs_and_back() {
        let d = ChaseDraft {
            remind_at: "50, 90%".into(),
            overdue_every: "4".into(),
            escalate_after: "reminders".into(),
            escalate_reminders: "2".into(),
            escalate_to: "supervisor".into(),
            escalate_add: true,
        };
        let (r, e) = d.to_specs("stage 'Brand'").unwrap();
        let r = r.unwrap();
        assert_eq!((r.at_fractions, r.overdue_every_hours), (vec![0.5, 0.9], Some(4)));
        let e = e.unwrap();
        assert_eq!((e.after, e.to, e.add_as_approver), (EscalateAfter::Reminders(2), EscalateTo::Supervisor, true));
        let (r, e) = d.to_specs("x").unwrap();
        let back = ChaseDraft::from_specs(r.as_ref(), e.as_ref());
        assert_eq!(back, ChaseDraft { remind_at: "50, 90".into(), ..d });
        assert_eq!(ChaseDraft::default().to_specs("x").unwrap(), (None, None));
        let bad = ChaseDraft { remind_at: "half".into(), ..ChaseDraft::default() };
        assert!(bad.to_specs("stage 'Brand'").unwrap_err().contains("percentages"));
        let nobody =
            ChaseDraft { escalate_after: "deadline".into(), escalate_to: "user:nope".into(), ..ChaseDraft::default() };
        assert!(nobody.to_specs("x").is_err());
    }
}
