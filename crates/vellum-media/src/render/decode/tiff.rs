//! TIFF read a strip or tile at a time (the `tiff` crate) and box-reduced as chunks arrive:
//! 8/16-bit and float gray, RGB, their alpha forms and CMYK, interleaved or planar. A chunk is
//! refused when it alone would exceed the memory a job may use.

use tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
use tiff::tags::Tag;
use tiff::ColorType;

use super::{reducer, Decoded};
use crate::header::PixelLimits;
use crate::render::colour::{cmyk_to_rgb, CmykToSrgb};
use crate::render::input::Source;
use crate::render::reduce::{convert, Layout, Order};
use crate::render::RenderError;

/// The largest strip or tile decoded at once.
const MAX_CHUNK: usize = 64 << 20;

/// How samples are laid out: the number per pixel and what they mean.
#[derive(Clone, Copy)]
enum Kind {
    Plain(Layout),
    Cmyk { alpha: bool },
}

impl Kind {
    fn samples(self) -> usize {
        match self {
            Kind::Plain(l) => l.channels(),
            Kind::Cmyk { alpha } => 4 + usize::from(alpha),
        }
    }

    fn has_alpha(self) -> bool {
        match self {
            Kind::Plain(l) => l.has_alpha(),
            Kind::Cmyk { alpha } => alpha,
        }
    }
}

pub(crate) fn decode(
    r: Box<dyn Source + '_>,
    min_ratio: &dyn Fn(u32, u32) -> f64,
    icc: Option<&[u8]>,
    limits: PixelLimits,
) -> Result<Decoded, RenderError> {
    let mut l = Limits::default();
    l.decoding_buffer_size = MAX_CHUNK;
    l.intermediate_buffer_size = MAX_CHUNK;
    l.ifd_value_size = 16 << 20;
    let mut d = Decoder::new(r).map_err(err)?.with_limits(l);
    let (w, h) = d.dimensions().map_err(err)?;
    let (kind, bits) = match d.colortype().map_err(err)? {
        ColorType::Gray(b) => (Kind::Plain(Layout::Gray), b),
        ColorType::GrayA(b) => (Kind::Plain(Layout::GrayAlpha), b),
        ColorType::RGB(b) => (Kind::Plain(Layout::Rgb), b),
        ColorType::RGBA(b) => (Kind::Plain(Layout::Rgba), b),
        ColorType::CMYK(b) => (Kind::Cmyk { alpha: false }, b),
        ColorType::CMYKA(b) => (Kind::Cmyk { alpha: true }, b),
        other => return Err(RenderError::Decode(format!("TIFF colour type {other:?} is not supported"))),
    };
    if !matches!(bits, 1 | 8 | 16 | 32) || (bits == 1 && !matches!(kind, Kind::Plain(Layout::Gray))) {
        return Err(RenderError::Decode(format!("TIFF with {bits}-bit samples is not supported")));
    }
    let planar = d.find_tag_unsigned::<u16>(Tag::PlanarConfiguration).map_err(err)? == Some(2);
    let (cw, ch) = d.chunk_dimensions();
    let (across, chunks) = match d.get_chunk_type() {
        ChunkType::Strip => (1, h.div_ceil(ch.max(1))),
        ChunkType::Tile => (w.div_ceil(cw.max(1)), w.div_ceil(cw.max(1)) * h.div_ceil(ch.max(1))),
    };
    let mut reducer = reducer(w, h, kind.has_alpha(), min_ratio, Order::Banded { rows: ch }, limits)?;
    let channels = reducer.channels();
    // CMYK is converted through the file's profile when it has a CMYK one.
    let profile = icc.and_then(|p| CmykToSrgb::new(p, false));
    let mut samples = Vec::new();
    let mut rgb = Vec::new();
    for i in 0..chunks {
        let (dw, dh) = d.chunk_data_dimensions(i);
        let (x0, y0) = ((i % across) * cw, (i / across) * ch);
        if planar {
            let n = kind.samples();
            let mut planes = Vec::with_capacity(n);
            for p in 0..n as u32 {
                planes.push(to_u8(d.read_chunk(i + p * chunks).map_err(err)?, bits, dw)?);
            }
            samples.clear();
            for px in 0..(dw * dh) as usize {
                samples.extend(planes.iter().map(|plane| plane.get(px).copied().unwrap_or(0)));
            }
        } else {
            samples = to_u8(d.read_chunk(i).map_err(err)?, bits, dw * kind.samples() as u32)?;
        }
        if samples.len() < dw as usize * kind.samples() * dh as usize {
            return Err(RenderError::Decode("TIFF: short strip".into()));
        }
        match kind {
            Kind::Plain(layout) => convert(&samples, layout, channels, &mut rgb),
            Kind::Cmyk { alpha } => cmyk(&samples, alpha, profile.as_ref(), &mut rgb),
        }
        let out_stride = dw as usize * usize::from(channels);
        for (y, row) in rgb.chunks_exact(out_stride).take(dh as usize).enumerate() {
            reducer.add(y0 + y as u32, x0, 1, row)?;
        }
    }
    let converted = profile.is_some() && matches!(kind, Kind::Cmyk { .. });
    Ok(Decoded { pixels: reducer.finish(), full_w: w, full_h: h, converted })
}

/// One chunk's samples as 8-bit values; `row_samples` is the samples in one row (1-bit rows
/// are padded to whole bytes).
fn to_u8(chunk: DecodingResult, bits: u8, row_samples: u32) -> Result<Vec<u8>, RenderError> {
    Ok(match chunk {
        DecodingResult::U8(v) if bits == 1 => {
            let row_bytes = row_samples.div_ceil(8) as usize;
            let mut out = Vec::with_capacity(v.len() * 8);
            for row in v.chunks(row_bytes) {
                out.extend(
                    (0..row_samples as usize).map(|x| if row[x / 8] & (0x80 >> (x % 8)) != 0 { 255 } else { 0 }),
                );
            }
            out
        }
        DecodingResult::U8(v) => v,
        DecodingResult::U16(v) => v.into_iter().map(|s| ((u32::from(s) + 128) / 257) as u8).collect(),
        DecodingResult::F32(v) => v.into_iter().map(|s| (s.clamp(0.0, 1.0) * 255.0).round() as u8).collect(),
        _ => return Err(RenderError::Decode("TIFF sample format is not supported".into())),
    })
}

/// CMYK(A) samples (plain ink amounts) to RGB(A), through the file's profile when it has one.
fn cmyk(samples: &[u8], alpha: bool, profile: Option<&CmykToSrgb>, out: &mut Vec<u8>) {
    let inks: Vec<u8>;
    let inks = if alpha {
        inks = samples.chunks_exact(5).flat_map(|p| [p[0], p[1], p[2], p[3]]).collect();
        &inks[..]
    } else {
        samples
    };
    let mut rgb = Vec::new();
    match profile {
        Some(t) => t.convert(inks, &mut rgb),
        None => rgb = cmyk_to_rgb(inks, false),
    }
    out.clear();
    if alpha {
        for (px, p) in rgb.chunks_exact(3).zip(samples.chunks_exact(5)) {
            out.extend_from_slice(px);
            out.push(p[4]);
        }
    } else {
        *out = rgb;
    }
}

fn err(e: tiff::TiffError) -> RenderError {
    RenderError::Decode(format!("TIFF: {e}"))
}
