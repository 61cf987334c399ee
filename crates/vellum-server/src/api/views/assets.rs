//! Assets, versions, jobs and channel presets as the API shows them.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vellum_core::{jobs::Job, model, presets::PresetView as CorePreset};
use vellum_domain::{metadata::AssetMetadata, status::AssetStatus, validate::AssetKind, Timestamp};

use super::page;

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetView {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub title: String,
    pub kind: AssetKind,
    pub metadata: AssetMetadata,
    /// Where the asset sits in the workspace's folder tree (`a/b`); null at the top.
    pub folder: Option<String>,
    /// Where the current version stands; an approved earlier version is `approved_version`.
    pub status: AssetStatus,
    pub current_version: u32,
    /// The version approved for use, if any (kept while a newer one is reviewed).
    pub approved_version: Option<u32>,
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The brief the asset is work for (one asset's own answer; not in listings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brief_id: Option<Uuid>,
    /// Which of the brief's deliverables it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliverable: Option<String>,
    /// Its campaign, named at upload or taken from its brief.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<Uuid>,
    /// What the workspace's naming convention expects of the current file, and whether its
    /// name matched (absent when the workspace has no convention).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub naming: Option<NamingView>,
    /// The asset's licence, releases and rights window (null: none recorded; one asset's own
    /// answer, not in listings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rights: Option<Option<vellum_domain::rights::Rights>>,
    /// Where the rights stand today: `expired` stops every distribution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rights_status: Option<vellum_domain::rights::RightsStatus>,
    /// When the asset was archived (out of the library and every distribution).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NamingView {
    pub expected: String,
    pub matched: bool,
}

impl AssetView {
    /// The view with where the asset is filed and what its name should be.
    pub fn filed(mut self, f: vellum_core::naming::Filing) -> Self {
        self.brief_id = f.brief_id;
        self.deliverable = f.deliverable;
        self.campaign_id = f.campaign_id;
        self.naming = f.naming.map(|n| NamingView { expected: n.expected, matched: n.matched });
        self
    }

    /// The view with the asset's rights and archive state.
    pub fn with_rights(mut self, r: vellum_core::rights::RightsView) -> Self {
        self.rights = Some(r.rights);
        self.rights_status = Some(r.status);
        self.archived_at = r.archived_at;
        self
    }
}

impl From<model::Asset> for AssetView {
    fn from(a: model::Asset) -> Self {
        AssetView {
            id: a.id,
            workspace_id: a.workspace_id,
            title: a.title,
            kind: a.kind,
            metadata: a.metadata,
            folder: a.folder.map(|f| f.as_str().to_string()),
            status: a.status,
            current_version: a.current_version,
            approved_version: a.approved_version,
            created_by: a.created_by,
            created_at: a.created_at,
            updated_at: a.updated_at,
            brief_id: None,
            deliverable: None,
            campaign_id: None,
            naming: None,
            rights: None,
            rights_status: None,
            archived_at: None,
        }
    }
}

page!(AssetPage, "assets", AssetView);

/// Where a version's processing stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingView {
    Pending,
    Done,
    Failed,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FocalPointView {
    /// 0 is the left edge, 1 the right.
    pub x: f64,
    /// 0 is the top edge, 1 the bottom.
    pub y: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub asset_id: Uuid,
    pub number: u32,
    pub size: u64,
    pub content_type: String,
    /// The SHA-256 of the bytes (also the download's ETag).
    pub sha256: String,
    pub filename: String,
    pub note: String,
    /// The version whose content this one restored.
    pub restored_from: Option<u32>,
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub processing: ProcessingView,
    /// Why processing failed, in words a person can act on.
    pub processing_reason: Option<String>,
    /// What processing found: dimensions, EXIF/IPTC/XMP, pages, duration, look-alikes…
    #[schema(value_type = Option<Object>)]
    pub media: Option<vellum_domain::media::VersionMedia>,
    pub focal_point: Option<FocalPointView>,
    /// When the file was purged (by retention or the asset's deletion); the record stays.
    pub purged_at: Option<Timestamp>,
}

impl From<model::Version> for VersionView {
    fn from(v: model::Version) -> Self {
        VersionView {
            asset_id: v.asset_id,
            number: v.number,
            size: v.size,
            content_type: v.content_type,
            sha256: v.sha256,
            filename: v.filename,
            note: v.note,
            restored_from: v.restored_from,
            created_by: v.created_by,
            created_at: v.created_at,
            processing: match v.processing {
                model::Processing::Pending => ProcessingView::Pending,
                model::Processing::Done => ProcessingView::Done,
                model::Processing::Failed => ProcessingView::Failed,
            },
            processing_reason: v.processing_reason,
            media: v.media,
            focal_point: v.focal_point.map(|f| FocalPointView { x: f.x, y: f.y }),
            purged_at: v.purged_at,
        }
    }
}

page!(VersionPage, "versions", VersionView);

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStateView {
    Queued,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    pub queue: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub workspace_id: Option<Uuid>,
    pub state: JobStateView,
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: Timestamp,
    /// The worker holding a running job.
    pub claimed_by: Option<String>,
    /// When that worker last said it was still at it.
    pub heartbeat_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        use vellum_core::jobs::JobState;
        JobView {
            id: j.id,
            queue: j.queue,
            kind: j.kind.to_string(),
            payload: j.payload,
            workspace_id: j.workspace_id,
            state: match j.state {
                JobState::Queued => JobStateView::Queued,
                JobState::Running => JobStateView::Running,
                JobState::Done => JobStateView::Done,
                JobState::Failed => JobStateView::Failed,
            },
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            claimed_by: j.claimed_by,
            heartbeat_at: j.heartbeat_at,
            last_error: j.last_error,
            created_at: j.created_at,
            updated_at: j.updated_at,
            finished_at: j.finished_at,
        }
    }
}

page!(JobPage, "jobs", JobView);

/// How a preset fits the image into its box.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FitView {
    /// Fill the box exactly, cropping around the focal point.
    Cover,
    /// Fit inside the box, keeping the whole image.
    Contain,
}

#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FormatView {
    Jpeg,
    Png,
    Webp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PresetView {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub fit: FitView,
    pub format: FormatView,
    pub quality: u8,
    /// True while the workspace uses the built-in definition.
    pub built_in: bool,
}

impl From<CorePreset> for PresetView {
    fn from(p: CorePreset) -> Self {
        use vellum_media::render::{Fit, Format};
        PresetView {
            name: p.name,
            width: p.width,
            height: p.height,
            fit: match p.fit {
                Fit::Cover => FitView::Cover,
                Fit::Contain => FitView::Contain,
            },
            format: match p.format {
                Format::Jpeg => FormatView::Jpeg,
                Format::Png => FormatView::Png,
                Format::Webp => FormatView::Webp,
            },
            quality: p.quality,
            built_in: p.built_in,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PresetList {
    pub presets: Vec<PresetView>,
}
