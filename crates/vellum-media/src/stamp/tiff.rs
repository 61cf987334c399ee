//! TIFF: a copy of the first directory with tag 700 (XMP) is appended after the original bytes
//! and the header points at it; every strip, tile and value stays where it was.

use super::{malformed, Piece, Plan, Record, Source, StampError};

const FORMAT: &str = "TIFF";
const XMP_TAG: u16 = 700;
/// TIFF type BYTE, as writers use for the XMP tag.
const BYTE: u16 = 1;

#[derive(Clone, Copy)]
struct Order(bool);

impl Order {
    fn u16(self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.0 {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        }
    }
    fn u32(self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.0 {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    }
    fn put16(self, v: u16) -> [u8; 2] {
        if self.0 {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }
    fn put32(self, v: u32) -> [u8; 4] {
        if self.0 {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }
}

pub(super) fn plan(src: &mut dyn Source, record: &Record) -> Result<Plan, StampError> {
    let size = src.size();
    let head = src.exact(0, 8, FORMAT)?;
    let order = match &head[..4] {
        b"II*\0" => Order(true),
        b"MM\0*" => Order(false),
        _ => return Err(malformed(FORMAT, "not a classic TIFF header (BigTIFF is not stamped)")),
    };
    let ifd = u64::from(order.u32(&head[4..8]));
    let count = order.u16(&src.exact(ifd, 2, FORMAT)?);
    let body = src.exact(ifd + 2, usize::from(count) * 12 + 4, FORMAT)?;
    let (entries, next) = body.split_at(usize::from(count) * 12);
    let mut kept: Vec<[u8; 12]> = Vec::with_capacity(usize::from(count) + 1);
    let mut existing = None;
    for e in entries.chunks_exact(12) {
        let tag = order.u16(&e[..2]);
        if tag == XMP_TAG {
            let len = order.u32(&e[4..8]) as usize;
            let at = if len <= 4 { None } else { Some(u64::from(order.u32(&e[8..12]))) };
            if let Some(at) = at.filter(|_| len <= 16 << 20) {
                existing = Some(src.exact(at, len, FORMAT)?);
            }
            continue;
        }
        let mut entry = [0u8; 12];
        entry.copy_from_slice(e);
        kept.push(entry);
    }
    let packet = record.merged_into(existing.as_deref()).into_bytes();
    // Word-aligned, as TIFF asks of offsets.
    let pad = |n: u64| (n % 2) as usize;
    let xmp_at = size + pad(size) as u64;
    let ifd_at = xmp_at + packet.len() as u64 + pad(packet.len() as u64) as u64;
    let new_count = kept.len() + 1;
    let end = ifd_at + 2 + new_count as u64 * 12 + 4;
    let fits = |v: u64| u32::try_from(v).map_err(|_| StampError::TooLarge(FORMAT));
    let (xmp_at32, ifd_at32, len32) = (fits(xmp_at)?, fits(ifd_at)?, fits(packet.len() as u64)?);
    fits(end)?;

    let mut xmp_entry = [0u8; 12];
    xmp_entry[..2].copy_from_slice(&order.put16(XMP_TAG));
    xmp_entry[2..4].copy_from_slice(&order.put16(BYTE));
    xmp_entry[4..8].copy_from_slice(&order.put32(len32));
    xmp_entry[8..12].copy_from_slice(&order.put32(xmp_at32));
    kept.push(xmp_entry);
    kept.sort_by_key(|e| order.u16(&e[..2]));

    let mut tail = vec![0u8; pad(size)];
    tail.extend_from_slice(&packet);
    tail.extend(std::iter::repeat_n(0u8, pad(packet.len() as u64)));
    tail.extend_from_slice(&order.put16(new_count as u16));
    for e in &kept {
        tail.extend_from_slice(e);
    }
    tail.extend_from_slice(next);

    let mut header = head[..4].to_vec();
    header.extend_from_slice(&order.put32(ifd_at32));
    Ok(Plan::of(vec![Piece::Bytes(header), Piece::Original { offset: 8, len: size - 8 }, Piece::Bytes(tail)]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::stamped;

    fn tiff() -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut enc = ::tiff::encoder::TiffEncoder::new(&mut out).expect("encoder");
        let px: Vec<u8> = (0..(4 * 3 * 3)).map(|i| (i * 7) as u8).collect();
        enc.write_image::<::tiff::encoder::colortype::RGB8>(4, 3, &px).expect("image");
        out.into_inner()
    }

    fn pixels(file: &[u8]) -> Vec<u8> {
        let mut dec = ::tiff::decoder::Decoder::new(std::io::Cursor::new(file)).expect("decoder");
        match dec.read_image().expect("image") {
            ::tiff::decoder::DecodingResult::U8(v) => v,
            _ => panic!("not 8-bit"),
        }
    }

    #[test]
    fn the_directory_carries_xmp_and_the_pixels_stay() {
        let original = tiff();
        let out = stamped(original.clone(), "image/tiff");
        assert_eq!(pixels(&out), pixels(&original));
        let mut dec = ::tiff::decoder::Decoder::new(std::io::Cursor::new(&out)).expect("decoder");
        let xmp = dec.get_tag_u8_vec(::tiff::tags::Tag::Unknown(700)).expect("xmp tag");
        assert!(String::from_utf8_lossy(&xmp).contains("<vellum:AssetId>"));
        let twice = stamped(out, "image/tiff");
        let mut dec = ::tiff::decoder::Decoder::new(std::io::Cursor::new(&twice)).expect("decoder");
        assert!(dec.get_tag_u8_vec(::tiff::tags::Tag::Unknown(700)).is_ok());
    }
}
