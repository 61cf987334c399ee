//! A workspace's naming convention: every member reads it (the upload form suggests names
//! from it); owners, admins and managers set it, audited with what it was.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    naming::{Convention, Pattern},
    role::Capability,
    ErrorCode,
};
use vellum_store::naming;

use crate::{access, record, setting_event, Actor, Core, Error, Result};

impl Core {
    /// The workspace's convention, if it has one.
    pub async fn naming(&self, actor: &Actor, ws: &str) -> Result<Option<Convention>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        Ok(naming::get(&mut c, access.workspace.id).await?)
    }

    pub async fn put_naming(&self, actor: &Actor, ws: &str, n: Convention) -> Result<Convention> {
        Pattern::parse(&n.pattern).map_err(|why| Error::new(ErrorCode::InvalidNaming, why))?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::PlanCampaigns)?;
        let before = naming::get(&mut tx, access.workspace.id).await?;
        naming::put(&mut tx, access.workspace.id, &n, self.now()).await?;
        let event = setting_event(AuditAction::NamingPut, "naming", access.workspace.id, Some(json!(before)), json!(n));
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(n)
    }
}
