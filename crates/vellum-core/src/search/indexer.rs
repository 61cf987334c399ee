//! Keeping each workspace's index caught up: read the workspace's change record after the
//! index's cursor, work out which assets the changes touch, rebuild their documents from the
//! database and commit them with the new cursor. Applying a change twice gives the same
//! documents, so replaying after a crash is harmless.

use std::collections::BTreeSet;

use vellum_domain::search_language::SearchLanguage;
use vellum_domain::{ErrorCode, Id};
use vellum_search::Cursor;
use vellum_store::metadata_schemas;
use vellum_store::search::{self as store, Link};

use super::{documents, index_error, Progress};
use crate::{Core, Error, Result};

/// Changes read per step and workspace.
const BATCH: u32 = 2000;
/// Assets read per statement in a rebuild.
const PAGE: u32 = 500;

/// What a batch of changes asks of the index.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Touched {
    pub assets: BTreeSet<Id>,
    pub campaigns: BTreeSet<String>,
    pub briefs: BTreeSet<String>,
    /// The custom fields changed: every document may count differently.
    pub everything: bool,
}

/// Which assets a batch of changes touches: the asset each change belongs to, the assets of
/// a changed campaign or brief (they carry its name), or all of them for a new field schema.
pub(crate) fn touched(changes: &[store::Change]) -> Touched {
    let mut t = Touched::default();
    for c in changes {
        if let Some(a) = c.asset_id {
            t.assets.insert(a);
        }
        match (c.object_type.as_str(), &c.object_id) {
            ("asset", Some(id)) => {
                if let Some(a) = vellum_domain::id::parse_id(id) {
                    t.assets.insert(a);
                }
            }
            ("campaign", Some(id)) => {
                t.campaigns.insert(id.clone());
            }
            ("brief", Some(id)) => {
                t.briefs.insert(id.clone());
            }
            ("metadata_schema", _) => t.everything = true,
            _ => {}
        }
    }
    t
}

/// The assets a batch of changes touches, with those of its changed campaigns and briefs.
async fn affected(c: &mut vellum_store::Conn, ws: Id, changes: &[store::Change]) -> Result<Vec<Id>> {
    let t = touched(changes);
    let mut assets = t.assets;
    for id in &t.campaigns {
        assets.extend(store::linked(c, ws, Link::Campaign, id).await?);
    }
    for id in &t.briefs {
        assets.extend(store::linked(c, ws, Link::Brief, id).await?);
    }
    Ok(assets.into_iter().collect())
}

fn task_error(e: tokio::task::JoinError) -> Error {
    Error::new(ErrorCode::Internal, format!("index task: {e}"))
}

impl Core {
    /// One indexing step over every workspace; returns how many changes were applied.
    pub async fn index_step(&self) -> Result<u64> {
        let search = self.search_side()?.clone();
        let _turn = search.step.lock().await;
        let workspaces = store::workspaces(&mut *self.store.conn().await?).await?;
        let mut applied = 0;
        for (ws, language) in workspaces {
            if search.is_rebuilding(ws) {
                continue;
            }
            applied += self.index_workspace(ws, language).await?;
        }
        Ok(applied)
    }

    /// Steps until every index has read every change (tests, and `vellum reindex` callers).
    pub async fn index_catch_up(&self) -> Result<()> {
        while self.index_step().await? > 0 {}
        Ok(())
    }

    async fn index_workspace(&self, ws: Id, language: SearchLanguage) -> Result<u64> {
        let engine = self.search_side()?.engine.clone();
        let e = engine.clone();
        let (cursor, stemmed) =
            tokio::task::spawn_blocking(move || Ok::<_, vellum_search::Error>((e.cursor(ws)?, e.language(ws)?)))
                .await
                .map_err(task_error)?
                .map_err(|e| index_error(&e))?;
        let Some(cursor) = cursor else {
            // No index yet: build it whole from the database.
            self.rebuild_index(ws, &|_, _| {}).await?;
            return Ok(1);
        };
        if stemmed != Some(language) {
            // The workspace's language changed: its words are stemmed anew, beside the index
            // in use, which keeps answering until the new one takes its place.
            tracing::info!(workspace = %ws, language = language.code(), "search language changed; rebuilding the index");
            self.rebuild_index(ws, &|_, _| {}).await?;
            return Ok(1);
        }
        let mut c = self.store.conn().await?;
        let changes = store::changes(&mut c, ws, cursor.seq, BATCH).await?;
        let Some(last) = changes.last() else {
            drop(c);
            return self.tell_since(ws, cursor.seq).await;
        };
        let last_seq = last.seq;
        if touched(&changes).everything {
            drop(c);
            self.rebuild_index(ws, &|_, _| {}).await?;
            return Ok(changes.len() as u64);
        }
        let ids = affected(&mut c, ws, &changes).await?;
        let (schema, _) = metadata_schemas::get(&mut c, ws).await?;
        let sources = store::sources(&mut c, ws, &ids).await?;
        drop(c);
        let docs: Vec<_> = sources.iter().flat_map(|s| documents::documents(s, &schema)).collect();
        self.search_side()?.similar.note(ws, &sources);
        let next = Cursor { seq: last_seq, indexed_at: self.now().unix_micros() };
        tokio::task::spawn_blocking(move || engine.apply(ws, &ids, &docs, next))
            .await
            .map_err(task_error)?
            .map_err(|e| index_error(&e))?;
        Ok(changes.len() as u64 + self.tell_since(ws, last_seq).await?)
    }

    /// Tells followed searches of the changes the index has taken in since they were last
    /// told, up to `indexed` (the index's cursor). Their own cursor lives in the database and
    /// moves only after they were told, so a crash between the index's commit and the telling
    /// tells on the next step; each match is recorded once, so nobody is told twice. Returns
    /// how many changes it went through.
    async fn tell_since(&self, ws: Id, indexed: i64) -> Result<u64> {
        let search = self.search_side()?.clone();
        let moved = |seq: i64| {
            if let Ok(mut t) = search.told.lock() {
                t.insert(ws, seq);
            }
        };
        if search.told.lock().is_ok_and(|t| t.get(&ws).is_some_and(|&seq| seq >= indexed)) {
            return Ok(0);
        }
        let mut c = self.store.conn().await?;
        let Some(told) = store::told(&mut c, ws).await? else {
            // Followers are told from here on, not of the history before.
            store::set_told(&mut c, ws, indexed).await?;
            moved(indexed);
            return Ok(0);
        };
        if told >= indexed {
            return Ok(0);
        }
        let mut changes = store::changes(&mut c, ws, told, BATCH).await?;
        changes.retain(|ch| ch.seq <= indexed);
        let Some(last) = changes.last().map(|ch| ch.seq) else { return Ok(0) };
        let ids = affected(&mut c, ws, &changes).await?;
        drop(c);
        if let Err(e) = self.tell_followers(ws, &ids).await {
            // Tried again on the next step: the cursor has not moved.
            tracing::warn!(workspace = %ws, error = %e, "could not tell saved-search followers");
            return Ok(0);
        }
        store::set_told(&mut *self.store.conn().await?, ws, last).await?;
        moved(last);
        Ok(changes.len() as u64)
    }

    /// Rebuilds a workspace's index from the database beside the one in use, which keeps
    /// serving until the new one takes its place; returns the documents written.
    pub async fn rebuild_index(&self, ws: Id, progress: Progress<'_>) -> Result<u64> {
        let engine = self.search_side()?.engine.clone();
        let mut c = self.store.conn().await?;
        // The cursor is the record's head before anything is read: changes made while the
        // rebuild reads are applied again afterwards, which is harmless.
        let head = store::head(&mut c, ws).await?;
        let language =
            vellum_store::workspaces::by_id(&mut c, ws).await?.map(|w| w.search_language).unwrap_or_default();
        let total = store::count_assets(&mut c, ws).await?;
        let (schema, _) = metadata_schemas::get(&mut c, ws).await?;
        drop(c);
        let e = engine.clone();
        let mut build = tokio::task::spawn_blocking(move || e.build(ws, language))
            .await
            .map_err(task_error)?
            .map_err(|e| index_error(&e))?;
        let mut after = None;
        let (mut done, mut written) = (0u64, 0u64);
        loop {
            let mut c = self.store.conn().await?;
            let ids = store::asset_ids(&mut c, ws, after, PAGE).await?;
            let Some(&last) = ids.last() else { break };
            after = Some(last);
            let sources = store::sources(&mut c, ws, &ids).await?;
            drop(c);
            let docs: Vec<_> = sources.iter().flat_map(|s| documents::documents(s, &schema)).collect();
            written += docs.len() as u64;
            done += ids.len() as u64;
            build = tokio::task::spawn_blocking(move || build.add(&docs).map(|()| build))
                .await
                .map_err(task_error)?
                .map_err(|e| index_error(&e))?;
            progress(done, total);
        }
        let cursor = Cursor { seq: head, indexed_at: self.now().unix_micros() };
        tokio::task::spawn_blocking(move || build.finish(cursor))
            .await
            .map_err(task_error)?
            .map_err(|e| index_error(&e))?;
        self.search_side()?.similar.forget(ws);
        Ok(written)
    }

    /// Checks every workspace's index on start; one that is missing or unreadable is rebuilt
    /// in the background while its searches answer 503.
    pub async fn open_indexes(self: &std::sync::Arc<Self>) -> Result<()> {
        let search = self.search_side()?.clone();
        for (ws, _) in store::workspaces(&mut *self.store.conn().await?).await? {
            let e = search.engine.clone();
            let ok = tokio::task::spawn_blocking(move || e.cursor(ws)).await.map_err(task_error)?;
            match ok {
                Ok(Some(_)) => continue,
                Ok(None) => tracing::info!(workspace = %ws, "no search index yet; building it from the database"),
                Err(e) => {
                    tracing::warn!(workspace = %ws, error = %e, "search index unreadable; rebuilding it from the database")
                }
            }
            if let Ok(mut r) = search.rebuilding.lock() {
                r.insert(ws);
            }
            let core = self.clone();
            let search = search.clone();
            tokio::spawn(async move {
                match core.rebuild_index(ws, &|_, _| {}).await {
                    Ok(n) => tracing::info!(workspace = %ws, documents = n, "search index rebuilt"),
                    Err(e) => tracing::error!(workspace = %ws, error = %e, "search index rebuild failed"),
                }
                if let Ok(mut r) = search.rebuilding.lock() {
                    r.remove(&ws);
                }
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(seq: i64, object_type: &str, object_id: Option<&str>, asset: Option<Id>) -> store::Change {
        store::Change {
            seq,
            at: vellum_domain::Timestamp::from_unix(0).unwrap(),
            object_type: object_type.into(),
            object_id: object_id.map(str::to_string),
            asset_id: asset,
        }
    }

    #[test]
    fn changes_touch_their_assets_campaigns_and_briefs() {
        let a = Id::from_u128(1);
        let b = Id::from_u128(2);
        let t = touched(&[
            change(1, "asset", Some(&a.to_string()), None),
            change(2, "review", Some("r1"), Some(b)),
            change(3, "comment", Some("c1"), Some(b)),
            change(4, "campaign", Some("c9"), None),
            change(5, "brief", Some("b7"), None),
            change(6, "member", Some("m"), None),
            change(7, "asset", Some("not-an-id"), None),
        ]);
        assert_eq!(t.assets.into_iter().collect::<Vec<_>>(), [a, b]);
        assert_eq!(t.campaigns.into_iter().collect::<Vec<_>>(), ["c9"]);
        assert_eq!(t.briefs.into_iter().collect::<Vec<_>>(), ["b7"]);
        assert!(!t.everything);
        assert!(touched(&[change(8, "metadata_schema", None, None)]).everything);
    }
}
