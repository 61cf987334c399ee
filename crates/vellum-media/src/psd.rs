//! Photoshop files flattened without any tool: the composite image every PSD carries after
//! its layers (raw or PackBits, 8-bit RGB, grayscale or CMYK), read a row at a time — one
//! reader per channel plane, each moving forward only — and box-reduced as rows arrive.

use std::io::{Read, Seek, SeekFrom};

use crate::header::PixelLimits;
use crate::render::colour::CmykToSrgb;
use crate::render::decode::{reducer, Decoded};
use crate::render::input::{io, Input, Source};
use crate::render::reduce::Order;
use crate::render::RenderError;

fn err(msg: &str) -> RenderError {
    RenderError::Decode(format!("PSD: {msg}"))
}

fn u16_at(r: &mut dyn Source) -> Result<u16, RenderError> {
    let mut b = [0; 2];
    r.read_exact(&mut b).map_err(|_| err("truncated"))?;
    Ok(u16::from_be_bytes(b))
}

fn u32_at(r: &mut dyn Source) -> Result<u32, RenderError> {
    let mut b = [0; 4];
    r.read_exact(&mut b).map_err(|_| err("truncated"))?;
    Ok(u32::from_be_bytes(b))
}

/// Skips a section that starts with its 32-bit length.
fn skip_section(r: &mut dyn Source) -> Result<(), RenderError> {
    let n = u32_at(r)?;
    r.seek(SeekFrom::Current(i64::from(n))).map_err(io)?;
    Ok(())
}

/// Decodes one PackBits row into `out` (exactly `out.len()` bytes).
fn unpack_bits(mut src: &[u8], out: &mut [u8]) -> Result<(), RenderError> {
    let mut i = 0;
    while i < out.len() {
        let (&n, rest) = src.split_first().ok_or_else(|| err("short PackBits row"))?;
        src = rest;
        let n = n as i8;
        if n >= 0 {
            let len = n as usize + 1;
            let lit = src.get(..len).ok_or_else(|| err("short literal run"))?;
            out.get_mut(i..i + len).ok_or_else(|| err("row overflow"))?.copy_from_slice(lit);
            src = &src[len..];
            i += len;
        } else if n != -128 {
            let len = (1 - n as isize) as usize;
            let (&v, rest) = src.split_first().ok_or_else(|| err("short repeat run"))?;
            src = rest;
            out.get_mut(i..i + len).ok_or_else(|| err("row overflow"))?.fill(v);
            i += len;
        }
    }
    Ok(())
}

/// One channel plane of the composite, read forward a row at a time.
struct Plane<'a> {
    r: Box<dyn Source + 'a>,
    /// Compressed length of each row (PackBits), or None for raw rows.
    counts: Option<Vec<u16>>,
    packed: Vec<u8>,
}

impl Plane<'_> {
    fn row(&mut self, y: usize, out: &mut [u8]) -> Result<(), RenderError> {
        match &self.counts {
            None => self.r.read_exact(out).map_err(|_| err("truncated")),
            Some(counts) => {
                let n = usize::from(counts[y]);
                self.packed.resize(n, 0);
                self.r.read_exact(&mut self.packed).map_err(|_| err("truncated"))?;
                unpack_bits(&self.packed, out)
            }
        }
    }
}

/// The flattened composite, reduced for `min_ratio`; the declared size is checked before any
/// allocation. CMYK goes through the file's CMYK profile (`icc`) when it has one.
pub(crate) fn decode(
    input: Input<'_>,
    min_ratio: &dyn Fn(u32, u32) -> f64,
    icc: Option<&[u8]>,
    limits: PixelLimits,
) -> Result<Decoded, RenderError> {
    let mut r = input.reader()?;
    let mut sig = [0; 4];
    r.read_exact(&mut sig).map_err(|_| err("truncated"))?;
    if &sig != b"8BPS" {
        return Err(err("not a Photoshop file"));
    }
    if u16_at(&mut *r)? != 1 {
        return Err(RenderError::Unsupported("large-document (PSB) files"));
    }
    r.seek(SeekFrom::Current(6)).map_err(io)?;
    let channels = usize::from(u16_at(&mut *r)?);
    let height = u32_at(&mut *r)?;
    let width = u32_at(&mut *r)?;
    let depth = u16_at(&mut *r)?;
    let mode = u16_at(&mut *r)?;
    if depth != 8 {
        return Err(RenderError::Unsupported("PSD files of other than 8 bits per channel"));
    }
    let used = match mode {
        1 => 1, // grayscale
        3 => 3, // RGB
        4 => 4, // CMYK
        _ => return Err(RenderError::Unsupported("PSD colour modes other than RGB, grayscale and CMYK")),
    };
    if channels < used || width == 0 || height == 0 {
        return Err(err("impossible header"));
    }
    let mut reducer = reducer(width, height, false, min_ratio, Order::Banded { rows: 1 }, limits)?;
    skip_section(&mut *r)?; // colour mode data
    skip_section(&mut *r)?; // image resources
    skip_section(&mut *r)?; // layers and masks
    let compression = u16_at(&mut *r)?;
    let data_at = r.stream_position().map_err(io)?;
    let (w, h) = (width as usize, height as usize);
    let mut planes = Vec::with_capacity(used);
    match compression {
        0 => {
            let plane = (w as u64) * (h as u64);
            for c in 0..used as u64 {
                let mut p = input.reader()?;
                p.seek(SeekFrom::Start(data_at + c * plane)).map_err(io)?;
                planes.push(Plane { r: p, counts: None, packed: Vec::new() });
            }
        }
        1 => {
            // Every row's compressed length, for every channel, then the rows in that order.
            let mut table = vec![0u8; channels * h * 2];
            r.read_exact(&mut table).map_err(|_| err("truncated"))?;
            let counts: Vec<u16> = table.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            let mut at = data_at + table.len() as u64;
            for c in 0..used {
                let rows = counts[c * h..(c + 1) * h].to_vec();
                let mut p = input.reader()?;
                p.seek(SeekFrom::Start(at)).map_err(io)?;
                at += rows.iter().map(|&n| u64::from(n)).sum::<u64>();
                planes.push(Plane { r: p, counts: Some(rows), packed: Vec::new() });
            }
        }
        _ => return Err(RenderError::Unsupported("ZIP-compressed PSD composites")),
    }
    drop(r);
    let profile = if used == 4 { icc.and_then(|p| CmykToSrgb::new(p, true)) } else { None };
    let mut rows = vec![vec![0u8; w]; used];
    let mut interleaved = Vec::with_capacity(w * used);
    let mut rgb = Vec::with_capacity(w * 3);
    for y in 0..h {
        for (plane, row) in planes.iter_mut().zip(rows.iter_mut()) {
            plane.row(y, row)?;
        }
        rgb.clear();
        match used {
            1 => rgb.extend(rows[0].iter().flat_map(|&g| [g; 3])),
            3 => rgb.extend((0..w).flat_map(|x| [rows[0][x], rows[1][x], rows[2][x]])),
            _ => {
                interleaved.clear();
                interleaved.extend((0..w).flat_map(|x| [rows[0][x], rows[1][x], rows[2][x], rows[3][x]]));
                match &profile {
                    Some(t) => t.convert(&interleaved, &mut rgb),
                    // Photoshop stores CMYK inverted (0 = full ink); a plain conversion.
                    None => rgb = crate::render::colour::cmyk_to_rgb(&interleaved, true),
                }
            }
        }
        reducer.add(y as u32, 0, 1, &rgb)?;
    }
    Ok(Decoded { pixels: reducer.finish(), full_w: width, full_h: height, converted: profile.is_some() })
}

#[cfg(test)]
mod tests;
