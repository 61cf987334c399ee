//! Assets and their versions: upload, new version, restore, edit, list and download. The
//! state and views shared by all of them live here.

mod import;
mod library;
mod upload;
mod versions;

use serde_json::json;
use vellum_domain::{
    status::{derive_status, AssetStatus},
    Timestamp,
};
use vellum_store::{
    assets,
    model::{Asset, Version},
    reviews, Tx,
};

pub use import::{ImportItem, ImportOutcome, ImportSource};

use crate::{access::Access, Result};

pub use library::{merged, AssetPatch, LibraryQuery};
use upload::{audit_created, first_rows, insert_first_rows, NewAsset};
pub use upload::{clean_filename, content_type_for, UploadFields};

/// What a viewer sees of an asset: only its approved version.
pub(crate) fn as_seen_by(access: &Access, mut asset: Asset) -> Asset {
    if !access.sees_work_in_progress() {
        if let Some(v) = asset.approved_version {
            asset.current_version = v;
            asset.status = AssetStatus::Approved;
        }
    }
    asset
}

/// Recomputes the derived status from the latest review and stores the asset's state.
pub(crate) async fn store_state(tx: &mut Tx, asset: &mut Asset) -> Result<()> {
    let latest = reviews::latest_for_asset(&mut *tx, asset.id).await?;
    store_state_from(tx, asset, latest.map(|r| (r.version, r.status))).await
}

/// Stores the asset's state given its latest review (version, status), already known.
pub(crate) async fn store_state_from(
    tx: &mut Tx,
    asset: &mut Asset,
    latest: Option<(u32, vellum_domain::review::ReviewStatus)>,
) -> Result<()> {
    asset.status = derive_status(asset.current_version, latest);
    asset.updated_at = Timestamp::now();
    assets::update_state(tx, asset).await?;
    Ok(())
}

fn version_json(v: &Version) -> serde_json::Value {
    json!({"number": v.number, "sha256": v.sha256, "size": v.size, "filename": v.filename,
           "content_type": v.content_type, "note": v.note, "restored_from": v.restored_from})
}
