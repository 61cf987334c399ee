//! Routing rules of a workspace: reading them, saving a new revision (admins; checked whole
//! against the schema, workflows, members and groups), comparing a revision with the one
//! before, explaining what they would do for an asset, and routing a review that names no
//! workflow.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    condition::{BriefFacts, ConditionError, Subject},
    metadata::AssetMetadata,
    role::Capability,
    routing::{self, Context, ReviewRouting, Routing, RuleSet, RuleSetSpec, RuleSpec},
    validate::{AssetKind, Name},
    workflow::{ApproverRef, StageSpec},
    ErrorCode, Id,
};
use vellum_store::{metadata_schemas, model::Asset, routing as rules_store, workflows, workspaces, Conn};

use crate::{access, record, setting_event, Actor, Core, Error, Result};

/// A saved revision of the rules (revision 0 with no rules until the first save).
#[derive(Debug, Clone, PartialEq)]
pub struct RulesRevision {
    pub revision: u64,
    pub rules: RuleSetSpec,
    pub created_at: Option<vellum_domain::Timestamp>,
    pub created_by: Option<Id>,
}

/// How one rule differs from the revision before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleChange {
    Added,
    Removed,
    Changed,
    /// Same rule, another place in the order.
    Moved,
}

impl RuleChange {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleChange::Added => "added",
            RuleChange::Removed => "removed",
            RuleChange::Changed => "changed",
            RuleChange::Moved => "moved",
        }
    }
}

/// The rules as they were before and after one change, by name.
pub fn diff(before: &[RuleSpec], after: &[RuleSpec]) -> Vec<(String, RuleChange)> {
    let mut out = Vec::new();
    for (i, r) in after.iter().enumerate() {
        match before.iter().position(|b| b.name == r.name) {
            None => out.push((r.name.clone(), RuleChange::Added)),
            Some(j) if before[j] != *r => out.push((r.name.clone(), RuleChange::Changed)),
            Some(j) if j != i => out.push((r.name.clone(), RuleChange::Moved)),
            Some(_) => {}
        }
    }
    for b in before {
        if !after.iter().any(|r| r.name == b.name) {
            out.push((b.name.clone(), RuleChange::Removed));
        }
    }
    out
}

/// What a dry run evaluates: a stored asset, or one described.
pub enum ExplainSubject {
    Asset(Id),
    Described { kind: AssetKind, title: Option<String>, metadata: serde_json::Value },
}

/// A routing with the chain it picked.
#[derive(Debug, Clone)]
pub struct Explained {
    pub routing: Routing,
    pub stages: Vec<StageSpec>,
}

fn invalid_routing(e: ConditionError) -> Error {
    Error::AtPath { code: ErrorCode::InvalidRouting, message: e.message, path: e.path }
}

/// The workspace's rules, checked against what the workspace holds now.
async fn load(c: &mut Conn, ws: Id) -> Result<(Option<vellum_store::routing::RuleSetRevision>, Checked)> {
    let latest = rules_store::latest(&mut *c, ws).await?;
    let spec = latest.as_ref().map(|r| r.rules.clone()).unwrap_or_default();
    let checked = check(c, ws, spec).await?;
    Ok((latest, checked))
}

/// A rule set checked, with the workflows it may pick.
struct Checked {
    set: RuleSet,
    workflows: Vec<(Id, Vec<StageSpec>)>,
}

async fn check(c: &mut Conn, ws: Id, spec: RuleSetSpec) -> Result<Checked> {
    let (schema, _) = metadata_schemas::get(&mut *c, ws).await?;
    let workflows: Vec<(Id, Vec<StageSpec>)> =
        workflows::list(&mut *c, ws).await?.into_iter().map(|w| (w.id, w.stages)).collect();
    let members: Vec<Id> = workspaces::members(&mut *c, ws).await?.into_iter().map(|m| m.user_id).collect();
    let groups: Vec<Id> = workspaces::groups(&mut *c, ws).await?.into_iter().map(|g| g.id).collect();
    let workflow = |id: Id| workflows.iter().find(|(w, _)| *w == id).map(|(_, s)| s.clone());
    let approver_ok = |a: &ApproverRef| match a {
        ApproverRef::User(u) => members.contains(u),
        ApproverRef::Group(g) => groups.contains(g),
    };
    let set = RuleSet::parse(spec, &Context { schema: &schema, workflow: &workflow, approver_ok: &approver_ok })
        .map_err(invalid_routing)?;
    Ok(Checked { set, workflows })
}

impl Checked {
    fn explain(&self, subject: &Subject) -> Explained {
        let routing = self.set.route(subject);
        let stages = match (&routing.matched, routing.workflow_id) {
            (Some(m), Some(wf)) => {
                let base = self.workflows.iter().find(|(w, _)| *w == wf).map(|(_, s)| s.as_slice()).unwrap_or(&[]);
                self.set.rule(m).map(|r| routing::apply(base, r)).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        Explained { routing, stages }
    }
}

/// The names of the fields a rule set looked at, for a "no rule matched" message.
fn checked_fields(r: &Routing) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for t in r.explanation.iter().flat_map(|e| &e.conditions) {
        if !names.contains(&t.field) {
            names.push(t.field.clone());
        }
    }
    names
}

/// Routes an asset for a review that names no workflow: the chain, the workflow it is based
/// on and why; `422 no_route` when no rule matches.
pub(crate) async fn route(c: &mut Conn, asset: &Asset) -> Result<(Id, ReviewRouting)> {
    let subject = Subject::asset(asset.kind, &asset.title, &asset.metadata);
    route_subject(c, asset.workspace_id, &subject, "asset").await
}

/// Routes a brief's approval: the rules see `brief.template` and `brief.<key>` (and its title;
/// asset fields have no value on a brief).
pub(crate) async fn route_brief(c: &mut Conn, brief: &vellum_store::briefs::Brief) -> Result<(Id, ReviewRouting)> {
    let metadata = AssetMetadata::default();
    let subject = Subject {
        kind: None,
        title: &brief.title,
        metadata: &metadata,
        brief: Some(BriefFacts { template_id: brief.template_id.to_string(), fields: &brief.fields }),
    };
    route_subject(c, brief.workspace_id, &subject, "brief").await
}

async fn route_subject(c: &mut Conn, ws: Id, subject: &Subject<'_>, what: &str) -> Result<(Id, ReviewRouting)> {
    let (latest, checked) = load(c, ws).await?;
    let explained = checked.explain(subject);
    let (Some(m), Some(wf)) = (&explained.routing.matched, explained.routing.workflow_id) else {
        let fields = checked_fields(&explained.routing);
        let message = if checked.set.is_empty() {
            "this workspace has no routing rules: name a workflow_id, or ask an admin to add rules".to_string()
        } else {
            format!("no routing rule matches this {what} (checked: {}); name a workflow_id instead", fields.join(", "))
        };
        return Err(Error::new(ErrorCode::NoRoute, message));
    };
    let routing = ReviewRouting {
        rule: m.name.clone(),
        revision: latest.map_or(0, |l| l.revision),
        explanation: explained.routing.explanation,
        stages: explained.stages,
    };
    Ok((wf, routing))
}

impl Core {
    /// The rules in force (members who see work in progress).
    pub async fn routing_rules(&self, actor: &Actor, ws: &str) -> Result<RulesRevision> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        let latest = rules_store::latest(&mut c, access.workspace.id).await?;
        Ok(latest.map_or(
            RulesRevision { revision: 0, rules: RuleSetSpec::default(), created_at: None, created_by: None },
            |l| RulesRevision {
                revision: l.revision,
                rules: l.rules,
                created_at: Some(l.created_at),
                created_by: Some(l.created_by),
            },
        ))
    }

    /// One saved revision and how it changed the one before.
    pub async fn routing_revision(
        &self,
        actor: &Actor,
        ws: &str,
        revision: u64,
    ) -> Result<(RulesRevision, Vec<(String, RuleChange)>)> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        let ws_id = access.workspace.id;
        let this = rules_store::revision(&mut c, ws_id, revision).await?.ok_or_else(|| Error::not_found("revision"))?;
        let before = match revision.checked_sub(1).filter(|n| *n > 0) {
            Some(n) => rules_store::revision(&mut c, ws_id, n).await?.map(|r| r.rules.rules).unwrap_or_default(),
            None => Vec::new(),
        };
        let changes = diff(&before, &this.rules.rules);
        Ok((
            RulesRevision {
                revision: this.revision,
                rules: this.rules,
                created_at: Some(this.created_at),
                created_by: Some(this.created_by),
            },
            changes,
        ))
    }

    /// Saves the rules as a new revision (owners and admins). A rule set with any fault
    /// changes nothing: `422 invalid_routing` with the path of the first faulty node.
    pub async fn put_routing_rules(&self, actor: &Actor, ws: &str, spec: RuleSetSpec) -> Result<RulesRevision> {
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let ws_id = access.workspace.id;
        let checked = check(&mut tx, ws_id, spec).await?;
        let rules = RuleSetSpec { rules: checked.set.rules().cloned().collect() };
        let before = rules_store::latest(&mut tx, ws_id).await?.map(|r| r.rules.rules).unwrap_or_default();
        let now = self.now();
        let revision = rules_store::put(&mut tx, ws_id, &rules, now, actor.user.id).await?;
        let changes: Vec<serde_json::Value> = diff(&before, &rules.rules)
            .into_iter()
            .map(|(rule, c)| json!({"rule": rule, "change": c.as_str()}))
            .collect();
        let after = json!({"revision": revision, "rules": rules.rules, "changes": changes});
        let event = setting_event(AuditAction::RoutingPut, "routing", ws_id, Some(json!({"rules": before})), after);
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(RulesRevision { revision, rules, created_at: Some(now), created_by: Some(actor.user.id) })
    }

    /// What the rules in force would do for an asset, stored or described, without starting
    /// anything (those who may start reviews).
    pub async fn explain_routing(&self, actor: &Actor, ws: &str, subject: ExplainSubject) -> Result<Explained> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::StartReview)?;
        let ws_id = access.workspace.id;
        let (_, checked) = load(&mut c, ws_id).await?;
        match subject {
            ExplainSubject::Asset(id) => {
                let (asset, _) = access::asset(&mut c, &actor.user, id).await?;
                if asset.workspace_id != ws_id {
                    return Err(Error::not_found("asset"));
                }
                Ok(checked.explain(&Subject::asset(asset.kind, &asset.title, &asset.metadata)))
            }
            ExplainSubject::Described { kind, title, metadata } => {
                let title = match title {
                    Some(t) => Name::parse("the title", &t)?.into_inner(),
                    None => String::new(),
                };
                let metadata = AssetMetadata::from_json(metadata)?;
                Ok(checked.explain(&Subject::asset(kind, &title, &metadata)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, when: serde_json::Value) -> RuleSpec {
        RuleSpec { name: name.into(), when, workflow_id: Id::nil(), add_stages: vec![], add_approvers: vec![] }
    }

    #[test]
    fn a_revision_reads_as_changes_by_rule() {
        let a = rule("A", json!({"field": "kind", "op": "exists"}));
        let b = rule("B", json!({"field": "title", "op": "exists"}));
        let b2 = rule("B", json!({"field": "title", "op": "contains", "value": "x"}));
        let c = rule("C", json!({"field": "kind", "op": "exists"}));
        let changes = diff(&[a.clone(), b.clone()], &[b2, a.clone(), c]);
        let words: Vec<(&str, &str)> = changes.iter().map(|(n, c)| (n.as_str(), c.as_str())).collect();
        assert_eq!(words, [("B", "changed"), ("A", "moved"), ("C", "added")]);
        let removed = diff(&[a.clone(), b], &[a]);
        assert_eq!(removed, vec![("B".to_string(), RuleChange::Removed)]);
    }
}
