//! The records of a ZIP archive written as a stream: each file stored as it is (no
//! compression: assets are compressed already), its CRC-32 and sizes in a data descriptor
//! after its bytes, and the central directory at the end. ZIP64 records are used where a size
//! or an offset does not fit 32 bits.

/// What the central directory says of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub crc: u32,
    pub size: u64,
    /// Where its local header starts.
    pub offset: u64,
}

const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;
const VERSION_ZIP64: u16 = 45;
const MAX32: u64 = 0xFFFF_FFFF;
/// 1980-01-01 00:00 in MS-DOS form (time, date): the earliest a ZIP can say.
const DOS_TIME: (u16, u16) = (0, (1 << 5) | 1);

fn le16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn le32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn le64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Whether a file of this size needs ZIP64 records (decided before its bytes are written,
/// since its sizes are known).
pub fn needs_zip64(size: u64) -> bool {
    size >= MAX32
}

/// The local header before a file's bytes.
pub fn local_header(name: &str, size: u64) -> Vec<u8> {
    let zip64 = needs_zip64(size);
    let mut out = Vec::with_capacity(30 + name.len() + 20);
    le32(&mut out, 0x0403_4b50);
    le16(&mut out, VERSION_ZIP64);
    le16(&mut out, FLAG_DESCRIPTOR | FLAG_UTF8);
    le16(&mut out, 0); // stored
    le16(&mut out, DOS_TIME.0);
    le16(&mut out, DOS_TIME.1);
    le32(&mut out, 0); // CRC in the descriptor
    le32(&mut out, if zip64 { u32::MAX } else { 0 });
    le32(&mut out, if zip64 { u32::MAX } else { 0 });
    le16(&mut out, name.len() as u16);
    le16(&mut out, if zip64 { 20 } else { 0 });
    out.extend_from_slice(name.as_bytes());
    if zip64 {
        le16(&mut out, 0x0001);
        le16(&mut out, 16);
        le64(&mut out, 0);
        le64(&mut out, 0);
    }
    out
}

/// The data descriptor after a file's bytes.
pub fn descriptor(crc: u32, size: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    le32(&mut out, 0x0807_4b50);
    le32(&mut out, crc);
    if needs_zip64(size) {
        le64(&mut out, size);
        le64(&mut out, size);
    } else {
        le32(&mut out, size as u32);
        le32(&mut out, size as u32);
    }
    out
}

/// The central directory and end records, for a directory starting at `at`.
pub fn central_directory(entries: &[Entry], at: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let big_size = needs_zip64(e.size);
        let big_offset = e.offset >= MAX32;
        let mut extra = Vec::new();
        if big_size || big_offset {
            le16(&mut extra, 0x0001);
            le16(&mut extra, (u16::from(big_size) * 16) + (u16::from(big_offset) * 8));
            if big_size {
                le64(&mut extra, e.size);
                le64(&mut extra, e.size);
            }
            if big_offset {
                le64(&mut extra, e.offset);
            }
        }
        le32(&mut out, 0x0201_4b50);
        le16(&mut out, (3 << 8) | VERSION_ZIP64); // made by Unix
        le16(&mut out, VERSION_ZIP64);
        le16(&mut out, FLAG_DESCRIPTOR | FLAG_UTF8);
        le16(&mut out, 0);
        le16(&mut out, DOS_TIME.0);
        le16(&mut out, DOS_TIME.1);
        le32(&mut out, e.crc);
        let size32 = if big_size { u32::MAX } else { e.size as u32 };
        le32(&mut out, size32);
        le32(&mut out, size32);
        le16(&mut out, e.name.len() as u16);
        le16(&mut out, extra.len() as u16);
        le16(&mut out, 0); // comment
        le16(&mut out, 0); // disk
        le16(&mut out, 0); // internal attributes
        le32(&mut out, 0o100644 << 16); // a regular file, rw-r--r--
        le32(&mut out, if big_offset { u32::MAX } else { e.offset as u32 });
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&extra);
    }
    let size = out.len() as u64;
    let end_at = at + size;
    let zip64 =
        at >= MAX32 || entries.len() >= 0xFFFF || entries.iter().any(|e| needs_zip64(e.size) || e.offset >= MAX32);
    if zip64 {
        le32(&mut out, 0x0606_4b50);
        le64(&mut out, 44);
        le16(&mut out, VERSION_ZIP64);
        le16(&mut out, VERSION_ZIP64);
        le32(&mut out, 0);
        le32(&mut out, 0);
        le64(&mut out, entries.len() as u64);
        le64(&mut out, entries.len() as u64);
        le64(&mut out, size);
        le64(&mut out, at);
        le32(&mut out, 0x0706_4b50);
        le32(&mut out, 0);
        le64(&mut out, end_at);
        le32(&mut out, 1);
    }
    let n16 = if zip64 { 0xFFFF } else { entries.len() as u16 };
    le32(&mut out, 0x0605_4b50);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, n16);
    le16(&mut out, n16);
    le32(&mut out, if zip64 { u32::MAX } else { size as u32 });
    le32(&mut out, if zip64 { u32::MAX } else { at as u32 });
    le16(&mut out, 0);
    out
}

/// A name safe inside an archive: no folders, no control characters, unique among `taken`.
pub fn entry_name(wanted: &str, taken: &[String]) -> String {
    let clean: String =
        wanted.chars().map(|c| if c.is_control() || matches!(c, '/' | '\\' | ':') { '_' } else { c }).collect();
    let clean = clean.trim_start_matches('.').trim();
    let clean = if clean.is_empty() { "file".to_string() } else { clean.chars().take(200).collect() };
    if !taken.contains(&clean) {
        return clean;
    }
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (clean.clone(), String::new()),
    };
    (2..).map(|n| format!("{stem} ({n}){ext}")).find(|c| !taken.contains(c)).unwrap_or(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_flat_and_unique() {
        let taken = vec!["a.jpg".to_string(), "a (2).jpg".to_string()];
        assert_eq!(entry_name("../etc/passwd", &[]), "_etc_passwd");
        assert_eq!(entry_name("a.jpg", &taken), "a (3).jpg");
        assert_eq!(entry_name("..", &[]), "file");
        assert_eq!(entry_name("x\u{0}y", &[]), "x_y");
    }

    #[test]
    fn records_have_their_fixed_sizes() {
        assert_eq!(local_header("ab", 10).len(), 32);
        assert_eq!(local_header("ab", 5 << 30).len(), 52);
        assert_eq!(descriptor(1, 10).len(), 16);
        assert_eq!(descriptor(1, 5 << 30).len(), 24);
        let e = Entry { name: "ab".into(), crc: 7, size: 10, offset: 0 };
        assert_eq!(central_directory(&[e], 58).len(), 46 + 2 + 22);
    }
}
