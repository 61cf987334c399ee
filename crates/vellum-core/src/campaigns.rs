//! Campaigns and their milestones: planning them (owners, admins and managers; every member
//! reads them), each change audited in its transaction, and the buffer conflicts a milestone's
//! date makes — shown by a dry run before anything is saved, and again with the saved change.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    calendar::Calendar,
    campaign::{check_dependencies, conflicts, parse_date, BufferConflict, DependencyError, MilestoneKind, Planned},
    fields::{FieldError, Money},
    id::new_id,
    role::Capability,
    validate::Name,
    ErrorCode, Id,
};
use vellum_store::{calendars, campaigns, model::NewAuditEvent, workspaces, Conn};

pub use vellum_store::campaigns::{Campaign, Milestone};

use crate::{access, record, Actor, Core, Error, Result};

/// The most channels a campaign names, and business days a buffer may ask for.
const MAX_CHANNELS: usize = 30;
const MAX_BUFFER_DAYS: u32 = 250;

/// A campaign as written by its planner (every field, for a create; the changed ones, for a patch).
#[derive(Debug, Clone, Default)]
pub struct CampaignInput {
    pub name: Option<String>,
    pub code: Option<String>,
    pub objective: Option<String>,
    pub channels: Option<Vec<String>>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub budget: Option<Money>,
    pub colour: Option<String>,
}

/// A milestone as written (every field for a create; the changed ones for a patch).
#[derive(Debug, Clone, Default)]
pub struct MilestoneInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub due_on: Option<String>,
    pub channel: Option<String>,
    pub buffer_business_days: Option<u32>,
    pub depends_on: Option<Vec<Id>>,
    pub assignee_id: Option<Id>,
}

/// A milestone with the conflicts its dates make after a change.
#[derive(Debug, Clone)]
pub struct MilestoneChange {
    pub milestone: Milestone,
    pub conflicts: Vec<BufferConflict>,
    /// False for a dry run: nothing was saved.
    pub saved: bool,
}

fn field(code: ErrorCode, key: &str, message: impl Into<String>) -> Error {
    let message = message.into();
    Error::Fields { code, message: message.clone(), fields: vec![FieldError { key: key.to_string(), message }] }
}

fn date(code: ErrorCode, key: &str, s: &str) -> Result<()> {
    parse_date(s).map(|_| ()).ok_or_else(|| field(code, key, format!("'{s}' is not a date like 2026-05-01")))
}

/// Checks a campaign's fields, whole.
fn check_campaign(k: &Campaign) -> Result<()> {
    let bad = |key: &str, m: String| Err(field(ErrorCode::InvalidCampaign, key, m));
    let code_ok = (2..=32).contains(&k.code.len())
        && k.code.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
        && k.code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !code_ok {
        return bad(
            "code",
            format!("'{}' is not a campaign code: 2–32 capitals, digits, _ or -, like SPRING26", k.code),
        );
    }
    date(ErrorCode::InvalidCampaign, "starts_on", &k.starts_on)?;
    date(ErrorCode::InvalidCampaign, "ends_on", &k.ends_on)?;
    if parse_date(&k.ends_on) < parse_date(&k.starts_on) {
        return bad("ends_on", format!("the campaign ends ({}) before it starts ({})", k.ends_on, k.starts_on));
    }
    if k.channels.len() > MAX_CHANNELS || k.channels.iter().any(|c| c.trim().is_empty() || c.len() > 64) {
        return bad("channels", format!("at most {MAX_CHANNELS} channels, each 1–64 characters"));
    }
    if let Some(b) = &k.budget {
        let currency_ok = b.currency.len() == 3 && b.currency.bytes().all(|c| c.is_ascii_uppercase());
        if b.amount < 0 || !currency_ok {
            return bad(
                "budget",
                "a budget is a non-negative amount in minor units and an ISO 4217 currency like AUD".into(),
            );
        }
    }
    if let Some(c) = &k.colour {
        if !(c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())) {
            return bad("colour", format!("'{c}' is not a colour like #2456c7"));
        }
    }
    if k.objective.as_ref().is_some_and(|o| o.len() > 4000) {
        return bad("objective", "the objective is at most 4,000 characters".into());
    }
    Ok(())
}

fn planned(m: &Milestone) -> Result<Planned> {
    let due_on = parse_date(&m.due_on).ok_or_else(|| {
        field(ErrorCode::InvalidMilestone, "due_on", format!("'{}' is not a date like 2026-05-01", m.due_on))
    })?;
    Ok(Planned { id: m.id, due_on, buffer_business_days: m.buffer_business_days, depends_on: m.depends_on.clone() })
}

fn dependency_error(e: DependencyError) -> Error {
    let message = match e {
        DependencyError::Unknown(id) => format!("{id} is not a milestone of this campaign"),
        DependencyError::OnItself(_) => "a milestone cannot depend on itself".to_string(),
        DependencyError::Cycle(id) => format!("the dependencies loop back to milestone {id}"),
    };
    field(ErrorCode::InvalidMilestone, "depends_on", message)
}

/// The conflicts of `plan` that involve milestone `id` (as prerequisite or dependant).
fn conflicts_of(plan: &[Milestone], id: Id, calendar: &Calendar) -> Result<Vec<BufferConflict>> {
    let planned: Vec<Planned> = plan.iter().map(planned).collect::<Result<_>>()?;
    check_dependencies(&planned).map_err(dependency_error)?;
    Ok(conflicts(&planned, calendar).into_iter().filter(|c| c.milestone_id == id || c.depends_on == id).collect())
}

/// Saves a campaign; a code another campaign of the workspace uses is a conflict (the table's
/// unique key decides, so two planners saving at once cannot both take it).
async fn save(tx: &mut Conn, k: &Campaign) -> Result<()> {
    campaigns::save(tx, k).await.map_err(|e| match e {
        vellum_store::Error::Conflict(_) => {
            Error::new(ErrorCode::Conflict, format!("the campaign code {} is already used here", k.code))
        }
        e => e.into(),
    })
}

fn campaign_event(action: AuditAction, k: &Campaign, after: serde_json::Value) -> NewAuditEvent {
    NewAuditEvent {
        workspace_id: Some(k.workspace_id),
        object_id: Some(k.id.to_string()),
        after: Some(after),
        ..NewAuditEvent::new(action, "campaign")
    }
}

fn campaign_json(k: &Campaign) -> serde_json::Value {
    json!({"name": k.name, "code": k.code, "objective": k.objective, "channels": k.channels, "starts_on": k.starts_on,
        "ends_on": k.ends_on, "budget": k.budget, "colour": k.colour})
}

fn milestone_json(m: &Milestone) -> serde_json::Value {
    json!({"campaign_id": m.campaign_id, "name": m.name, "kind": m.kind.as_str(), "due_on": m.due_on, "channel": m.channel,
        "buffer_business_days": m.buffer_business_days, "depends_on": m.depends_on, "assignee_id": m.assignee_id})
}

impl Core {
    /// A campaign the actor's workspace holds (404 otherwise), with the actor's standing.
    async fn campaign_for(&self, c: &mut Conn, actor: &Actor, id: Id) -> Result<(Campaign, access::Access)> {
        let k = campaigns::get(&mut *c, id).await?.ok_or_else(|| Error::not_found("campaign"))?;
        let access =
            access::workspace_by_id(&mut *c, &actor.user, k.workspace_id).await.map_err(|e| e.hidden_as("campaign"))?;
        Ok((k, access))
    }

    /// Creates a campaign; its creator owns it.
    pub async fn create_campaign(&self, actor: &Actor, ws: &str, input: CampaignInput) -> Result<Campaign> {
        let name = Name::parse("the campaign name", input.name.as_deref().unwrap_or(""))?.into_inner();
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::PlanCampaigns)?;
        let now = self.now();
        let k = Campaign {
            id: new_id(),
            workspace_id: access.workspace.id,
            name,
            code: input.code.unwrap_or_default(),
            objective: input.objective,
            channels: input.channels.unwrap_or_default(),
            starts_on: input.starts_on.unwrap_or_default(),
            ends_on: input.ends_on.unwrap_or_default(),
            budget: input.budget,
            colour: input.colour,
            owner_id: actor.user.id,
            created_at: now,
            updated_at: now,
        };
        check_campaign(&k)?;
        save(&mut tx, &k).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            campaign_event(AuditAction::CampaignCreate, &k, campaign_json(&k)),
        )
        .await?;
        tx.commit().await?;
        Ok(k)
    }

    /// A workspace's campaigns.
    pub async fn campaigns(&self, actor: &Actor, ws: &str) -> Result<Vec<Campaign>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        Ok(campaigns::of_workspace(&mut c, access.workspace.id).await?)
    }

    pub async fn campaign(&self, actor: &Actor, id: Id) -> Result<Campaign> {
        let mut c = self.store.conn().await?;
        Ok(self.campaign_for(&mut c, actor, id).await?.0)
    }

    /// The assets filed under a campaign that the actor may see (viewers: approved ones only),
    /// newest first, at most `limit`.
    pub async fn campaign_assets(
        &self,
        actor: &Actor,
        id: Id,
        limit: u32,
    ) -> Result<(Campaign, Vec<vellum_store::model::Asset>)> {
        let mut c = self.store.conn().await?;
        let (k, access) = self.campaign_for(&mut c, actor, id).await?;
        let mut assets = vellum_store::assets::of_campaign(&mut c, k.id, limit).await?;
        assets.retain(|a| {
            a.workspace_id == k.workspace_id && (access.sees_work_in_progress() || a.approved_version.is_some())
        });
        Ok((k, assets))
    }

    /// Changes a campaign's fields.
    pub async fn update_campaign(&self, actor: &Actor, id: Id, input: CampaignInput) -> Result<Campaign> {
        let mut tx = self.store.write().await?;
        let (before, access) = self.campaign_for(&mut tx, actor, id).await?;
        access.require(Capability::PlanCampaigns)?;
        let mut k = before.clone();
        if let Some(n) = input.name {
            k.name = Name::parse("the campaign name", &n)?.into_inner();
        }
        k.code = input.code.unwrap_or(k.code);
        k.objective = input.objective.or(k.objective);
        k.channels = input.channels.unwrap_or(k.channels);
        k.starts_on = input.starts_on.unwrap_or(k.starts_on);
        k.ends_on = input.ends_on.unwrap_or(k.ends_on);
        k.budget = input.budget.or(k.budget);
        k.colour = input.colour.or(k.colour);
        k.updated_at = self.now();
        check_campaign(&k)?;
        save(&mut tx, &k).await?;
        let event = NewAuditEvent {
            before: Some(campaign_json(&before)),
            ..campaign_event(AuditAction::CampaignUpdate, &k, campaign_json(&k))
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(k)
    }

    /// The workspace's business calendar, to count buffers on.
    async fn business_calendar(&self, c: &mut Conn, ws: Id) -> Result<Calendar> {
        Ok(calendars::get(&mut *c, ws).await?.and_then(|s| Calendar::parse(&s).ok()).unwrap_or_default())
    }

    async fn check_assignee(&self, c: &mut Conn, ws: Id, assignee: Option<Id>) -> Result<()> {
        if let Some(a) = assignee {
            if workspaces::role_of(&mut *c, ws, a).await?.is_none() {
                return Err(field(
                    ErrorCode::InvalidMilestone,
                    "assignee_id",
                    "the assignee must be a member of this workspace",
                ));
            }
        }
        Ok(())
    }

    /// Adds a milestone to a campaign; the answer lists the buffers its date breaks.
    pub async fn add_milestone(&self, actor: &Actor, campaign: Id, input: MilestoneInput) -> Result<MilestoneChange> {
        let name = Name::parse("the milestone name", input.name.as_deref().unwrap_or(""))?.into_inner();
        let mut tx = self.store.write().await?;
        let (k, access) = self.campaign_for(&mut tx, actor, campaign).await?;
        access.require(Capability::PlanCampaigns)?;
        let now = self.now();
        let kind_text = input.kind.unwrap_or_default();
        let kind = MilestoneKind::parse(&kind_text).ok_or_else(|| {
            let kinds: Vec<&str> = MilestoneKind::ALL.iter().map(|k| k.as_str()).collect();
            field(
                ErrorCode::InvalidMilestone,
                "kind",
                format!("'{kind_text}' is not a milestone kind; use {}", kinds.join(", ")),
            )
        })?;
        let m = Milestone {
            id: new_id(),
            campaign_id: k.id,
            name,
            kind,
            due_on: input.due_on.unwrap_or_default(),
            channel: input.channel,
            buffer_business_days: input.buffer_business_days.unwrap_or(0),
            depends_on: input.depends_on.unwrap_or_default(),
            assignee_id: input.assignee_id,
            created_at: now,
            updated_at: now,
        };
        self.check_milestone(&mut tx, &k, &m).await?;
        let mut plan = campaigns::milestones(&mut tx, k.id).await?;
        plan.push(m.clone());
        let calendar = self.business_calendar(&mut tx, k.workspace_id).await?;
        let found = conflicts_of(&plan, m.id, &calendar)?;
        campaigns::save_milestone(&mut tx, &m).await?;
        let event = NewAuditEvent {
            workspace_id: Some(k.workspace_id),
            object_id: Some(m.id.to_string()),
            after: Some(milestone_json(&m)),
            ..NewAuditEvent::new(AuditAction::MilestoneCreate, "milestone")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(MilestoneChange { milestone: m, conflicts: found, saved: true })
    }

    async fn check_milestone(&self, c: &mut Conn, k: &Campaign, m: &Milestone) -> Result<()> {
        date(ErrorCode::InvalidMilestone, "due_on", &m.due_on)?;
        if m.buffer_business_days > MAX_BUFFER_DAYS {
            return Err(field(
                ErrorCode::InvalidMilestone,
                "buffer_business_days",
                format!("a buffer is at most {MAX_BUFFER_DAYS} business days"),
            ));
        }
        if m.channel.as_ref().is_some_and(|ch| ch.trim().is_empty() || ch.len() > 64) {
            return Err(field(ErrorCode::InvalidMilestone, "channel", "a channel is 1–64 characters"));
        }
        self.check_assignee(c, k.workspace_id, m.assignee_id).await
    }

    /// A campaign's milestones and every buffer conflict among them.
    pub async fn milestones(&self, actor: &Actor, campaign: Id) -> Result<(Vec<Milestone>, Vec<BufferConflict>)> {
        let mut c = self.store.conn().await?;
        let (k, _) = self.campaign_for(&mut c, actor, campaign).await?;
        let plan = campaigns::milestones(&mut c, k.id).await?;
        let calendar = self.business_calendar(&mut c, k.workspace_id).await?;
        let planned: Vec<Planned> = plan.iter().map(planned).collect::<Result<_>>()?;
        Ok((plan, conflicts(&planned, &calendar)))
    }

    /// Changes a milestone (moves it, re-plans it). With `dry_run` nothing is saved and the
    /// answer says which buffers the change would break; without it the change is saved even
    /// when it breaks some, and the answer lists them.
    pub async fn update_milestone(
        &self,
        actor: &Actor,
        id: Id,
        input: MilestoneInput,
        dry_run: bool,
    ) -> Result<MilestoneChange> {
        let mut tx = self.store.write().await?;
        let before = campaigns::milestone_by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("milestone"))?;
        let (k, access) =
            self.campaign_for(&mut tx, actor, before.campaign_id).await.map_err(|e| e.hidden_as("milestone"))?;
        access.require(Capability::PlanCampaigns)?;
        let mut m = before.clone();
        if let Some(n) = input.name {
            m.name = Name::parse("the milestone name", &n)?.into_inner();
        }
        if let Some(kind) = input.kind {
            m.kind = MilestoneKind::parse(&kind).ok_or_else(|| {
                field(ErrorCode::InvalidMilestone, "kind", format!("'{kind}' is not a milestone kind"))
            })?;
        }
        m.due_on = input.due_on.unwrap_or(m.due_on);
        m.channel = input.channel.or(m.channel);
        m.buffer_business_days = input.buffer_business_days.unwrap_or(m.buffer_business_days);
        m.depends_on = input.depends_on.unwrap_or(m.depends_on);
        m.assignee_id = input.assignee_id.or(m.assignee_id);
        m.updated_at = self.now();
        self.check_milestone(&mut tx, &k, &m).await?;
        let mut plan = campaigns::milestones(&mut tx, k.id).await?;
        for x in plan.iter_mut().filter(|x| x.id == m.id) {
            *x = m.clone();
        }
        let calendar = self.business_calendar(&mut tx, k.workspace_id).await?;
        let found = conflicts_of(&plan, m.id, &calendar)?;
        if dry_run {
            return Ok(MilestoneChange { milestone: m, conflicts: found, saved: false });
        }
        campaigns::save_milestone(&mut tx, &m).await?;
        let event = NewAuditEvent {
            workspace_id: Some(k.workspace_id),
            object_id: Some(m.id.to_string()),
            before: Some(milestone_json(&before)),
            after: Some(json!({"milestone": milestone_json(&m), "conflicts": found})),
            ..NewAuditEvent::new(AuditAction::MilestoneUpdate, "milestone")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(MilestoneChange { milestone: m, conflicts: found, saved: true })
    }
}
