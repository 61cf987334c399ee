//! A workspace's glossary: every member reads it; owners, admins and managers replace it whole,
//! audited with what it was before.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    glossary::{self, Term},
    role::Capability,
    ErrorCode,
};
use vellum_store::glossaries;

use crate::{access, record, setting_event, Actor, Core, Error, Result};

impl Core {
    pub async fn glossary(&self, actor: &Actor, ws: &str) -> Result<Vec<Term>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        Ok(glossaries::get(&mut c, access.workspace.id).await?)
    }

    /// Replaces the glossary; the answer is it as kept (trimmed, alphabetical).
    pub async fn put_glossary(&self, actor: &Actor, ws: &str, terms: Vec<Term>) -> Result<Vec<Term>> {
        let terms = glossary::check(terms).map_err(|fields| Error::Fields {
            code: ErrorCode::InvalidGlossary,
            message: fields.first().map(|f| format!("{}: {}", f.key, f.message)).unwrap_or_default(),
            fields,
        })?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::PlanCampaigns)?;
        let before = glossaries::get(&mut tx, access.workspace.id).await?;
        glossaries::put(&mut tx, access.workspace.id, &terms, self.now()).await?;
        let event = setting_event(
            AuditAction::GlossaryPut,
            "glossary",
            access.workspace.id,
            Some(json!({"terms": before})),
            json!({"terms": terms}),
        );
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(terms)
    }
}
