//! A TIFF's first IFD, and the EXIF, GPS and interoperability IFDs it points to, copied with
//! their values into a small TIFF of the same byte order: all the metadata parsers need of a
//! large TIFF, whose IFDs may sit anywhere (libtiff writes them after the pixels).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Entries copied from one IFD at most.
const MAX_ENTRIES: usize = 1024;
/// The largest value copied (XMP packets and ICC profiles are the big ones).
const MAX_VALUE: usize = 16 << 20;
/// The largest copy.
const MAX_TOTAL: usize = 32 << 20;
/// Tags whose value is the offset of another IFD: EXIF, GPS, interoperability.
const SUB_IFDS: [u16; 3] = [34665, 34853, 40965];
/// Tags that locate pixel data: long arrays that nothing reading metadata needs.
const PIXEL_DATA: [u16; 4] = [273, 279, 324, 325];

/// The copy, or None when the file is not a classic TIFF.
pub(super) fn relocate(f: &mut File) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 8];
    f.seek(SeekFrom::Start(0))?;
    f.read_exact(&mut header)?;
    let little = match &header[0..4] {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return Ok(None),
    };
    let mut c = Copier { f, little, out: header[0..4].to_vec() };
    c.put32(8);
    c.ifd(c.u32(&header[4..8]), 0);
    Ok(Some(c.out))
}

struct Copier<'a> {
    f: &'a mut File,
    little: bool,
    out: Vec<u8>,
}

impl Copier<'_> {
    fn u16(&self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.little {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        }
    }

    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.little {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    }

    fn bytes32(&self, v: u32) -> [u8; 4] {
        if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    fn put32(&mut self, v: u32) {
        let b = self.bytes32(v);
        self.out.extend_from_slice(&b);
    }

    /// `len` bytes of the file at `offset`, or None when they are not there.
    fn read_at(&mut self, offset: u32, len: usize) -> Option<Vec<u8>> {
        let mut v = vec![0u8; len];
        self.f.seek(SeekFrom::Start(u64::from(offset))).ok()?;
        self.f.read_exact(&mut v).ok()?;
        Some(v)
    }

    /// Appends the IFD at `offset` of the file, its out-of-line values and the IFDs it points
    /// to. What cannot be read is left out.
    fn ifd(&mut self, offset: u32, depth: u8) {
        let Some(count) = self.read_at(offset, 2).map(|b| usize::from(self.u16(&b))) else { return };
        let n = count.min(MAX_ENTRIES);
        let Some(raw) = self.read_at(offset.saturating_add(2), n * 12) else { return };
        let entries: Vec<&[u8]> = raw.chunks_exact(12).filter(|e| !PIXEL_DATA.contains(&self.u16(&e[0..2]))).collect();
        let start = self.out.len();
        let count = u16::try_from(entries.len()).unwrap_or(0);
        let count = if self.little { count.to_le_bytes() } else { count.to_be_bytes() };
        self.out.extend_from_slice(&count);
        for e in &entries {
            self.out.extend_from_slice(e);
        }
        self.out.extend_from_slice(&[0; 4]); // no next IFD
        let mut sub_ifds = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let field = start + 2 + i * 12 + 8;
            let (tag, kind, count) = (self.u16(&e[0..2]), self.u16(&e[2..4]), self.u32(&e[4..8]));
            let old = self.u32(&e[8..12]);
            if SUB_IFDS.contains(&tag) {
                sub_ifds.push((field, old));
                continue;
            }
            let unit = match kind {
                1 | 2 | 6 | 7 => 1,
                3 | 8 => 2,
                4 | 9 | 11 | 13 => 4,
                5 | 10 | 12 => 8,
                _ => 0,
            };
            let len = (count as usize).saturating_mul(unit);
            if len <= 4 {
                continue; // the value is inline and already copied
            }
            let value =
                (len <= MAX_VALUE && self.out.len() + len <= MAX_TOTAL).then(|| self.read_at(old, len)).flatten();
            let new = match value {
                Some(v) => {
                    let at = self.out.len();
                    self.out.extend_from_slice(&v);
                    if self.out.len() % 2 == 1 {
                        self.out.push(0);
                    }
                    u32::try_from(at).unwrap_or(0)
                }
                // Left out: the entry says it holds nothing.
                None => {
                    self.out[field - 4..field].fill(0);
                    0
                }
            };
            let b = self.bytes32(new);
            self.out[field..field + 4].copy_from_slice(&b);
        }
        for (field, old) in sub_ifds {
            let at = self.out.len();
            if depth < 2 && at < MAX_TOTAL {
                self.ifd(old, depth + 1);
            }
            // Zero when nothing could be copied.
            let new = if self.out.len() > at { u32::try_from(at).unwrap_or(0) } else { 0 };
            let b = self.bytes32(new);
            self.out[field..field + 4].copy_from_slice(&b);
        }
    }
}
