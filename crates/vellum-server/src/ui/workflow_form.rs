//! The workflow editor: one row of fields per stage (name, approvers, rule, start, due time),
//! read back from the posted pairs into a `WorkflowSpec`. Without JavaScript the form offers
//! a few blank rows (ignored when left blank); the static module adds and removes rows.

use std::collections::BTreeMap;

use maud::{html, Markup};
use vellum_core::model::{Group, Member};
use vellum_domain::{
    id::parse_id,
    workflow::{ApproverRef, Deadline, Rule, StageSpec, StartMode, WorkflowSpec},
};

use super::{
    page::csrf_field,
    workflow_chase::{self, ChaseDraft},
};

/// At most this many stage rows are read from a form.
const MAX_ROWS: usize = 50;

/// A stage as typed in the form.
#[derive(Clone, Default)]
pub struct DraftStage {
    pub name: String,
    /// `user:<id>` or `group:<id>`.
    pub approvers: Vec<String>,
    /// `all`, `any` or `quorum`.
    pub rule: String,
    pub quorum: String,
    /// `after_previous` or `with_previous`.
    pub start: String,
    pub due: String,
    /// `hours`, `business_hours`, `business_days` or `minutes`.
    pub due_unit: String,
    /// Reminders and escalation.
    pub chase: ChaseDraft,
}

/// The units a stage's deadline is given in, with their words.
const DUE_UNITS: [(&str, &str); 4] = [
    ("hours", "hours"),
    ("business_hours", "working hours"),
    ("business_days", "working days"),
    ("minutes", "minutes"),
];

impl DraftStage {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.approvers.is_empty()
    }
}

/// A workflow as typed in the form.
#[derive(Clone, Default)]
pub struct Draft {
    pub name: String,
    pub stages: Vec<DraftStage>,
}

fn approver_value(a: &ApproverRef) -> String {
    match a {
        ApproverRef::User(id) => format!("user:{id}"),
        ApproverRef::Group(id) => format!("group:{id}"),
    }
}

impl Draft {
    pub fn from_spec(name: &str, stages: &[StageSpec]) -> Draft {
        let stages = stages
            .iter()
            .map(|s| {
                let (rule, quorum) = match s.rule {
                    Rule::All => ("all", String::new()),
                    Rule::Any => ("any", String::new()),
                    Rule::Quorum(n) => ("quorum", n.to_string()),
                };
                DraftStage {
                    name: s.name.clone(),
                    approvers: s.approvers.iter().map(approver_value).collect(),
                    rule: rule.into(),
                    quorum,
                    start: match s.start {
                        StartMode::AfterPrevious => "after_previous".into(),
                        StartMode::WithPrevious => "with_previous".into(),
                    },
                    due: s.deadline().map(|d| due_number(d).to_string()).unwrap_or_default(),
                    due_unit: match s.deadline() {
                        Some(Deadline::BusinessHours(_)) => "business_hours",
                        Some(Deadline::BusinessDays(_)) => "business_days",
                        Some(Deadline::Minutes(_)) => "minutes",
                        Some(Deadline::Hours(_)) | None => "hours",
                    }
                    .into(),
                    chase: ChaseDraft::from_specs(s.reminders.as_ref(), s.escalation.as_ref()),
                }
            })
            .collect();
        Draft { name: name.to_string(), stages }
    }

    /// Reads `name` and `s{i}_{field}` pairs; rows come back in index order, blank ones dropped.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Draft, String> {
        let mut name = String::new();
        let mut rows: BTreeMap<usize, DraftStage> = BTreeMap::new();
        for (k, v) in pairs {
            if k == "name" {
                name = v.clone();
                continue;
            }
            let Some((i, part)) = k.strip_prefix('s').and_then(|r| r.split_once('_')) else {
                continue;
            };
            let Ok(i) = i.parse::<usize>() else { continue };
            if !rows.contains_key(&i) && rows.len() >= MAX_ROWS {
                return Err(format!("A workflow form may have at most {MAX_ROWS} stage rows."));
            }
            let row = rows.entry(i).or_default();
            match part {
                "name" => row.name = v.clone(),
                "approvers" if !v.is_empty() => row.approvers.push(v.clone()),
                "rule" => row.rule = v.clone(),
                "quorum" => row.quorum = v.clone(),
                "start" => row.start = v.clone(),
                "due" => row.due = v.clone(),
                "due_unit" => row.due_unit = v.clone(),
                other => {
                    row.chase.read(other, v);
                }
            }
        }
        Ok(Draft { name, stages: rows.into_values().filter(|r| !r.is_blank()).collect() })
    }

    /// The spec to submit; the core validates names, counts, quorums and approvers.
    pub fn to_spec(&self) -> Result<WorkflowSpec, String> {
        let mut stages = Vec::with_capacity(self.stages.len());
        for (i, s) in self.stages.iter().enumerate() {
            let label = if s.name.trim().is_empty() {
                format!("stage {}", i + 1)
            } else {
                format!("stage '{}'", s.name.trim())
            };
            let mut approvers = Vec::with_capacity(s.approvers.len());
            for a in &s.approvers {
                let parsed = match a.split_once(':') {
                    Some(("user", id)) => parse_id(id).map(ApproverRef::User),
                    Some(("group", id)) => parse_id(id).map(ApproverRef::Group),
                    _ => None,
                };
                approvers
                    .push(parsed.ok_or_else(|| format!("{label}: an approver could not be read; reload the page."))?);
            }
            let rule = match s.rule.as_str() {
                "" | "all" => Rule::All,
                "any" => Rule::Any,
                "quorum" => match s.quorum.trim().parse::<u32>() {
                    Ok(n) => Rule::Quorum(n),
                    Err(_) => return Err(format!("{label}: give the quorum as a number of approvers.")),
                },
                other => return Err(format!("{label}: '{other}' is not a rule.")),
            };
            let start = match s.start.as_str() {
                "" | "after_previous" => StartMode::AfterPrevious,
                "with_previous" => StartMode::WithPrevious,
                other => return Err(format!("{label}: '{other}' is not a start mode.")),
            };
            let due = match s.due.trim() {
                "" => None,
                n => Some(n.parse::<u32>().map_err(|_| format!("{label}: the due time must be a whole number."))?),
            };
            let unit = if s.due_unit.is_empty() { "hours" } else { s.due_unit.as_str() };
            if !DUE_UNITS.iter().any(|(u, _)| *u == unit) {
                return Err(format!("{label}: '{unit}' is not a unit of time."));
            }
            let in_unit = |u: &str| due.filter(|_| unit == u);
            let (reminders, escalation) = s.chase.to_specs(&label)?;
            stages.push(StageSpec {
                name: s.name.clone(),
                approvers,
                rule,
                start,
                due_in_hours: in_unit("hours"),
                due_in_business_hours: in_unit("business_hours"),
                due_in_business_days: in_unit("business_days"),
                due_in_minutes: in_unit("minutes"),
                reminders,
                escalation,
            });
        }
        Ok(WorkflowSpec { name: self.name.clone(), stages })
    }
}

fn due_number(d: Deadline) -> u32 {
    match d {
        Deadline::Hours(n) | Deadline::BusinessHours(n) | Deadline::BusinessDays(n) | Deadline::Minutes(n) => n,
    }
}

/// Who can be chosen as an approver.
pub struct Options<'a> {
    pub members: &'a [Member],
    pub groups: &'a [Group],
}

fn stage_row(key: &str, i: &str, s: &DraftStage, o: &Options) -> Markup {
    let legend = i.parse::<usize>().map_or_else(|_| "New stage".to_string(), |n| format!("Stage {}", n + 1));
    let id = |f: &str| format!("wf-{key}-s{i}-{f}");
    let name = |f: &str| format!("s{i}_{f}");
    let picked = |v: String| s.approvers.contains(&v);
    let rule = if s.rule.is_empty() { "all" } else { s.rule.as_str() };
    html! {
        fieldset.stage {
            legend { (legend) }
            div.grid3 {
                div {
                    label for=(id("name")) { "Name" }
                    input id=(id("name")) name=(name("name")) value=(s.name) maxlength="200";
                }
                div.approvers {
                    label for=(id("approvers")) { "Approvers" }
                    select id=(id("approvers")) name=(name("approvers")) multiple size="5" aria-describedby=(id("hint")) {
                        @if !o.groups.is_empty() {
                            optgroup label="Groups" {
                                @for g in o.groups {
                                    @let v = format!("group:{}", g.id);
                                    option value=(v) selected[picked(v.clone())] { (g.name) " (group)" }
                                }
                            }
                        }
                        optgroup label="Members" {
                            @for m in o.members.iter().filter(|m| m.role.may_approve()) {
                                @let v = format!("user:{}", m.user_id);
                                option value=(v) selected[picked(v.clone())] { (m.name) " <" (m.email) ">" }
                            }
                        }
                    }
                    p.hint id=(id("hint")) { "Hold Ctrl (⌘ on a Mac) to choose several." }
                }
                div {
                    label for=(id("rule")) { "Complete when" }
                    select.rule id=(id("rule")) name=(name("rule")) {
                        option value="all" selected[rule == "all"] { "all approve" }
                        option value="any" selected[rule == "any"] { "any one approves" }
                        option value="quorum" selected[rule == "quorum"] { "a quorum approves" }
                    }
                    label for=(id("quorum")) { "Quorum" }
                    input.quorum id=(id("quorum")) name=(name("quorum")) type="number" min="1" value=(s.quorum) inputmode="numeric";
                    label for=(id("start")) { "Starts" }
                    select id=(id("start")) name=(name("start")) {
                        option value="after_previous" selected[s.start != "with_previous"] { "after the previous stage" }
                        option value="with_previous" selected[s.start == "with_previous"] { "with the previous stage" }
                    }
                    label for=(id("due")) { "Due within" }
                    div.due {
                        input id=(id("due")) name=(name("due")) type="number" min="1" max="525600" value=(s.due) inputmode="numeric";
                        select id=(id("due_unit")) name=(name("due_unit")) aria-label="Unit of the due time" {
                            @for (u, words) in DUE_UNITS {
                                option value=(u) selected[s.due_unit == u || (s.due_unit.is_empty() && u == "hours")] { (words) }
                            }
                        }
                    }
                    p.hint { "Working hours and days count on the workspace's calendar." }
                    (workflow_chase::fields(&s.chase, &id, &name, o))
                }
            }
        }
    }
}

/// The editor form. `key` keeps ids unique when several editors share a page.
pub fn editor(key: &str, action: &str, csrf: &str, draft: &Draft, o: &Options, submit: &str) -> Markup {
    // Room to add stages without JavaScript: at least four rows, at least one of them blank.
    let blanks = 4usize.saturating_sub(draft.stages.len()).max(1);
    let rows = draft.stages.iter().cloned().chain(std::iter::repeat_n(DraftStage::default(), blanks));
    html! {
        form.wf-editor method="post" action=(action) data-next=(draft.stages.len() + blanks) {
            (csrf_field(csrf))
            label for={ "wf-" (key) "-name" } { "Workflow name" }
            input id={ "wf-" (key) "-name" } name="name" value=(draft.name) required maxlength="200";
            div.stage-rows {
                @for (i, s) in rows.enumerate() { (stage_row(key, &i.to_string(), &s, o)) }
            }
            p.hint.nojs { "Blank stage rows are ignored. Save to get more rows." }
            template.stage-template { (stage_row(key, "__i__", &DraftStage::default(), o)) }
            div.actions {
                button.add-stage type="button" hidden { "Add stage" }
                button.primary type="submit" { (submit) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U1: &str = "01900000-0000-7000-8000-000000000001";
    const G1: &str = "01900000-0000-7000-8000-000000000002";

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn posted_rows_become_a_spec_and_blank_rows_are_ignored() {
        let form = pairs(&[
            ("csrf", "x"),
            ("name", "Legal"),
            ("s0_name", "Brand"),
            ("s0_approvers", &format!("user:{U1}")),
            ("s0_rule", "all"),
            ("s0_start", "after_previous"),
            ("s1_name", ""),
            ("s1_rule", "all"),
            ("s10_name", "Legal"),
            ("s10_approvers", &format!("user:{U1}")),
            ("s10_approvers", &format!("group:{G1}")),
            ("s10_rule", "quorum"),
            ("s10_quorum", "2"),
            ("s10_start", "with_previous"),
            ("s10_due", "48"),
            ("s0_due", "3"),
            ("s0_due_unit", "business_days"),
        ]);
        let draft = Draft::from_pairs(&form).unwrap();
        assert_eq!(draft.stages.len(), 2);
        let spec = draft.to_spec().unwrap().validate().unwrap();
        assert_eq!(spec.stages[1].rule, Rule::Quorum(2));
        assert_eq!(spec.stages[1].start, StartMode::WithPrevious);
        assert_eq!(spec.stages[1].due_in_hours, Some(48));
        assert_eq!(spec.stages[0].deadline(), Some(Deadline::BusinessDays(3)));
        assert_eq!(spec.stages[1].approvers.len(), 2);
        // And back: the editor shows what was saved.
        let again = Draft::from_spec(&spec.name, &spec.stages);
        assert_eq!(again.to_spec().unwrap(), spec);
    }

    #[test]
    fn unreadable_rows_are_explained() {
        let bad_quorum = pairs(&[("name", "x"), ("s0_name", "A"), ("s0_rule", "quorum"), ("s0_quorum", "two")]);
        assert!(Draft::from_pairs(&bad_quorum).unwrap().to_spec().unwrap_err().contains("quorum"));
        let bad_approver = pairs(&[("name", "x"), ("s0_name", "A"), ("s0_approvers", "user:nope")]);
        assert!(Draft::from_pairs(&bad_approver).unwrap().to_spec().is_err());
    }
}
