//! The routing-rule editor: one fieldset per rule (name, workflow, condition as JSON, extra
//! stages and approvers as JSON, position) with the one-test builder of
//! `settings_rule_builder`, and the posted pairs read back into a `RuleSetSpec` with every
//! problem tied to its rule's row.
//!
//! Without JavaScript the JSON textarea is the source, and the builder row counts only when
//! it was changed from what the page showed (or the textarea is empty); with JavaScript the
//! builder fills the textarea as it is used and is not posted at all.

use std::collections::BTreeMap;

use maud::{html, Markup};
use serde_json::{json, Value};
use vellum_core::model::Workflow;
use vellum_domain::{
    condition::Op,
    fields::MetadataSchema,
    id::parse_id,
    routing::{AddApprover, RuleSetSpec, RuleSpec},
    workflow::StageSpec,
};

use super::{
    page::sentence,
    settings_rule_builder::{builder_value, condition_fields, value_text, Shape},
};

/// The most rule rows read from a form (the core allows 1000 rules).
const MAX_ROWS: usize = 1000;

/// A rule as typed.
#[derive(Clone, Default)]
pub struct DraftRule {
    pub name: String,
    /// The workflow's id.
    pub workflow: String,
    /// The condition as JSON text.
    pub when: String,
    /// The builder row: field, operator, value, and the row as the page showed it.
    pub b_field: String,
    pub b_op: String,
    pub b_value: String,
    pub b_was: String,
    /// Extra stages and approvers as JSON text (empty: none).
    pub stages: String,
    pub approvers: String,
    pub remove: bool,
}

/// Which input of a rule a problem is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    Name,
    Workflow,
    When,
    Stages,
    Approvers,
    Rule,
}

/// A problem with one rule row, with the path of the faulty node.
#[derive(Clone, Debug)]
pub struct RowError {
    pub row: usize,
    pub part: Part,
    pub path: String,
    pub message: String,
}

impl RowError {
    /// A core `invalid_routing` path (`/rules/2/when/all/0/value`) on the rule it names,
    /// given which row each submitted rule came from.
    pub fn at_path(path: &str, message: &str, rows: &[usize]) -> Option<RowError> {
        let rest = path.strip_prefix("/rules/")?;
        let (i, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let row = *rows.get(i.parse::<usize>().ok()?)?;
        let part = match tail.split('/').next().unwrap_or("") {
            "name" => Part::Name,
            "workflow_id" => Part::Workflow,
            "when" => Part::When,
            "add_stages" => Part::Stages,
            "add_approvers" => Part::Approvers,
            _ => Part::Rule,
        };
        Some(RowError { row, part, path: path.to_string(), message: sentence(message) })
    }

    /// The message with its path, as shown beside the input.
    pub fn text(&self) -> String {
        format!("At {}: {}", self.path, self.message)
    }
}

/// The builder row as one string, to tell whether it was changed.
fn builder_key(field: &str, op: &str, value: &str) -> String {
    json!([field, op, value.trim()]).to_string()
}

impl DraftRule {
    pub fn from_spec(r: &RuleSpec) -> DraftRule {
        let mut d = DraftRule {
            name: r.name.clone(),
            workflow: r.workflow_id.to_string(),
            when: serde_json::to_string_pretty(&r.when).unwrap_or_default(),
            stages: if r.add_stages.is_empty() {
                String::new()
            } else {
                serde_json::to_string_pretty(&r.add_stages).unwrap_or_default()
            },
            approvers: if r.add_approvers.is_empty() {
                String::new()
            } else {
                serde_json::to_string_pretty(&r.add_approvers).unwrap_or_default()
            },
            ..DraftRule::default()
        };
        // A single test fills the builder; anything nested is left to the JSON.
        if let Some(o) = r.when.as_object().filter(|o| o.keys().all(|k| ["field", "op", "value"].contains(&k.as_str())))
        {
            if let (Some(f), Some(op)) = (o.get("field").and_then(Value::as_str), o.get("op").and_then(Value::as_str)) {
                d.b_field = f.to_string();
                d.b_op = op.to_string();
                d.b_value = o.get("value").map(value_text).unwrap_or_default();
            }
        }
        d.b_was = builder_key(&d.b_field, &d.b_op, &d.b_value);
        d
    }

    fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.when.trim().is_empty()
            && self.b_field.is_empty()
            && self.stages.trim().is_empty()
            && self.approvers.trim().is_empty()
    }

    /// The condition: the builder's when it was used, else the JSON.
    fn condition(&self, fields: &[(String, String, Shape)]) -> Result<Value, String> {
        let changed = builder_key(&self.b_field, &self.b_op, &self.b_value) != self.b_was;
        if !self.b_field.is_empty() && (changed || self.when.trim().is_empty()) {
            let Some((_, _, shape)) = fields.iter().find(|(n, _, _)| *n == self.b_field) else {
                return Err(format!("'{}' is not a field", self.b_field));
            };
            let op = Op::parse(&self.b_op).ok_or("choose an operator")?;
            let mut c = json!({"field": self.b_field, "op": op.as_str()});
            if let Some(v) = builder_value(*shape, op, &self.b_value)? {
                c["value"] = v;
            }
            return Ok(c);
        }
        if self.when.trim().is_empty() {
            return Err("give a condition: fill in the field, operator and value, or write it as JSON".into());
        }
        serde_json::from_str(&self.when).map_err(|e| format!("the condition is not valid JSON: {e}"))
    }
}

/// Reads JSON text that may be empty (none).
fn json_list<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(text).map_err(|e| format!("this is not a valid JSON list: {e}"))
}

/// The rules as typed, in the order they will be tried.
#[derive(Clone, Default)]
pub struct Draft {
    pub rules: Vec<DraftRule>,
}

impl Draft {
    pub fn from_spec(spec: &RuleSetSpec) -> Draft {
        Draft { rules: spec.rules.iter().map(DraftRule::from_spec).collect() }
    }

    /// Reads `r{i}_{part}` pairs; rows come back ordered by their Position (then by index),
    /// blank ones dropped.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Draft, String> {
        let mut rows: BTreeMap<usize, (usize, DraftRule)> = BTreeMap::new();
        for (k, v) in pairs {
            let Some((i, part)) = k.strip_prefix('r').and_then(|r| r.split_once('_')) else { continue };
            let Ok(i) = i.parse::<usize>() else { continue };
            if !rows.contains_key(&i) && rows.len() >= MAX_ROWS {
                return Err(format!("A rule set has at most {MAX_ROWS} rules."));
            }
            let (position, row) = rows.entry(i).or_insert((usize::MAX, DraftRule::default()));
            match part {
                "name" => row.name = v.clone(),
                "workflow" => row.workflow = v.clone(),
                "when" => row.when = v.clone(),
                "field" => row.b_field = v.clone(),
                "op" => row.b_op = v.clone(),
                "value" => row.b_value = v.clone(),
                "was" => row.b_was = v.clone(),
                "stages" => row.stages = v.clone(),
                "approvers" => row.approvers = v.clone(),
                "remove" => row.remove = !v.is_empty(),
                // An empty or unreadable position keeps the row where it is, after numbered ones.
                "position" => *position = v.trim().parse().unwrap_or(usize::MAX),
                _ => {}
            }
        }
        let mut rows: Vec<(usize, usize, DraftRule)> =
            rows.into_iter().map(|(i, (p, r))| (p, i, r)).filter(|(_, _, r)| !r.is_blank()).collect();
        rows.sort_by_key(|(p, i, _)| (*p, *i));
        Ok(Draft { rules: rows.into_iter().map(|(_, _, r)| r).collect() })
    }

    /// The spec to save, with the row each of its rules came from; rows marked for removal
    /// are left out. The first problem the form itself can see is returned on its row.
    pub fn to_spec(&self, schema: &MetadataSchema) -> Result<(RuleSetSpec, Vec<usize>), RowError> {
        let fields = condition_fields(schema);
        let mut rules = Vec::new();
        let mut rows = Vec::new();
        for (row, r) in self.rules.iter().enumerate().filter(|(_, r)| !r.remove) {
            let at = format!("/rules/{}", rules.len());
            let fault = |part: Part, path: &str, message: String| RowError {
                row,
                part,
                path: format!("{at}{path}"),
                message: sentence(&message),
            };
            let workflow_id = match r.workflow.trim() {
                "" => return Err(fault(Part::Workflow, "/workflow_id", "choose a workflow".into())),
                w => parse_id(w).ok_or_else(|| {
                    fault(Part::Workflow, "/workflow_id", "the workflow could not be read; reload the page".into())
                })?,
            };
            let when = r.condition(&fields).map_err(|m| fault(Part::When, "/when", m))?;
            let add_stages: Vec<StageSpec> = json_list(&r.stages).map_err(|m| fault(Part::Stages, "/add_stages", m))?;
            let add_approvers: Vec<AddApprover> =
                json_list(&r.approvers).map_err(|m| fault(Part::Approvers, "/add_approvers", m))?;
            rules.push(RuleSpec { name: r.name.trim().to_string(), when, workflow_id, add_stages, add_approvers });
            rows.push(row);
        }
        Ok((RuleSetSpec { rules }, rows))
    }
}

/// What the editor offers to choose from.
pub struct Choices<'a> {
    pub workflows: &'a [Workflow],
    pub fields: &'a [(String, String, Shape)],
}

fn rule_row(key: &str, n: Option<usize>, r: &DraftRule, c: &Choices, error: Option<&RowError>) -> Markup {
    let id = |part: &str| format!("r-{key}-{part}");
    let name = |part: &str| format!("r{key}_{part}");
    let err = |part: Part| error.filter(|e| e.part == part).map(RowError::text);
    let err_id = |part: &str| format!("r-{key}-{part}-error");
    let described = |part: Part, p: &str, hint: Option<String>| {
        let mut ids: Vec<String> = hint.into_iter().collect();
        if err(part).is_some() {
            ids.insert(0, err_id(p));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let legend = match n {
        Some(n) if !r.name.trim().is_empty() => format!("Rule {n}: {}", r.name.trim()),
        Some(n) => format!("Rule {n}"),
        None => "New rule".to_string(),
    };
    let extras_open = !r.stages.trim().is_empty()
        || !r.approvers.trim().is_empty()
        || error.is_some_and(|e| matches!(e.part, Part::Stages | Part::Approvers));
    html! {
        fieldset.rule id=(id("row")) {
            legend { (legend) }
            @if let Some(m) = err(Part::Rule) { p.field-error role="alert" { (m) } }
            div.grid2 {
                div {
                    label for=(id("name")) { "Rule name" }
                    input id=(id("name")) name=(name("name")) value=(r.name) maxlength="200"
                        aria-invalid=[err(Part::Name).map(|_| "true")] aria-describedby=[described(Part::Name, "name", None)];
                    @if let Some(m) = err(Part::Name) { p.field-error id=(err_id("name")) { (m) } }
                }
                div {
                    label for=(id("workflow")) { "Workflow" }
                    select id=(id("workflow")) name=(name("workflow"))
                        aria-invalid=[err(Part::Workflow).map(|_| "true")] aria-describedby=[described(Part::Workflow, "workflow", None)] {
                        option value="" { "Choose…" }
                        @for w in c.workflows {
                            option value=(w.id) selected[r.workflow == w.id.to_string()] { (w.name) }
                        }
                    }
                    @if let Some(m) = err(Part::Workflow) { p.field-error id=(err_id("workflow")) { (m) } }
                }
            }
            fieldset.builder {
                legend { "Condition" }
                div.grid3 {
                    div {
                        label for=(id("field")) { "Field" }
                        select.b-field id=(id("field")) name=(name("field")) {
                            option value="" { "—" }
                            @for (f, label, shape) in c.fields {
                                option value=(f) data-shape=(shape.as_str()) selected[r.b_field == *f] { (label) }
                            }
                        }
                    }
                    div {
                        label for=(id("op")) { "Operator" }
                        select.b-op id=(id("op")) name=(name("op")) {
                            @for op in Op::ALL {
                                option value=(op.as_str()) selected[r.b_op == op.as_str()] { (op.as_str().replace('_', " ")) }
                            }
                        }
                    }
                    div {
                        label for=(id("value")) { "Value" }
                        input.b-value id=(id("value")) name=(name("value")) value=(r.b_value) autocomplete="off"
                            aria-describedby=(id("value-hint"));
                    }
                }
                p.hint id=(id("value-hint")) {
                    "For in and not in, separate values with commas; money is {\"amount\": 500000, \"currency\": \"AUD\"} in cents. "
                    "The row writes a one-test condition into the JSON below; combine tests there with all, any and not."
                }
                input.b-was type="hidden" name=(name("was")) value=(r.b_was);
                label for=(id("when")) { "Condition (JSON)" }
                textarea.when id=(id("when")) name=(name("when")) rows="4" spellcheck="false"
                    placeholder="{\"field\": \"metadata.channels\", \"op\": \"contains\", \"value\": \"social\"}"
                    aria-invalid=[err(Part::When).map(|_| "true")] aria-describedby=[described(Part::When, "when", None)] {
                    (r.when)
                }
                @if let Some(m) = err(Part::When) { p.field-error id=(err_id("when")) { (m) } }
            }
            details.extras open[extras_open] {
                summary { "Extra stages and approvers" }
                label for=(id("stages")) { "Extra stages (JSON)" }
                textarea id=(id("stages")) name=(name("stages")) rows="3" spellcheck="false"
                    placeholder="[{\"name\": \"Legal\", \"approvers\": [{\"group\": \"…\"}], \"rule\": \"all\"}]"
                    aria-invalid=[err(Part::Stages).map(|_| "true")] aria-describedby=[described(Part::Stages, "stages", None)] {
                    (r.stages)
                }
                @if let Some(m) = err(Part::Stages) { p.field-error id=(err_id("stages")) { (m) } }
                label for=(id("approvers")) { "Extra approvers (JSON)" }
                textarea id=(id("approvers")) name=(name("approvers")) rows="3" spellcheck="false"
                    placeholder="[{\"stage\": \"Brand\", \"approver\": {\"user\": \"…\"}}]"
                    aria-invalid=[err(Part::Approvers).map(|_| "true")] aria-describedby=[described(Part::Approvers, "approvers", None)] {
                    (r.approvers)
                }
                @if let Some(m) = err(Part::Approvers) { p.field-error id=(err_id("approvers")) { (m) } }
                p.hint { "Stages are added after the workflow's own; approvers join the stage they name." }
            }
            div.rule-order {
                div {
                    label for=(id("position")) { "Position" }
                    input id=(id("position")) name=(name("position")) type="number" min="1" inputmode="numeric"
                        value=[n.map(|n| n.to_string())];
                }
                @if n.is_some() {
                    label.check {
                        input type="checkbox" name=(name("remove")) value="1" checked[r.remove];
                        "Remove this rule"
                    }
                }
            }
        }
    }
}

/// The editor form: the rules, then `blanks` empty rows to add one.
pub fn editor(action: &str, csrf: &str, draft: &Draft, blanks: usize, c: &Choices, error: Option<&RowError>) -> Markup {
    let blank = DraftRule::default();
    let next = draft.rules.len() + blanks;
    html! {
        form.rules-editor #rules-editor method="post" action=(action) data-next=(next) {
            (super::page::csrf_field(csrf))
            div.rule-rows {
                @for (i, r) in draft.rules.iter().enumerate() {
                    (rule_row(&i.to_string(), Some(i + 1), r, c, error.filter(|e| e.row == i)))
                }
                @for i in draft.rules.len()..next { (rule_row(&i.to_string(), None, &blank, c, None)) }
            }
            template.rule-template { (rule_row("__i__", None, &blank, c, None)) }
            p.hint { "Rules are tried in order of position; the first whose condition holds picks the workflow. Saving makes a new revision; reviews already running keep their chain." }
            div.actions {
                button.primary type="submit" { "Save rules" }
                button.add-rule type="submit" name="add" value="1" formnovalidate { "Add rule" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WF: &str = "01900000-0000-7000-8000-000000000001";

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn schema() -> MetadataSchema {
        serde_json::from_value(json!({"fields": [
            {"key": "budget", "label": "Budget", "type": "number"},
            {"key": "markets", "label": "Markets", "type": "multi_enum", "values": ["AU", "NZ"]}
        ]}))
        .unwrap()
    }

    #[test]
    fn rows_read_in_position_order_and_the_builder_writes_the_condition() {
        let form = pairs(&[
            ("r0_name", "Second"),
            ("r0_workflow", WF),
            ("r0_when", "{\"field\": \"kind\", \"op\": \"eq\", \"value\": \"video\"}"),
            ("r0_position", "2"),
            ("r1_name", "First"),
            ("r1_workflow", WF),
            ("r1_field", "metadata.custom.budget"),
            ("r1_op", "gte"),
            ("r1_value", "5000"),
            ("r1_when", ""),
            ("r1_position", "1"),
            ("r2_name", ""),
            ("r2_when", ""),
            ("r3_name", "Gone"),
            ("r3_workflow", WF),
            ("r3_when", "{}"),
            ("r3_remove", "1"),
        ]);
        let draft = Draft::from_pairs(&form).unwrap();
        let names: Vec<&str> = draft.rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["First", "Second", "Gone"]);
        let (spec, rows) = draft.to_spec(&schema()).unwrap();
        assert_eq!(rows, [0, 1]);
        assert_eq!(spec.rules[0].when, json!({"field": "metadata.custom.budget", "op": "gte", "value": 5000}));
        assert_eq!(spec.rules[1].when, json!({"field": "kind", "op": "eq", "value": "video"}));
    }

    #[test]
    fn an_unchanged_builder_leaves_the_json_alone_and_a_changed_one_replaces_it() {
        let rule = RuleSpec {
            name: "Social".into(),
            when: json!({"field": "metadata.channels", "op": "contains", "value": "social"}),
            workflow_id: parse_id(WF).unwrap(),
            add_stages: vec![],
            add_approvers: vec![],
        };
        let mut d = DraftRule::from_spec(&rule);
        assert_eq!(
            (d.b_field.as_str(), d.b_op.as_str(), d.b_value.as_str()),
            ("metadata.channels", "contains", "social")
        );
        let fields = condition_fields(&schema());
        d.when = "{\"any\": [{\"field\": \"kind\", \"op\": \"exists\"}]}".into();
        assert_eq!(d.condition(&fields).unwrap(), json!({"any": [{"field": "kind", "op": "exists"}]}));
        d.b_op = "eq".into();
        d.b_value = "social, web".into();
        assert_eq!(
            d.condition(&fields).unwrap(),
            json!({"field": "metadata.channels", "op": "eq", "value": ["social", "web"]})
        );
    }

    #[test]
    fn a_core_path_lands_on_the_row_it_came_from() {
        let e = RowError::at_path("/rules/1/when/all/0/field", "'x' is not a field", &[0, 3]).unwrap();
        assert_eq!((e.row, e.part), (3, Part::When));
        assert_eq!(e.text(), "At /rules/1/when/all/0/field: 'x' is not a field.");
        assert!(RowError::at_path("/rules", "at most 1000 rules", &[0]).is_none());
        let bad = Draft::from_pairs(&pairs(&[("r0_name", "A"), ("r0_workflow", WF), ("r0_when", "{nope")])).unwrap();
        let e = bad.to_spec(&schema()).unwrap_err();
        assert_eq!((e.row, e.part, e.path.as_str()), (0, Part::When, "/rules/0/when"));
    }
}
