//! Brief templates (admins write them; each change a new revision) and briefs (members who
//! upload write them against a template revision; every change audited in its transaction).
//! A submitted brief is approved by the same review engine as assets, on its revision; a
//! change while it is in approval is a new revision that supersedes the open review and starts
//! a fresh one. Only an approved brief receives work, and its deliverables tick off as assets
//! are linked and approved.

use serde_json::{json, Map, Value};
use vellum_domain::{
    audit::AuditAction,
    brief::{derive_status, BriefStatus, TemplateSpec},
    fields::FieldError,
    id::new_id,
    review::{ReviewStatus, ReviewSubject},
    role::Capability,
    status::AssetStatus,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    briefs::{self, Linked, Timeline},
    campaigns,
    model::{NewAuditEvent, User},
    reviews, Conn, Tx,
};

use crate::{
    access::{self, Access},
    record, record_many,
    reviews::{open_review, restart, review_event, workflow_of, ReviewView, Revision},
    Actor, Core, Error, Result,
};

pub use vellum_store::briefs::{Brief, Template, Timeline as BriefTimeline};

const TITLE_MAX: usize = 200;
const MAX_REFERENCES: usize = 50;
/// The most briefs one listing returns.
pub const LIST_MAX: u32 = 500;

/// A brief as written (every field for a create; the changed ones for a patch).
#[derive(Debug, Clone, Default)]
pub struct BriefInput {
    pub template_id: Option<Id>,
    pub title: Option<String>,
    /// `Some(None)`: take the brief out of its campaign.
    pub campaign_id: Option<Option<Id>>,
    /// For a patch, merged into the answers (a null removes one).
    pub fields: Option<Map<String, Value>>,
    pub reference_asset_ids: Option<Vec<Id>>,
}

/// One deliverable of a brief, with the assets linked to it.
#[derive(Debug, Clone)]
pub struct Deliverable {
    pub name: String,
    pub asset_ids: Vec<Id>,
    /// Whether one of them has an approved version.
    pub approved: bool,
}

/// A brief as the API shows it.
#[derive(Debug, Clone)]
pub struct BriefView {
    pub brief: Brief,
    pub deliverables: Vec<Deliverable>,
    /// Assets linked to the brief without naming a deliverable.
    pub other_asset_ids: Vec<Id>,
    /// Its open or latest review.
    pub review_id: Option<Id>,
    /// The template revision it was written on.
    pub template: TemplateSpec,
}

fn invalid(code: ErrorCode, fields: Vec<FieldError>) -> Error {
    let message = match fields.as_slice() {
        [one] => format!("{}: {}", one.key, one.message),
        many => format!(
            "{} fields need attention: {}",
            many.len(),
            many.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(", ")
        ),
    };
    Error::Fields { code, message, fields }
}

fn one(code: ErrorCode, key: &str, message: impl Into<String>) -> Error {
    invalid(code, vec![FieldError { key: key.to_string(), message: message.into() }])
}

/// A brief the user may see (members who see work in progress), with their access.
pub(crate) async fn brief(c: &mut Conn, user: &User, id: Id) -> Result<(Brief, Access)> {
    let b = briefs::get(&mut *c, id, false).await?.ok_or_else(|| Error::not_found("brief"))?;
    let access = access::workspace_by_id(c, user, b.workspace_id).await.map_err(|e| e.hidden_as("brief"))?;
    if !access.sees_work_in_progress() {
        return Err(Error::not_found("brief"));
    }
    Ok((b, access))
}

/// Like `brief`, locking the row on PostgreSQL for a read-modify-write.
pub(crate) async fn brief_for_update(tx: &mut Tx, user: &User, id: Id) -> Result<(Brief, Access)> {
    let b = briefs::get(&mut *tx, id, true).await?.ok_or_else(|| Error::not_found("brief"))?;
    let access = access::workspace_by_id(&mut *tx, user, b.workspace_id).await.map_err(|e| e.hidden_as("brief"))?;
    if !access.sees_work_in_progress() {
        return Err(Error::not_found("brief"));
    }
    Ok((b, access))
}

/// A template of the workspace (any other is not found).
pub(crate) async fn template_of(c: &mut Conn, id: Id, ws: Id, for_update: bool) -> Result<Template> {
    let t = briefs::get_template(c, id, for_update).await?;
    t.filter(|t| t.workspace_id == ws).ok_or_else(|| Error::not_found("brief template"))
}

fn check_template(spec: TemplateSpec) -> Result<TemplateSpec> {
    spec.check().map_err(|f| invalid(ErrorCode::InvalidBriefTemplate, f))
}

fn brief_event(b: &Brief, action: AuditAction, before: Option<Value>, after: Value) -> NewAuditEvent {
    NewAuditEvent {
        workspace_id: Some(b.workspace_id),
        object_id: Some(b.id.to_string()),
        version: Some(b.revision),
        before,
        after: Some(after),
        ..NewAuditEvent::new(action, "brief")
    }
}

fn snapshot(b: &Brief) -> Value {
    json!({
        "title": b.title, "campaign_id": b.campaign_id, "fields": b.fields, "revision": b.revision,
        "reference_asset_ids": b.reference_asset_ids, "status": b.status,
    })
}

/// Checks a brief's title, campaign, answers and references; every problem is one error.
async fn check_brief(c: &mut Conn, user: &User, b: &mut Brief, spec: &TemplateSpec) -> Result<()> {
    let mut errors = Vec::new();
    let title = b.title.trim().to_string();
    if title.is_empty() || title.chars().count() > TITLE_MAX || title.chars().any(char::is_control) {
        errors.push(FieldError {
            key: "title".into(),
            message: format!("the title must be 1–{TITLE_MAX} characters of plain text"),
        });
    }
    b.title = title;
    if let Some(k) = b.campaign_id {
        let found = campaigns::get(&mut *c, k).await?.filter(|k| k.workspace_id == b.workspace_id);
        if found.is_none() {
            errors.push(FieldError {
                key: "campaign_id".into(),
                message: "no campaign of this workspace has this id".into(),
            });
        }
    }
    match spec.read_answers(&b.fields) {
        Ok(read) => b.fields = read,
        Err(e) => errors.extend(e),
    }
    if b.reference_asset_ids.len() > MAX_REFERENCES {
        errors.push(FieldError {
            key: "reference_asset_ids".into(),
            message: format!("a brief links at most {MAX_REFERENCES} reference assets"),
        });
    }
    b.reference_asset_ids.dedup();
    // A reference must be an asset of this workspace the writer may open: a brief never
    // becomes a way to learn that an asset exists.
    let mut refs = b.reference_asset_ids.clone();
    refs.extend(spec.asset_refs(&b.fields));
    for id in refs {
        let visible = access::asset(&mut *c, user, id).await.ok().filter(|(a, _)| a.workspace_id == b.workspace_id);
        if visible.is_none() {
            let key =
                if b.reference_asset_ids.contains(&id) { "reference_asset_ids".to_string() } else { "fields".into() };
            errors.push(FieldError { key, message: format!("no asset {id} you may open in this workspace") });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(ErrorCode::InvalidBrief, errors))
    }
}

/// What the brief's latest review says of its status, given its deliverables.
async fn status_now(c: &mut Conn, b: &Brief, spec: &TemplateSpec) -> Result<BriefStatus> {
    let latest = reviews::latest_for_brief(&mut *c, b.id).await?;
    // A review of an older revision no longer speaks for this one.
    let review = latest.filter(|r| r.version == b.revision).map(|r| r.status);
    let linked = briefs::linked(&mut *c, b.id).await?;
    Ok(derive_status(review, all_delivered(spec, &linked)))
}

fn all_delivered(spec: &TemplateSpec, linked: &[Linked]) -> bool {
    !spec.deliverables.is_empty()
        && spec.deliverables.iter().all(|d| {
            linked.iter().any(|l| l.deliverable.as_deref() == Some(d.as_str()) && l.approved_version.is_some())
        })
}

/// The brief's status and time-to-market facts after something changed.
async fn refresh(c: &mut Conn, b: &mut Brief, spec: &TemplateSpec, now: Timestamp) -> Result<()> {
    b.status = status_now(&mut *c, b, spec).await?;
    let t = &mut b.timeline;
    if b.status.receives_work() && t.approved_at.is_none() {
        t.approved_at = Some(now);
    }
    if b.status == BriefStatus::Done && t.done_at.is_none() {
        t.done_at = Some(now);
    }
    briefs::update(c, b).await?;
    Ok(())
}

/// A brief's review closed: its status follows (called inside the decision's transaction).
pub(crate) async fn review_closed(tx: &mut Tx, b: &mut Brief, _status: ReviewStatus, now: Timestamp) -> Result<()> {
    let spec = spec_of(&mut *tx, b).await?;
    refresh(tx, b, &spec, now).await
}

async fn spec_of(c: &mut Conn, b: &Brief) -> Result<TemplateSpec> {
    briefs::template_revision(c, b.template_id, b.template_revision)
        .await?
        .ok_or_else(|| Error::not_found("brief template revision"))
}

async fn view(c: &mut Conn, b: Brief) -> Result<BriefView> {
    let template = spec_of(&mut *c, &b).await?;
    let linked = briefs::linked(&mut *c, b.id).await?;
    let deliverables = template
        .deliverables
        .iter()
        .map(|d| {
            let of: Vec<&Linked> = linked.iter().filter(|l| l.deliverable.as_deref() == Some(d.as_str())).collect();
            Deliverable {
                name: d.clone(),
                asset_ids: of.iter().map(|l| l.asset_id).collect(),
                approved: of.iter().any(|l| l.approved_version.is_some()),
            }
        })
        .collect();
    let other_asset_ids = linked
        .iter()
        .filter(|l| !l.deliverable.as_ref().is_some_and(|d| template.deliverables.contains(d)))
        .map(|l| l.asset_id)
        .collect();
    let review_id = reviews::latest_for_brief(&mut *c, b.id).await?.map(|r| r.id);
    Ok(BriefView { brief: b, deliverables, other_asset_ids, review_id, template })
}

/// What an upload may be filed under: checked before anything is written.
#[derive(Debug, Clone, Default)]
pub struct WorkLink {
    pub brief_id: Option<Id>,
    pub deliverable: Option<String>,
    pub campaign_id: Option<Id>,
}

/// Checks an upload's brief, deliverable and campaign against the workspace; the campaign
/// follows from the brief when only the brief is named.
pub(crate) async fn check_link(tx: &mut Tx, user: &User, ws: Id, link: WorkLink) -> Result<WorkLink> {
    let mut out = link.clone();
    if let Some(id) = link.brief_id {
        let (b, _) = brief_for_update(&mut *tx, user, id).await?;
        if b.workspace_id != ws {
            return Err(Error::not_found("brief"));
        }
        if !b.status.receives_work() {
            return Err(Error::new(
                ErrorCode::BriefNotApproved,
                format!("brief “{}” is {}: work can be linked once it is approved", b.title, b.status.as_str()),
            ));
        }
        if let Some(d) = &link.deliverable {
            let spec = spec_of(&mut *tx, &b).await?;
            if !spec.deliverables.contains(d) {
                return Err(one(
                    ErrorCode::InvalidBrief,
                    "deliverable",
                    format!("the brief asks for {}; '{d}' is not one of them", spec.deliverables.join(", ")),
                ));
            }
        }
        match (link.campaign_id, b.campaign_id) {
            (Some(a), Some(b)) if a != b => {
                return Err(one(ErrorCode::InvalidBrief, "campaign_id", "the brief belongs to another campaign"));
            }
            (None, from_brief) => out.campaign_id = from_brief,
            _ => {}
        }
    } else if link.deliverable.is_some() {
        return Err(one(ErrorCode::InvalidBrief, "deliverable", "a deliverable is named together with its brief_id"));
    }
    if let Some(k) = out.campaign_id {
        if campaigns::get(&mut *tx, k).await?.filter(|k| k.workspace_id == ws).is_none() {
            return Err(Error::not_found("campaign"));
        }
    }
    Ok(out)
}

/// Files a new asset under its brief and campaign, and notes the brief's first asset.
pub(crate) async fn link_new_asset(tx: &mut Tx, asset: Id, link: &WorkLink, now: Timestamp) -> Result<()> {
    if link.brief_id.is_none() && link.campaign_id.is_none() {
        return Ok(());
    }
    briefs::link_asset(&mut *tx, asset, link.brief_id, link.deliverable.as_deref(), link.campaign_id).await?;
    if let Some(id) = link.brief_id {
        if let Some(mut b) = briefs::get(&mut *tx, id, true).await? {
            if b.timeline.first_asset_at.is_none() {
                b.timeline.first_asset_at = Some(now);
            }
            let spec = spec_of(&mut *tx, &b).await?;
            refresh(tx, &mut b, &spec, now).await?;
        }
    }
    Ok(())
}

/// An asset's status changed: its brief's deliverables may now all be approved.
pub(crate) async fn asset_changed(tx: &mut Tx, asset: Id, status: AssetStatus, now: Timestamp) -> Result<()> {
    if status != AssetStatus::Approved {
        return Ok(());
    }
    let (Some(id), _, _) = briefs::asset_link(&mut *tx, asset).await? else { return Ok(()) };
    if let Some(mut b) = briefs::get(&mut *tx, id, true).await? {
        let spec = spec_of(&mut *tx, &b).await?;
        refresh(tx, &mut b, &spec, now).await?;
    }
    Ok(())
}

impl Core {
    /// Creates a template at revision 1 (admins).
    pub async fn create_brief_template(&self, actor: &Actor, ws: &str, spec: TemplateSpec) -> Result<Template> {
        let spec = check_template(spec)?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        if let Some(wf) = spec.workflow_id {
            workflow_of(&mut tx, wf, access.workspace.id).await.map_err(|_| {
                one(ErrorCode::InvalidBriefTemplate, "workflow_id", "no workflow of this workspace has this id")
            })?;
        }
        let now = self.now();
        let t = Template {
            id: new_id(),
            workspace_id: access.workspace.id,
            revision: 1,
            spec,
            created_by: actor.user.id,
            created_at: now,
            updated_at: now,
        };
        briefs::insert_template(&mut tx, &t).await?;
        let event = NewAuditEvent {
            workspace_id: Some(t.workspace_id),
            object_id: Some(t.id.to_string()),
            version: Some(1),
            after: Some(json!(t.spec)),
            ..NewAuditEvent::new(AuditAction::BriefTemplateCreate, "brief_template")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Saves a new revision of a template; briefs keep the revision they were written on.
    pub async fn revise_brief_template(&self, actor: &Actor, id: Id, spec: TemplateSpec) -> Result<Template> {
        let spec = check_template(spec)?;
        let mut tx = self.store.write().await?;
        let found =
            briefs::get_template(&mut tx, id, false).await?.ok_or_else(|| Error::not_found("brief template"))?;
        let access = access::workspace_by_id(&mut tx, &actor.user, found.workspace_id)
            .await
            .map_err(|e| e.hidden_as("brief template"))?;
        access.require(Capability::Administer)?;
        let mut t = template_of(&mut tx, id, found.workspace_id, true).await?;
        if let Some(wf) = spec.workflow_id {
            workflow_of(&mut tx, wf, t.workspace_id).await.map_err(|_| {
                one(ErrorCode::InvalidBriefTemplate, "workflow_id", "no workflow of this workspace has this id")
            })?;
        }
        let before = json!(t.spec);
        t.revision += 1;
        t.spec = spec;
        t.updated_at = self.now();
        t.created_by = actor.user.id;
        briefs::revise_template(&mut tx, &t).await?;
        let event = NewAuditEvent {
            workspace_id: Some(t.workspace_id),
            object_id: Some(t.id.to_string()),
            version: Some(t.revision),
            before: Some(before),
            after: Some(json!(t.spec)),
            ..NewAuditEvent::new(AuditAction::BriefTemplateUpdate, "brief_template")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// A workspace's templates (members who see work in progress).
    pub async fn brief_templates(&self, actor: &Actor, ws: &str) -> Result<Vec<Template>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        Ok(briefs::templates(&mut c, access.workspace.id).await?)
    }

    /// One template, at its latest revision.
    pub async fn brief_template(&self, actor: &Actor, id: Id) -> Result<Template> {
        let mut c = self.store.conn().await?;
        let t = briefs::get_template(&mut c, id, false).await?.ok_or_else(|| Error::not_found("brief template"))?;
        let access = access::workspace_by_id(&mut c, &actor.user, t.workspace_id)
            .await
            .map_err(|e| e.hidden_as("brief template"))?;
        if !access.sees_work_in_progress() {
            return Err(Error::not_found("brief template"));
        }
        Ok(t)
    }

    /// Writes a brief on a template's latest revision; it starts as a draft.
    pub async fn create_brief(&self, actor: &Actor, ws: &str, input: BriefInput) -> Result<BriefView> {
        let mut tx = self.store.write().await?;
        let v = self.create_brief_in(&mut tx, actor, ws, input).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// `create_brief` inside the caller's transaction (accepting a proposal makes one so).
    pub(crate) async fn create_brief_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ws: &str,
        input: BriefInput,
    ) -> Result<BriefView> {
        let access = access::workspace(&mut *tx, &actor.user, ws).await?;
        access.require(Capability::Upload)?;
        let template_id = input
            .template_id
            .ok_or_else(|| one(ErrorCode::InvalidBrief, "template_id", "a brief names its template_id"))?;
        let t = template_of(&mut *tx, template_id, access.workspace.id, false).await?;
        let now = self.now();
        let mut b = Brief {
            id: new_id(),
            workspace_id: access.workspace.id,
            template_id: t.id,
            template_revision: t.revision,
            campaign_id: input.campaign_id.flatten(),
            revision: 1,
            title: input.title.unwrap_or_default(),
            fields: input.fields.unwrap_or_default(),
            reference_asset_ids: input.reference_asset_ids.unwrap_or_default(),
            status: BriefStatus::Draft,
            created_by: actor.user.id,
            created_at: now,
            updated_at: now,
            timeline: Timeline::default(),
        };
        check_brief(&mut *tx, &actor.user, &mut b, &t.spec).await?;
        briefs::insert(&mut *tx, &b).await?;
        let event = brief_event(&b, AuditAction::BriefCreate, None, snapshot(&b));
        record(&mut *tx, &actor.origin, Some(&actor.user), event).await?;
        let v = view(&mut *tx, b).await?;
        Ok(v)
    }

    /// Changes a brief. A revision already submitted never changes: the edit becomes the next
    /// revision, and an open review is superseded by a fresh one on it (as a new asset version
    /// does); a draft never submitted is edited in place.
    pub async fn update_brief(&self, actor: &Actor, id: Id, input: BriefInput) -> Result<BriefView> {
        let mut tx = self.store.write().await?;
        let (mut b, access) = brief_for_update(&mut tx, &actor.user, id).await?;
        access.require(Capability::Upload)?;
        let before = snapshot(&b);
        let spec = spec_of(&mut tx, &b).await?;
        if let Some(t) = input.title {
            b.title = t;
        }
        if let Some(k) = input.campaign_id {
            b.campaign_id = k;
        }
        if let Some(f) = input.fields {
            for (k, v) in f {
                if v.is_null() {
                    b.fields.remove(&k);
                } else {
                    b.fields.insert(k, v);
                }
            }
        }
        if let Some(r) = input.reference_asset_ids {
            b.reference_asset_ids = r;
        }
        check_brief(&mut tx, &actor.user, &mut b, &spec).await?;
        let now = self.now();
        let submitted = briefs::revision_kept(&mut tx, b.id, b.revision).await?;
        if submitted {
            b.revision += 1;
        }
        b.updated_at = now;
        briefs::update(&mut tx, &b).await?;
        let mut events = vec![brief_event(&b, AuditAction::BriefUpdate, Some(before), snapshot(&b))];
        if submitted {
            let latest = reviews::latest_for_brief(&mut tx, b.id).await?;
            let restarted =
                restart(&mut tx, &actor.user, (b.workspace_id, ReviewSubject::Brief(b.id)), latest, b.revision, now)
                    .await?;
            if !restarted.is_empty() {
                briefs::insert_revision(&mut tx, &b, actor.user.id, now).await?;
            }
            events.extend(restarted);
        }
        refresh(&mut tx, &mut b, &spec, now).await?;
        record_many(&mut tx, &actor.origin, Some(&actor.user), events).await?;
        let v = view(&mut tx, b).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Submits a brief for approval: its revision is kept as submitted and a review starts on
    /// it, with the named workflow, the template's, or the one the routing rules choose.
    pub async fn submit_brief(
        &self,
        actor: &Actor,
        id: Id,
        workflow_id: Option<Id>,
    ) -> Result<(BriefView, ReviewView)> {
        let mut tx = self.store.write().await?;
        let (mut b, access) = brief_for_update(&mut tx, &actor.user, id).await?;
        access.require(Capability::Upload)?;
        match b.status {
            BriefStatus::Draft | BriefStatus::ChangesRequested | BriefStatus::Rejected => {}
            BriefStatus::InApproval => {
                return Err(Error::new(
                    ErrorCode::ReviewInProgress,
                    format!("revision {} of this brief is already in approval; edit it to restart", b.revision),
                ))
            }
            BriefStatus::Approved | BriefStatus::Done => {
                return Err(Error::new(
                    ErrorCode::InvalidTransition,
                    "this brief is already approved: edit it to make a new revision, then submit that",
                ))
            }
        }
        let spec = spec_of(&mut tx, &b).await?;
        // The rules may have changed since the brief was saved: it is checked again as sent.
        check_brief(&mut tx, &actor.user, &mut b, &spec).await?;
        let named = match workflow_id.or(spec.workflow_id) {
            Some(id) => Some(workflow_of(&mut tx, id, b.workspace_id).await?),
            None => None,
        };
        let (wf, routing) = match named {
            Some(wf) => (wf, None),
            None => {
                let (id, routing) = crate::routing::route_brief(&mut tx, &b).await?;
                (workflow_of(&mut tx, id, b.workspace_id).await?, Some(routing))
            }
        };
        let stages = routing.as_ref().map_or_else(|| wf.stages.clone(), |r| r.stages.clone());
        let rule = routing.as_ref().map(|r| json!({"rule": r.rule, "rules_revision": r.revision}));
        let revision = Revision { workflow_id: wf.id, revision: wf.revision, stages: &stages, routing };
        let now = self.now();
        let subject = (b.workspace_id, ReviewSubject::Brief(b.id));
        let r = open_review(&mut tx, &actor.user, subject, b.revision, revision, now).await?;
        if !briefs::revision_kept(&mut tx, b.id, b.revision).await? {
            briefs::insert_revision(&mut tx, &b, actor.user.id, now).await?;
        }
        b.timeline.submitted_at.get_or_insert(now);
        b.updated_at = now;
        refresh(&mut tx, &mut b, &spec, now).await?;
        let events = vec![
            brief_event(&b, AuditAction::BriefSubmit, None, json!({"revision": b.revision, "review_id": r.id})),
            review_event(
                &r,
                AuditAction::ReviewStart,
                json!({"workflow_id": wf.id, "workflow_revision": wf.revision, "routing": rule, "brief_id": b.id}),
            ),
        ];
        record_many(&mut tx, &actor.origin, Some(&actor.user), events).await?;
        let review = crate::reviews::view(&mut tx, &r).await?;
        let v = view(&mut tx, b).await?;
        tx.commit().await?;
        Ok((v, review))
    }

    /// One brief (members who see work in progress).
    pub async fn brief(&self, actor: &Actor, id: Id) -> Result<BriefView> {
        let mut c = self.store.conn().await?;
        let (b, _) = brief(&mut c, &actor.user, id).await?;
        view(&mut c, b).await
    }

    /// A workspace's briefs, newest first, by status and campaign.
    pub async fn briefs(
        &self,
        actor: &Actor,
        ws: &str,
        status: Option<BriefStatus>,
        campaign: Option<Id>,
    ) -> Result<Vec<BriefView>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        if !access.sees_work_in_progress() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for b in briefs::list(&mut c, access.workspace.id, status, campaign, LIST_MAX).await? {
            out.push(view(&mut c, b).await?);
        }
        Ok(out)
    }

    /// Every review of a brief, newest first.
    pub async fn brief_reviews(&self, actor: &Actor, id: Id) -> Result<Vec<ReviewView>> {
        let mut c = self.store.conn().await?;
        let (b, _) = brief(&mut c, &actor.user, id).await?;
        let mut out = Vec::new();
        for r in reviews::for_brief(&mut c, b.id).await? {
            out.push(crate::reviews::view(&mut c, &r).await?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linked(deliverable: &str, approved: bool) -> Linked {
        Linked {
            asset_id: new_id(),
            deliverable: Some(deliverable.into()),
            status: if approved { AssetStatus::Approved } else { AssetStatus::InReview },
            approved_version: approved.then_some(1),
            created_at: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
        }
    }

    #[test]
    fn a_brief_is_delivered_when_every_deliverable_has_approved_work() {
        let spec: TemplateSpec = serde_json::from_value(json!({
            "name": "t", "kind": "brief", "sections": [], "deliverables": ["tile", "brochure"]
        }))
        .unwrap();
        assert!(!all_delivered(&spec, &[linked("tile", true)]));
        assert!(!all_delivered(&spec, &[linked("tile", true), linked("brochure", false)]));
        assert!(all_delivered(&spec, &[linked("tile", true), linked("brochure", false), linked("brochure", true)]));
        let none: TemplateSpec = serde_json::from_value(json!({"name": "t", "kind": "brief", "sections": []})).unwrap();
        assert!(!all_delivered(&none, &[linked("tile", true)]), "a brief with no deliverables is never done by itself");
    }
}
