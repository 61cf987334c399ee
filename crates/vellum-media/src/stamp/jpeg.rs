//! JPEG: the XMP packet in an APP1 segment after the JFIF/EXIF segments, replacing the file's
//! own XMP segment (merged) when it has one; the scan data is the original's bytes.

use super::{malformed, Piece, Plan, Record, Source, StampError};

const XMP_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const FORMAT: &str = "JPEG";

/// Where the file's segments before the scan lie.
struct Layout {
    /// Where the new segment goes when the file has no XMP: after the leading APP0/APP1 run.
    insert_at: u64,
    /// The file's own XMP segment (start, end) and its packet.
    xmp: Option<(u64, u64, Vec<u8>)>,
}

fn layout(src: &mut dyn Source) -> Result<Layout, StampError> {
    if src.exact(0, 2, FORMAT)? != [0xFF, 0xD8] {
        return Err(malformed(FORMAT, "it does not start with SOI"));
    }
    let mut at = 2u64;
    let mut insert_at = None;
    let mut xmp = None;
    loop {
        let head = src.exact(at, 4, FORMAT)?;
        if head[0] != 0xFF {
            return Err(malformed(FORMAT, format!("no marker at byte {at}")));
        }
        let marker = head[1];
        if marker == 0xFF {
            // Fill byte.
            at += 1;
            continue;
        }
        // Start of scan, or a marker without a length: the headers are over.
        if marker == 0xDA || marker == 0xD9 || (0xD0..=0xD7).contains(&marker) {
            break;
        }
        let len = u64::from(u16::from_be_bytes([head[2], head[3]]));
        if len < 2 {
            return Err(malformed(FORMAT, format!("a segment at byte {at} has length {len}")));
        }
        let end = at + 2 + len;
        if !matches!(marker, 0xE0 | 0xE1) && insert_at.is_none() {
            insert_at = Some(at);
        }
        if marker == 0xE1 && xmp.is_none() && len as usize >= 2 + XMP_HEADER.len() {
            let body = src.exact(at + 4, len as usize - 2, FORMAT)?;
            if let Some(packet) = body.strip_prefix(XMP_HEADER) {
                xmp = Some((at, end, packet.to_vec()));
            }
        }
        at = end;
    }
    Ok(Layout { insert_at: insert_at.unwrap_or(at), xmp })
}

fn segment(packet: &str) -> Result<Vec<u8>, StampError> {
    let len = 2 + XMP_HEADER.len() + packet.len();
    let len = u16::try_from(len).map_err(|_| StampError::TooLarge(FORMAT))?;
    let mut s = vec![0xFF, 0xE1];
    s.extend_from_slice(&len.to_be_bytes());
    s.extend_from_slice(XMP_HEADER);
    s.extend_from_slice(packet.as_bytes());
    Ok(s)
}

pub(super) fn plan(src: &mut dyn Source, record: &Record) -> Result<Plan, StampError> {
    let size = src.size();
    let l = layout(src)?;
    let (cut_from, cut_to, existing) = match &l.xmp {
        Some((s, e, p)) => (*s, *e, Some(p.as_slice())),
        None => (l.insert_at, l.insert_at, None),
    };
    let seg = segment(&record.merged_into(existing))?;
    Ok(Plan::of(vec![
        Piece::Original { offset: 0, len: cut_from },
        Piece::Bytes(seg),
        Piece::Original { offset: cut_to, len: size - cut_to },
    ]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::stamped;

    fn jpeg(segments: &[(u8, &[u8])]) -> Vec<u8> {
        let mut f = vec![0xFF, 0xD8];
        for (m, body) in segments {
            f.extend_from_slice(&[0xFF, *m]);
            f.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            f.extend_from_slice(body);
        }
        f.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]);
        f
    }

    #[test]
    fn the_segment_goes_after_exif_and_the_rest_is_untouched() {
        let exif: &[u8] = b"Exif\0\0MM-data";
        let original = jpeg(&[(0xE0, b"JFIF\0"), (0xE1, exif), (0xDB, b"qt")]);
        let out = stamped(original.clone(), "image/jpeg");
        let xmp_at = out.windows(4).position(|w| w == b"http").expect("xmp");
        let exif_at = out.windows(4).position(|w| w == b"Exif").expect("exif");
        let dqt_at = out.windows(2).position(|w| w == [0xFF, 0xDB]).expect("dqt");
        assert!(exif_at < xmp_at && xmp_at < dqt_at);
        assert!(out.ends_with(&original[original.len() - 15..]));
        assert!(String::from_utf8_lossy(&out).contains("<vellum:Version>3</vellum:Version>"));
    }

    #[test]
    fn an_existing_packet_is_replaced_by_the_merged_one() {
        let mut body = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
        body.extend_from_slice(
            b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:format>image/jpeg</dc:format></rdf:Description></rdf:RDF></x:xmpmeta>",
        );
        let out = stamped(jpeg(&[(0xE1, &body)]), "image/jpeg");
        let text = String::from_utf8_lossy(&out);
        assert_eq!(text.matches("http://ns.adobe.com/xap/1.0/\0").count(), 1);
        assert!(text.contains("<dc:format>image/jpeg</dc:format>"));
        assert!(text.contains("vellum:OriginalSha256"));
    }

    #[test]
    fn a_file_that_is_not_a_jpeg_is_refused() {
        let mut src = super::super::test_support::Mem(b"GIF89a".to_vec());
        assert!(super::plan(&mut src, &super::super::test_support::record()).is_err());
    }
}
