#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::render::{render_image, Fit, Format, RenderError, RenditionSpec};
use crate::PixelLimits;

/// A PSD whose composite has one value per channel (3 for RGB, 1 gray, 4 CMYK), stored raw
/// or PackBits-compressed.
pub fn psd(width: u32, height: u32, mode: u16, values: &[u8], packbits: bool) -> Vec<u8> {
    let mut b = b"8BPS".to_vec();
    b.extend_from_slice(&1u16.to_be_bytes());
    b.extend_from_slice(&[0; 6]);
    b.extend_from_slice(&(values.len() as u16).to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&8u16.to_be_bytes());
    b.extend_from_slice(&mode.to_be_bytes());
    for _ in 0..3 {
        b.extend_from_slice(&0u32.to_be_bytes());
    }
    if packbits {
        b.extend_from_slice(&1u16.to_be_bytes());
        // Each row: one repeat run of `width` bytes (width ≤ 128).
        for _ in 0..values.len() as u32 * height {
            b.extend_from_slice(&2u16.to_be_bytes());
        }
        for &c in values {
            for _ in 0..height {
                b.push((1i16 - width as i16) as i8 as u8);
                b.push(c);
            }
        }
    } else {
        b.extend_from_slice(&0u16.to_be_bytes());
        for &c in values {
            b.extend(std::iter::repeat_n(c, (width * height) as usize));
        }
    }
    b
}

/// Size and middle pixel of `bytes` rendered as a PNG no larger than 64 px.
fn render(bytes: &[u8]) -> (u32, u32, [u8; 3]) {
    let spec =
        RenditionSpec { width: 64, height: 64, fit: Fit::Contain, format: Format::Png, quality: 90, focal: None };
    let png = render_image(bytes, &spec, PixelLimits::default()).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    (img.width(), img.height(), img.get_pixel(img.width() / 2, img.height() / 2).0)
}

#[test]
fn raw_and_packbits_composites_flatten() {
    assert_eq!(render(&psd(20, 10, 3, &[200, 30, 40], false)), (20, 10, [200, 30, 40]));
    assert_eq!(render(&psd(16, 8, 3, &[10, 220, 90], true)), (16, 8, [10, 220, 90]));
    assert_eq!(render(&psd(16, 8, 1, &[77], true)), (16, 8, [77, 77, 77]));
    // CMYK as Photoshop stores it (inverted): no ink but full magenta and yellow is red.
    assert_eq!(render(&psd(12, 6, 4, &[255, 0, 0, 255], false)), (12, 6, [255, 0, 0]));
}

#[test]
fn large_composites_are_reduced_while_read() {
    // 128×100 to at most 64 px: rows are box-reduced on the way in, the colour survives.
    assert_eq!(render(&psd(128, 100, 3, &[30, 120, 200], true)), (64, 50, [30, 120, 200]));
}

#[test]
fn hostile_files_fail_cleanly() {
    let limits = PixelLimits::default();
    let spec = RenditionSpec::thumbnail();
    let mut truncated = psd(20, 10, 3, &[1, 2, 3], false);
    truncated.truncate(60);
    assert!(matches!(render_image(&truncated, &spec, limits), Err(RenderError::Decode(_))));
    let mut short_rows = psd(16, 8, 3, &[1, 2, 3], true);
    short_rows.truncate(short_rows.len() - 5);
    assert!(matches!(render_image(&short_rows, &spec, limits), Err(RenderError::Decode(_))));
    let mut bomb = psd(1, 1, 3, &[1, 2, 3], false);
    bomb[14..18].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[18..22].copy_from_slice(&100_000u32.to_be_bytes());
    assert!(matches!(render_image(&bomb, &spec, limits), Err(RenderError::TooLarge { .. })));
    assert!(render_image(b"8BPS not a psd at all", &spec, limits).is_err());
    assert!(matches!(render_image(&psd(4, 4, 2, &[1], false), &spec, limits), Err(RenderError::Unsupported(_))));
}
