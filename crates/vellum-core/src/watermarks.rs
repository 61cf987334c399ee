//! Watermarked previews: members with the `external` role, and share links with the
//! watermark on, never get a clean rendition. The picture is marked on request with the
//! workspace's text, who is looking (their email, or the link's recipient) and the date, and
//! kept a few minutes per viewer, rendition and day so a page of thumbnails is not redrawn on
//! every visit. Renditions that are not pictures (video proxies, audio, PDFs) are refused.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use vellum_domain::{audit::AuditAction, role::Capability, ErrorCode, Id, Timestamp};
use vellum_media::watermark::FontArc;
use vellum_store::model::Rendition;

use crate::{access, record, setting_event, Actor, Core, Error, Result};

/// How long a marked picture is kept for the same viewer.
const KEEP_FOR: Duration = Duration::from_secs(10 * 60);
/// The most marked pictures kept at once.
const MAX_KEPT: usize = 512;
/// The largest rendition marked (previews are far smaller).
const MAX_BYTES: u64 = 64 << 20;

/// A marked picture, ready to send.
#[derive(Debug, Clone)]
pub struct Marked {
    pub bytes: bytes::Bytes,
    pub sha256: String,
    pub created_at: Timestamp,
}

type Key = (String, String, String);

/// The font (loaded on first use) and the pictures marked recently.
pub struct Watermarks {
    font_path: Option<PathBuf>,
    font: OnceLock<std::result::Result<FontArc, String>>,
    kept: Mutex<HashMap<Key, (Instant, Marked)>>,
}

impl Watermarks {
    /// Marks drawn with the font at `font_path`, or a common system font.
    pub fn new(font_path: Option<PathBuf>) -> Watermarks {
        Watermarks { font_path, font: OnceLock::new(), kept: Mutex::new(HashMap::new()) }
    }

    fn font(&self) -> Result<FontArc> {
        self.font
            .get_or_init(|| vellum_media::watermark::load_font(self.font_path.as_deref()))
            .clone()
            .map_err(|e| Error::new(ErrorCode::WatermarkUnavailable, e))
    }

    fn kept(&self, key: &Key) -> Option<Marked> {
        let kept = self.kept.lock().ok()?;
        kept.get(key).filter(|(at, _)| at.elapsed() < KEEP_FOR).map(|(_, m)| m.clone())
    }

    fn keep(&self, key: Key, m: &Marked) {
        let Ok(mut kept) = self.kept.lock() else { return };
        kept.retain(|_, (at, _)| at.elapsed() < KEEP_FOR);
        if kept.len() >= MAX_KEPT {
            if let Some(oldest) = kept.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| k.clone()) {
                kept.remove(&oldest);
            }
        }
        kept.insert(key, (Instant::now(), m.clone()));
    }
}

impl Default for Watermarks {
    fn default() -> Self {
        Watermarks::new(std::env::var_os("VELLUM_WATERMARK_FONT").map(PathBuf::from))
    }
}

/// The text a watermark's first line carries: the workspace's own, else its name.
async fn mark_text(c: &mut vellum_store::Conn, ws: Id) -> Result<String> {
    if let Some(t) = vellum_store::watermarks::text(&mut *c, ws).await? {
        return Ok(t);
    }
    Ok(vellum_store::workspaces::by_id(&mut *c, ws).await?.map(|w| w.name).unwrap_or_default())
}

fn check_text(text: &str) -> Result<&str> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(Error::new(ErrorCode::InvalidWatermark, "a watermark is 1 to 100 characters on one line"));
    }
    Ok(t)
}

impl Core {
    /// A rendition marked for `who` (an email, or a link's recipient).
    pub(crate) async fn watermarked(&self, ws: Id, r: &Rendition, who: &str) -> Result<Marked> {
        if !matches!(r.content_type.as_str(), "image/jpeg" | "image/png" | "image/webp" | "image/gif") {
            return Err(Error::new(
                ErrorCode::WatermarkRequired,
                format!("outsiders are shown watermarked pictures only, and the {} is not a picture", r.name),
            ));
        }
        if r.size > MAX_BYTES {
            return Err(Error::new(ErrorCode::WatermarkRequired, "this rendition is too large to watermark"));
        }
        let day = self.now().to_string()[..10].to_string();
        let key = (who.to_string(), r.sha256.clone(), day.clone());
        if let Some(m) = self.watermarks.kept(&key) {
            return Ok(m);
        }
        let font = self.watermarks.font()?;
        let text = mark_text(&mut *self.store.conn().await?, ws).await?;
        let mut bytes = Vec::with_capacity(r.size as usize);
        self.open_blob(&r.sha256, None).await?.read_to_end(&mut bytes).await.map_err(vellum_blob::Error::from)?;
        let lines = vec![text, format!("{who} · {day}")];
        let out = tokio::task::spawn_blocking(move || vellum_media::watermark::watermark(&bytes, &font, &lines, 85))
            .await
            .map_err(|e| Error::new(ErrorCode::Internal, format!("the watermark stopped: {e}")))?
            .map_err(|e| {
                Error::new(ErrorCode::RenditionNotAvailable, format!("this preview cannot be watermarked: {e}"))
            })?;
        let m = Marked {
            sha256: hex::encode(Sha256::digest(&out)),
            bytes: bytes::Bytes::from(out),
            created_at: self.now(),
        };
        self.watermarks.keep(key, &m);
        Ok(m)
    }

    /// The workspace's watermark text (members who see work in progress).
    pub async fn watermark_text(&self, actor: &Actor, ws: &str) -> Result<String> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::SeeWorkInProgress)?;
        mark_text(&mut c, access.workspace.id).await
    }

    /// Sets the watermark text, or (None) goes back to the workspace's name (owners, admins).
    pub async fn put_watermark_text(&self, actor: &Actor, ws: &str, text: Option<&str>) -> Result<String> {
        let text = text.map(check_text).transpose()?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let ws = access.workspace.id;
        let before = vellum_store::watermarks::text(&mut tx, ws).await?;
        vellum_store::watermarks::put(&mut tx, ws, text, self.now()).await?;
        let event = setting_event(
            AuditAction::WatermarkPut,
            "workspace",
            ws,
            Some(json!({"text": before})),
            json!({"text": text}),
        );
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        let shown = mark_text(&mut tx, ws).await?;
        tx.commit().await?;
        Ok(shown)
    }
}
