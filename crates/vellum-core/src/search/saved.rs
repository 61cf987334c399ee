//! Saved searches: a query with its filters kept by name, for the member alone or shared
//! with the workspace, pinned to the top, or followed — then the indexer tells the follower,
//! once per asset, when a newly approved asset matches it (as they may see it).

use serde::{Deserialize, Serialize};
use vellum_domain::event::EventKind;
use vellum_domain::role::Capability;
use vellum_domain::{validate::Name, Id};
use vellum_store::collections::{self as store, SavedSearch};
use vellum_store::events::NewEvent;
use vellum_store::metadata_schemas;

use super::{prepare, run, today, vocabulary, SearchParams};
use crate::{access, Actor, Core, Error, Result};

/// What a saved search keeps: the box's text, the picked filters and the facets shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SavedQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub filters: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facets: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
}

impl SavedQuery {
    pub fn params(&self) -> SearchParams {
        SearchParams {
            q: self.q.clone(),
            filters: self.filters.clone(),
            facets: self.facets.clone(),
            sort: self.sort.clone(),
            limit: None,
            cursor: None,
        }
    }
}

/// A new saved search.
#[derive(Debug, Clone)]
pub struct NewSaved {
    pub name: String,
    pub query: SavedQuery,
    pub shared: bool,
    pub notify: bool,
    pub pinned: bool,
}

impl Core {
    /// Saves a search (checked as a search would be) for the actor.
    pub async fn save_search(&self, actor: &Actor, ws: &str, new: NewSaved) -> Result<SavedSearch> {
        let name = Name::parse("the saved search's name", &new.name)?.into_inner();
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        let (schema, _) = metadata_schemas::get(&mut tx, access.workspace.id).await?;
        prepare(&new.query.params(), &vocabulary(&schema))?;
        if new.shared && !access.role.can(Capability::Upload) {
            return Err(Error::forbidden("only members who upload share saved searches with the workspace"));
        }
        let s = SavedSearch {
            id: vellum_domain::id::new_id(),
            workspace_id: access.workspace.id,
            owner_id: actor.user.id,
            name,
            query: serde_json::to_value(&new.query).unwrap_or_default(),
            shared: new.shared,
            notify: new.notify,
            pinned: new.pinned,
            created_at: self.now(),
        };
        store::insert_saved(&mut tx, &s).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The actor's saved searches and the workspace's shared ones, pinned first.
    pub async fn saved_searches(&self, actor: &Actor, ws: &str) -> Result<Vec<SavedSearch>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        Ok(store::visible_saved(&mut c, access.workspace.id, actor.user.id).await?)
    }

    /// Deletes a saved search: its owner, or a workspace admin for a shared one.
    pub async fn delete_saved_search(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let s = store::get_saved(&mut tx, id).await?.ok_or_else(|| Error::not_found("saved search"))?;
        let access = access::workspace(&mut tx, &actor.user, &s.workspace_id.to_string())
            .await
            .map_err(|e| e.hidden_as("saved search"))?;
        if s.owner_id != actor.user.id {
            if !s.shared {
                return Err(Error::not_found("saved search"));
            }
            access.require(Capability::Administer)?;
        }
        store::delete_saved(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tells followers of a workspace's saved searches about the changed assets that are
    /// approved and now match (each asset once per search); returns how many were told.
    pub(crate) async fn tell_followers(&self, ws: Id, changed: &[Id]) -> Result<usize> {
        if changed.is_empty() {
            return Ok(0);
        }
        let mut c = self.store.conn().await?;
        let followed = store::followed(&mut c, ws).await?;
        if followed.is_empty() {
            return Ok(0);
        }
        let (schema, _) = metadata_schemas::get(&mut c, ws).await?;
        drop(c);
        let engine = self.search_side()?.engine.clone();
        let day = today(self.now());
        let mut told = 0;
        for s in followed {
            let mut c = self.store.conn().await?;
            let Some(role) = vellum_store::workspaces::role_of(&mut c, ws, s.owner_id).await? else { continue };
            drop(c);
            let Ok(query) = serde_json::from_value::<SavedQuery>(s.query.clone()) else { continue };
            let mut params = query.params();
            params.filters.push("status:approved".into());
            params.limit = Some(super::MAX_LIMIT);
            let vocabulary = vocabulary(&schema);
            let viewer = !role.can(Capability::SeeWorkInProgress);
            for chunk in changed.chunks(super::MAX_LIMIT as usize) {
                // A search the schema no longer allows stays quiet rather than failing the indexer.
                let Ok(prepared) = prepare(&params, &vocabulary) else { break };
                let only = Some(chunk.to_vec());
                let (results, _) = run(&engine, ws, prepared, vocabulary.clone(), viewer, day, only).await?;
                if results.hits.is_empty() {
                    continue;
                }
                let now = self.now();
                let mut tx = self.store.write().await?;
                for h in &results.hits {
                    if store::record_match(&mut tx, s.id, h.asset_id, now).await? {
                        let notice = NewEvent {
                            workspace_id: Some(ws),
                            kind: EventKind::SearchMatch,
                            object_type: "asset".into(),
                            object_id: h.asset_id,
                            actor_id: None,
                            data: serde_json::json!({"asset_id": h.asset_id, "saved_search_id": s.id, "search": s.name,
                                "version": h.shown.version}),
                            recipients: vec![s.owner_id],
                        };
                        crate::events::publish(&mut tx, notice, now).await?;
                        told += 1;
                    }
                }
                tx.commit().await?;
            }
        }
        Ok(told)
    }
}
