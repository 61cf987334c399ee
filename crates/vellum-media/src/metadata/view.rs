//! A bounded copy of the parts of an image file its metadata lives in, so a large file is never
//! read whole for it: a small file entirely; otherwise the segments or chunks before the pixel
//! data (JPEG, PNG, PSD, GIF, HEIC), a WebP with its picture chunks cut short, or a TIFF's first
//! IFD with the EXIF and GPS IFDs it points to, copied into a small TIFF. The parsers of this
//! module read a view exactly as they read a whole file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::sniff::MediaType;

/// Files up to this size are read whole.
const WHOLE: u64 = 64 << 20;
/// The most a view holds.
const MAX_VIEW: u64 = 32 << 20;
/// Picture chunks of a WebP keep this many bytes (their frame headers).
const PICTURE_HEAD: u32 = 32;

/// The metadata view of the file at `path`, of type `kind`.
pub fn file_view(path: &Path, kind: MediaType) -> io::Result<Vec<u8>> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if len <= WHOLE {
        let mut all = Vec::with_capacity(len as usize);
        f.read_to_end(&mut all)?;
        return Ok(all);
    }
    compact(f, len, kind)
}

/// The view of a file too large to read whole.
fn compact(f: File, len: u64, kind: MediaType) -> io::Result<Vec<u8>> {
    let mut p = Prefix { f, buf: Vec::new() };
    Ok(match kind {
        MediaType::Jpeg => p.jpeg()?,
        MediaType::Png => p.png()?,
        MediaType::Psd => p.psd()?,
        MediaType::Webp => webp(&mut p.f, len)?,
        MediaType::Tiff => match super::tiff_copy::relocate(&mut p.f)? {
            Some(copy) => copy,
            None => p.upto(MAX_VIEW as usize)?,
        },
        _ => p.upto(MAX_VIEW as usize)?,
    })
}

/// The start of a file, read as far as needed.
struct Prefix {
    f: File,
    buf: Vec<u8>,
}

impl Prefix {
    /// Makes the first `n` bytes available (fewer at the end of the file or past the cap);
    /// false when they are not all there.
    fn fill(&mut self, n: usize) -> io::Result<bool> {
        let n = n.min(MAX_VIEW as usize);
        if self.buf.len() < n {
            let want = (n - self.buf.len()) as u64;
            (&mut self.f).take(want).read_to_end(&mut self.buf)?;
        }
        Ok(self.buf.len() >= n)
    }

    fn upto(mut self, n: usize) -> io::Result<Vec<u8>> {
        self.fill(n)?;
        self.buf.truncate(n);
        Ok(self.buf)
    }

    fn be16(&mut self, at: usize) -> io::Result<Option<usize>> {
        Ok(self.fill(at + 2)?.then(|| usize::from(u16::from_be_bytes([self.buf[at], self.buf[at + 1]]))))
    }

    fn be32(&mut self, at: usize) -> io::Result<Option<usize>> {
        Ok(self
            .fill(at + 4)?
            .then(|| u32::from_be_bytes([self.buf[at], self.buf[at + 1], self.buf[at + 2], self.buf[at + 3]]) as usize))
    }

    /// Segments up to and including the start-of-scan marker.
    fn jpeg(mut self) -> io::Result<Vec<u8>> {
        let mut pos = 2;
        while self.fill(pos + 2)? {
            if self.buf[pos] != 0xFF {
                pos += 1;
                continue;
            }
            let marker = self.buf[pos + 1];
            if marker == 0xFF || matches!(marker, 0x01 | 0xD0..=0xD7) {
                pos += if marker == 0xFF { 1 } else { 2 };
                continue;
            }
            if matches!(marker, 0xD9 | 0xDA) {
                return self.upto(pos + 2);
            }
            let Some(len) = self.be16(pos + 2)? else { break };
            pos += 2 + len;
        }
        Ok(self.buf)
    }

    /// Chunks up to and including the first IDAT chunk's header.
    fn png(mut self) -> io::Result<Vec<u8>> {
        let mut pos = 8;
        while let Some(len) = self.be32(pos)? {
            if !self.fill(pos + 8)? {
                break;
            }
            if &self.buf[pos + 4..pos + 8] == b"IDAT" {
                return self.upto(pos + 8);
            }
            pos += 12 + len;
        }
        Ok(self.buf)
    }

    /// The header, colour mode data and image resources.
    fn psd(mut self) -> io::Result<Vec<u8>> {
        let Some(mode) = self.be32(26)? else { return Ok(self.buf) };
        let resources_at = 30 + mode;
        let Some(resources) = self.be32(resources_at)? else { return Ok(self.buf) };
        self.upto(resources_at + 4 + resources)
    }
}

/// The RIFF structure with every chunk but the picture ones (cut to their frame headers).
fn webp(f: &mut File, len: u64) -> io::Result<Vec<u8>> {
    let mut out = vec![0u8; 12];
    f.read_exact(&mut out)?;
    let mut pos = 12u64;
    let mut header = [0u8; 8];
    while pos + 8 <= len && (out.len() as u64) < MAX_VIEW {
        f.seek(SeekFrom::Start(pos))?;
        f.read_exact(&mut header)?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let picture = matches!(&header[0..4], b"VP8 " | b"VP8L" | b"ALPH" | b"ANMF");
        let keep = if picture { size.min(PICTURE_HEAD) } else { size };
        if u64::from(keep) > MAX_VIEW {
            break;
        }
        out.extend_from_slice(&header[0..4]);
        out.extend_from_slice(&keep.to_le_bytes());
        let at = out.len();
        out.resize(at + keep as usize, 0);
        f.read_exact(&mut out[at..])?;
        if keep % 2 == 1 {
            out.push(0);
        }
        pos += 8 + u64::from(size) + u64::from(size % 2);
    }
    let riff = u32::try_from(out.len() - 8).unwrap_or(u32::MAX);
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests;
