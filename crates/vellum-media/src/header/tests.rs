#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b
}

fn bmff_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

#[test]
fn png_ihdr() {
    assert_eq!(dimensions(&png(640, 480)), Some((640, 480)));
    assert_eq!(dimensions(&png(640, 480)[..20]), None);
}

#[test]
fn png_bomb_fails_the_check() {
    let bomb = png(100_000, 100_000);
    assert_eq!(check(&bomb, PixelLimits::default()), Err((100_000, 100_000)));
    assert_eq!(check(&png(4000, 3000), PixelLimits::default()), Ok(()));
    // Too many pixels while each side is within max_side.
    assert_eq!(check(&png(20_000, 20_000), PixelLimits::default()), Err((20_000, 20_000)));
    // Unknown content passes (nothing declared).
    assert_eq!(check(b"hello", PixelLimits::default()), Ok(()));
}

#[test]
fn jpeg_sof_after_app_segments() {
    let mut b = vec![0xFF, 0xD8];
    b.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[0xFF, 0xDB, 0, 4, 0, 0]); // a (bogus) DQT
    b.extend_from_slice(&[0xFF, 0xC2, 0, 17, 8, 0x0B, 0xB8, 0x0F, 0xA0, 3]); // progressive 4000x3000
    assert_eq!(dimensions(&b), Some((4000, 3000)));
    // Stops at SOS without a frame header.
    assert_eq!(dimensions(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
    // DHT (C4) is not a frame header.
    let dht = [0xFF, 0xD8, 0xFF, 0xC4, 0, 4, 1, 2, 0xFF, 0xC0, 0, 11, 8, 0, 10, 0, 20, 1];
    assert_eq!(dimensions(&dht), Some((20, 10)));
}

#[test]
fn gif_webp_psd_bmp() {
    assert_eq!(dimensions(b"GIF89a\x40\x01\xF0\x00"), Some((320, 240)));

    let mut vp8 = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0\0\0\x9d\x01\x2a".to_vec();
    vp8.extend_from_slice(&320u16.to_le_bytes());
    vp8.extend_from_slice(&240u16.to_le_bytes());
    assert_eq!(dimensions(&vp8), Some((320, 240)));

    let bits: u32 = (320 - 1) | ((240 - 1) << 14);
    let mut vp8l = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
    vp8l.extend_from_slice(&bits.to_le_bytes());
    assert_eq!(dimensions(&vp8l), Some((320, 240)));

    let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
    vp8x.extend_from_slice(&[0x3F, 0x01, 0x00, 0xEF, 0x00, 0x00]);
    assert_eq!(dimensions(&vp8x), Some((320, 240)));

    let mut psd = b"8BPS\0\x01\0\0\0\0\0\0\0\x03".to_vec();
    psd.extend_from_slice(&240u32.to_be_bytes());
    psd.extend_from_slice(&320u32.to_be_bytes());
    assert_eq!(dimensions(&psd), Some((320, 240)));

    let mut bmp = b"BM\0\0\0\0\0\0\0\0\0\0\0\0".to_vec();
    bmp.extend_from_slice(&40u32.to_le_bytes());
    bmp.extend_from_slice(&320i32.to_le_bytes());
    bmp.extend_from_slice(&(-240i32).to_le_bytes());
    assert_eq!(dimensions(&bmp), Some((320, 240)));
}

#[test]
fn tiff_first_ifd_both_byte_orders() {
    // II: IFD at 8 with ImageWidth (SHORT) and ImageLength (LONG).
    let mut le = b"II*\0\x08\0\0\0".to_vec();
    le.extend_from_slice(&2u16.to_le_bytes());
    le.extend_from_slice(&[0x00, 0x01, 3, 0, 1, 0, 0, 0, 0x40, 0x01, 0, 0]);
    le.extend_from_slice(&[0x01, 0x01, 4, 0, 1, 0, 0, 0, 0xF0, 0, 0, 0]);
    assert_eq!(dimensions(&le), Some((320, 240)));

    let mut be = b"MM\0*\0\0\0\x08".to_vec();
    be.extend_from_slice(&2u16.to_be_bytes());
    be.extend_from_slice(&[0x01, 0x00, 0, 4, 0, 0, 0, 1, 0, 0, 0x01, 0x40]);
    be.extend_from_slice(&[0x01, 0x01, 0, 3, 0, 0, 0, 1, 0, 0xF0, 0, 0]);
    assert_eq!(dimensions(&be), Some((320, 240)));
}

#[test]
fn heic_ispe_largest_extent() {
    let ispe = |w: u32, h: u32| {
        let mut body = vec![0, 0, 0, 0];
        body.extend_from_slice(&w.to_be_bytes());
        body.extend_from_slice(&h.to_be_bytes());
        bmff_box(b"ispe", &body)
    };
    let mut ipco_body = ispe(512, 512);
    ipco_body.extend(ispe(4032, 3024));
    let iprp = bmff_box(b"iprp", &bmff_box(b"ipco", &ipco_body));
    let mut meta_body = vec![0, 0, 0, 0];
    meta_body.extend(bmff_box(b"hdlr", &[0; 24]));
    meta_body.extend(iprp);
    let mut file = bmff_box(b"ftyp", b"heic\0\0\0\0mif1heic");
    file.extend(bmff_box(b"meta", &meta_body));
    assert_eq!(dimensions(&file), Some((4032, 3024)));
}

#[test]
fn garbage_never_panics() {
    for len in 0..64 {
        let junk: Vec<u8> = (0..len).map(|i| (i * 37 % 251) as u8).collect();
        for prefix in [&b"\xFF\xD8"[..], b"RIFF\0\0\0\0WEBPVP8X", b"II*\0", b"\0\0\0\x10ftyp", b"BM", b"8BPS"] {
            let mut b = prefix.to_vec();
            b.extend_from_slice(&junk);
            let _ = dimensions(&b);
        }
    }
}

/// A JPEG head up to a frame header of `marker` with the given sampling factors.
fn jpeg_frame(marker: u8, sampling: &[u8]) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, marker];
    b.extend_from_slice(&(8 + 3 * sampling.len() as u16).to_be_bytes());
    b.extend_from_slice(&[8, 0x1F, 0x40, 0x1F, 0x40, sampling.len() as u8]); // 8000×8000
    for (i, s) in sampling.iter().enumerate() {
        b.extend_from_slice(&[i as u8 + 1, *s, 0]);
    }
    b
}

#[test]
fn progressive_jpeg_limit_follows_its_coefficients() {
    let limits = PixelLimits::default();
    let at = |marker, sampling: &[u8]| limits.max_pixels_for(holding(&jpeg_frame(marker, sampling)));
    assert_eq!(holding(&jpeg_frame(0xC0, &[0x22, 0x11, 0x11])), Holding::Reduced);
    assert_eq!(at(0xC2, &[0x11, 0x11, 0x11]), 64_000_000, "4:4:4, three coefficients a pixel");
    assert_eq!(at(0xC2, &[0x22, 0x11, 0x11]), 128_000_000, "4:2:0, one and a half");
    assert_eq!(at(0xC2, &[0x11]), 192_000_000, "grayscale, one");
    assert_eq!(at(0xC2, &[0x11, 0x11, 0x11, 0x11]), 48_000_000, "CMYK, four");
    assert_eq!(at(0xC3, &[0x11, 0x11, 0x11]), 64_000_000, "lossless: never decoded at a reduced size");
    // 8000×8000 progressive 4:4:4 is at the limit; one row more is over it.
    assert_eq!(check(&jpeg_frame(0xC2, &[0x11, 0x11, 0x11]), limits), Ok(()));
    let mut taller = jpeg_frame(0xC2, &[0x11, 0x11, 0x11]);
    taller[7..9].copy_from_slice(&8001u16.to_be_bytes());
    assert_eq!(check(&taller, limits), Err((8000, 8001)));
}

#[test]
fn webp_and_heic_limits_follow_their_decoders() {
    let limits = PixelLimits::default();
    let mut lossy = b"RIFF\0\0\0\0WEBPVP8 \x0a\0\0\0\0\0\0\x9d\x01\x2a".to_vec();
    lossy.extend_from_slice(&[0x3F, 0x01, 0xEF, 0x00]);
    assert_eq!(holding(&lossy), Holding::Reduced);
    let lossless = b"RIFF\0\0\0\0WEBPVP8L\x05\0\0\0\x2f\0\0\0\0".to_vec();
    assert_eq!(holding(&lossless), Holding::WholeWebp);
    // Extended: the flags announce an animation; otherwise the picture chunk tells.
    let vp8x = |flags: u8, then: &[u8]| {
        let mut b = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0".to_vec();
        b.extend_from_slice(&[flags, 0, 0, 0, 0x3F, 0x01, 0x00, 0xEF, 0x00, 0x00]);
        b.extend_from_slice(then);
        b
    };
    assert_eq!(holding(&vp8x(0x02, b"ANIM")), Holding::WholeWebp);
    assert_eq!(holding(&vp8x(0x20, b"ICCP\x02\0\0\0abVP8 \0\0\0\0")), Holding::Reduced);
    assert_eq!(holding(&vp8x(0x00, b"VP8L\0\0\0\0")), Holding::WholeWebp);
    assert_eq!(holding(&vp8x(0x00, b"")), Holding::WholeWebp, "unknown until the picture chunk");
    assert_eq!(limits.max_pixels_for(Holding::WholeWebp), 64_000_000);
    let heic = bmff_box(b"ftyp", b"heic\0\0\0\0mif1heic");
    assert_eq!(holding(&heic), Holding::Heic);
    assert_eq!(limits.max_pixels_for(Holding::Heic), 80_000_000);
    assert_eq!(limits.max_pixels_for(Holding::Reduced), 200_000_000);
}
