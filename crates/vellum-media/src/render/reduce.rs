//! Box reduction while decoding: a large image's pixels arrive a row (or part of a row) at a
//! time and are averaged into cells of k×k source pixels, so only the reduced image is ever
//! held — never the full-size one. Colour is averaged weighted by alpha (as the resize
//! premultiplies), so transparent pixels do not darken their neighbours.

use super::{Pixels, RenderError};

/// Bytes the reduced image (and its running sums) should take; the factor grows until it fits,
/// as long as the copy stays as large as the rendition.
pub(crate) const BUDGET: u64 = 96 << 20;
/// Bytes it may never exceed: a rendition nearly as large as a huge image is made from a
/// smaller copy (slightly upscaled) rather than from a full-size one.
pub(crate) const CEILING: u64 = 192 << 20;
/// The largest factor: keeps every cell's sums inside a `u32` (64² × 255 × 255).
const MAX_FACTOR: u32 = 64;

/// In which order a decoder delivers rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// Top to bottom, each row whole before the next (plain PNG, PSD, TIFF strips); or
    /// `rows` at a time in any order within that band (TIFF tiles).
    Banded { rows: u32 },
    /// Any order (interlaced PNG and GIF): every cell's sums are kept until the end.
    Any,
}

/// The reduction factor for a `w`×`h` image of `channels` that will be scaled by `ratio`.
/// The reduced image is at least twice the output where the budget allows (the final resize
/// then has real pixels to filter), at least as large as the output within the ceiling, and
/// never over the ceiling.
pub(crate) fn factor(w: u32, h: u32, channels: u8, ratio: f64, order: Order) -> u32 {
    let ratio = ratio.clamp(1e-6, 1.0);
    let fits_output = (1.0 / ratio).floor().max(1.0) as u32;
    let quality = (0.5 / ratio).floor().max(1.0) as u32;
    // Bytes per reduced pixel: the 8-bit result, plus running sums for rows held at once.
    let per_cell = u64::from(channels) * if order == Order::Any { 5 } else { 1 };
    let full = u64::from(w) * u64::from(h) * per_cell;
    let bytes = |k: u32| full / (u64::from(k) * u64::from(k));
    let mut k = quality;
    while k < fits_output && bytes(k) > BUDGET {
        k += 1;
    }
    k = k.min(fits_output);
    while k < MAX_FACTOR && bytes(k) > CEILING {
        k += 1;
    }
    k.clamp(1, MAX_FACTOR)
}

/// Running sums of k×k cells over a window of cell rows; finished rows become 8-bit pixels.
pub(crate) struct Reducer {
    k: u32,
    full_w: u32,
    full_h: u32,
    out_w: u32,
    out_h: u32,
    channels: usize,
    /// Sums for cell rows `first..first + window`, `out_w × channels` each; cell row `r`
    /// lives in slot `r % window`.
    sums: Vec<u32>,
    window: u32,
    first: u32,
    out: Vec<u8>,
}

impl Reducer {
    /// A reducer for a `full_w`×`full_h` image of 3 (RGB) or 4 (RGBA) channels.
    pub fn new(full_w: u32, full_h: u32, channels: u8, k: u32, order: Order) -> Result<Self, RenderError> {
        if full_w == 0 || full_h == 0 || !(3..=4).contains(&channels) || k == 0 {
            return Err(RenderError::Decode(format!("cannot reduce a {full_w}×{full_h} image of {channels} channels")));
        }
        let (out_w, out_h) = (full_w.div_ceil(k), full_h.div_ceil(k));
        let window = match order {
            Order::Banded { rows } => (rows.max(1).div_ceil(k) + 1).min(out_h),
            Order::Any => out_h,
        };
        let c = usize::from(channels);
        let sums_len = (out_w as usize).checked_mul(window as usize).and_then(|n| n.checked_mul(c));
        let out_len = (out_w as usize).checked_mul(out_h as usize).and_then(|n| n.checked_mul(c));
        let (Some(sums_len), Some(out_len)) = (sums_len, out_len) else {
            return Err(RenderError::Decode("image too large to reduce".into()));
        };
        Ok(Self {
            k,
            full_w,
            full_h,
            out_w,
            out_h,
            channels: c,
            sums: vec![0; sums_len],
            window,
            first: 0,
            out: Vec::with_capacity(out_len),
        })
    }

    pub fn channels(&self) -> u8 {
        self.channels as u8
    }

    /// Adds pixels of row `y`: `px` holds pixels at x = `x0`, `x0 + step`, … in this reducer's
    /// channel layout. Rows may only go back as far as the window allows.
    pub fn add(&mut self, y: u32, x0: u32, step: u32, px: &[u8]) -> Result<(), RenderError> {
        if y >= self.full_h || x0 >= self.full_w {
            return Ok(()); // a decoder's padding
        }
        let cell_row = y / self.k;
        if cell_row < self.first {
            return Err(RenderError::Decode("rows arrived out of order".into()));
        }
        while cell_row >= self.first + self.window {
            self.flush_one();
        }
        let c = self.channels;
        let row_len = self.out_w as usize * c;
        let slot = (cell_row % self.window) as usize * row_len;
        let row = &mut self.sums[slot..slot + row_len];
        let (k, step) = (self.k, step.max(1));
        // Pixels past the right edge (tile padding) are dropped.
        let count = ((self.full_w - x0).div_ceil(step) as usize).min(px.len() / c);
        let px = &px[..count * c];
        if step == 1 && x0.is_multiple_of(k) {
            // Whole cells of k pixels at a time: no division per pixel.
            let first_cell = (x0 / k) as usize;
            for (i, cell_px) in px.chunks(k as usize * c).enumerate() {
                let at = (first_cell + i) * c;
                accumulate(&mut row[at..at + c], cell_px);
            }
        } else {
            for (i, p) in px.chunks_exact(c).enumerate() {
                let x = x0 + i as u32 * step;
                let at = (x / k) as usize * c;
                accumulate(&mut row[at..at + c], p);
            }
        }
        Ok(())
    }

    /// Turns the first cell row of the window into pixels and moves the window down one.
    fn flush_one(&mut self) {
        let c = self.channels;
        let row_len = self.out_w as usize * c;
        let cy = self.first;
        let slot = (cy % self.window) as usize * row_len;
        let cell_h = (self.full_h - cy * self.k).min(self.k);
        for cx in 0..self.out_w {
            let cell_w = (self.full_w - cx * self.k).min(self.k);
            let n = cell_w * cell_h;
            let at = slot + cx as usize * c;
            let s = &self.sums[at..at + c];
            if c == 4 {
                let a = s[3];
                for &v in &s[..3] {
                    self.out.push((v + a / 2).checked_div(a).unwrap_or(0) as u8);
                }
                self.out.push(((a + n / 2) / n) as u8);
            } else {
                for &v in s {
                    self.out.push(((v + n / 2) / n) as u8);
                }
            }
        }
        self.sums[slot..slot + row_len].fill(0);
        self.first += 1;
    }

    /// The reduced image, `ceil(full_w / k)` × `ceil(full_h / k)`.
    pub fn finish(mut self) -> Pixels {
        while self.first < self.out_h {
            self.flush_one();
        }
        Pixels { width: self.out_w, height: self.out_h, channels: self.channels as u8, data: self.out }
    }
}

/// Adds a run of pixels (one or more) to one cell's sums, colour weighted by alpha.
fn accumulate(sums: &mut [u32], px: &[u8]) {
    if sums.len() == 4 {
        for p in px.chunks_exact(4) {
            let a = u32::from(p[3]);
            sums[0] += u32::from(p[0]) * a;
            sums[1] += u32::from(p[1]) * a;
            sums[2] += u32::from(p[2]) * a;
            sums[3] += a;
        }
    } else {
        for p in px.chunks_exact(3) {
            sums[0] += u32::from(p[0]);
            sums[1] += u32::from(p[1]);
            sums[2] += u32::from(p[2]);
        }
    }
}

/// Pixels in a decoder's layout, turned into a reducer's RGB or RGBA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    Gray,
    GrayAlpha,
    Rgb,
    Rgba,
}

impl Layout {
    pub fn channels(self) -> usize {
        match self {
            Layout::Gray => 1,
            Layout::GrayAlpha => 2,
            Layout::Rgb => 3,
            Layout::Rgba => 4,
        }
    }

    pub fn has_alpha(self) -> bool {
        matches!(self, Layout::GrayAlpha | Layout::Rgba)
    }
}

/// Converts 8-bit `src` pixels of `layout` into `dst` as RGB (`channels` 3) or RGBA (4).
pub(crate) fn convert(src: &[u8], layout: Layout, channels: u8, dst: &mut Vec<u8>) {
    dst.clear();
    let n = layout.channels();
    if n == usize::from(channels) {
        dst.extend_from_slice(src);
        return;
    }
    for p in src.chunks_exact(n) {
        let (rgb, a) = match layout {
            Layout::Gray => ([p[0]; 3], 255),
            Layout::GrayAlpha => ([p[0]; 3], p[1]),
            Layout::Rgb => ([p[0], p[1], p[2]], 255),
            Layout::Rgba => ([p[0], p[1], p[2]], p[3]),
        };
        dst.extend_from_slice(&rgb);
        if channels == 4 {
            dst.push(a);
        }
    }
}

#[cfg(test)]
mod tests;
