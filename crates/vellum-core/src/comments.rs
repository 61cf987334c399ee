//! Comments on a version: who may write them, anchors checked against the version, threads,
//! @mentions told through the notification channels, edits kept as history, resolve, reopen
//! and retract — each audited in its own transaction — and the listing of a version with the
//! threads carried forward from earlier versions.

use serde::Serialize;
use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    comment::{check_body, mentioned_emails, Anchor, CommentStatus, Pointable},
    compare::region_changed,
    event::EventKind,
    id::new_id,
    role::Role,
    timecode::{Clock, FrameRate},
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    assets,
    comments::{self, Comment},
    events::NewEvent,
    model::{Asset, NewAuditEvent, User, Version},
    reviews, users, Conn, Tx,
};

use crate::{access, record, Actor, Core, Error, Result};

/// A comment as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    pub id: Id,
    pub asset_id: Id,
    /// The version it was written on (kept when it is carried forward).
    pub version: u32,
    pub origin_version: u32,
    /// Whether its region changed between its version and the one listed (null until the
    /// compared versions' difference is known).
    pub region_changed: Option<bool>,
    pub parent_id: Option<Id>,
    pub author_id: Id,
    /// The author's display name (a guest reviewer's is their email with "(guest)").
    pub author_name: String,
    /// Empty once retracted.
    pub body: String,
    /// The body's light markdown as HTML in which all of the text is escaped.
    pub body_html: String,
    pub anchor: Option<Anchor>,
    /// SMPTE timecode of `anchor.frame` (videos).
    pub timecode: Option<String>,
    pub timecode_end: Option<String>,
    pub mentions: Vec<Id>,
    pub status: CommentStatus,
    pub resolved_by: Option<Id>,
    pub resolved_at: Option<Timestamp>,
    pub resolved_on_version: Option<u32>,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    /// The API token it was written through: an agent wrote it for its author.
    pub via_token_id: Option<Id>,
}

/// One earlier text of a comment.
#[derive(Debug, Clone, Serialize)]
pub struct EditView {
    pub body: String,
    pub replaced_at: Timestamp,
    pub replaced_by: Id,
}

/// Filters of a version's comment list.
#[derive(Debug, Clone, Default)]
pub struct CommentFilter {
    pub status: Option<CommentStatus>,
    pub mine: bool,
    pub mentioning_me: bool,
    pub page: Option<u32>,
    /// Only those written by the approvers of this stage (1-based) of the version's review.
    pub stage: Option<u32>,
}

/// A comment to write.
pub struct NewComment {
    pub body: String,
    pub parent_id: Option<Id>,
    pub anchor: Option<Anchor>,
}

/// The video clock of a version, when it is a video with a known rate.
fn clock_of(v: &Version) -> Option<Clock> {
    let info = &v.media.as_ref()?.info;
    let rate = FrameRate::parse(info.frame_rate.as_deref()?)?;
    // A start timecode the clock cannot read counts from zero rather than hiding timecodes.
    Clock::new(rate, info.start_timecode.as_deref()).or_else(|_| Clock::new(rate, None)).ok()
}

/// What a version offers to point at, from what processing learned about it.
fn pointable(v: &Version) -> Pointable {
    let Some(media) = &v.media else {
        // Not processed yet: shapes may be drawn on its preview; pages and frames wait.
        return Pointable { pages: None, video: false, frames: None, drawable: true };
    };
    let info = &media.info;
    let rate = info.frame_rate.as_deref().and_then(FrameRate::parse);
    let frames = match (rate, info.frame_count, info.duration_seconds) {
        (Some(_), Some(n), _) => Some(n),
        (Some(r), None, Some(d)) if d.is_finite() && d > 0.0 => Some(r.frames_in_micros((d * 1e6).round() as u64)),
        _ => None,
    };
    Pointable {
        pages: info.page_count,
        video: rate.is_some(),
        frames,
        drawable: info.width.is_some() || info.page_count.is_some() || rate.is_some(),
    }
}

/// A comment as shown on the version it was written on.
pub(crate) fn view_of(c: Comment, v: &Version, author_name: String) -> CommentView {
    view(c, clock_of(v).as_ref(), author_name)
}

/// The names of the comments' authors, by id (one lookup per distinct author).
async fn author_names(c: &mut Conn, list: &[Comment]) -> Result<std::collections::HashMap<Id, String>> {
    let mut names = std::collections::HashMap::new();
    for m in list {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(m.author_id) {
            slot.insert(users::by_id(&mut *c, m.author_id).await?.map(|u| u.name).unwrap_or_default());
        }
    }
    Ok(names)
}

fn view(c: Comment, clock: Option<&Clock>, author_name: String) -> CommentView {
    let frame = c.anchor.as_ref().and_then(|a| a.frame);
    let frame_end = c.anchor.as_ref().and_then(|a| a.frame_end);
    let retracted = c.status == CommentStatus::Retracted;
    CommentView {
        id: c.id,
        asset_id: c.asset_id,
        version: c.origin_version,
        origin_version: c.origin_version,
        region_changed: None,
        parent_id: c.parent_id,
        author_id: c.author_id,
        author_name,
        body_html: if retracted { String::new() } else { vellum_domain::markdown::render(&c.body) },
        body: if retracted { String::new() } else { c.body },
        anchor: c.anchor,
        timecode: clock.zip(frame).map(|(k, f)| k.timecode(f)),
        timecode_end: clock.zip(frame_end).map(|(k, f)| k.timecode(f)),
        mentions: c.mentions,
        status: c.status,
        resolved_by: c.resolved_by,
        resolved_at: c.resolved_at,
        resolved_on_version: c.resolved_on_version,
        created_at: c.created_at,
        edited_at: c.edited_at,
        via_token_id: c.via_token_id,
    }
}

fn comment_event(action: AuditAction, c: &Comment, after: serde_json::Value) -> NewAuditEvent {
    NewAuditEvent {
        workspace_id: Some(c.workspace_id),
        object_id: Some(c.id.to_string()),
        asset_id: Some(c.asset_id),
        version: Some(c.origin_version),
        after: Some(after),
        ..NewAuditEvent::new(action, "comment")
    }
}

/// Refuses (403) members whose role does not comment here: viewers never; collaborators and
/// external members only on assets whose reviews they take part in.
async fn may_comment(c: &mut Conn, actor: &Actor, asset: &Asset, role: Role) -> Result<()> {
    match role {
        Role::Viewer => Err(Error::forbidden("viewers may read comments but not write them")),
        Role::Collaborator | Role::External => {
            let me = actor.user.id;
            let approves = reviews::for_asset(&mut *c, asset.id)
                .await?
                .iter()
                .any(|r| r.plan.iter().any(|p| p.approvers.contains(&me)));
            let part_of = approves || reviews::collaborates_on_asset(&mut *c, asset.id, me).await?;
            if part_of {
                Ok(())
            } else {
                Err(Error::forbidden("your role comments only on the reviews you are invited to"))
            }
        }
        _ => Ok(()),
    }
}

/// The members a body mentions, each a member who can see the asset.
async fn mentions(c: &mut Conn, asset: &Asset, body: &str) -> Result<Vec<Id>> {
    let mut out = Vec::new();
    for email in mentioned_emails(body) {
        let unknown = || {
            Error::new(
                ErrorCode::UnknownMention,
                format!("@{email} is not a member of this workspace who can see the asset"),
            )
        };
        let user = users::by_email(&mut *c, &email).await?.filter(|u| u.disabled_at.is_none()).ok_or_else(unknown)?;
        access::asset(&mut *c, &user, asset.id).await.map_err(|_| unknown())?;
        if !out.contains(&user.id) {
            out.push(user.id);
        }
    }
    Ok(out)
}

/// Tells the newly mentioned (not the author) through the notification channels.
async fn tell_mentioned(tx: &mut Tx, c: &Comment, who: &[Id], by: Id, at: Timestamp) -> Result<()> {
    let told: Vec<Id> = who.iter().copied().filter(|u| *u != by).collect();
    if told.is_empty() {
        return Ok(());
    }
    let e = NewEvent {
        workspace_id: Some(c.workspace_id),
        kind: EventKind::Mention,
        object_type: "comment".into(),
        object_id: c.id,
        actor_id: Some(by),
        data: json!({"workspace_id": c.workspace_id, "asset_id": c.asset_id, "version": c.origin_version,
            "comment_id": c.id, "mentioned": told}),
        recipients: told,
    };
    crate::events::publish(tx, e, at).await.map(|_| ())
}

impl Core {
    /// The version a comment is written on or listed for, which the actor may see.
    async fn version_for(
        &self,
        c: &mut Conn,
        actor: &Actor,
        asset: Id,
        n: u32,
    ) -> Result<(Asset, access::Access, Version)> {
        let (asset, access) = access::asset(&mut *c, &actor.user, asset).await?;
        if !access::may_see_version(&access, &asset, n) {
            return Err(Error::not_found("version"));
        }
        let v = assets::version(&mut *c, asset.id, n).await?.ok_or_else(|| Error::not_found("version"))?;
        Ok((asset, access, v))
    }

    /// Writes a comment on version `n` (a reply when it names a parent).
    pub async fn create_comment(&self, actor: &Actor, asset_id: Id, n: u32, new: NewComment) -> Result<CommentView> {
        let body = check_body(&new.body)?;
        let mut tx = self.store.write().await?;
        let (asset, access, version) = self.version_for(&mut tx, actor, asset_id, n).await?;
        may_comment(&mut tx, actor, &asset, access.role).await?;
        let c = self.insert_comment(&mut tx, (&actor.user, &actor.origin), (&asset, &version), new, body, None).await?;
        tx.commit().await?;
        Ok(view(c, clock_of(&version).as_ref(), actor.user.name.clone()))
    }

    /// Writes a checked comment by `author` on `version`, with its audit event and the
    /// notifications of its mentions; a guest's comment records the guest's email.
    pub(crate) async fn insert_comment(
        &self,
        tx: &mut Tx,
        (author, origin): (&User, &crate::Origin),
        (asset, version): (&Asset, &Version),
        new: NewComment,
        body: String,
        guest_email: Option<&str>,
    ) -> Result<Comment> {
        if let Some(a) = &new.anchor {
            a.check(pointable(version))?;
        }
        let thread_id = match new.parent_id {
            Some(p) => {
                let parent = comments::get(&mut *tx, p).await?.filter(|c| c.asset_id == asset.id).ok_or_else(|| {
                    Error::new(ErrorCode::InvalidComment, "the comment replied to is not one of this asset's")
                })?;
                parent.thread_id
            }
            None => Id::nil(),
        };
        let mentioned = mentions(&mut *tx, asset, &body).await?;
        let id = new_id();
        let now = self.now();
        let c = Comment {
            id,
            workspace_id: asset.workspace_id,
            asset_id: asset.id,
            origin_version: version.number,
            thread_id: if thread_id.is_nil() { id } else { thread_id },
            parent_id: new.parent_id,
            author_id: author.id,
            body,
            anchor: new.anchor,
            mentions: mentioned.clone(),
            status: CommentStatus::Open,
            resolved_by: None,
            resolved_at: None,
            resolved_on_version: None,
            created_at: now,
            edited_at: None,
            via_token_id: origin.token.map(|t| t.id),
        };
        comments::insert(&mut *tx, &c).await?;
        if c.anchor.is_some() && version.number < asset.current_version {
            // A note on an older version is carried to the newest: learn whether its area changed.
            if let Some(newest) = assets::version(&mut *tx, asset.id, asset.current_version).await? {
                crate::compare::queue(tx, asset.workspace_id, version, &newest, now).await?;
            }
        }
        let mut after = json!({"body": c.body, "anchor": c.anchor, "parent_id": c.parent_id, "mentions": c.mentions});
        if let Some(email) = guest_email {
            after["guest_email"] = json!(email);
        }
        record(&mut *tx, origin, Some(author), comment_event(AuditAction::CommentCreate, &c, after)).await?;
        tell_mentioned(tx, &c, &mentioned, author.id, now).await?;
        Ok(c)
    }

    /// Version `n`'s comments with those carried forward, filtered.
    pub async fn comments(&self, actor: &Actor, asset_id: Id, n: u32, f: &CommentFilter) -> Result<Vec<CommentView>> {
        let mut c = self.store.conn().await?;
        let (asset, _, version) = self.version_for(&mut c, actor, asset_id, n).await?;
        self.comments_of(&mut c, actor, &asset, &version, f).await
    }

    /// The comments listed under a version the actor may see, filtered.
    pub(crate) async fn comments_of(
        &self,
        c: &mut Conn,
        actor: &Actor,
        asset: &Asset,
        version: &Version,
        f: &CommentFilter,
    ) -> Result<Vec<CommentView>> {
        let n = version.number;
        let clock = clock_of(version);
        let me = actor.user.id;
        let diffs = vellum_store::diffs::done_into(&mut *c, asset.id, n).await?;
        let changed = |m: &Comment| {
            let anchor = m.anchor.as_ref().filter(|_| m.origin_version < n)?;
            let d = diffs.iter().find(|d| d.a == m.origin_version)?;
            region_changed(anchor, &d.pages)
        };
        let stage_people: Option<Vec<Id>> = match f.stage {
            None => None,
            Some(k) => {
                let reviews = reviews::for_asset(&mut *c, asset.id).await?;
                // The newest review of this version; its stage k's approvers.
                let plan = reviews.iter().find(|r| r.version == n).map(|r| &r.plan);
                let stage = plan.and_then(|p| p.get((k as usize).wrapping_sub(1)));
                Some(stage.map(|s| s.approvers.clone()).unwrap_or_default())
            }
        };
        let all = comments::of_version(&mut *c, asset.id, n).await?;
        let names = author_names(&mut *c, &all).await?;
        Ok(all
            .into_iter()
            .filter(|m| stage_people.as_ref().is_none_or(|people| people.contains(&m.author_id)))
            .filter(|m| f.status.is_none_or(|s| m.status == s))
            .filter(|m| !f.mine || m.author_id == me)
            .filter(|m| !f.mentioning_me || m.mentions.contains(&me))
            .filter(|m| f.page.is_none_or(|p| m.anchor.as_ref().and_then(|a| a.page) == Some(p)))
            .map(|m| {
                let region_changed = changed(&m);
                let name = names.get(&m.author_id).cloned().unwrap_or_default();
                CommentView { region_changed, ..view(m, clock.as_ref(), name) }
            })
            .collect())
    }

    /// A comment the actor may see, with its asset and the actor's standing.
    async fn comment_for(&self, c: &mut Conn, actor: &Actor, id: Id) -> Result<(Comment, Asset, access::Access)> {
        let m = comments::get(&mut *c, id).await?.ok_or_else(|| Error::not_found("comment"))?;
        let (asset, access) =
            access::asset(&mut *c, &actor.user, m.asset_id).await.map_err(|e| e.hidden_as("comment"))?;
        if !access.sees_work_in_progress() && asset.approved_version != Some(m.origin_version) {
            return Err(Error::not_found("comment"));
        }
        Ok((m, asset, access))
    }

    async fn comment_view(&self, c: &mut Conn, m: Comment) -> Result<CommentView> {
        let version = assets::version(&mut *c, m.asset_id, m.origin_version).await?;
        let clock = version.as_ref().and_then(clock_of);
        let name = users::by_id(&mut *c, m.author_id).await?.map(|u| u.name).unwrap_or_default();
        Ok(view(m, clock.as_ref(), name))
    }

    /// Replaces the text of one's own comment, keeping the old text in its history.
    pub async fn edit_comment(&self, actor: &Actor, id: Id, body: &str) -> Result<CommentView> {
        let body = check_body(body)?;
        let mut tx = self.store.write().await?;
        let (m, asset, _) = self.comment_for(&mut tx, actor, id).await?;
        if m.author_id != actor.user.id {
            return Err(Error::forbidden("only its author may edit a comment"));
        }
        if m.status == CommentStatus::Retracted {
            return Err(Error::new(ErrorCode::Conflict, "a retracted comment cannot be edited"));
        }
        let mentioned = mentions(&mut tx, &asset, &body).await?;
        let now = self.now();
        comments::edit(&mut tx, &m, &body, actor.user.id, now).await?;
        let fresh: Vec<Id> = mentioned.iter().copied().filter(|u| !m.mentions.contains(u)).collect();
        let mut all = m.mentions.clone();
        all.extend(fresh.iter().copied());
        let after = json!({"body": body, "mentions": all});
        let event = NewAuditEvent {
            before: Some(json!({"body": m.body})),
            ..comment_event(AuditAction::CommentEdit, &m, after)
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tell_mentioned(&mut tx, &m, &fresh, actor.user.id, now).await?;
        let edited = comments::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("comment"))?;
        let v = self.comment_view(&mut tx, edited).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// A comment's earlier texts, oldest first (a retracted comment's are hidden too).
    pub async fn comment_history(&self, actor: &Actor, id: Id) -> Result<Vec<EditView>> {
        let mut c = self.store.conn().await?;
        let (m, _, _) = self.comment_for(&mut c, actor, id).await?;
        if m.status == CommentStatus::Retracted {
            return Ok(Vec::new());
        }
        Ok(comments::history(&mut c, id)
            .await?
            .into_iter()
            .map(|e| EditView { body: e.body, replaced_at: e.replaced_at, replaced_by: e.replaced_by })
            .collect())
    }

    /// Resolves a comment, recording the version the resolver looked at (default: the
    /// asset's current one).
    pub async fn resolve_comment(&self, actor: &Actor, id: Id, on: Option<u32>) -> Result<CommentView> {
        self.change_status(actor, id, CommentStatus::Resolved, on).await
    }

    pub async fn reopen_comment(&self, actor: &Actor, id: Id) -> Result<CommentView> {
        self.change_status(actor, id, CommentStatus::Open, None).await
    }

    /// Withdraws one's own comment: its text is hidden, the record kept.
    pub async fn retract_comment(&self, actor: &Actor, id: Id) -> Result<CommentView> {
        self.change_status(actor, id, CommentStatus::Retracted, None).await
    }

    async fn change_status(&self, actor: &Actor, id: Id, to: CommentStatus, on: Option<u32>) -> Result<CommentView> {
        let mut tx = self.store.write().await?;
        let (m, asset, access) = self.comment_for(&mut tx, actor, id).await?;
        may_comment(&mut tx, actor, &asset, access.role).await?;
        let conflict = |m: &str| Err(Error::new(ErrorCode::Conflict, m.to_string()));
        let now = self.now();
        let (action, resolved) = match (to, m.status) {
            (_, CommentStatus::Retracted) => return conflict("the comment was retracted"),
            (CommentStatus::Resolved, CommentStatus::Resolved) => return conflict("the comment is already resolved"),
            (CommentStatus::Open, CommentStatus::Open) => return conflict("the comment is already open"),
            (CommentStatus::Retracted, _) if m.author_id != actor.user.id => {
                return Err(Error::forbidden("only its author may retract a comment"))
            }
            (CommentStatus::Resolved, _) => {
                let version = on.unwrap_or(asset.current_version);
                if version < m.origin_version || version > asset.current_version {
                    return Err(Error::new(
                        ErrorCode::InvalidComment,
                        format!(
                            "version {version} is not one this comment is listed on (v{}–v{})",
                            m.origin_version, asset.current_version
                        ),
                    ));
                }
                (AuditAction::CommentResolve, Some((actor.user.id, now, version)))
            }
            (CommentStatus::Open, _) => (AuditAction::CommentReopen, None),
            (CommentStatus::Retracted, _) => (AuditAction::CommentRetract, None),
        };
        comments::set_status(&mut tx, id, to, resolved).await?;
        let after = json!({"status": to, "resolved_on_version": resolved.map(|(_, _, v)| v)});
        let event = NewAuditEvent { before: Some(json!({"status": m.status})), ..comment_event(action, &m, after) };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        let changed = comments::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("comment"))?;
        let v = self.comment_view(&mut tx, changed).await?;
        tx.commit().await?;
        Ok(v)
    }
}
