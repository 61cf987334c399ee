//! The stamped download (`…/versions/{n}/download`): through the distribution gate, the
//! version's rights and approval record written into the copy as XMP (the stored original is
//! never touched), and one `distribution.download` event naming both hashes. A file the
//! stamper cannot handle is served as it is, with the reason logged.

use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};
use vellum_blob::{BlobKey, BlobStore};
use vellum_domain::{
    audit::AuditAction,
    distribution::Route,
    review::{ReviewStatus, Verdict},
    ErrorCode, Id,
};
use vellum_media::stamp::{self, Piece, Plan, Record, Source};
use vellum_store::{
    audit::AuditFilter,
    model::{NewAuditEvent, Version},
    public_links, reviews, users, Conn,
};

use crate::{record, rights::Download, Actor, Core, Error, Result};

/// A stamped copy ready to stream.
pub struct Stamped {
    pub download: Download,
    pub plan: Plan,
    /// SHA-256 and size of what is sent.
    pub sha256: String,
    pub size: u64,
    /// Why the copy is the original's bytes (None: stamped).
    pub unstamped: Option<String>,
}

/// Ranged reads of a stored blob, for the stamper's few header reads (it runs on a blocking
/// thread, so each read waits on the runtime).
struct BlobSource {
    blobs: std::sync::Arc<dyn BlobStore>,
    key: BlobKey,
    size: u64,
    runtime: tokio::runtime::Handle,
}

impl Source for BlobSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let len = (len as u64).min(self.size.saturating_sub(offset));
        if len == 0 {
            return Ok(Vec::new());
        }
        self.runtime.block_on(async {
            let mut r = self.blobs.open(&self.key, Some((offset, len))).await.map_err(std::io::Error::other)?;
            let mut buf = Vec::with_capacity(len as usize);
            r.read_to_end(&mut buf).await?;
            Ok(buf)
        })
    }
}

/// Approval facts of the approved version: when, who per stage, and the event that closed it.
async fn approval(c: &mut Conn, asset: Id, version: u32) -> Result<Option<(String, Vec<String>, String)>> {
    let Some(review) = reviews::for_asset(&mut *c, asset)
        .await?
        .into_iter()
        .find(|r| r.version == version && r.status == ReviewStatus::Approved)
    else {
        return Ok(None);
    };
    let decisions = reviews::decisions(&mut *c, review.id).await?;
    let mut stages = Vec::new();
    for (i, stage) in review.plan.iter().enumerate() {
        let mut names = Vec::new();
        for d in decisions.iter().filter(|d| d.stage == i && d.version == version && d.verdict == Verdict::Approve) {
            let name = users::by_id(&mut *c, d.user_id).await?.map_or_else(|| d.user_id.to_string(), |u| u.name);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if !names.is_empty() {
            stages.push(format!("{}: {}", stage.name, names.join(", ")));
        }
    }
    let chain = review.workspace_id.to_string();
    let filter = AuditFilter {
        object_id: Some(review.id.to_string()),
        action: Some(AuditAction::ReviewDecide.as_str().to_string()),
        newest_first: true,
        limit: 1,
        ..AuditFilter::default()
    };
    let event = vellum_store::audit::list(&mut *c, &chain, &filter).await?.into_iter().next();
    // Whole seconds, as XMP dates are usually written.
    let at = review
        .closed_at
        .and_then(|t| vellum_domain::Timestamp::from_unix(t.unix_seconds()))
        .map(|t| t.to_string().replace(".000000", ""))
        .unwrap_or_default();
    Ok(Some((at, stages, event.map(|e| format!("{chain}#{}", e.fields.seq)).unwrap_or_default())))
}

impl Core {
    /// What a stamp of this version says.
    async fn stamp_record(&self, d: &Download) -> Result<Record> {
        let mut c = self.store.conn().await?;
        let rv = crate::rights::view_of(&mut c, d.asset.id, self.now()).await?;
        let mut r = Record {
            asset_id: d.asset.id.to_string(),
            version: d.version.number,
            original_sha256: d.version.sha256.clone(),
            ..Record::default()
        };
        if let Some(rights) = rv.rights {
            r.rights = Some(match &rights.licensor {
                Some(l) => format!("Licensed from {l} ({})", rights.licence),
                None => format!("Licence: {}", rights.licence),
            });
            r.usage_terms = rights.usage_terms;
            r.licensor = rights.licensor;
            r.licence_start = rights.valid_from;
            r.licence_end = rights.valid_until;
            r.territories = rights.territories;
            r.channels = rights.channels;
        }
        // The always-current link to the original, when the asset has one: where the current
        // approved file and its terms can always be found.
        let links = public_links::of_asset(&mut c, d.asset.id).await?;
        let approved = match d.asset.approved_version {
            Some(n) => vellum_store::assets::version(&mut c, d.asset.id, n).await?,
            None => None,
        };
        if let (Some((l, _)), Some(v)) = (links.iter().find(|(l, _)| l.rendition == "original"), approved) {
            let base = self.notify.public_url.trim_end_matches('/');
            r.web_statement = Some(format!("{base}{}", crate::public_links::path_of(l, &v.content_type)));
        }
        if d.asset.approved_version == Some(d.version.number) {
            if let Some((at, approvers, event)) = approval(&mut c, d.asset.id, d.version.number).await? {
                r.approved_at = Some(at).filter(|s| !s.is_empty());
                r.approvers = approvers;
                r.audit_event = Some(event).filter(|s| !s.is_empty());
            }
        }
        Ok(r)
    }

    /// Plans the stamp on a blocking thread; a file that cannot be stamped is sent as it is.
    async fn plan_stamp(&self, v: &Version, record: Record) -> Result<(Plan, Option<String>)> {
        let mut source = BlobSource {
            blobs: self.blobs.clone(),
            key: BlobKey::parse(&v.sha256)?,
            size: v.size,
            runtime: tokio::runtime::Handle::current(),
        };
        let content_type = v.content_type.clone();
        let planned = tokio::task::spawn_blocking(move || stamp::plan(&content_type, &mut source, &record))
            .await
            .map_err(|e| Error::new(ErrorCode::Internal, format!("the stamper stopped: {e}")))?;
        let whole = Plan { pieces: vec![Piece::Original { offset: 0, len: v.size }] };
        Ok(match planned {
            Ok(plan) => (plan, None),
            Err(stamp::StampError::Unsupported) => (whole, Some(format!("{} files are not stamped", v.content_type))),
            Err(e) => {
                tracing::warn!(version = %v.sha256, error = %e, "download sent unstamped");
                (whole, Some(e.to_string()))
            }
        })
    }

    /// The pieces of a plan as one reader.
    pub async fn open_plan(&self, original: &str, plan: &Plan) -> Result<Box<dyn AsyncRead + Send + Unpin>> {
        let key = BlobKey::parse(original)?;
        let mut reader: Box<dyn AsyncRead + Send + Unpin> = Box::new(tokio::io::empty());
        for piece in &plan.pieces {
            let next: Box<dyn AsyncRead + Send + Unpin> = match piece {
                Piece::Bytes(b) => Box::new(std::io::Cursor::new(b.clone())),
                Piece::Original { offset, len } => Box::new(self.blobs.open(&key, Some((*offset, *len))).await?),
            };
            reader = Box::new(reader.chain(next));
        }
        Ok(reader)
    }

    /// A version's stamped copy through the distribution gate, with its hash; the download is
    /// audited (`distribution.download`) and counted against the grant that allowed it.
    pub async fn stamped_download(
        &self,
        actor: &Actor,
        asset: Id,
        number: u32,
        user_agent: Option<&str>,
    ) -> Result<Stamped> {
        let d = self.version_for_download(actor, asset, number, Route::Stamped).await?;
        let record_ = self.stamp_record(&d).await?;
        let (plan, unstamped) = self.plan_stamp(&d.version, record_).await?;
        let mut reader = self.open_plan(&d.version.sha256, &plan).await?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = reader
                .read(&mut buf)
                .await
                .map_err(|e| Error::new(ErrorCode::Internal, format!("reading the original: {e}")))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let sha256 = hex::encode(hasher.finalize());
        let size = plan.size();
        let extra = json!({"stamped_sha256": sha256, "stamped": unstamped.is_none(), "unstamped_because": unstamped});
        self.record_distribution(actor, &d, "download", user_agent, extra).await?;
        self.count_download(&d).await?;
        Ok(Stamped { download: d, plan, sha256, size, unstamped })
    }

    /// Writes `distribution.download` for a file that leaves through `route`.
    pub async fn record_distribution(
        &self,
        actor: &Actor,
        d: &Download,
        route: &str,
        user_agent: Option<&str>,
        extra: serde_json::Value,
    ) -> Result<()> {
        let v = &d.version;
        let mut after = json!({
            "route": route,
            "sha256": v.sha256,
            "size": v.size,
            "filename": v.filename,
            "grant_id": d.grant,
            "user_agent": user_agent.map(|u| u.chars().take(200).collect::<String>()),
        });
        if let (Some(a), serde_json::Value::Object(more)) = (after.as_object_mut(), extra) {
            a.extend(more);
        }
        let mut tx = self.store.write().await?;
        let event = NewAuditEvent {
            workspace_id: Some(d.asset.workspace_id),
            object_id: Some(d.asset.id.to_string()),
            version: Some(v.number),
            after: Some(after),
            ..NewAuditEvent::new(AuditAction::DistributionDownload, "asset")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        vellum_store::retention::distributed(&mut tx, d.asset.id, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }
}
