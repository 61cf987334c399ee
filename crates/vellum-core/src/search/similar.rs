//! Find similar: other assets of the workspace whose picture is close to this one's by
//! perceptual hash (Hamming distance over the stored 64-bit dHash), found through a multi-index hash table
//! kept per workspace in memory (loaded once, then fed by the indexer), and exact duplicates
//! by content hash. Every answer is checked again against what the caller may open.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use vellum_domain::rights::{status_of, RightsStatus, DEFAULT_WARNING_DAYS};
use vellum_domain::similar::HashIndex;
use vellum_domain::{ErrorCode, Id};
use vellum_store::search::Source;
use vellum_store::{assets, rights, Conn};

use crate::{access, Actor, Core, Error, Result};

/// How far (bits of 64) a picture may differ and still count as similar.
pub const RADIUS: u32 = 12;
pub const MAX_LIMIT: u32 = 100;

type Tree = HashIndex<(Id, u32)>;

/// The workspaces' hash indexes, loaded on first use.
#[derive(Default)]
pub struct Trees(Mutex<HashMap<Id, Arc<Mutex<Tree>>>>);

impl Trees {
    fn get(&self, ws: Id) -> Option<Arc<Mutex<Tree>>> {
        self.0.lock().ok()?.get(&ws).cloned()
    }

    /// Adds the hashes of freshly indexed versions to a loaded index (one not loaded yet
    /// reads them when it is).
    pub(crate) fn note(&self, ws: Id, sources: &[Source]) {
        let Some(tree) = self.get(ws) else { return };
        let Ok(mut t) = tree.lock() else { return };
        for s in sources {
            for v in &s.versions {
                if let Some(h) = v.media.as_ref().and_then(|m| m.phash_bits()) {
                    // A version already in the index goes in again; answers are deduplicated.
                    t.insert(h, (v.asset_id, v.number));
                }
            }
        }
    }

    pub(crate) fn forget(&self, ws: Id) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(&ws);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimilarItem {
    pub asset_id: Id,
    pub version: u32,
    pub distance: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Similar {
    pub similar: Vec<SimilarItem>,
    pub duplicates: Vec<(Id, u32)>,
    /// Hashes compared to find them (for the benchmark: a full scan compares them all).
    pub compared: usize,
}

/// Whether the caller may open this version of that asset: members the current version of
/// an unarchived asset, viewers the approved version while its rights hold.
async fn visible(
    c: &mut Conn,
    ws: Id,
    asset: Id,
    version: u32,
    viewer: bool,
    today: jiff::civil::Date,
) -> Result<bool> {
    let Some(a) = assets::get(&mut *c, asset).await? else { return Ok(false) };
    if a.workspace_id != ws || rights::archived_at(&mut *c, asset).await?.is_some() {
        return Ok(false);
    }
    if !viewer {
        return Ok(a.current_version == version);
    }
    if a.approved_version != Some(version) {
        return Ok(false);
    }
    let r = rights::get(&mut *c, asset).await?;
    Ok(status_of(r.as_ref(), today, DEFAULT_WARNING_DAYS) != RightsStatus::Expired)
}

impl Core {
    /// The assets that look like this one, closest first, and its exact duplicates.
    pub async fn similar(&self, actor: &Actor, id: Id, limit: u32) -> Result<Similar> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::new(ErrorCode::InvalidLimit, format!("limit must be 1–{MAX_LIMIT}")));
        }
        let search = self.search_side()?.clone();
        let mut c = self.store.conn().await?;
        let (asset, access) = access::asset(&mut c, &actor.user, id).await?;
        let viewer = !access.sees_work_in_progress();
        let number = if viewer {
            asset.approved_version.ok_or_else(|| Error::not_found("asset"))?
        } else {
            asset.current_version
        };
        let version = assets::version(&mut c, id, number).await?.ok_or_else(|| Error::not_found("version"))?;
        let ws = asset.workspace_id;
        let today = vellum_domain::ical::When::At(self.now()).day().unwrap_or(jiff::civil::Date::MIN);
        let mut out = Similar::default();
        if let Some(hash) = version.media.as_ref().and_then(|m| m.phash_bits()) {
            let tree = match search.similar.get(ws) {
                Some(t) => t,
                None => {
                    let mut t = Tree::new();
                    for (a, v, h) in assets::phashes(&mut c, ws, Id::nil()).await? {
                        t.insert(h, (a, v));
                    }
                    let t = Arc::new(Mutex::new(t));
                    if let Ok(mut m) = search.similar.0.lock() {
                        m.insert(ws, t.clone());
                    }
                    t
                }
            };
            let (mut found, compared) = match tree.lock() {
                Ok(t) => t.within(hash, RADIUS),
                Err(_) => (Vec::new(), 0),
            };
            out.compared = compared;
            found.sort_by_key(|(d, e)| (*d, e.item));
            found.dedup_by_key(|(_, e)| e.item);
            for (distance, e) in found {
                let (a, v) = e.item;
                if a == id || out.similar.iter().any(|s| s.asset_id == a) {
                    continue;
                }
                if visible(&mut c, ws, a, v, viewer, today).await? {
                    out.similar.push(SimilarItem { asset_id: a, version: v, distance });
                    if out.similar.len() == limit as usize {
                        break;
                    }
                }
            }
        }
        for (a, v) in vellum_store::search::same_content(&mut c, ws, &version.sha256, id).await? {
            if out.duplicates.iter().all(|(d, _)| *d != a) && visible(&mut c, ws, a, v, viewer, today).await? {
                out.duplicates.push((a, v));
            }
        }
        out.duplicates.truncate(limit as usize);
        Ok(out)
    }
}
