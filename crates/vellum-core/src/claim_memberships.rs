//! Memberships that follow an identity's claims: the claim rules (single sign-on's ID-token
//! claims, a directory's groups) decide a role per workspace; memberships the rules granted
//! are added, changed or removed to match, and memberships granted by hand are never touched.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use vellum_domain::{
    audit::AuditAction,
    claim_rules::{self, ClaimRule},
    role::Role,
    Id, Timestamp,
};
use vellum_store::{
    model::{NewAuditEvent, User},
    workspaces, Tx,
};

use crate::{record, Origin, Result};

/// Where the claims came from, for the audit trail.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    SingleSignOn,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::SingleSignOn => "sso",
        }
    }
}

fn power(role: Role) -> usize {
    Role::ALL.iter().position(|r| *r == role).unwrap_or(usize::MAX)
}

/// Brings `user`'s rule-granted memberships in line with `claims`; each change is audited
/// with the source. Rules naming a workspace that no longer exists are skipped.
pub(crate) async fn follow(
    tx: &mut Tx,
    origin: &Origin,
    user: &User,
    rules: &[ClaimRule],
    claims: &Map<String, Value>,
    source: Source,
    now: Timestamp,
) -> Result<()> {
    let mut wanted: BTreeMap<Id, Role> = BTreeMap::new();
    for (reference, role) in claim_rules::memberships(rules, claims) {
        let Some(ws) = workspaces::by_reference(&mut *tx, &reference).await? else {
            tracing::warn!(workspace = %reference, "a claim rule names a workspace that does not exist");
            continue;
        };
        let have = wanted.entry(ws.id).or_insert(role);
        if power(role) < power(*have) {
            *have = role;
        }
    }
    for (&ws, &role) in &wanted {
        let (before, changed) = workspaces::set_managed_role(&mut *tx, ws, user.id, role, now).await?;
        if changed {
            let event = NewAuditEvent {
                workspace_id: Some(ws),
                object_id: Some(user.id.to_string()),
                before: before.map(|r| json!({"role": r})),
                after: Some(json!({"role": role, "via": source.as_str()})),
                ..NewAuditEvent::new(AuditAction::MemberSetRole, "member")
            };
            record(&mut *tx, origin, None, event).await?;
        }
    }
    for (ws, role) in workspaces::managed_memberships(&mut *tx, user.id).await? {
        if wanted.contains_key(&ws) {
            continue;
        }
        workspaces::remove_member(&mut *tx, ws, user.id).await?;
        let event = NewAuditEvent {
            workspace_id: Some(ws),
            object_id: Some(user.id.to_string()),
            before: Some(json!({"role": role})),
            after: Some(json!({"via": source.as_str()})),
            ..NewAuditEvent::new(AuditAction::MemberRemove, "member")
        };
        record(&mut *tx, origin, None, event).await?;
    }
    Ok(())
}
