//! Share links: an approved version (or whatever is approved when opened) sent to someone
//! outside, with an expiry, an optional password, download allowed or view only. The token is
//! a secret shown once and kept only as a hash; every answer about a link that does not open —
//! unknown, expired, revoked, locked, its asset's rights lapsed or archived — is the same
//! not-found, and every derivative (preview, file) checks the link and its unlock again.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    distribution::{decide, Caller, Facts, Policy, Route},
    id::new_id,
    role::Capability,
    throttle::Policy as Throttle,
    validate::Email,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    assets,
    model::{Asset, NewAuditEvent, Version},
    share_links::{self, Opens, ShareBundle, ShareLink},
};

use crate::{
    access,
    auth::{hash_password, verify_password, DUMMY_HASH},
    record,
    secret::{random_token, token_hash},
    Actor, Core, Error, Origin, Result,
};

pub use vellum_store::share_links::ShareLink as Link;

/// Which version a link shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    Number(u32),
    /// Whatever version is approved when the link is opened.
    Approved,
}

#[derive(Debug, Clone)]
pub struct NewShare {
    pub version: Shared,
    pub rendition: Option<String>,
    pub expires_at: Timestamp,
    pub password: Option<String>,
    pub allow_download: bool,
    pub watermark: bool,
    pub recipient_email: Option<String>,
}

/// A link that opened, with what it shows.
#[derive(Debug, Clone)]
pub struct Opened {
    pub link: ShareLink,
    pub title: String,
    pub version: Version,
}

/// What a share page's derivative serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Preview,
    File,
}

/// How long a correct password keeps a link open in that browser.
const UNLOCK_HOURS: u32 = 12;
const PER_LINK: Throttle = Throttle { free: 5, max_delay_secs: 15 * 60, forget_after_secs: 60 * 60 };
const PER_ADDRESS: Throttle = Throttle { free: 20, max_delay_secs: 15 * 60, forget_after_secs: 60 * 60 };

fn gone() -> Error {
    Error::not_found("link")
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidShareLink, message)
}

impl Core {
    /// Shares an approved version (anyone who may edit the asset); the token is in the answer
    /// this once.
    pub async fn create_share_link(&self, actor: &Actor, asset: Id, new: NewShare) -> Result<(ShareLink, String)> {
        let checked = self.check_share(&new).await?;
        let mut tx = self.store.write().await?;
        let (a, access) = access::asset_for_update(&mut tx, &actor.user, asset).await?;
        access.require(Capability::Upload)?;
        let made = self.insert_link(&mut tx, actor, &a, &new, &checked, None).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// A new link's settings checked, its password hashed (once, however many links share it).
    pub(crate) async fn check_share(&self, new: &NewShare) -> Result<CheckedShare> {
        if new.expires_at <= self.now() {
            return Err(invalid("the link must expire in the future"));
        }
        if new.password.as_deref().is_some_and(|p| !(8..=200).contains(&p.chars().count())) {
            return Err(invalid("a link's password is 8–200 characters"));
        }
        let recipient = new.recipient_email.as_deref().map(Email::parse).transpose()?.map(|e| e.into_inner());
        if new.rendition.as_deref().is_some_and(|r| !crate::media::built_in(r)) {
            return Err(Error::new(ErrorCode::RenditionNotAvailable, "that is not a rendition a link can share"));
        }
        let password_hash = match &new.password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        Ok(CheckedShare { password_hash, recipient })
    }

    /// Writes one link of `a` (whose editing the caller has checked) and its audit event.
    pub(crate) async fn insert_link(
        &self,
        tx: &mut vellum_store::Tx,
        actor: &Actor,
        a: &Asset,
        new: &NewShare,
        checked: &CheckedShare,
        bundle: Option<(Id, u32)>,
    ) -> Result<(ShareLink, String)> {
        let version = match new.version {
            Shared::Approved if a.approved_version.is_some() => None,
            Shared::Number(n) if a.approved_version == Some(n) => Some(n),
            _ => {
                return Err(Error::new(
                    ErrorCode::NotApproved,
                    "only the approved version can be shared: approve it first, or share \"approved\"",
                ))
            }
        };
        let token = random_token("vsl_")?;
        let link = ShareLink {
            id: new_id(),
            workspace_id: a.workspace_id,
            asset_id: a.id,
            version,
            rendition: new.rendition.clone(),
            password_hash: checked.password_hash.clone(),
            allow_download: new.allow_download,
            watermark: new.watermark,
            recipient_email: checked.recipient.clone(),
            expires_at: new.expires_at,
            created_by: actor.user.id,
            created_at: self.now(),
            revoked_at: None,
            access_count: 0,
            last_access_at: None,
            bundle_id: bundle.map(|(id, _)| id),
            bundle_position: bundle.map(|(_, position)| position),
        };
        share_links::insert(tx, &link, &token_hash(&token)).await?;
        let event = NewAuditEvent {
            workspace_id: Some(a.workspace_id),
            object_id: Some(link.id.to_string()),
            asset_id: Some(a.id),
            version: link.version,
            after: Some(json!({
                "expires_at": link.expires_at, "allow_download": link.allow_download, "watermark": link.watermark,
                "password": link.password_hash.is_some(), "recipient_email": link.recipient_email,
                "bundle_id": link.bundle_id,
            })),
            ..NewAuditEvent::new(AuditAction::ShareLinkCreate, "share_link")
        };
        record(tx, &actor.origin, Some(&actor.user), event).await?;
        Ok((link, token))
    }

    /// An asset's share links, newest first (members who see work in progress).
    pub async fn share_links(&self, actor: &Actor, asset: Id) -> Result<Vec<ShareLink>> {
        let mut c = self.store.conn().await?;
        let (a, access) = access::asset(&mut c, &actor.user, asset).await?;
        access.require(Capability::SeeWorkInProgress)?;
        Ok(share_links::of_asset(&mut c, a.id).await?)
    }

    /// Revokes a link, or a collection's share page with every item link of it: every URL of
    /// it stops at once.
    pub async fn revoke_share_link(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let Some(link) = share_links::get(&mut tx, id).await? else {
            let bundle = share_links::get_bundle(&mut tx, id).await?.ok_or_else(|| Error::not_found("share link"))?;
            let access = access::workspace(&mut tx, &actor.user, &bundle.workspace_id.to_string())
                .await
                .map_err(|e| e.hidden_as("share link"))?;
            access.require(Capability::Upload)?;
            if bundle.revoked_at.is_none() {
                share_links::revoke_bundle(&mut tx, bundle.id, self.now()).await?;
                let event = NewAuditEvent {
                    workspace_id: Some(bundle.workspace_id),
                    object_id: Some(bundle.id.to_string()),
                    after: Some(json!({"revoked": true})),
                    ..NewAuditEvent::new(AuditAction::ShareLinkRevoke, "share_bundle")
                };
                record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
            }
            tx.commit().await?;
            return Ok(());
        };
        let (_, access) =
            access::asset(&mut tx, &actor.user, link.asset_id).await.map_err(|e| e.hidden_as("share link"))?;
        access.require(Capability::Upload)?;
        if link.revoked_at.is_none() {
            share_links::revoke(&mut tx, link.id, self.now()).await?;
            let event = NewAuditEvent {
                workspace_id: Some(link.workspace_id),
                object_id: Some(link.id.to_string()),
                asset_id: Some(link.asset_id),
                after: Some(json!({"revoked": true})),
                ..NewAuditEvent::new(AuditAction::ShareLinkRevoke, "share_link")
            };
            record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Opens a link for its page or a derivative: the link must be live, unlocked when it has
    /// a password, and its asset distributable; anything else is the same not-found.
    pub async fn open_share(&self, token: &str, unlock: Option<&str>) -> Result<Opened> {
        if !token.starts_with("vsl_") || token.len() > 100 {
            return Err(gone());
        }
        let now = self.now();
        let mut c = self.store.conn().await?;
        let link = share_links::by_token_hash(&mut c, &token_hash(token)).await?.ok_or_else(gone)?;
        if link.password_hash.is_some() {
            let Some(u) = unlock.filter(|u| u.len() <= 100) else { return Err(gone()) };
            if !share_links::unlocked(&mut c, Opens::Link, &token_hash(u), link.id, now).await? {
                return Err(gone());
            }
        }
        open_link(&mut c, link, now).await
    }

    /// Opens a collection's share page: the bundle must be live and unlocked when it has a
    /// password; its items are the item links that still open. None open: not found.
    pub async fn open_bundle(&self, token: &str, unlock: Option<&str>) -> Result<(ShareBundle, Vec<Opened>)> {
        let now = self.now();
        let mut c = self.store.conn().await?;
        let bundle = open_bundle_only(&mut c, token, unlock, now).await?;
        let mut items = Vec::new();
        for link in share_links::bundle_links(&mut c, bundle.id).await? {
            match open_link(&mut c, link, now).await {
                Ok(o) => items.push(o),
                Err(e) if e.kind() == crate::ErrorKind::Internal => return Err(e),
                Err(_) => {}
            }
        }
        if items.is_empty() {
            return Err(gone());
        }
        Ok((bundle, items))
    }

    /// One item of a collection's share page, opened through the page's token and unlock.
    pub async fn open_bundle_item(&self, token: &str, unlock: Option<&str>, link: Id) -> Result<Opened> {
        let now = self.now();
        let mut c = self.store.conn().await?;
        let bundle = open_bundle_only(&mut c, token, unlock, now).await?;
        let link = share_links::get(&mut c, link).await?.filter(|l| l.bundle_id == Some(bundle.id)).ok_or_else(gone)?;
        open_link(&mut c, link, now).await
    }

    /// Counts an opening of a collection's share page.
    pub async fn bundle_accessed(&self, bundle: &ShareBundle) -> Result<()> {
        let mut tx = self.store.write().await?;
        share_links::accessed(&mut tx, Opens::Bundle, bundle.id, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A ready rendition of the version an opened link shows (None: not made).
    pub async fn share_rendition(&self, o: &Opened, name: &str) -> Result<Option<vellum_store::model::Rendition>> {
        if !crate::media::built_in(name) || name == "pdf" {
            return Ok(None);
        }
        let mut c = self.store.conn().await?;
        Ok(assets::rendition(&mut c, o.link.asset_id, o.version.number, name).await?)
    }

    /// The link's picture watermarked for its recipient (or "shared link") when the link has
    /// the watermark on; None when it shows the clean rendition.
    pub async fn share_marked(
        &self,
        o: &Opened,
        r: &vellum_store::model::Rendition,
    ) -> Result<Option<crate::watermarks::Marked>> {
        if !o.link.watermark {
            return Ok(None);
        }
        let who = o.link.recipient_email.clone().unwrap_or_else(|| "shared link".into());
        Ok(Some(self.watermarked(o.link.workspace_id, r, &who).await?))
    }

    /// Counts an opening of the page or a derivative; a file served is audited with the link.
    pub async fn share_accessed(&self, o: &Opened, part: Option<Part>, origin: &Origin) -> Result<()> {
        let mut tx = self.store.write().await?;
        share_links::accessed(&mut tx, Opens::Link, o.link.id, self.now()).await?;
        vellum_store::retention::distributed(&mut tx, o.link.asset_id, self.now()).await?;
        if part == Some(Part::File) {
            let event = NewAuditEvent {
                workspace_id: Some(o.link.workspace_id),
                object_id: Some(o.link.id.to_string()),
                asset_id: Some(o.link.asset_id),
                version: Some(o.version.number),
                after: Some(json!({"link_id": o.link.id, "sha256": o.version.sha256})),
                ..NewAuditEvent::new(AuditAction::DistributionShareLink, "share_link")
            };
            record(&mut tx, origin, None, event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Tries a link's password. Right: an unlock to keep in a cookie scoped to the link.
    /// Wrong, or no such link: not found — after the same argon2 work, so timing says nothing;
    /// tries are throttled per link token and per address alike.
    pub async fn unlock_share(&self, token: &str, password: &str, origin: &Origin) -> Result<String> {
        let now = self.now();
        let keys = [
            (format!("share-link:{}", &token_hash(token)[..32]), PER_LINK),
            (format!("share-address:{}", origin.ip.as_deref().unwrap_or("unknown")), PER_ADDRESS),
        ];
        let _turn = self.turns.take(&[&keys[0].0, &keys[1].0]).await;
        let mut c = self.store.conn().await?;
        crate::attempts::check(&mut c, &keys, now).await?;
        // The password and expiry of the live link or bundle the token opens, if any.
        let live = if token.len() > 100 {
            None
        } else if token.starts_with("vsl_") {
            share_links::by_token_hash(&mut c, &token_hash(token))
                .await?
                .filter(|l| l.revoked_at.is_none() && l.expires_at > now)
                .map(|l| ((Opens::Link, l.id), l.password_hash, l.expires_at))
        } else if token.starts_with("vsb_") {
            share_links::bundle_by_token_hash(&mut c, &token_hash(token))
                .await?
                .filter(|b| b.revoked_at.is_none() && b.expires_at > now)
                .map(|b| ((Opens::Bundle, b.id), b.password_hash, b.expires_at))
        } else {
            None
        };
        drop(c);
        let hash = live.as_ref().and_then(|(_, h, _)| h.clone());
        let ok = verify_password(password, hash.as_deref().unwrap_or(DUMMY_HASH)).await && hash.is_some();
        let mut tx = self.store.write().await?;
        let Some((lock, _, expires_at)) = live.filter(|_| ok) else {
            crate::attempts::failed(&mut tx, &keys, now).await?;
            tx.commit().await?;
            return Err(gone());
        };
        let unlock = random_token("vsu_")?;
        let until = std::cmp::min(now.plus_hours(UNLOCK_HOURS), expires_at);
        share_links::insert_unlock(&mut tx, lock.0, &token_hash(&unlock), lock.1, until).await?;
        tx.commit().await?;
        Ok(unlock)
    }
}

/// A new link's checked settings.
pub(crate) struct CheckedShare {
    pub password_hash: Option<String>,
    pub recipient: Option<String>,
}

/// A live bundle by its token, unlocked when it has a password; anything else not found.
async fn open_bundle_only(
    c: &mut vellum_store::Conn,
    token: &str,
    unlock: Option<&str>,
    now: Timestamp,
) -> Result<ShareBundle> {
    if !token.starts_with("vsb_") || token.len() > 100 {
        return Err(gone());
    }
    let bundle = share_links::bundle_by_token_hash(c, &token_hash(token)).await?.ok_or_else(gone)?;
    if bundle.revoked_at.is_some() || bundle.expires_at <= now {
        return Err(gone());
    }
    if bundle.password_hash.is_some() {
        let Some(u) = unlock.filter(|u| u.len() <= 100) else { return Err(gone()) };
        if !share_links::unlocked(c, Opens::Bundle, &token_hash(u), bundle.id, now).await? {
            return Err(gone());
        }
    }
    Ok(bundle)
}

/// A link that is live and whose asset the distribution gate lets out through a share link.
async fn open_link(c: &mut vellum_store::Conn, link: ShareLink, now: Timestamp) -> Result<Opened> {
    if link.revoked_at.is_some() || link.expires_at <= now {
        return Err(gone());
    }
    let asset = assets::get(c, link.asset_id).await?.ok_or_else(gone)?;
    let number = link.version.or(asset.approved_version).ok_or_else(gone)?;
    let version = share_gate(c, &asset, number, now).await.map_err(|_| gone())?;
    Ok(Opened { link, title: asset.title, version })
}

/// The distribution gate for a share link of `asset`'s version `number`: the version if it may
/// go out, or the gate's reason.
pub(crate) async fn share_gate(
    c: &mut vellum_store::Conn,
    asset: &Asset,
    number: u32,
    now: Timestamp,
) -> Result<Version> {
    let rights = crate::rights::view_of(c, asset.id, now).await?;
    let version = assets::version(c, asset.id, number).await?.ok_or_else(gone)?;
    let facts = Facts {
        visible: true,
        approved: asset.approved_version == Some(number),
        rights: rights.status,
        archived: rights.archived_at.is_some(),
        purged: version.purged_at.is_some(),
        policy: Policy::Open,
        granted: false,
    };
    decide(Caller::ShareLink, Route::Rendition, facts).map_err(|code| Error::new(code, code.description()))?;
    Ok(version)
}
