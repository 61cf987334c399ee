//! PNG: the XMP packet in an uncompressed `iTXt` chunk keyed `XML:com.adobe.xmp` right after
//! `IHDR`, replacing the file's own (merged) when it has one; image data is untouched.

use std::io::Read;

use super::{malformed, Piece, Plan, Record, Source, StampError};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const KEYWORD: &[u8] = b"XML:com.adobe.xmp";
const FORMAT: &str = "PNG";

/// The packet of an `iTXt` chunk's data, when it is the XMP one.
fn xmp_of(data: &[u8]) -> Option<Vec<u8>> {
    let rest = data.strip_prefix(KEYWORD)?.strip_prefix(b"\0")?;
    let (&compressed, rest) = rest.split_first()?;
    let rest = rest.get(1..)?;
    // Language tag and translated keyword, each ended by a NUL.
    let lang_end = rest.iter().position(|b| *b == 0)?;
    let rest = &rest[lang_end + 1..];
    let key_end = rest.iter().position(|b| *b == 0)?;
    let text = &rest[key_end + 1..];
    if compressed == 0 {
        return Some(text.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(text).take(16 << 20).read_to_end(&mut out).ok()?;
    Some(out)
}

fn chunk(packet: &str) -> Result<Vec<u8>, StampError> {
    let mut data = KEYWORD.to_vec();
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(packet.as_bytes());
    let len = u32::try_from(data.len()).map_err(|_| StampError::TooLarge(FORMAT))?;
    let mut c = len.to_be_bytes().to_vec();
    c.extend_from_slice(b"iTXt");
    c.extend_from_slice(&data);
    let mut crc = flate2::Crc::new();
    crc.update(&c[4..]);
    c.extend_from_slice(&crc.sum().to_be_bytes());
    Ok(c)
}

pub(super) fn plan(src: &mut dyn Source, record: &Record) -> Result<Plan, StampError> {
    let size = src.size();
    if src.exact(0, 8, FORMAT)? != SIGNATURE {
        return Err(malformed(FORMAT, "it does not start with the PNG signature"));
    }
    let mut at = 8u64;
    let mut after_header = None;
    let mut xmp = None;
    loop {
        let head = src.exact(at, 8, FORMAT)?;
        let len = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind = &head[4..8];
        let end = at + 12 + len;
        if end > size {
            return Err(malformed(FORMAT, format!("a chunk at byte {at} runs past the end")));
        }
        if at == 8 && kind != b"IHDR" {
            return Err(malformed(FORMAT, "the first chunk is not IHDR"));
        }
        if kind == b"IHDR" {
            after_header = Some(end);
        }
        if kind == b"iTXt" && xmp.is_none() && len <= 16 << 20 {
            let data = src.exact(at + 8, len as usize, FORMAT)?;
            if let Some(packet) = xmp_of(&data) {
                xmp = Some((at, end, packet));
            }
        }
        if kind == b"IDAT" || kind == b"IEND" {
            break;
        }
        at = end;
    }
    let after_header = after_header.ok_or_else(|| malformed(FORMAT, "no IHDR"))?;
    let (cut_from, cut_to, existing) = match &xmp {
        Some((s, e, p)) => (*s, *e, Some(p.as_slice())),
        None => (after_header, after_header, None),
    };
    Ok(Plan::of(vec![
        Piece::Original { offset: 0, len: cut_from },
        Piece::Bytes(chunk(&record.merged_into(existing))?),
        Piece::Original { offset: cut_to, len: size - cut_to },
    ]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::stamped;

    fn png() -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = ::png::Encoder::new(&mut out, 2, 2);
        enc.set_color(::png::ColorType::Rgb);
        let mut w = enc.write_header().expect("header");
        w.write_image_data(&[255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]).expect("data");
        drop(w);
        out
    }

    fn pixels(file: &[u8]) -> Vec<u8> {
        let mut dec = ::png::Decoder::new(std::io::Cursor::new(file)).read_info().expect("info");
        let mut buf = vec![0; dec.output_buffer_size().expect("size")];
        dec.next_frame(&mut buf).expect("frame");
        buf
    }

    #[test]
    fn the_chunk_decodes_and_the_pixels_stay() {
        let original = png();
        let out = stamped(original.clone(), "image/png");
        assert_eq!(pixels(&out), pixels(&original));
        let dec = ::png::Decoder::new(std::io::Cursor::new(&out)).read_info().expect("info");
        let text = dec.info().utf8_text.iter().find(|t| t.keyword == "XML:com.adobe.xmp").expect("iTXt");
        assert!(text.get_text().expect("text").contains("<vellum:Version>3</vellum:Version>"));
    }

    #[test]
    fn stamping_twice_keeps_one_xmp_chunk() {
        let once = stamped(png(), "image/png");
        let twice = stamped(once, "image/png");
        assert_eq!(twice.windows(4).filter(|w| w == b"iTXt").count(), 1);
    }
}
