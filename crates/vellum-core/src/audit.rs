//! Reading and verifying the audit trail.

use serde::Serialize;
use vellum_domain::{audit::ChainCheck, role::Capability};
use vellum_store::{
    audit::{self, AuditFilter},
    model::AuditEvent,
    Store,
};

use crate::{access, Actor, Core, Result};

/// The outcome of re-walking a chain, as the API and CLI report it.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    pub events: u64,
    pub head: Option<String>,
    pub first_bad_seq: Option<i64>,
    pub reason: Option<String>,
}

impl From<ChainCheck> for Verification {
    fn from(c: ChainCheck) -> Self {
        match c {
            ChainCheck::Ok { events, head } => {
                Verification { ok: true, events, head: Some(head), first_bad_seq: None, reason: None }
            }
            ChainCheck::Broken { first_bad_seq, reason } => {
                Verification { ok: false, events: 0, head: None, first_bad_seq, reason: Some(reason) }
            }
        }
    }
}

impl Core {
    /// A workspace's audit events, optionally about one object (owners, admins, managers).
    pub async fn audit(
        &self,
        actor: &Actor,
        ws: &str,
        object_type: Option<String>,
        object_id: Option<String>,
    ) -> Result<Vec<AuditEvent>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::ReadAudit)?;
        let filter = AuditFilter { object_type, object_id, limit: 100_000 };
        Ok(audit::list(&mut c, &access.workspace.id.to_string(), &filter).await?)
    }

    /// Re-walks a workspace's chain.
    pub async fn verify_audit(&self, actor: &Actor, ws: &str) -> Result<Verification> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::ReadAudit)?;
        Ok(audit::verify(&mut c, &access.workspace.id.to_string()).await?.into())
    }
}

/// Re-walks every chain in a store (the CLI's `audit verify`), naming each chain's outcome.
pub async fn verify_all(store: &Store) -> Result<Vec<(String, Verification)>> {
    let mut c = store.conn().await?;
    let mut out = Vec::new();
    for chain in audit::chains(&mut c).await? {
        let v = audit::verify(&mut c, &chain).await?.into();
        out.push((chain, v));
    }
    Ok(out)
}
