//! The visual difference between two images: which areas changed, how much of the picture
//! changed, and a heat-map to show it.
//!
//! Both images are decoded (with the rendition pipeline's limits and scaled decoding) to one
//! working raster: the first fitted inside [`WORK_SIDE`], the second stretched to the same
//! size, so a version re-exported at another size compares area by area. Pixels are compared
//! in cells of [`CELL`]×[`CELL`]: a cell changed when the mean of some channel moved by at
//! least [`CELL_THRESHOLD`]. Averaging a cell cancels JPEG's block noise and resampling's
//! ringing, which per-pixel equality would report everywhere, while a changed word or shape
//! moves a cell's mean by far more. Changed cells a few cells apart are one region.

use std::path::Path;

use crate::header::PixelLimits;
use crate::render::{self, Pixels, RenderError};

/// Longer side of the working raster.
pub const WORK_SIDE: u32 = 1024;
/// Side of a comparison cell, in working pixels.
pub const CELL: u32 = 8;
/// Smallest change of a cell's channel mean (0–255) that counts.
pub const CELL_THRESHOLD: f32 = 16.0;
/// Smallest change of one pixel's channel, inside a changed cell, that counts towards the share.
const PIXEL_THRESHOLD: u8 = 16;
/// Changed cells up to this many cells apart are one region (the letters of a changed word).
const REACH: i64 = 3;
/// More regions than this are not worth listing one by one; the largest are kept.
pub const MAX_REGIONS: usize = 200;

pub use vellum_domain::compare::Region;

/// What changed between two images.
#[derive(Debug, Clone)]
pub struct ImageDiff {
    /// Share of the picture's pixels that changed, 0..1.
    pub changed_fraction: f64,
    pub regions: Vec<Region>,
    /// PNG: the first image faded, changed pixels in red by how much they changed.
    pub heatmap: Vec<u8>,
}

/// One side of a comparison, decoded to the working raster (RGB).
pub struct Raster(Pixels);

impl Raster {
    /// Width and height of the working raster.
    pub fn size(&self) -> (u32, u32) {
        (self.0.width, self.0.height)
    }
}

/// Decodes an image file (inside a job's folder) to the working raster: fitted inside
/// [`WORK_SIDE`], or stretched to `size` (the other side's raster). Blocking.
pub fn decode_for_compare(path: &Path, size: Option<(u32, u32)>, limits: PixelLimits) -> Result<Raster, RenderError> {
    raster(render::input::Input::File(path), size, limits)
}

fn raster(
    input: render::input::Input<'_>,
    size: Option<(u32, u32)>,
    limits: PixelLimits,
) -> Result<Raster, RenderError> {
    Ok(Raster(rgb(render::working_pixels(input, WORK_SIDE, size, limits)?)))
}

/// Compares two rasters of one size.
pub fn compare_rasters(a: &Raster, b: &Raster) -> Result<ImageDiff, RenderError> {
    compare(&a.0, &b.0)
}

/// Compares two image files (inside a job's folder). Blocking: run it on the blocking pool.
pub fn diff_files(a: &Path, b: &Path, limits: PixelLimits) -> Result<ImageDiff, RenderError> {
    let first = decode_for_compare(a, None, limits)?;
    let second = decode_for_compare(b, Some(first.size()), limits)?;
    compare_rasters(&first, &second)
}

/// Compares two encoded images held in memory.
pub fn diff_images(a: &[u8], b: &[u8], limits: PixelLimits) -> Result<ImageDiff, RenderError> {
    let first = raster(render::input::Input::Bytes(a), None, limits)?;
    let second = raster(render::input::Input::Bytes(b), Some(first.size()), limits)?;
    compare_rasters(&first, &second)
}

fn rgb(p: Pixels) -> Pixels {
    if p.channels == 4 {
        Pixels { channels: 3, data: render::flatten_on_white(&p.data), ..p }
    } else {
        p
    }
}

/// Per-cell change: the largest move of a channel's mean, for a `gw`×`gh` grid.
struct Grid {
    gw: u32,
    gh: u32,
    change: Vec<f32>,
}

impl Grid {
    fn of(a: &Pixels, b: &Pixels) -> Grid {
        let (w, h) = (a.width, a.height);
        let (gw, gh) = (w.div_ceil(CELL), h.div_ceil(CELL));
        let mut sums = vec![[0i64; 3]; (gw * gh) as usize];
        let mut counts = vec![0u32; (gw * gh) as usize];
        for y in 0..h {
            let row = (y * w * 3) as usize;
            let cell_row = (y / CELL * gw) as usize;
            for x in 0..w {
                let i = row + (x * 3) as usize;
                let cell = cell_row + (x / CELL) as usize;
                for (c, sum) in sums[cell].iter_mut().enumerate() {
                    *sum += i64::from(a.data[i + c]) - i64::from(b.data[i + c]);
                }
                counts[cell] += 1;
            }
        }
        let change = sums
            .iter()
            .zip(&counts)
            .map(|(s, &n)| s.iter().map(|v| (*v as f32 / n.max(1) as f32).abs()).fold(0.0, f32::max))
            .collect();
        Grid { gw, gh, change }
    }

    fn changed(&self, cx: u32, cy: u32) -> bool {
        self.change[(cy * self.gw + cx) as usize] >= CELL_THRESHOLD
    }
}

/// Compares two RGB rasters of the same size.
pub(crate) fn compare(a: &Pixels, b: &Pixels) -> Result<ImageDiff, RenderError> {
    if a.width != b.width || a.height != b.height || a.channels != 3 || b.channels != 3 {
        return Err(RenderError::Decode("the two images were not brought to one size".into()));
    }
    let grid = Grid::of(a, b);
    let (w, h) = (a.width, a.height);
    let mut heat = Vec::with_capacity((w * h * 3) as usize);
    let mut changed_pixels = 0u64;
    for y in 0..h {
        for x in 0..w {
            let i = ((y * w + x) * 3) as usize;
            let delta = (0..3).map(|c| a.data[i + c].abs_diff(b.data[i + c])).max().unwrap_or(0);
            let counts = grid.changed(x / CELL, y / CELL) && delta >= PIXEL_THRESHOLD;
            changed_pixels += u64::from(counts);
            let luma =
                (299 * u32::from(a.data[i]) + 587 * u32::from(a.data[i + 1]) + 114 * u32::from(a.data[i + 2])) / 1000;
            let faded = (255 - (255 - luma) / 3) as u8;
            if counts {
                let k = (u32::from(delta) * 2).min(255);
                heat.extend([
                    255,
                    (u32::from(faded) * (255 - k) / 255) as u8,
                    (u32::from(faded) * (255 - k) / 255) as u8,
                ]);
            } else {
                heat.extend([faded, faded, faded]);
            }
        }
    }
    let heatmap = render::encode_png(&Pixels { width: w, height: h, channels: 3, data: heat })?;
    Ok(ImageDiff {
        changed_fraction: changed_pixels as f64 / (f64::from(w) * f64::from(h)).max(1.0),
        regions: regions(&grid, w, h),
        heatmap,
    })
}

/// Boxes around groups of changed cells; cells up to [`REACH`] cells apart belong together.
fn regions(grid: &Grid, w: u32, h: u32) -> Vec<Region> {
    let (gw, gh) = (grid.gw as i64, grid.gh as i64);
    let mut seen = vec![false; grid.change.len()];
    let mut boxes: Vec<(u32, u32, u32, u32)> = Vec::new();
    for start in 0..grid.change.len() {
        let (sx, sy) = ((start as i64 % gw) as u32, (start as i64 / gw) as u32);
        if seen[start] || !grid.changed(sx, sy) {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![(sx, sy)];
        let (mut x0, mut y0, mut x1, mut y1) = (sx, sy, sx, sy);
        while let Some((cx, cy)) = stack.pop() {
            (x0, y0, x1, y1) = (x0.min(cx), y0.min(cy), x1.max(cx), y1.max(cy));
            for dy in -REACH..=REACH {
                for dx in -REACH..=REACH {
                    let (nx, ny) = (i64::from(cx) + dx, i64::from(cy) + dy);
                    if nx < 0 || ny < 0 || nx >= gw || ny >= gh {
                        continue;
                    }
                    let n = (ny * gw + nx) as usize;
                    if !seen[n] && grid.changed(nx as u32, ny as u32) {
                        seen[n] = true;
                        stack.push((nx as u32, ny as u32));
                    }
                }
            }
        }
        boxes.push((x0, y0, x1, y1));
    }
    boxes.sort_by_key(|&(x0, y0, x1, y1)| std::cmp::Reverse((x1 - x0 + 1) * (y1 - y0 + 1)));
    boxes.truncate(MAX_REGIONS);
    let (fw, fh) = (f64::from(w), f64::from(h));
    boxes
        .into_iter()
        .map(|(x0, y0, x1, y1)| {
            let (px0, py0) = (f64::from(x0 * CELL), f64::from(y0 * CELL));
            let (px1, py1) = (f64::from(((x1 + 1) * CELL).min(w)), f64::from(((y1 + 1) * CELL).min(h)));
            Region { x: px0 / fw, y: py0 / fh, w: (px1 - px0) / fw, h: (py1 - py0) / fh }
        })
        .collect()
}

#[cfg(test)]
mod tests;
