//! Always-current links: a stable public URL per asset and rendition that always serves the
//! currently approved version (a CMS page or an email embeds it once), through the
//! distribution gate — it stops with the rights or the archive and resumes when they are
//! fixed. Hits are counted per day, and each link's day is audited once.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    distribution::{decide, Caller, Route},
    id::new_id,
    role::Capability,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    assets,
    model::NewAuditEvent,
    public_links::{self, PublicLink},
};

use crate::{access, record, secret::random_token, Actor, Core, Error, Origin, Result};

/// A link with its total hits and the path it is served at.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub link: PublicLink,
    pub hits: u64,
    pub path: String,
}

/// What a public link serves now.
#[derive(Debug, Clone)]
pub struct PublicFile {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub modified: Timestamp,
    pub version: u32,
}

fn extension(content_type: &str) -> &str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/svg+xml" => "svg",
        "video/quicktime" => "mov",
        "audio/mpeg" => "mp3",
        t => t
            .rsplit('/')
            .next()
            .filter(|e| e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
            .unwrap_or("bin"),
    }
}

pub(crate) fn path_of(l: &PublicLink, content_type: &str) -> String {
    format!("/p/{}/{}.{}", l.token, l.rendition, extension(content_type))
}

impl Core {
    /// Makes an always-current link to an asset's original or one of its renditions (anyone
    /// who may edit it; the asset must have an approved version).
    pub async fn create_public_link(&self, actor: &Actor, asset: Id, rendition: &str) -> Result<LinkView> {
        if rendition != "original" && !crate::media::built_in(rendition) {
            return Err(Error::new(
                ErrorCode::RenditionNotAvailable,
                format!("'{rendition}' is not a rendition: use original, thumbnail, preview, poster, proxy, pdf…"),
            ));
        }
        let mut tx = self.store.write().await?;
        let (a, access) = access::asset_for_update(&mut tx, &actor.user, asset).await?;
        access.require(Capability::Upload)?;
        let Some(approved) = a.approved_version else {
            return Err(Error::new(ErrorCode::NotApproved, "this asset has no approved version to link to yet"));
        };
        let link = PublicLink {
            id: new_id(),
            workspace_id: a.workspace_id,
            asset_id: a.id,
            rendition: rendition.to_string(),
            token: random_token("vpl_")?,
            created_by: actor.user.id,
            created_at: self.now(),
            revoked_at: None,
        };
        public_links::insert(&mut tx, &link).await?;
        let event = NewAuditEvent {
            workspace_id: Some(a.workspace_id),
            object_id: Some(link.id.to_string()),
            asset_id: Some(a.id),
            after: Some(json!({"rendition": rendition})),
            ..NewAuditEvent::new(AuditAction::PublicLinkCreate, "public_link")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        let content_type = match assets::version(&mut tx, a.id, approved).await? {
            Some(v) if rendition == "original" => v.content_type,
            _ => assets::rendition(&mut tx, a.id, approved, rendition)
                .await?
                .map_or("image/jpeg".into(), |r| r.content_type),
        };
        tx.commit().await?;
        Ok(LinkView { path: path_of(&link, &content_type), link, hits: 0 })
    }

    /// An asset's live links with their hits (anyone who sees the asset's work in progress).
    pub async fn public_links(&self, actor: &Actor, asset: Id) -> Result<Vec<LinkView>> {
        let mut c = self.store.conn().await?;
        let (a, access) = access::asset(&mut c, &actor.user, asset).await?;
        access.require(Capability::SeeWorkInProgress)?;
        let mut out = Vec::new();
        for (link, hits) in public_links::of_asset(&mut c, a.id).await? {
            let content_type = match a.approved_version {
                Some(n) if link.rendition == "original" => {
                    assets::version(&mut c, a.id, n).await?.map_or_else(String::new, |v| v.content_type)
                }
                Some(n) => assets::rendition(&mut c, a.id, n, &link.rendition)
                    .await?
                    .map_or_else(String::new, |r| r.content_type),
                None => String::new(),
            };
            out.push(LinkView { path: path_of(&link, &content_type), link, hits });
        }
        Ok(out)
    }

    /// Revokes a link (anyone who may edit its asset).
    pub async fn revoke_public_link(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let link = public_links::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("public link"))?;
        let (_, access) =
            access::asset(&mut tx, &actor.user, link.asset_id).await.map_err(|e| e.hidden_as("public link"))?;
        access.require(Capability::Upload)?;
        if link.revoked_at.is_none() {
            public_links::revoke(&mut tx, link.id, self.now()).await?;
            let event = NewAuditEvent {
                workspace_id: Some(link.workspace_id),
                object_id: Some(link.id.to_string()),
                asset_id: Some(link.asset_id),
                after: Some(json!({"revoked": true})),
                ..NewAuditEvent::new(AuditAction::PublicLinkRevoke, "public_link")
            };
            record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// What `/p/{token}/{file}` serves now: the approved version's original or rendition,
    /// through the gate. Unknown and revoked links are not found; lapsed rights and archive
    /// are `410`.
    pub async fn public_file(&self, token: &str, file: &str, origin: &Origin) -> Result<PublicFile> {
        let gone = || Error::not_found("link");
        if !token.starts_with("vpl_") || token.len() > 100 {
            return Err(gone());
        }
        let mut c = self.store.conn().await?;
        let link = public_links::by_token(&mut c, token).await?.filter(|l| l.revoked_at.is_none()).ok_or_else(gone)?;
        if file.rsplit_once('.').map_or(file, |(stem, _)| stem) != link.rendition {
            return Err(gone());
        }
        let asset = assets::get(&mut c, link.asset_id).await?.ok_or_else(gone)?;
        let approved = asset.approved_version.ok_or_else(gone)?;
        let route = if link.rendition == "original" { Route::Original } else { Route::Rendition };
        let facts = crate::rights::facts_of(&mut c, &asset, approved, self.now()).await?;
        decide(Caller::PublicLink, route, facts).map_err(|code| match code {
            ErrorCode::RightsExpired => {
                Error::new(code, "this asset's rights have lapsed: the link is paused until they are fixed")
            }
            ErrorCode::Archived => Error::new(code, "this asset is archived: the link is paused"),
            _ => gone(),
        })?;
        let served = if link.rendition == "original" {
            let v = assets::version(&mut c, asset.id, approved).await?.ok_or_else(gone)?;
            PublicFile {
                sha256: v.sha256,
                size: v.size,
                content_type: v.content_type,
                modified: v.created_at,
                version: approved,
            }
        } else {
            let r = assets::rendition(&mut c, asset.id, approved, &link.rendition).await?.ok_or_else(gone)?;
            PublicFile {
                sha256: r.sha256,
                size: r.size,
                content_type: r.content_type,
                modified: r.created_at,
                version: approved,
            }
        };
        drop(c);
        self.count_hit(&link, served.version, origin).await?;
        Ok(served)
    }

    /// One hit on today's count; the day's first is audited (not one event per hit).
    async fn count_hit(&self, link: &PublicLink, version: u32, origin: &Origin) -> Result<()> {
        let day = self.now().to_string()[..10].to_string();
        // Two first hits of a day race to insert its row: the loser counts on the winner's.
        for _ in 0..3 {
            let mut tx = self.store.write().await?;
            let first = match public_links::hit(&mut tx, link.id, &day).await {
                Ok(first) => first,
                Err(vellum_store::Error::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            if first {
                let event = NewAuditEvent {
                    workspace_id: Some(link.workspace_id),
                    object_id: Some(link.id.to_string()),
                    asset_id: Some(link.asset_id),
                    version: Some(version),
                    after: Some(json!({"day": day, "rendition": link.rendition})),
                    ..NewAuditEvent::new(AuditAction::DistributionPublicLink, "public_link")
                };
                record(&mut tx, origin, None, event).await?;
                vellum_store::retention::distributed(&mut tx, link.asset_id, self.now()).await?;
            }
            tx.commit().await?;
            return Ok(());
        }
        Ok(())
    }
}
