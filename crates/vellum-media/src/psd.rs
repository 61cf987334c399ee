//! Photoshop files flattened without any tool: the composite image every PSD carries after
//! its layers (raw or PackBits, 8-bit RGB, grayscale or CMYK), turned into PNG bytes the
//! ordinary renderer can take.

use crate::{
    header::{self, PixelLimits},
    render::RenderError,
};

fn err(msg: &str) -> RenderError {
    RenderError::Decode(format!("PSD: {msg}"))
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RenderError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.b.len()).ok_or_else(|| err("truncated"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u16(&mut self) -> Result<u16, RenderError> {
        let s = self.take(2)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }

    fn u32(&mut self) -> Result<u32, RenderError> {
        let s = self.take(4)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    /// Skips a section that starts with its 32-bit length.
    fn skip_section(&mut self) -> Result<(), RenderError> {
        let n = self.u32()? as usize;
        self.take(n).map(|_| ())
    }
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

/// The flattened composite as PNG bytes; the declared size is checked before any allocation.
pub fn composite_png(bytes: &[u8], limits: PixelLimits) -> Result<Vec<u8>, RenderError> {
    header::check(bytes, limits).map_err(|(width, height)| RenderError::TooLarge { width, height })?;
    let mut r = Reader { b: bytes, at: 0 };
    if r.take(4)? != b"8BPS" {
        return Err(err("not a Photoshop file"));
    }
    if r.u16()? != 1 {
        return Err(RenderError::Unsupported("large-document (PSB) files"));
    }
    r.take(6)?;
    let channels = r.u16()? as usize;
    let height = r.u32()? as usize;
    let width = r.u32()? as usize;
    let depth = r.u16()?;
    let mode = r.u16()?;
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
    r.skip_section()?; // colour mode data
    r.skip_section()?; // image resources
    r.skip_section()?; // layers and masks
    let compression = r.u16()?;
    let plane = width * height;
    let mut planes = vec![0u8; plane * used];
    match compression {
        0 => {
            let data = r.take(plane * used)?;
            planes.copy_from_slice(data);
        }
        1 => {
            let mut counts = Vec::with_capacity(channels * height);
            for _ in 0..channels * height {
                counts.push(r.u16()? as usize);
            }
            for c in 0..used {
                for y in 0..height {
                    let row = r.take(counts[c * height + y])?;
                    let start = c * plane + y * width;
                    unpack_bits(row, &mut planes[start..start + width])?;
                }
            }
        }
        _ => return Err(RenderError::Unsupported("ZIP-compressed PSD composites")),
    }
    let mut rgb = Vec::with_capacity(plane * 3);
    for i in 0..plane {
        match used {
            1 => rgb.extend_from_slice(&[planes[i]; 3]),
            3 => rgb.extend_from_slice(&[planes[i], planes[plane + i], planes[2 * plane + i]]),
            _ => {
                // Photoshop stores CMYK inverted (0 = full ink); a plain conversion without profiles.
                let k = u16::from(planes[3 * plane + i]);
                for c in 0..3 {
                    rgb.push(((u16::from(planes[c * plane + i]) * k) / 255) as u8);
                }
            }
        }
    }
    let img = image::RgbImage::from_raw(width as u32, height as u32, rgb).ok_or_else(|| err("pixel buffer"))?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| RenderError::Encode(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PSD with the composite stored raw or PackBits-compressed.
    pub fn psd(width: u32, height: u32, rgb: [u8; 3], packbits: bool) -> Vec<u8> {
        let mut b = b"8BPS".to_vec();
        b.extend_from_slice(&1u16.to_be_bytes());
        b.extend_from_slice(&[0; 6]);
        b.extend_from_slice(&3u16.to_be_bytes());
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&8u16.to_be_bytes());
        b.extend_from_slice(&3u16.to_be_bytes());
        for _ in 0..3 {
            b.extend_from_slice(&0u32.to_be_bytes());
        }
        if packbits {
            b.extend_from_slice(&1u16.to_be_bytes());
            // Each row: one repeat run of `width` bytes (width ≤ 128).
            for _ in 0..3 * height {
                b.extend_from_slice(&2u16.to_be_bytes());
            }
            for c in rgb {
                for _ in 0..height {
                    b.push((1i16 - width as i16) as i8 as u8);
                    b.push(c);
                }
            }
        } else {
            b.extend_from_slice(&0u16.to_be_bytes());
            for c in rgb {
                b.extend(std::iter::repeat_n(c, (width * height) as usize));
            }
        }
        b
    }

    fn pixel(png: &[u8]) -> (u32, u32, [u8; 3]) {
        let img = image::load_from_memory(png).unwrap().to_rgb8();
        (img.width(), img.height(), img.get_pixel(1, 1).0)
    }

    #[test]
    fn raw_and_packbits_composites_flatten() {
        let limits = PixelLimits::default();
        assert_eq!(pixel(&composite_png(&psd(20, 10, [200, 30, 40], false), limits).unwrap()), (20, 10, [200, 30, 40]));
        assert_eq!(pixel(&composite_png(&psd(16, 8, [10, 220, 90], true), limits).unwrap()), (16, 8, [10, 220, 90]));
    }

    #[test]
    fn hostile_files_fail_cleanly() {
        let limits = PixelLimits::default();
        let mut truncated = psd(20, 10, [1, 2, 3], false);
        truncated.truncate(60);
        assert!(composite_png(&truncated, limits).is_err());
        let mut bomb = psd(1, 1, [1, 2, 3], false);
        bomb[14..18].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[18..22].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(matches!(composite_png(&bomb, limits), Err(RenderError::TooLarge { .. })));
        assert!(composite_png(b"not a psd at all", limits).is_err());
    }
}
