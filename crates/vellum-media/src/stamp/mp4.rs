//! MP4 and QuickTime: the XMP packet in a top-level `uuid` box appended at the end, so no
//! sample offset moves. An XMP box the file already has is renamed `free` in place (same size)
//! and its packet merged into the new one. A last box that runs "to the end of the file"
//! (size 0) cannot be followed, and such a file is not stamped.

use super::{malformed, Piece, Plan, Record, Source, StampError};

const FORMAT: &str = "MP4";
const XMP_UUID: [u8; 16] =
    [0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC];

pub(super) fn plan(src: &mut dyn Source, record: &Record) -> Result<Plan, StampError> {
    let size = src.size();
    let mut at = 0u64;
    let mut old = None;
    let mut boxes = 0;
    while at < size {
        let head = src.exact(at, 8, FORMAT)?;
        let small = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind = [head[4], head[5], head[6], head[7]];
        let (len, header) = match small {
            0 => return Err(malformed(FORMAT, "its last box runs to the end of the file")),
            1 => {
                let large = src.exact(at + 8, 8, FORMAT)?;
                (
                    u64::from_be_bytes([
                        large[0], large[1], large[2], large[3], large[4], large[5], large[6], large[7],
                    ]),
                    16,
                )
            }
            n => (n, 8),
        };
        if len < header || at + len > size {
            return Err(malformed(FORMAT, format!("a box at byte {at} has a bad size")));
        }
        if boxes == 0 && !matches!(&kind, b"ftyp" | b"wide" | b"free" | b"skip" | b"mdat" | b"moov") {
            return Err(malformed(FORMAT, "it does not start with a known box"));
        }
        if &kind == b"uuid" && old.is_none() && len >= header + 16 {
            let id = src.exact(at + header, 16, FORMAT)?;
            if id == XMP_UUID && len - header - 16 <= 16 << 20 {
                let packet = src.exact(at + header + 16, (len - header - 16) as usize, FORMAT)?;
                old = Some((at, packet));
            }
        }
        boxes += 1;
        at += len;
    }
    let packet = record.merged_into(old.as_ref().map(|(_, p)| p.as_slice()));
    let len = u32::try_from(8 + 16 + packet.len()).map_err(|_| StampError::TooLarge(FORMAT))?;
    let mut tail = len.to_be_bytes().to_vec();
    tail.extend_from_slice(b"uuid");
    tail.extend_from_slice(&XMP_UUID);
    tail.extend_from_slice(packet.as_bytes());
    let pieces = match old {
        Some((box_at, _)) => vec![
            Piece::Original { offset: 0, len: box_at + 4 },
            Piece::Bytes(b"free".to_vec()),
            Piece::Original { offset: box_at + 8, len: size - box_at - 8 },
            Piece::Bytes(tail),
        ],
        None => vec![Piece::Original { offset: 0, len: size }, Piece::Bytes(tail)],
    };
    Ok(Plan::of(pieces))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::stamped;

    fn mp4() -> Vec<u8> {
        let mut f = Vec::new();
        for (kind, body) in [(b"ftyp", &b"isom\0\0\x02\0"[..]), (b"moov", &[0u8; 8][..]), (b"mdat", &[7u8; 5][..])] {
            f.extend_from_slice(&((8 + body.len()) as u32).to_be_bytes());
            f.extend_from_slice(kind);
            f.extend_from_slice(body);
        }
        f
    }

    #[test]
    fn the_box_is_appended_and_an_old_one_freed() {
        let original = mp4();
        let once = stamped(original.clone(), "video/mp4");
        assert!(once.starts_with(&original));
        assert_eq!(&once[original.len() + 4..original.len() + 8], b"uuid");
        let twice = stamped(once.clone(), "video/mp4");
        assert_eq!(&twice[original.len() + 4..original.len() + 8], b"free");
        assert_eq!(twice.windows(4).filter(|w| w == b"uuid").count(), 1);
    }

    #[test]
    fn a_box_to_the_end_of_the_file_is_not_followed() {
        let mut f = mp4();
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.extend_from_slice(b"mdat");
        let mut src = super::super::test_support::Mem(f);
        assert!(super::plan(&mut src, &super::super::test_support::record()).is_err());
    }
}
