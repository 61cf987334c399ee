#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde_json::json;

const XMP: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:ps="http://ns.adobe.com/photoshop/1.0/" ps:Credit="Studio X">
   <dc:creator><rdf:Seq><rdf:li>Jane Doe</rdf:li><rdf:li>John Roe</rdf:li></rdf:Seq></dc:creator>
   <dc:rights><rdf:Alt><rdf:li xml:lang="de">(c) DE</rdf:li><rdf:li xml:lang="x-default">(c) 2024 ACME</rdf:li></rdf:Alt></dc:rights>
   <dc:subject><rdf:Bag><rdf:li>beach</rdf:li><rdf:li>summer</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">
   <xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">Web only</rdf:li></rdf:Alt></xmpRights:UsageTerms>
   <Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource">
    <Iptc4xmpCore:CiEmailWork>jane@example.com</Iptc4xmpCore:CiEmailWork>
   </Iptc4xmpCore:CreatorContactInfo>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#;

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(body);
    s
}

fn iptc_record(dataset: u8, text: &str) -> Vec<u8> {
    let mut r = vec![0x1C, 2, dataset];
    r.extend_from_slice(&(text.len() as u16).to_be_bytes());
    r.extend_from_slice(text.as_bytes());
    r
}

fn icc_with_desc(desc: &str) -> Vec<u8> {
    let mut p = vec![0u8; 128];
    p[16..20].copy_from_slice(b"CMYK");
    p.extend_from_slice(&1u32.to_be_bytes());
    let tag_at = 128 + 4 + 12;
    let mut tag = b"desc\0\0\0\0".to_vec();
    tag.extend_from_slice(&((desc.len() + 1) as u32).to_be_bytes());
    tag.extend_from_slice(desc.as_bytes());
    tag.push(0);
    p.extend_from_slice(b"desc");
    p.extend_from_slice(&(tag_at as u32).to_be_bytes());
    p.extend_from_slice(&(tag.len() as u32).to_be_bytes());
    p.extend_from_slice(&tag);
    p
}

#[test]
fn xmp_properties() {
    let m = xmp::parse(XMP.as_bytes()).unwrap();
    assert_eq!(m["dc:creator"], json!(["Jane Doe", "John Roe"]));
    assert_eq!(m["dc:rights"], json!("(c) 2024 ACME"));
    assert_eq!(m["dc:subject"], json!(["beach", "summer"]));
    assert_eq!(m["photoshop:Credit"], json!("Studio X"));
    assert_eq!(m["xmpRights:UsageTerms"], json!("Web only"));
    assert_eq!(m["Iptc4xmpCore:CreatorContactInfo"], json!({"Iptc4xmpCore:CiEmailWork": "jane@example.com"}));
}

#[test]
fn xmp_with_a_dtd_is_refused() {
    let evil = r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>"#;
    assert!(xmp::parse(evil.as_bytes()).is_none());
}

#[test]
fn iptc_datasets() {
    let mut b = iptc_record(80, "Jane Doe");
    b.extend(iptc_record(25, "beach"));
    b.extend(iptc_record(25, "summer"));
    b.extend(iptc_record(116, "(c) ACME"));
    b.extend(iptc_record(5, "Title"));
    b.extend([0x1C, 1, 90, 0, 3, 0x1B, 0x25, 0x47]); // record 1 charset: skipped
    let m = iptc::parse(&b);
    assert_eq!(m["By-line"], json!("Jane Doe"));
    assert_eq!(m["Keywords"], json!(["beach", "summer"]));
    assert_eq!(m["CopyrightNotice"], json!("(c) ACME"));
    assert_eq!(m["ObjectName"], json!("Title"));
    // Latin-1 fallback and truncation safety.
    let latin = [0x1C, 2, 120, 0, 3, b'c', 0xE9, b'!'];
    assert_eq!(iptc::parse(&latin)["Caption-Abstract"], json!("cé!"));
    assert!(iptc::parse(&latin[..6]).is_empty());
}

#[test]
fn jpeg_segments_give_iptc_xmp_icc_and_cmyk() {
    let mut photoshop = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    let iptc = iptc_record(110, "Credit Line");
    photoshop.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
    photoshop.extend_from_slice(&iptc);
    let icc = icc_with_desc("U.S. Web Coated (SWOP) v2");
    let (a, b) = icc.split_at(100);
    let mut jpeg = vec![0xFF, 0xD8];
    // ICC chunks out of order: reassembled by sequence number.
    jpeg.extend(segment(0xE2, &[b"ICC_PROFILE\0\x02\x02".as_slice(), b].concat()));
    jpeg.extend(segment(0xE2, &[b"ICC_PROFILE\0\x01\x02".as_slice(), a].concat()));
    jpeg.extend(segment(0xED, &photoshop));
    jpeg.extend(segment(0xE1, &[b"http://ns.adobe.com/xap/1.0/\0".as_slice(), XMP.as_bytes()].concat()));
    jpeg.extend(segment(0xEE, b"Adobe\0\x64\0\0\0\0\x02"));
    jpeg.extend(segment(0xC0, &[8, 0, 20, 0, 30, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]));
    jpeg.extend([0xFF, 0xDA, 0, 2, 0xFF, 0xD9]);
    let info = extract_image(&jpeg, MediaType::Jpeg);
    assert_eq!((info.width, info.height), (Some(30), Some(20)));
    assert_eq!(info.color_profile.as_deref(), Some("U.S. Web Coated (SWOP) v2"));
    assert_eq!(info.iptc.unwrap()["Credit"], json!("Credit Line"));
    assert_eq!(info.xmp.unwrap()["dc:creator"], json!(["Jane Doe", "John Roe"]));
    assert_eq!(info.mime.as_deref(), Some("image/jpeg"));

    assert_eq!((info.color_space.as_deref(), info.bit_depth), (Some("CMYK"), Some(8)));

    // Without the ICC profile, the component count tells the colour model, and no profile is
    // claimed.
    let mut bare = vec![0xFF, 0xD8];
    bare.extend(segment(0xC0, &[8, 0, 20, 0, 30, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]));
    let info = extract_image(&bare, MediaType::Jpeg);
    assert_eq!((info.color_profile, info.color_space.as_deref()), (None, Some("CMYK")));
    let mut rgb = vec![0xFF, 0xD8];
    rgb.extend(segment(0xC0, &[8, 0, 20, 0, 30, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]));
    let info = extract_image(&rgb, MediaType::Jpeg);
    assert_eq!((info.color_profile, info.color_space.as_deref(), info.bit_depth), (None, Some("RGB"), Some(8)));
    let mut twelve = vec![0xFF, 0xD8];
    twelve.extend(segment(0xC1, &[12, 0, 20, 0, 30, 1, 1, 0x11, 0]));
    let info = extract_image(&twelve, MediaType::Jpeg);
    assert_eq!((info.color_space.as_deref(), info.bit_depth), (Some("Gray"), Some(12)));
}

#[test]
fn png_and_tiff_headers_give_the_bit_depth() {
    let png = |depth: u8, colour: u8| {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x04\0\0\0\x03".to_vec();
        b.extend([depth, colour, 0, 0, 0]);
        extract_image(&b, MediaType::Png)
    };
    assert_eq!((png(16, 6).bit_depth, png(16, 6).color_space.as_deref()), (Some(16), Some("RGB")));
    assert_eq!((png(2, 3).bit_depth, png(1, 0).color_space.as_deref()), (Some(8), Some("Gray")));
    assert_eq!(png(8, 2).color_profile, None);

    // A little-endian TIFF whose BitsPerSample (16, 16, 16) lies outside the entry.
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    let entries: [(u16, u16, u32, u32); 4] = [(256, 3, 1, 4), (257, 3, 1, 3), (258, 3, 3, 62), (262, 3, 1, 2)];
    t.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        t.extend(tag.to_le_bytes());
        t.extend(kind.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(value.to_le_bytes());
    }
    t.extend(0u32.to_le_bytes());
    assert_eq!(t.len(), 62);
    t.extend([16, 0, 16, 0, 16, 0]);
    let info = extract_image(&t, MediaType::Tiff);
    assert_eq!((info.bit_depth, info.color_space.as_deref(), info.color_profile), (Some(16), Some("RGB"), None));
}

#[test]
fn strip_gps_removes_every_location() {
    let mut info = MediaInfo {
        gps: Some(Gps { latitude: 1.0, longitude: 2.0, altitude: None }),
        exif: Some(json!({"Make": "X", "GPSLatitude": 1.0}).as_object().cloned().unwrap()),
        xmp: Some(json!({"exif:GPSLongitude": "2,0E", "dc:title": "t"}).as_object().cloned().unwrap()),
        ..Default::default()
    };
    strip_gps(&mut info);
    assert_eq!(info.gps, None);
    assert_eq!(info.exif.unwrap().keys().collect::<Vec<_>>(), ["Make"]);
    assert_eq!(info.xmp.unwrap().keys().collect::<Vec<_>>(), ["dc:title"]);
}

#[test]
fn garbage_never_panics() {
    for t in [MediaType::Jpeg, MediaType::Png, MediaType::Webp, MediaType::Tiff, MediaType::Psd, MediaType::Heic] {
        for len in 0..80 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 91 % 256) as u8).collect();
            let _ = extract_image(&junk, t);
            let _ = orientation(&junk, t);
        }
    }
}
