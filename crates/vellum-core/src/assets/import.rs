//! Imports: many files into a workspace in one transaction, each either a new asset or a
//! duplicate of content the workspace holds, and the import index that lets a re-run skip
//! files it has already taken without reading them.

use std::collections::HashMap;

use vellum_domain::{role::Capability, Id, Timestamp};
use vellum_store::{
    assets::{self, HeldContent},
    import_index::{self, ImportedFile},
    model::Asset,
    workspaces,
};

use super::{audit_created, first_rows, insert_first_rows, NewAsset, UploadFields};
use crate::{access, Actor, Core, Result, StoredBlob};

/// What an import did with one file.
#[derive(Debug, Clone)]
pub enum ImportOutcome {
    Created(Box<Asset>),
    /// The workspace already holds this content, as this asset's version; `title` names the
    /// asset as people know it.
    Duplicate {
        asset_id: Id,
        version: u32,
        title: String,
    },
}

/// One file of an import: its fields, its durable blob and, when the importer can vouch for
/// them, where it came from.
#[derive(Debug, Clone)]
pub struct ImportItem {
    pub fields: UploadFields,
    pub blob: StoredBlob,
    /// The file's first `media::UPLOAD_HEAD_BYTES` (all of a shorter file) if the importer
    /// kept them; otherwise they are read back from the blob store.
    pub head: Option<Vec<u8>>,
    pub source: Option<ImportSource>,
}

/// A source file as the importer saw it before reading it: the import index keys on the
/// folder and relative path and trusts size and modification time to tell a change.
#[derive(Debug, Clone)]
pub struct ImportSource {
    /// The imported folder, absolute.
    pub root: String,
    /// The file's path relative to `root`, `/`-separated.
    pub path: String,
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
}

impl Core {
    /// Imports a batch of files in one transaction. Content the workspace already holds is
    /// skipped and named, so an import can be re-run after an interruption without duplicating
    /// anything; a file whose fields are invalid fails alone. A file that names its source is
    /// recorded in the import index, in the same transaction, so a later run can skip it
    /// unread while its size and modification time stay the same. The blobs of files that did
    /// not become a version are removed again unless a row points at them.
    pub async fn import_assets(
        &self,
        actor: &Actor,
        ws: &str,
        items: Vec<ImportItem>,
    ) -> Result<Vec<Result<ImportOutcome>>> {
        let blobs: Vec<StoredBlob> = items.iter().map(|i| i.blob.clone()).collect();
        let outcomes = self.import_batch(actor, ws, items).await;
        for (i, blob) in blobs.iter().enumerate() {
            let failed = match &outcomes {
                Ok(o) => o.get(i).is_none_or(Result::is_err),
                Err(_) => true,
            };
            if failed {
                self.discard_blob(blob).await;
            }
        }
        outcomes
    }

    async fn import_batch(
        &self,
        actor: &Actor,
        ws: &str,
        items: Vec<ImportItem>,
    ) -> Result<Vec<Result<ImportOutcome>>> {
        // Validated before the transaction: reading each file's head needs no lock.
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            let new = match NewAsset::from_upload(item.fields, item.blob) {
                Ok(new) => new,
                Err(e) => {
                    checked.push(Err(e));
                    continue;
                }
            };
            let head_ok = match &item.head {
                Some(head) => self.check_upload_head(head),
                None => self.check_upload(&new.blob).await,
            };
            checked.push(head_ok.map(|()| (new, item.source)));
        }
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Upload)?;
        let ws_id = access.workspace.id;
        // Two imports of equal content must not both pass the duplicate check.
        workspaces::lock(&mut tx, ws_id).await?;
        let now = Timestamp::now();
        let shas: Vec<&str> = checked.iter().flatten().map(|(new, _)| new.blob.key.as_str()).collect();
        let mut held = assets::find_contents(&mut tx, ws_id, &shas).await?;

        let mut rows = Vec::new();
        let mut indexed = Vec::new();
        let mut out = Vec::with_capacity(checked.len());
        for item in checked {
            let (new, source) = match item {
                Ok(item) => item,
                Err(e) => {
                    out.push(Err(e));
                    continue;
                }
            };
            let (sha256, size) = (new.blob.key.as_str().to_string(), new.blob.size);
            let outcome = match held.get(&sha256) {
                Some(h) => {
                    ImportOutcome::Duplicate { asset_id: h.asset_id, version: h.version, title: h.title.clone() }
                }
                None => {
                    let (asset, version) = first_rows(actor, &access, new, now);
                    // Equal content later in this batch is a duplicate of this one.
                    let first = HeldContent { asset_id: asset.id, version: 1, title: asset.title.clone() };
                    held.insert(sha256.clone(), first);
                    let outcome = ImportOutcome::Created(Box::new(asset.clone()));
                    rows.push((asset, version));
                    outcome
                }
            };
            // A file that changed size while it was read is not vouched for: read it next time.
            if let Some(src) = source.filter(|src| src.size == size) {
                let (asset_id, version) = match &outcome {
                    ImportOutcome::Created(a) => (a.id, a.current_version),
                    ImportOutcome::Duplicate { asset_id, version, .. } => (*asset_id, *version),
                };
                let file = ImportedFile { path: src.path, size, mtime_ns: src.mtime_ns, sha256, asset_id, version };
                indexed.push((src.root, file));
            }
            out.push(Ok(outcome));
        }
        insert_first_rows(self, &mut tx, ws_id, &rows, now).await?;
        let mut by_root: HashMap<String, Vec<ImportedFile>> = HashMap::new();
        for (root, file) in indexed {
            by_root.entry(root).or_default().push(file);
        }
        for (root, files) in by_root {
            import_index::record_many(&mut tx, ws_id, &root, &files, now).await?;
        }
        audit_created(&mut tx, actor, &rows).await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(out)
    }

    /// What earlier imports recorded of the folder `root` into this workspace, by path
    /// relative to it; only files whose version still exists.
    pub async fn imported_files(&self, actor: &Actor, ws: &str, root: &str) -> Result<Vec<ImportedFile>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::Upload)?;
        Ok(import_index::for_root(&mut c, access.workspace.id, root).await?)
    }
}
