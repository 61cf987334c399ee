//! Collections: hand-picked, ordered sets of a workspace's assets (lightboxes), kept by one
//! member and optionally shared with a group, whose members may then see and arrange them.
//! Every listing shows only the items the caller may open, by the library's rules.

use vellum_domain::{audit::AuditAction, role::Capability, validate::Name, ErrorCode, Id};
use vellum_store::collections;
pub use vellum_store::collections::{Collection, SavedSearch};
use vellum_store::model::{Asset, NewAuditEvent};
use vellum_store::share_links::{self, ShareBundle};
use vellum_store::Conn;

use crate::{access, access::Access, Actor, Core, Error, Result};

/// The most items one collection holds.
pub const MAX_ITEMS: usize = 1000;

/// A collection with the items the caller may open, in order.
#[derive(Debug, Clone)]
pub struct CollectionView {
    pub collection: Collection,
    pub items: Vec<Asset>,
    /// Items the caller may not open (they stay for those who may).
    pub hidden: usize,
}

/// A collection shared outside: its page (the token shown this once) and the item links.
pub struct CollectionShare {
    pub bundle: ShareBundle,
    pub token: String,
    pub links: Vec<(Asset, vellum_store::share_links::ShareLink, String)>,
    pub skipped: Vec<(Asset, String)>,
}

/// The collection if the actor may see it (owner, or a member of the group it is shared
/// with, still in its workspace); otherwise not found.
async fn visible(c: &mut Conn, actor: &Actor, id: Id) -> Result<(Collection, Access)> {
    let col = collections::get(&mut *c, id).await?.ok_or_else(|| Error::not_found("collection"))?;
    let access = access::workspace(&mut *c, &actor.user, &col.workspace_id.to_string())
        .await
        .map_err(|e| e.hidden_as("collection"))?;
    let shared = match col.shared_with_group {
        Some(g) => collections::in_group(&mut *c, g, actor.user.id).await?,
        None => false,
    };
    if col.owner_id != actor.user.id && !shared {
        return Err(Error::not_found("collection"));
    }
    Ok((col, access))
}

/// The asset as the actor may open it inside the collection's workspace (None: hidden).
async fn openable(c: &mut Conn, actor: &Actor, ws: Id, asset: Id) -> Result<Option<Asset>> {
    match access::asset(&mut *c, &actor.user, asset).await {
        Ok((a, acc)) if a.workspace_id == ws => {
            if vellum_store::rights::archived_at(&mut *c, asset).await?.is_some() {
                return Ok(None);
            }
            Ok(Some(crate::assets::as_seen_by(&acc, a)))
        }
        Ok(_) => Ok(None),
        Err(e) if matches!(e.kind(), crate::ErrorKind::NotFound | crate::ErrorKind::Forbidden) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Core {
    /// Creates a collection owned by the actor, optionally shared with a group of its
    /// workspace.
    pub async fn create_collection(
        &self,
        actor: &Actor,
        ws: &str,
        name: &str,
        group: Option<Id>,
    ) -> Result<Collection> {
        let name = Name::parse("the collection's name", name)?.into_inner();
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        if let Some(g) = group {
            let found = vellum_store::workspaces::group(&mut tx, g).await?;
            if found.is_none_or(|f| f.workspace_id != access.workspace.id) {
                return Err(Error::new(ErrorCode::InvalidBody, "shared_with_group is not a group of this workspace"));
            }
        }
        let now = self.now();
        let col = Collection {
            id: vellum_domain::id::new_id(),
            workspace_id: access.workspace.id,
            owner_id: actor.user.id,
            name,
            shared_with_group: group,
            created_at: now,
            updated_at: now,
        };
        collections::insert(&mut tx, &col).await?;
        tx.commit().await?;
        Ok(col)
    }

    /// The collections of a workspace the actor owns or shares, without counting their
    /// items (what a picker needs: counting checks every item).
    pub async fn collection_choices(&self, actor: &Actor, ws: &str) -> Result<Vec<Collection>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        Ok(collections::visible(&mut c, access.workspace.id, actor.user.id).await?)
    }

    /// The collections of a workspace the actor owns or shares, with the items they may open.
    pub async fn collections(&self, actor: &Actor, ws: &str) -> Result<Vec<(Collection, usize)>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        let mut out = Vec::new();
        for col in collections::visible(&mut c, access.workspace.id, actor.user.id).await? {
            let mut n = 0;
            for a in collections::items(&mut c, col.id).await? {
                n += usize::from(openable(&mut c, actor, col.workspace_id, a).await?.is_some());
            }
            out.push((col, n));
        }
        Ok(out)
    }

    /// One collection with the items the actor may open.
    pub async fn collection(&self, actor: &Actor, id: Id) -> Result<CollectionView> {
        let mut c = self.store.conn().await?;
        let (col, _) = visible(&mut c, actor, id).await?;
        let mut items = Vec::new();
        let mut hidden = 0;
        for a in collections::items(&mut c, id).await? {
            match openable(&mut c, actor, col.workspace_id, a).await? {
                Some(asset) => items.push(asset),
                None => hidden += 1,
            }
        }
        Ok(CollectionView { collection: col, items, hidden })
    }

    /// Puts the items the actor may open in this order (items they may not open stay, after
    /// them); every asset given must be one they may open.
    pub async fn set_collection_items(&self, actor: &Actor, id: Id, assets: &[Id]) -> Result<CollectionView> {
        if assets.len() > MAX_ITEMS {
            return Err(Error::new(ErrorCode::InvalidBody, format!("a collection holds at most {MAX_ITEMS} assets")));
        }
        let mut tx = self.store.write().await?;
        let (col, _) = visible(&mut tx, actor, id).await?;
        let mut order: Vec<Id> = Vec::with_capacity(assets.len());
        for &a in assets {
            if order.contains(&a) {
                return Err(Error::new(ErrorCode::InvalidBody, format!("asset {a} is listed twice")));
            }
            if openable(&mut tx, actor, col.workspace_id, a).await?.is_none() {
                return Err(Error::new(ErrorCode::InvalidAssetId, format!("asset {a} is not one you may open here")));
            }
            order.push(a);
        }
        for a in collections::items(&mut tx, id).await? {
            if !order.contains(&a) && openable(&mut tx, actor, col.workspace_id, a).await?.is_none() {
                order.push(a);
            }
        }
        collections::set_items(&mut tx, id, &order, actor.user.id, self.now()).await?;
        collections::touch(&mut tx, id, self.now()).await?;
        tx.commit().await?;
        self.collection(actor, id).await
    }

    /// Adds an asset at the end (already in: nothing changes).
    pub async fn add_collection_item(&self, actor: &Actor, id: Id, asset: Id) -> Result<CollectionView> {
        let mut tx = self.store.write().await?;
        let (col, _) = visible(&mut tx, actor, id).await?;
        if openable(&mut tx, actor, col.workspace_id, asset).await?.is_none() {
            return Err(Error::not_found("asset"));
        }
        if collections::items(&mut tx, id).await?.len() >= MAX_ITEMS {
            return Err(Error::new(ErrorCode::InvalidBody, format!("a collection holds at most {MAX_ITEMS} assets")));
        }
        collections::add_item(&mut tx, id, asset, actor.user.id, self.now()).await?;
        collections::touch(&mut tx, id, self.now()).await?;
        tx.commit().await?;
        self.collection(actor, id).await
    }

    pub async fn remove_collection_item(&self, actor: &Actor, id: Id, asset: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let (col, _) = visible(&mut tx, actor, id).await?;
        if openable(&mut tx, actor, col.workspace_id, asset).await?.is_none()
            || !collections::remove_item(&mut tx, id, asset).await?
        {
            return Err(Error::not_found("asset"));
        }
        collections::touch(&mut tx, id, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a collection (its owner only; the assets stay).
    pub async fn delete_collection(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let (col, _) = visible(&mut tx, actor, id).await?;
        if col.owner_id != actor.user.id {
            return Err(Error::forbidden("only the collection's owner deletes it"));
        }
        collections::delete(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Shares a collection outside as one page: a share link to each item's approved version,
    /// each through the distribution gate, gathered under one token, all in one transaction.
    /// Items that cannot go out are named with the reason; nothing shareable is an error.
    pub async fn share_collection(
        &self,
        actor: &Actor,
        id: Id,
        new: crate::share_links::NewShare,
    ) -> Result<CollectionShare> {
        let view = self.collection(actor, id).await?;
        let checked = self.check_share(&new).await?;
        let now = self.now();
        let item = crate::share_links::NewShare { version: crate::share_links::Shared::Approved, ..new.clone() };
        let token = crate::secret::random_token("vsb_")?;
        let bundle = ShareBundle {
            id: vellum_domain::id::new_id(),
            workspace_id: view.collection.workspace_id,
            collection_id: view.collection.id,
            name: view.collection.name.clone(),
            password_hash: checked.password_hash.clone(),
            expires_at: new.expires_at,
            created_by: actor.user.id,
            created_at: now,
            revoked_at: None,
            access_count: 0,
            last_access_at: None,
        };
        let mut tx = self.store.write().await?;
        share_links::insert_bundle(&mut tx, &bundle, &crate::secret::token_hash(&token)).await?;
        let (mut links, mut skipped) = (Vec::new(), Vec::new());
        let mut first_refusal = None;
        for (position, a) in (0u32..).zip(view.items) {
            let outcome = async {
                let (a, access) = crate::access::asset_for_update(&mut tx, &actor.user, a.id).await?;
                access.require(Capability::Upload)?;
                let number = a
                    .approved_version
                    .ok_or_else(|| Error::new(ErrorCode::NotApproved, "it has no approved version to share"))?;
                crate::share_links::share_gate(&mut tx, &a, number, now).await?;
                let (link, token) =
                    self.insert_link(&mut tx, actor, &a, &item, &checked, Some((bundle.id, position))).await?;
                Ok::<_, Error>((a, link, token))
            }
            .await;
            match outcome {
                Ok(made) => links.push(made),
                Err(e) if e.kind() != crate::ErrorKind::Internal => {
                    skipped.push((a, e.to_string()));
                    first_refusal.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        // Nothing shared: the reason (nothing approved, rights lapsed) is the answer, and
        // nothing is kept.
        if links.is_empty() {
            return Err(first_refusal
                .unwrap_or_else(|| Error::new(ErrorCode::InvalidBody, "the collection has nothing to share")));
        }
        let event = NewAuditEvent {
            workspace_id: Some(bundle.workspace_id),
            object_id: Some(bundle.id.to_string()),
            after: Some(serde_json::json!({
                "collection_id": bundle.collection_id, "items": links.len(), "skipped": skipped.len(),
                "expires_at": bundle.expires_at, "password": bundle.password_hash.is_some(),
            })),
            ..NewAuditEvent::new(AuditAction::ShareLinkCreate, "share_bundle")
        };
        crate::record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(CollectionShare { bundle, token, links, skipped })
    }

    /// The files of a collection the actor may take through the distribution gate, in order,
    /// with each refused item's reason.
    pub async fn collection_files(
        &self,
        actor: &Actor,
        id: Id,
    ) -> Result<(Collection, Vec<crate::rights::Download>, Vec<(Asset, String)>)> {
        let view = self.collection(actor, id).await?;
        let mut taken = Vec::new();
        let mut refused = Vec::new();
        for a in view.items {
            let number = a.approved_version.unwrap_or(a.current_version);
            match self.version_for_download(actor, a.id, number, crate::rights::FileRoute::Original).await {
                Ok(d) => taken.push(d),
                Err(e) if e.kind() != crate::ErrorKind::Internal => refused.push((a, e.to_string())),
                Err(e) => return Err(e),
            }
        }
        Ok((view.collection, taken, refused))
    }
}
