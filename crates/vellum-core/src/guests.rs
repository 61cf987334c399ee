//! Guest reviewers: an email address without an account, invited to comment on one review
//! through a personal link that expires and can be revoked. A guest sees that review's version
//! and its comments, and writes comments (as an account-less user that can never sign in);
//! each guest comment's audit event carries the guest's email.

use serde::Serialize;
use serde_json::json;
use vellum_domain::{
    audit::AuditAction, comment::check_body, id::new_id, review::ReviewStatus, role::Capability, validate::Email,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    assets, emails,
    guests::{self, Guest},
    model::{Asset, NewAuditEvent, ReviewRecord, User, Version},
    reviews, users, Conn,
};

use crate::{
    access,
    comments::{CommentFilter, CommentView, NewComment},
    record,
    secret::{random_token, token_hash},
    Actor, Core, Error, Origin, Result,
};

/// The longest a guest link may work.
pub const MAX_GUEST_DAYS: i64 = 90;

/// A guest as the review's people see it.
#[derive(Debug, Clone, Serialize)]
pub struct GuestView {
    pub id: Id,
    pub review_id: Id,
    pub email: String,
    /// The user id their comments carry as `author_id`.
    pub user_id: Id,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub created_by: Id,
    pub created_at: Timestamp,
    /// The personal link (only in the answer that made it, when it was not emailed).
    pub link: Option<String>,
    pub emailed: bool,
}

fn guest_view(g: Guest) -> GuestView {
    GuestView {
        id: g.id,
        review_id: g.review_id,
        email: g.email,
        user_id: g.user_id,
        expires_at: g.expires_at,
        revoked_at: g.revoked_at,
        created_by: g.created_by,
        created_at: g.created_at,
        link: None,
        emailed: false,
    }
}

/// What a guest's link opens.
pub struct GuestSession {
    pub guest: Guest,
    pub review: ReviewRecord,
    pub asset: Asset,
    pub version: Version,
    pub user: User,
}

fn gone() -> Error {
    Error::not_found("guest link")
}

impl Core {
    /// The review, for someone who may manage its people (as for collaborators).
    async fn review_to_manage(&self, c: &mut Conn, actor: &Actor, review_id: Id) -> Result<ReviewRecord> {
        let r = reviews::get(&mut *c, review_id, false).await?.ok_or_else(|| Error::not_found("review"))?;
        let access =
            access::workspace_by_id(&mut *c, &actor.user, r.workspace_id).await.map_err(|e| e.hidden_as("review"))?;
        if !access.sees_work_in_progress() {
            return Err(Error::not_found("review"));
        }
        access.require(Capability::StartReview)?;
        Ok(r)
    }

    /// Invites an email address to comment on a review until `expires_at`.
    pub async fn invite_guest(
        &self,
        actor: &Actor,
        review_id: Id,
        email: &str,
        expires_at: Timestamp,
    ) -> Result<GuestView> {
        let email = Email::parse(email)?.into_inner();
        let now = self.now();
        if expires_at <= now {
            return Err(Error::new(ErrorCode::InvalidExpiry, "expires_at must be in the future"));
        }
        if expires_at > now.plus_secs(MAX_GUEST_DAYS * 24 * 3600) {
            return Err(Error::new(
                ErrorCode::InvalidExpiry,
                format!("a guest link works at most {MAX_GUEST_DAYS} days; choose an earlier expires_at"),
            ));
        }
        let mut tx = self.store.write().await?;
        let r = self.review_to_manage(&mut tx, actor, review_id).await?;
        if r.status != ReviewStatus::InProgress {
            return Err(Error::new(ErrorCode::Conflict, "the review is closed; guests are invited to open reviews"));
        }
        let token = random_token("gst_")?;
        let id = new_id();
        // Comments need an author: an account no one can sign in to (disabled, no password).
        let user = User {
            id: new_id(),
            email: format!("guest-{id}@guests.invalid"),
            name: format!("{email} (guest)"),
            is_admin: false,
            created_at: now,
            disabled_at: Some(now),
            password_hash: String::new(),
            token_workspace: None,
            kind: Default::default(),
        };
        users::insert(&mut tx, &user).await?;
        users::set_disabled(&mut tx, user.id, Some(now)).await?;
        let g = Guest {
            id,
            review_id,
            user_id: user.id,
            email: email.clone(),
            expires_at,
            revoked_at: None,
            created_by: actor.user.id,
            created_at: now,
        };
        guests::insert(&mut tx, &g, &token_hash(&token)).await?;
        let path = format!("/g/{token}");
        let emailed = self.notify.smtp.is_some();
        if emailed {
            let url = format!("{}{path}", self.notify.public_url);
            let asset_id = r.subject.asset_id().ok_or_else(|| Error::not_found("asset"))?;
            let asset = assets::get(&mut tx, asset_id).await?.ok_or_else(|| Error::not_found("asset"))?;
            let lead = format!(
                "{} invited you to review “{}” (version {}) on Vellum and leave comments. Open this link:",
                actor.user.name, asset.title, r.version
            );
            let subject = format!("Please review {} on Vellum", asset.title);
            let mail = crate::invitations::link_email(
                self,
                &email,
                format!("guest:{id}"),
                subject,
                &lead,
                &url,
                (expires_at, false),
            );
            emails::enqueue(&mut tx, &mail, now).await?;
            crate::events::queue_senders(&mut tx, &format!("notify:guest:{id}")).await?;
        }
        let event = NewAuditEvent {
            workspace_id: Some(r.workspace_id),
            object_id: Some(review_id.to_string()),
            asset_id: r.subject.asset_id(),
            version: Some(r.version),
            after: Some(json!({"guest_id": id, "guest_email": email, "expires_at": expires_at})),
            ..NewAuditEvent::new(AuditAction::ReviewGuestInvite, "review")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        if emailed {
            self.wake.notify_waiters();
        }
        Ok(GuestView { link: (!emailed).then_some(path), emailed, ..guest_view(g) })
    }

    /// A review's guests, revoked and expired ones included.
    pub async fn guests(&self, actor: &Actor, review_id: Id) -> Result<Vec<GuestView>> {
        let mut c = self.store.conn().await?;
        self.review_to_manage(&mut c, actor, review_id).await?;
        Ok(guests::of_review(&mut c, review_id).await?.into_iter().map(guest_view).collect())
    }

    /// Revokes a guest's link at once.
    pub async fn revoke_guest(&self, actor: &Actor, review_id: Id, guest_id: Id) -> Result<GuestView> {
        let mut tx = self.store.write().await?;
        let r = self.review_to_manage(&mut tx, actor, review_id).await?;
        let g = guests::get(&mut tx, guest_id)
            .await?
            .filter(|g| g.review_id == review_id)
            .ok_or_else(|| Error::not_found("guest"))?;
        let now = self.now();
        if guests::revoke(&mut tx, guest_id, now).await? {
            let event = NewAuditEvent {
                workspace_id: Some(r.workspace_id),
                object_id: Some(review_id.to_string()),
                asset_id: r.subject.asset_id(),
                version: Some(r.version),
                after: Some(json!({"guest_id": guest_id, "guest_email": g.email})),
                ..NewAuditEvent::new(AuditAction::ReviewGuestRevoke, "review")
            };
            record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        }
        let g = guests::get(&mut tx, guest_id).await?.ok_or_else(|| Error::not_found("guest"))?;
        tx.commit().await?;
        Ok(guest_view(g))
    }

    /// What a guest link opens; 404 for a link that is unknown, revoked or expired.
    pub async fn guest_session(&self, token: &str) -> Result<GuestSession> {
        let mut c = self.store.conn().await?;
        self.guest_session_in(&mut c, token).await
    }

    async fn guest_session_in(&self, c: &mut Conn, token: &str) -> Result<GuestSession> {
        if !token.starts_with("gst_") || token.len() > 100 {
            return Err(gone());
        }
        let guest = guests::by_token(&mut *c, &token_hash(token)).await?.ok_or_else(gone)?;
        if guest.revoked_at.is_some() || guest.expires_at <= self.now() {
            return Err(gone());
        }
        let review = reviews::get(&mut *c, guest.review_id, false).await?.ok_or_else(gone)?;
        let asset = assets::get(&mut *c, review.subject.asset_id().ok_or_else(gone)?).await?.ok_or_else(gone)?;
        let version = assets::version(&mut *c, asset.id, review.version).await?.ok_or_else(gone)?;
        let user = users::by_id(&mut *c, guest.user_id).await?.ok_or_else(gone)?;
        Ok(GuestSession { guest, review, asset, version, user })
    }

    /// The comments a guest sees: those of the review's version.
    pub async fn guest_comments(&self, token: &str) -> Result<(GuestSession, Vec<CommentView>)> {
        let mut c = self.store.conn().await?;
        let s = self.guest_session_in(&mut c, token).await?;
        let as_guest = Actor { user: s.user.clone(), origin: Origin::default() };
        let list = self.comments_of(&mut c, &as_guest, &s.asset, &s.version, &CommentFilter::default()).await?;
        Ok((s, list))
    }

    /// A guest's comment on the review's version.
    pub async fn guest_comment(&self, token: &str, origin: &Origin, new: NewComment) -> Result<CommentView> {
        let body = check_body(&new.body)?;
        let mut tx = self.store.write().await?;
        let s = self.guest_session_in(&mut tx, token).await?;
        let c = self
            .insert_comment(&mut tx, (&s.user, origin), (&s.asset, &s.version), new, body, Some(&s.guest.email))
            .await?;
        tx.commit().await?;
        Ok(crate::comments::view_of(c, &s.version, s.user.name.clone()))
    }

    /// A rendition of the guest's version made by processing (preview, pages, poster, proxy…).
    pub async fn guest_rendition(&self, token: &str, name: &str) -> Result<crate::media::RenditionAnswer> {
        let s = self.guest_session(token).await?;
        crate::rights::gate_guest(self, &s.asset, s.version.number).await?;
        // The converted PDF stays with members: guests look at pictures of its pages.
        if !crate::media::built_in(name) || name == "pdf" {
            return Err(Error::new(ErrorCode::RenditionNotAvailable, format!("there is no rendition named '{name}'")));
        }
        let mut c = self.store.conn().await?;
        match assets::rendition(&mut c, s.asset.id, s.version.number, name).await? {
            Some(r) => Ok(crate::media::RenditionAnswer::Ready(r)),
            None if s.version.processing == vellum_store::model::Processing::Pending => {
                Ok(crate::media::RenditionAnswer::Pending)
            }
            None => Err(Error::new(ErrorCode::RenditionNotAvailable, format!("this version has no {name}"))),
        }
    }
}
