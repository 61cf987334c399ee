//! Governed links: a short-lived download link an agent hands out for the person it acts for.
//! Made only when the distribution gate lets that person take the file now, and every use goes
//! through the gate again as that person, so expired rights or a revoked token close it.

use vellum_domain::{id::new_id, Id, Timestamp};
use vellum_store::{governed_links, users};

use crate::{
    rights::FileRoute,
    secret::{random_token, token_hash},
    Actor, Core, Error, Origin, Result,
};

/// How long a governed link works: long enough to hand over, short enough not to be a share.
pub const LINK_MINUTES: i64 = 15;

/// A new link: the path to open (on this server) and when it stops working.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub path: String,
    pub asset_id: Id,
    pub version: u32,
    pub rendition: String,
    pub expires_at: Timestamp,
}

/// What a link opens, for whom.
pub struct Opened {
    pub actor: Actor,
    pub asset_id: Id,
    pub version: u32,
    pub rendition: String,
}

impl Core {
    /// Makes a governed link to the asset's approved version (or, for members who see work in
    /// progress and no approved version yet, its current one): the original (`None` or
    /// `original`) or a rendition. Refused with the gate's own reason (`rights_expired`,
    /// `download_request_required`…) when the person may not take it now.
    pub async fn governed_link(&self, actor: &Actor, asset: Id, rendition: Option<&str>) -> Result<NewLink> {
        let (a, access) = self.asset(actor, asset).await?;
        let version = a
            .approved_version
            .or(access.sees_work_in_progress().then_some(a.current_version))
            .ok_or_else(|| Error::not_found("asset"))?;
        let rendition = rendition.unwrap_or("original").to_string();
        if rendition == "original" {
            self.version_for_download(actor, a.id, version, FileRoute::Original).await?;
        } else {
            // The gate and the rendition's name are checked; a watermark is made only when the
            // link is opened, and a rendition still being made answers 202 then, as the API does.
            self.clean_rendition(actor, &a, version, &rendition).await?;
        }
        let secret = random_token("vgl_")?;
        let now = self.now();
        let link = governed_links::GovernedLink {
            id: new_id(),
            user_id: actor.user.id,
            token_id: actor.origin.token.map(|t| t.id),
            asset_id: a.id,
            version,
            rendition: rendition.clone(),
            created_at: now,
            expires_at: now.plus_secs(LINK_MINUTES * 60),
        };
        let mut tx = self.store.write().await?;
        governed_links::insert(&mut tx, &link, &token_hash(&secret)).await?;
        tx.commit().await?;
        Ok(NewLink {
            path: format!("/api/v1/links/{secret}"),
            asset_id: a.id,
            version,
            rendition,
            expires_at: link.expires_at,
        })
    }

    /// The person a live link was made for (still active, through a token not revoked), kept to
    /// the token's workspace, and what the link opens. Anything else is not found.
    pub async fn open_governed_link(&self, secret: &str, origin: Origin) -> Result<Opened> {
        let gone = || Error::not_found("link");
        let mut c = self.store.conn().await?;
        let link = governed_links::live(&mut c, &token_hash(secret), self.now()).await?.ok_or_else(gone)?;
        let user = users::by_id(&mut c, link.user_id).await?.filter(|u| u.disabled_at.is_none()).ok_or_else(gone)?;
        let actor = match link.token_id {
            Some(t) => {
                let token = users::token_by_id(&mut c, t).await?.ok_or_else(gone)?;
                if token.expires_at.is_some_and(|e| e <= self.now()) {
                    return Err(gone());
                }
                crate::tokens::through(user, &token, origin)
            }
            None => Actor { user, origin },
        };
        Ok(Opened { actor, asset_id: link.asset_id, version: link.version, rendition: link.rendition })
    }
}
