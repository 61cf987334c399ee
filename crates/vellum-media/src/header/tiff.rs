//! A minimal TIFF IFD reader: the first IFD's entries and their values, bounds-checked.
//! Shared by header parsing (dimensions) and metadata (XMP / IPTC / ICC tags, photometric).

/// One IFD entry: tag, field type, count and the 4-byte value-or-offset field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub tag: u16,
    pub kind: u16,
    pub count: u32,
    raw: [u8; 4],
}

/// A classic (not Big) TIFF structure.
pub(crate) struct Tiff<'a> {
    data: &'a [u8],
    little: bool,
}

impl<'a> Tiff<'a> {
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        let little = match data.get(0..4)? {
            b"II*\0" => true,
            b"MM\0*" => false,
            _ => return None,
        };
        Some(Self { data, little })
    }

    pub fn u16_at(&self, off: usize) -> Option<u16> {
        let b = self.data.get(off..off + 2)?;
        Some(if self.little { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) })
    }

    pub fn u32_at(&self, off: usize) -> Option<u32> {
        let b = self.data.get(off..off + 4)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if self.little { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) })
    }

    /// Entries of the first IFD (only those lying inside the data).
    pub fn first_ifd(&self) -> Vec<Entry> {
        let Some(ifd) = self.u32_at(4).map(|o| o as usize) else { return Vec::new() };
        let Some(n) = self.u16_at(ifd) else { return Vec::new() };
        (0..usize::from(n))
            .map_while(|i| {
                let at = ifd + 2 + i * 12;
                let raw = self.data.get(at + 8..at + 12)?;
                Some(Entry {
                    tag: self.u16_at(at)?,
                    kind: self.u16_at(at + 2)?,
                    count: self.u32_at(at + 4)?,
                    raw: [raw[0], raw[1], raw[2], raw[3]],
                })
            })
            .collect()
    }

    /// An integer value (SHORT or LONG, first element).
    pub fn uint(&self, e: &Entry) -> Option<u64> {
        match e.kind {
            3 => {
                let v = [e.raw[0], e.raw[1]];
                Some(u64::from(if self.little { u16::from_le_bytes(v) } else { u16::from_be_bytes(v) }))
            }
            4 => Some(u64::from(if self.little { u32::from_le_bytes(e.raw) } else { u32::from_be_bytes(e.raw) })),
            _ => None,
        }
    }

    /// The first element of a SHORT or LONG entry, inline or (a longer array) at its offset.
    pub fn first_uint(&self, e: &Entry) -> Option<u64> {
        let size: u64 = match e.kind {
            3 => 2,
            4 => 4,
            _ => return None,
        };
        if size * u64::from(e.count) <= 4 {
            return self.uint(e);
        }
        let off = (if self.little { u32::from_le_bytes(e.raw) } else { u32::from_be_bytes(e.raw) }) as usize;
        if e.kind == 3 {
            self.u16_at(off).map(u64::from)
        } else {
            self.u32_at(off).map(u64::from)
        }
    }

    /// The value bytes of a BYTE / ASCII / UNDEFINED / LONG-array entry.
    pub fn bytes(&self, e: &Entry) -> Option<&'a [u8]> {
        let unit = match e.kind {
            1 | 2 | 6 | 7 => 1usize,
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            _ => 8,
        };
        let len = unit.checked_mul(e.count as usize)?;
        if len <= 4 {
            return None; // inline values are not needed for the blobs we read
        }
        let off = (if self.little { u32::from_le_bytes(e.raw) } else { u32::from_be_bytes(e.raw) }) as usize;
        self.data.get(off..off.checked_add(len)?)
    }

    pub fn find(&self, tag: u16) -> Option<Entry> {
        self.first_ifd().into_iter().find(|e| e.tag == tag)
    }
}
