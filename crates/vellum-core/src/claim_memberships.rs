//! Memberships that follow an identity's claims: the claim rules decide a role per workspace
//! from everything known of a person — the claims of their latest single sign-on, their email,
//! and their directory groups (as the `directory_group` claim) — so a sign-in and a directory
//! change reach the same answer. Memberships the rules granted are added, changed or removed
//! to match; memberships granted by hand are never touched. Workspace groups linked to a
//! directory group follow it afterwards.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use vellum_domain::{
    audit::AuditAction,
    claim_rules::{self, ClaimRule},
    role::Role,
    Id, Timestamp,
};
use vellum_store::{
    directory,
    model::{NewAuditEvent, User},
    single_sign_on, workspaces, Tx,
};

use crate::{record, Origin, Result};

/// Where the claims came from, for the audit trail.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    SingleSignOn,
    Directory,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::SingleSignOn => "sso",
            Source::Directory => "directory",
        }
    }
}

fn power(role: Role) -> usize {
    Role::ALL.iter().position(|r| *r == role).unwrap_or(usize::MAX)
}

/// Everything the rules may test of a user.
async fn claims_of(tx: &mut Tx, user: &User) -> Result<Map<String, Value>> {
    let mut claims: Map<String, Value> = match single_sign_on::last_claims(&mut *tx, user.id).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => Map::new(),
    };
    claims.insert("email".into(), Value::String(user.email.clone()));
    let groups = directory::groups_of_user(&mut *tx, user.id).await?;
    claims.insert("directory_group".into(), Value::Array(groups.into_iter().map(|(_, n)| Value::String(n)).collect()));
    Ok(claims)
}

/// Brings `user`'s rule-granted memberships in line with what is known of them; each change
/// is audited with the source. Rules naming a workspace that no longer exists are skipped.
pub(crate) async fn follow(
    tx: &mut Tx,
    origin: &Origin,
    user: &User,
    rules: &[ClaimRule],
    source: Source,
    now: Timestamp,
) -> Result<()> {
    let claims = claims_of(tx, user).await?;
    let mut wanted: BTreeMap<Id, Role> = BTreeMap::new();
    for (reference, role) in claim_rules::memberships(rules, &claims) {
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
    directory::sync_linked_groups(&mut *tx).await?;
    Ok(())
}
