#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn zip_with(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for name in names {
        let data = b"x";
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes()); // compressed size
        out.extend_from_slice(&(data.len() as u32).to_le_bytes()); // uncompressed size
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
    }
    out
}

#[test]
fn images() {
    assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]), MediaType::Jpeg);
    assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), MediaType::Png);
    assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), MediaType::Gif);
    assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), MediaType::Webp);
    assert_eq!(sniff(b"II*\0\x08\0\0\0"), MediaType::Tiff);
    assert_eq!(sniff(b"MM\0*\0\0\0\x08"), MediaType::Tiff);
    assert_eq!(sniff(b"8BPS\0\x01"), MediaType::Psd);
    assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), MediaType::Heic);
    assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0mif1avif"), MediaType::Unknown);
    assert_eq!(sniff(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), MediaType::Svg);
    assert_eq!(sniff(b"  <svg width=\"10\"></svg>"), MediaType::Svg);
}

#[test]
fn documents() {
    assert_eq!(sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), MediaType::Pdf);
    assert_eq!(sniff(b"%!PS-Adobe-3.0 EPSF-3.0\n"), MediaType::PostScript);
    assert_eq!(sniff(&[0xC5, 0xD0, 0xD3, 0xC6, 0, 0]), MediaType::PostScript);
    assert_eq!(sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]), MediaType::LegacyOffice);
    assert_eq!(sniff(b"<!DOCTYPE html><html><body>hi"), MediaType::Html);
    assert_eq!(sniff(b"\n  <HTML><head>"), MediaType::Html);
    assert_eq!(sniff("plain words, ünïcödé\n".as_bytes()), MediaType::Text);
    assert_eq!(sniff(&[0, 1, 2, 3, 200, 201]), MediaType::Unknown);
    assert_eq!(sniff(b""), MediaType::Unknown);
}

#[test]
fn zips_and_office() {
    let docx = zip_with(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
    assert_eq!(sniff(&docx), MediaType::OfficeDocument);
    assert_eq!(office_mime(&docx), Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
    let xlsx = zip_with(&["_rels/.rels", "xl/workbook.xml", "[Content_Types].xml"]);
    assert_eq!(sniff(&xlsx), MediaType::OfficeDocument);
    let odt = zip_with(&["mimetype"]);
    assert_eq!(sniff(&odt), MediaType::OfficeDocument);
    let plain = zip_with(&["a.txt", "b/c.png"]);
    assert_eq!(sniff(&plain), MediaType::Zip);
    assert_eq!(office_mime(&plain), None);
    assert_eq!(sniff(b"PK\x05\x06\0\0\0\0"), MediaType::Zip);
}

#[test]
fn video_and_audio() {
    assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41"), MediaType::Mp4);
    assert_eq!(sniff(b"\0\0\0\x14ftypqt  \0\0\x02\0qt  "), MediaType::QuickTime);
    assert_eq!(sniff(b"\0\0\0\x08wide\0\0\0\0mdat"), MediaType::QuickTime);
    assert_eq!(sniff(b"\0\0\0\x18ftypM4A \0\0\0\0M4A mp42"), MediaType::Aac);
    assert_eq!(sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"), MediaType::Webm);
    assert_eq!(sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska"), MediaType::Matroska);
    assert_eq!(sniff(b"RIFF\0\0\0\0AVI LIST"), MediaType::Avi);
    assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), MediaType::Wav);
    assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0\xFF\xFB\x90\x00"), MediaType::Mp3);
    assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0\xFF\xF1\x50\x80"), MediaType::Aac);
    assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x00]), MediaType::Mp3);
    assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80]), MediaType::Aac);
    assert_eq!(sniff(b"OggS\0\x02"), MediaType::Ogg);
    assert_eq!(sniff(b"fLaC\0\0\0\x22"), MediaType::Flac);
}

#[test]
fn polyglots_follow_the_first_magic() {
    let mut pdf_with_jpeg = b"%PDF-1.4\n1 0 obj<<>>stream\n".to_vec();
    pdf_with_jpeg.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F']);
    assert_eq!(sniff(&pdf_with_jpeg), MediaType::Pdf);

    // GIF header first, JPEG later: GIF. JPEG first, GIF later: JPEG.
    let mut gif_then_jpeg = b"GIF89a\x01\0\x01\0".to_vec();
    gif_then_jpeg.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    assert_eq!(sniff(&gif_then_jpeg), MediaType::Gif);
    let mut jpeg_then_gif = vec![0xFF, 0xD8, 0xFF, 0xFE, 0, 8];
    jpeg_then_gif.extend_from_slice(b"GIF89a");
    assert_eq!(sniff(&jpeg_then_gif), MediaType::Jpeg);

    // A JPEG whose comment mentions %PDF- stays a JPEG.
    let mut jpeg_with_pdf = vec![0xFF, 0xD8, 0xFF, 0xFE, 0, 10];
    jpeg_with_pdf.extend_from_slice(b"%PDF-1.4");
    assert_eq!(sniff(&jpeg_with_pdf), MediaType::Jpeg);

    // Leading junk before %PDF- (accepted by readers) is still a PDF; an HTML page is not.
    assert_eq!(sniff(b"junk\n%PDF-1.5\n"), MediaType::Pdf);
}

#[test]
fn mime_and_families() {
    assert_eq!(MediaType::Jpeg.mime(), "image/jpeg");
    assert!(MediaType::Heic.is_image() && !MediaType::Heic.is_video());
    assert!(MediaType::QuickTime.is_video() && MediaType::Flac.is_audio());
    assert!(!MediaType::Pdf.is_image());
    assert_eq!(serde_json::to_string(&MediaType::PostScript).unwrap(), "\"post_script\"");
    for t in [MediaType::OfficeDocument, MediaType::LegacyOffice, MediaType::QuickTime] {
        assert_eq!(serde_json::to_value(t).unwrap(), serde_json::Value::from(t.as_str()));
    }
}
