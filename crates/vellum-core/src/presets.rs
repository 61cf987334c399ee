//! Channel presets: named output specs per workspace (with built-in defaults such as
//! `instagram_square`), and the focal point per version that keeps the subject in crops.

use serde::{Deserialize, Serialize};
use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{media::MediaInfo, role::Capability, Id};
use vellum_media::render::{Fit, Format, RenditionSpec};
use vellum_store::{
    assets,
    model::{FocalPoint, NewAuditEvent, Version},
};

use crate::{access, record, Actor, Core, Error, Result};

/// Presets every workspace has until it sets its own under the same name.
pub const BUILT_IN: &[(&str, u32, u32, Fit)] = &[
    ("instagram_square", 1080, 1080, Fit::Cover),
    ("instagram_story", 1080, 1920, Fit::Cover),
    ("linkedin_post", 1200, 627, Fit::Cover),
    ("og_image", 1200, 630, Fit::Cover),
    // 600 px wide, as tall as the picture needs.
    ("email_hero", 600, RenditionSpec::MAX_SIDE, Fit::Contain),
];

/// A preset as the API shows and accepts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetBody {
    pub width: u32,
    #[serde(default)]
    pub height: Option<u32>,
    pub fit: Fit,
    /// Absent or null: JPEG.
    #[serde(default)]
    pub format: Option<Format>,
    /// Absent or null: 85.
    #[serde(default)]
    pub quality: Option<u8>,
}

const DEFAULT_QUALITY: u8 = 85;

#[derive(Debug, Clone, Serialize)]
pub struct PresetView {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub fit: Fit,
    pub format: Format,
    pub quality: u8,
    /// True while the workspace uses the built-in definition.
    pub built_in: bool,
}

/// The size a preset makes of one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSize {
    pub width: u32,
    pub height: u32,
    /// The file is too small for the preset's box: it comes out smaller instead of enlarged.
    pub limited_by_source: bool,
}

impl PresetView {
    fn spec(&self) -> RenditionSpec {
        RenditionSpec {
            width: self.width,
            height: self.height,
            fit: self.fit,
            format: self.format,
            quality: self.quality,
            focal: None,
        }
    }

    /// The size this preset makes of a version, as displayed: its box, or smaller when the
    /// file is smaller (never enlarged). None until the version's size is known.
    pub fn output_size(&self, media: &MediaInfo) -> Option<OutputSize> {
        let (w, h) = (u32::try_from(media.width?).ok()?, u32::try_from(media.height?).ok()?);
        let orientation = media.orientation.unwrap_or(1);
        let spec = self.spec();
        let (width, height) = spec.output_size(w, h, orientation);
        // The same picture large enough for any box: what the preset would make without the limit.
        let scale = RenditionSpec::MAX_SIDE.div_ceil(w.min(h).max(1));
        let unlimited = spec.output_size(w.saturating_mul(scale), h.saturating_mul(scale), orientation);
        Some(OutputSize { width, height, limited_by_source: (width, height) != unlimited })
    }
}

pub fn check_name(name: &str) -> Result<()> {
    let ok = (2..=48).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok {
        return Err(Error::new(
            ErrorCode::InvalidPreset,
            format!("'{name}' is not a preset name: use 2–48 lower-case letters, digits, '_' or '-'"),
        ));
    }
    if crate::media::built_in(name) {
        return Err(Error::new(ErrorCode::InvalidPreset, format!("'{name}' is a built-in rendition, not a preset")));
    }
    Ok(())
}

/// A checked spec from a preset body (no focal point: that belongs to each version).
pub fn spec_of(body: &PresetBody) -> Result<RenditionSpec> {
    let height = body.height.unwrap_or(RenditionSpec::MAX_SIDE);
    let side = 1..=RenditionSpec::MAX_SIDE;
    if !side.contains(&body.width) || !side.contains(&height) {
        return Err(Error::new(
            ErrorCode::InvalidPreset,
            format!("width and height must be 1–{} pixels", RenditionSpec::MAX_SIDE),
        ));
    }
    let quality = body.quality.unwrap_or(DEFAULT_QUALITY);
    if !(1..=100).contains(&quality) {
        return Err(Error::new(ErrorCode::InvalidPreset, "quality must be 1–100"));
    }
    Ok(RenditionSpec {
        width: body.width,
        height,
        fit: body.fit,
        format: body.format.unwrap_or(Format::Jpeg),
        quality,
        focal: None,
    })
}

fn view(name: &str, spec: &RenditionSpec, built_in: bool) -> PresetView {
    PresetView {
        name: name.to_string(),
        width: spec.width,
        height: spec.height,
        fit: spec.fit,
        format: spec.format,
        quality: spec.quality,
        built_in,
    }
}

fn built_in(name: &str) -> Option<RenditionSpec> {
    BUILT_IN.iter().find(|(n, ..)| *n == name).map(|(_, width, height, fit)| RenditionSpec {
        width: *width,
        height: *height,
        fit: *fit,
        format: Format::Jpeg,
        quality: DEFAULT_QUALITY,
        focal: None,
    })
}

/// The spec a workspace uses for `name`: its own, else the built-in one.
pub(crate) async fn resolve(c: &mut vellum_store::Conn, ws: Id, name: &str) -> Result<Option<(RenditionSpec, bool)>> {
    if let Some(v) = assets::preset(c, ws, name).await? {
        let spec: RenditionSpec =
            serde_json::from_value(v).map_err(|e| Error::new(ErrorCode::Internal, format!("stored preset: {e}")))?;
        return Ok(Some((spec, false)));
    }
    Ok(built_in(name).map(|s| (s, true)))
}

impl Core {
    pub async fn preset(&self, actor: &Actor, ws: &str, name: &str) -> Result<PresetView> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        let (spec, built_in) =
            resolve(&mut c, access.workspace.id, name).await?.ok_or_else(|| Error::not_found("preset"))?;
        Ok(view(name, &spec, built_in))
    }

    /// Every preset the workspace can use, its own and the built-in ones.
    pub async fn presets(&self, actor: &Actor, ws: &str) -> Result<Vec<PresetView>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        let own = assets::presets(&mut c, access.workspace.id).await?;
        let mut out: Vec<PresetView> = own
            .iter()
            .filter_map(|(n, v)| serde_json::from_value::<RenditionSpec>(v.clone()).ok().map(|s| view(n, &s, false)))
            .collect();
        for (name, ..) in BUILT_IN {
            if !out.iter().any(|p| p.name == *name) {
                if let Some(s) = built_in(name) {
                    out.push(view(name, &s, true));
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Defines or changes a workspace's preset (owners and admins).
    pub async fn put_preset(&self, actor: &Actor, ws: &str, name: &str, body: &PresetBody) -> Result<PresetView> {
        check_name(name)?;
        let spec = spec_of(body)?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let value = serde_json::to_value(&spec).map_err(|e| Error::new(ErrorCode::InvalidPreset, e.to_string()))?;
        let before = assets::put_preset(&mut tx, access.workspace.id, name, &value, self.now()).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(access.workspace.id),
                object_id: Some(name.to_string()),
                before,
                after: Some(value),
                ..NewAuditEvent::new(AuditAction::PresetPut, "preset")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(view(name, &spec, false))
    }

    /// Sets where the subject of a version is (uploaders); crops made afterwards keep it.
    pub async fn set_focal_point(&self, actor: &Actor, asset: Id, number: u32, x: f64, y: f64) -> Result<Version> {
        if !(0.0..=1.0).contains(&x) || !(0.0..=1.0).contains(&y) {
            return Err(Error::new(
                ErrorCode::InvalidFocalPoint,
                "x and y must be between 0 and 1 (fractions of width and height)",
            ));
        }
        let mut tx = self.store.write().await?;
        let (a, access) = access::asset_for_update(&mut tx, &actor.user, asset).await?;
        access.require(Capability::Upload)?;
        let before = assets::version(&mut tx, asset, number).await?.ok_or_else(|| Error::not_found("version"))?;
        let point = FocalPoint { x, y };
        assets::set_focal_point(&mut tx, asset, number, point).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                workspace_id: Some(a.workspace_id),
                object_id: Some(asset.to_string()),
                version: Some(number),
                before: before.focal_point.map(|f| json!(f)),
                after: Some(json!(point)),
                ..NewAuditEvent::new(AuditAction::VersionFocalPoint, "asset")
            },
        )
        .await?;
        let v = assets::version(&mut tx, asset, number).await?.ok_or_else(|| Error::not_found("version"))?;
        tx.commit().await?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_says_when_the_file_is_too_small_for_it() {
        let og = view("og_image", &built_in("og_image").unwrap(), true);
        let media = |w, h, o| MediaInfo { width: Some(w), height: Some(h), orientation: Some(o), ..Default::default() };
        let small = og.output_size(&media(1000, 750, 1)).unwrap();
        assert_eq!((small.width, small.height, small.limited_by_source), (1000, 525, true));
        let large = og.output_size(&media(6000, 4000, 1)).unwrap();
        assert_eq!((large.width, large.height, large.limited_by_source), (1200, 630, false));
        // A tall picture in a wide "contain" box is narrower by its shape, not by its size.
        let hero = view("email_hero", &built_in("email_hero").unwrap(), true);
        let tall = hero.output_size(&media(2000, 6000, 1)).unwrap();
        assert_eq!((tall.width, tall.height, tall.limited_by_source), (600, 1800, false));
        let narrow = hero.output_size(&media(400, 300, 1)).unwrap();
        assert_eq!((narrow.width, narrow.height, narrow.limited_by_source), (400, 300, true));
        assert_eq!(og.output_size(&MediaInfo::default()), None);
    }

    #[test]
    fn preset_names_and_specs_are_checked() {
        assert!(check_name("instagram_square").is_ok());
        for bad in ["x", "Instagram", "a b", "thumbnail", "pdf", "page-3", "page-0", "9lives"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let body = |w, h, q| PresetBody { width: w, height: h, fit: Fit::Cover, format: None, quality: Some(q) };
        assert!(spec_of(&body(1080, Some(1080), 85)).is_ok());
        assert_eq!(spec_of(&body(600, None, 85)).unwrap().height, RenditionSpec::MAX_SIDE);
        assert!(spec_of(&body(0, Some(10), 85)).is_err());
        assert!(spec_of(&body(10, Some(20_000), 85)).is_err());
        assert!(spec_of(&body(10, Some(10), 0)).is_err());
    }

    #[test]
    fn built_ins_cover_the_common_channels() {
        let sq = built_in("instagram_square").unwrap();
        assert_eq!((sq.width, sq.height, sq.fit), (1080, 1080, Fit::Cover));
        assert_eq!(built_in("og_image").unwrap().height, 630);
        assert!(built_in("billboard").is_none());
    }
}
