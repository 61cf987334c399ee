//! Proposals: an agent acting for a person (through a token of scope `propose`) asks for a
//! change; a member with the role the change needs accepts or rejects it. Accepting applies it
//! through the same use case a person would call, as that person, with the agent's token named
//! in the audit event; what moved on since it was proposed is refused, never applied silently.

use serde_json::{json, Map, Value};
use vellum_domain::{
    audit::AuditAction,
    id::new_id,
    metadata::AssetMetadata,
    page::{Page, PageRequest},
    proposal::{self, ProposalKind, ProposalStatus},
    role::Capability,
    scope::Scope,
    ErrorCode, Id,
};
pub use vellum_store::proposals::Proposal;
use vellum_store::{model::NewAuditEvent, proposals, Tx};

use crate::{
    access,
    assets::{merged, AssetPatch},
    briefs::BriefInput,
    record,
    tokens::TokenUse,
    Actor, Core, Error, Result,
};

/// A change an agent asks for.
#[derive(Debug, Clone)]
pub enum ProposedChange {
    /// Set these metadata fields of an asset (`custom` merged key by key), made against `version`.
    Metadata { asset_id: Id, version: u32, metadata: Map<String, Value> },
    /// Start a review of the asset's `version` (its current one), with a workflow or by routing.
    ReviewStart { asset_id: Id, version: u32, workflow_id: Option<Id> },
    /// Create a draft brief in a workspace (id or slug) from a template.
    Brief { workspace: String, template_id: Id, title: String, fields: Map<String, Value>, campaign_id: Option<Id> },
}

impl ProposedChange {
    fn kind(&self) -> ProposalKind {
        match self {
            ProposedChange::Metadata { .. } => ProposalKind::MetadataChange,
            ProposedChange::ReviewStart { .. } => ProposalKind::ReviewStart,
            ProposedChange::Brief { .. } => ProposalKind::Brief,
        }
    }
}

/// The role a kind of change needs from whoever accepts it (the same a person needs to make it).
fn capability(kind: ProposalKind) -> Capability {
    match kind {
        ProposalKind::MetadataChange | ProposalKind::Brief => Capability::Upload,
        ProposalKind::ReviewStart => Capability::StartReview,
    }
}

fn stale(e: Error) -> Error {
    if e.code() == ErrorCode::NotFound {
        Error::new(ErrorCode::ProposalStale, "what the proposal changes is gone or out of your reach")
    } else {
        e
    }
}

impl Core {
    /// Records a proposal for a person to decide. The proposer must be able to see what it is
    /// about; the change is checked now, and again when it is accepted.
    pub async fn propose(&self, actor: &Actor, change: ProposedChange, rationale: &str) -> Result<Proposal> {
        actor.require_scope(Scope::Propose)?;
        let rationale = proposal::check_rationale(rationale)?;
        let mut tx = self.store.write().await?;
        let kind = change.kind();
        let (workspace_id, target_type, target_id, version, stored, before) = match &change {
            ProposedChange::Metadata { asset_id, version, metadata } => {
                let (asset, _) = access::asset(&mut tx, &actor.user, *asset_id).await?;
                proposal::check_unchanged(*version, asset.current_version, None, None)?;
                if metadata.is_empty() {
                    return Err(Error::new(ErrorCode::InvalidProposal, "metadata must name at least one field"));
                }
                // Refused now if the result could never be saved.
                let candidate = AssetMetadata::from_json(merged(&asset.metadata, metadata))?;
                crate::metadata_schema::check_custom(&mut tx, asset.workspace_id, asset.kind, &candidate, true).await?;
                let current = serde_json::to_value(&asset.metadata).unwrap_or_default();
                let before = proposal::values_of(&current, metadata);
                let stored = json!({"asset_id": asset_id, "version": version, "metadata": metadata});
                (asset.workspace_id, "asset", *asset_id, Some(*version), stored, Some(before))
            }
            ProposedChange::ReviewStart { asset_id, version, workflow_id } => {
                let (asset, access) = access::asset(&mut tx, &actor.user, *asset_id).await?;
                if !access.sees_work_in_progress() {
                    return Err(Error::not_found("asset"));
                }
                proposal::check_unchanged(*version, asset.current_version, None, None)?;
                if let Some(w) = workflow_id {
                    crate::reviews::workflow_of(&mut tx, *w, asset.workspace_id).await?;
                }
                let stored = json!({"asset_id": asset_id, "version": version, "workflow_id": workflow_id});
                (asset.workspace_id, "asset", *asset_id, Some(*version), stored, None)
            }
            ProposedChange::Brief { workspace, template_id, title, fields, campaign_id } => {
                let access = access::workspace(&mut tx, &actor.user, workspace).await?;
                access.require(Capability::SeeWorkInProgress)?;
                crate::briefs::template_of(&mut tx, *template_id, access.workspace.id, false).await?;
                if title.trim().is_empty() {
                    return Err(Error::new(ErrorCode::InvalidProposal, "a proposed brief needs a title"));
                }
                let stored = json!({"template_id": template_id, "title": title.trim(), "fields": fields,
                    "campaign_id": campaign_id});
                (access.workspace.id, "workspace", access.workspace.id, None, stored, None)
            }
        };
        let p = Proposal {
            id: new_id(),
            workspace_id,
            kind,
            target_type: target_type.to_string(),
            target_id,
            version,
            change: stored,
            before,
            rationale,
            token_id: actor.origin.token.map(|t| t.id),
            created_by: actor.user.id,
            created_at: self.now(),
            status: ProposalStatus::Pending,
            decided_by: None,
            decided_at: None,
            reason: None,
            result_id: None,
        };
        proposals::insert(&mut tx, &p).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(p.workspace_id),
                object_id: Some(p.id.to_string()),
                asset_id: (p.target_type == "asset").then_some(p.target_id),
                after: Some(json!({"kind": p.kind, "change": p.change, "rationale": p.rationale})),
                ..NewAuditEvent::new(AuditAction::ProposalCreate, "proposal")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(p)
    }

    /// A workspace's proposals, newest first (members who see work in progress).
    pub async fn proposals(
        &self,
        actor: &Actor,
        ws: &str,
        status: Option<ProposalStatus>,
        page: &PageRequest,
    ) -> Result<Page<Proposal>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        let rows = proposals::list(&mut c, access.workspace.id, status, page.cursor_id()?, page.fetch()).await?;
        Ok(Page::from_fetched(rows, page, |p| p.id.to_string()))
    }

    /// Accepts a pending proposal: applies the change as `actor`, naming the agent's token in the
    /// change's audit event, and records the acceptance.
    pub async fn accept_proposal(&self, actor: &Actor, id: Id) -> Result<Proposal> {
        let mut tx = self.store.write().await?;
        let mut p = self.decidable(&mut tx, actor, id).await?;
        // The change is made by the person, through the agent: both are on its event.
        let mut through_agent = actor.clone();
        through_agent.origin.token = p.token_id.map(|id| TokenUse { id, scope: Scope::Propose });
        p.result_id = self.apply(&mut tx, &through_agent, &p).await?;
        p.status = ProposalStatus::Accepted;
        self.settle(&mut tx, actor, &mut p, AuditAction::ProposalAccept).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Rejects a pending proposal with the reason the agent (and its person) will read.
    pub async fn reject_proposal(&self, actor: &Actor, id: Id, reason: &str) -> Result<Proposal> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 4000 {
            return Err(Error::new(
                ErrorCode::ReasonRequired,
                "say why the proposal is rejected (at most 4000 characters)",
            ));
        }
        let mut tx = self.store.write().await?;
        let mut p = self.decidable(&mut tx, actor, id).await?;
        p.status = ProposalStatus::Rejected;
        p.reason = Some(reason.to_string());
        self.settle(&mut tx, actor, &mut p, AuditAction::ProposalReject).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// The proposal, locked, if `actor` may decide it: a member with the role its change needs,
    /// not through the token that made it, while it is pending.
    async fn decidable(&self, tx: &mut Tx, actor: &Actor, id: Id) -> Result<Proposal> {
        let p = proposals::get(&mut *tx, id, true).await?.ok_or_else(|| Error::not_found("proposal"))?;
        let access = access::workspace_by_id(&mut *tx, &actor.user, p.workspace_id)
            .await
            .map_err(|e| e.hidden_as("proposal"))?;
        if !access.sees_work_in_progress() {
            return Err(Error::not_found("proposal"));
        }
        access.require(capability(p.kind))?;
        proposal::check_decidable(p.status, p.token_id, actor.origin.token.map(|t| t.id))?;
        Ok(p)
    }

    /// Applies an accepted proposal's change, re-checked against the record as it is now.
    async fn apply(&self, tx: &mut Tx, actor: &Actor, p: &Proposal) -> Result<Option<Id>> {
        let field = |k: &str| p.change.get(k).cloned().unwrap_or(Value::Null);
        let id_of = |k: &str| field(k).as_str().and_then(vellum_domain::id::parse_id);
        match p.kind {
            ProposalKind::MetadataChange => {
                let set = field("metadata").as_object().cloned().unwrap_or_default();
                let (asset, _) = access::asset_for_update(&mut *tx, &actor.user, p.target_id).await.map_err(stale)?;
                let current = serde_json::to_value(&asset.metadata).unwrap_or_default();
                let now = proposal::values_of(&current, &set);
                proposal::check_unchanged(
                    p.version.unwrap_or(0),
                    asset.current_version,
                    p.before.as_ref(),
                    Some(&now),
                )?;
                let patch = AssetPatch { title: None, metadata: Some(merged(&asset.metadata, &set)) };
                self.update_asset_in(tx, actor, asset.id, patch).await?;
                Ok(None)
            }
            ProposalKind::ReviewStart => {
                let (asset, _) = access::asset_for_update(&mut *tx, &actor.user, p.target_id).await.map_err(stale)?;
                proposal::check_unchanged(p.version.unwrap_or(0), asset.current_version, None, None)?;
                let review = self.start_review_in(tx, actor, asset.id, id_of("workflow_id")).await?;
                Ok(Some(review.id))
            }
            ProposalKind::Brief => {
                let input = BriefInput {
                    template_id: id_of("template_id"),
                    title: field("title").as_str().map(str::to_string),
                    campaign_id: id_of("campaign_id").map(Some),
                    fields: field("fields").as_object().cloned(),
                    reference_asset_ids: None,
                };
                let brief = self.create_brief_in(tx, actor, &p.workspace_id.to_string(), input).await?;
                Ok(Some(brief.brief.id))
            }
        }
    }

    /// Records the decision on the proposal and in the audit trail.
    async fn settle(&self, tx: &mut Tx, actor: &Actor, p: &mut Proposal, action: AuditAction) -> Result<()> {
        p.decided_by = Some(actor.user.id);
        p.decided_at = Some(self.now());
        if !proposals::decide(&mut *tx, p).await? {
            return Err(Error::new(ErrorCode::ProposalDecided, "the proposal was decided meanwhile"));
        }
        record(
            &mut *tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(p.workspace_id),
                object_id: Some(p.id.to_string()),
                asset_id: (p.target_type == "asset").then_some(p.target_id),
                after: Some(json!({
                    "status": p.status,
                    "reason": p.reason,
                    "proposed_by": p.created_by,
                    "proposed_with_token": p.token_id,
                    "result_id": p.result_id,
                })),
                ..NewAuditEvent::new(action, "proposal")
            },
        )
        .await?;
        Ok(())
    }
}
