//! How close a rendition is to its source: PSNR over RGB and SSIM on luma against a reference
//! made the slow, careful way — the whole source decoded at full resolution and resized with a
//! Lanczos3 convolution straight to the rendition's size. Benchmark-only; not in the library.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use turbojpeg::PixelFormat;

/// 8-bit RGB pixels, rows packed.
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Decodes a JPEG to RGB at full size (libjpeg-turbo's default, smooth chroma upsampling).
pub fn decode_jpeg(bytes: &[u8]) -> Result<Rgb, String> {
    let image = turbojpeg::decompress(bytes, PixelFormat::RGB).map_err(|e| format!("decode: {e}"))?;
    let (width, height) = (to_u32(image.width)?, to_u32(image.height)?);
    Ok(Rgb { width, height, data: image.pixels })
}

/// Decodes a PNG to 8-bit RGB (a lossless rendition, to judge resampling alone).
pub fn decode_png(bytes: &[u8]) -> Result<Rgb, String> {
    let image = image::load_from_memory_with_format(bytes, image::ImageFormat::Png).map_err(|e| format!("png: {e}"))?;
    let image = image.to_rgb8();
    Ok(Rgb { width: image.width(), height: image.height(), data: image.into_raw() })
}

/// `full` resized with Lanczos3 to exactly `width`×`height`: what a thumbnail should look like.
pub fn reference(full: &Rgb, width: u32, height: u32) -> Result<Rgb, String> {
    let src = ImageRef::new(full.width, full.height, &full.data, PixelType::U8x3).map_err(|e| e.to_string())?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| e.to_string())?;
    Ok(Rgb { width, height, data: dst.into_vec() })
}

/// Peak signal-to-noise ratio in dB over all RGB samples (99 for identical images).
pub fn psnr(a: &Rgb, b: &Rgb) -> Result<f64, String> {
    same_size(a, b)?;
    let sum: u64 = a.data.iter().zip(&b.data).map(|(&x, &y)| u64::from(x.abs_diff(y)).pow(2)).sum();
    if sum == 0 {
        return Ok(99.0);
    }
    let mse = sum as f64 / a.data.len() as f64;
    Ok(10.0 * (255.0 * 255.0 / mse).log10())
}

/// Mean SSIM (Wang et al. 2004) on BT.601 luma with the usual 11×11 Gaussian window (σ 1.5),
/// over the positions where the window lies wholly inside the image.
pub fn ssim(a: &Rgb, b: &Rgb) -> Result<f64, String> {
    same_size(a, b)?;
    let (w, h) = (a.width as usize, a.height as usize);
    if w < WINDOW || h < WINDOW {
        return Err(format!("{w}×{h} is smaller than the SSIM window"));
    }
    let (x, y) = (luma(a), luma(b));
    let product = |p: &[f32], q: &[f32]| p.iter().zip(q).map(|(u, v)| u * v).collect::<Vec<f32>>();
    let mu_x = blur(&x, w, h);
    let mu_y = blur(&y, w, h);
    let xx = blur(&product(&x, &x), w, h);
    let yy = blur(&product(&y, &y), w, h);
    let xy = blur(&product(&x, &y), w, h);
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let mut total = 0.0;
    for i in 0..mu_x.len() {
        let (mx, my) = (f64::from(mu_x[i]), f64::from(mu_y[i]));
        let vx = f64::from(xx[i]) - mx * mx;
        let vy = f64::from(yy[i]) - my * my;
        let cov = f64::from(xy[i]) - mx * my;
        total += ((2.0 * mx * my + c1) * (2.0 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
    }
    Ok(total / mu_x.len() as f64)
}

const WINDOW: usize = 11;

fn luma(p: &Rgb) -> Vec<f32> {
    p.data
        .chunks_exact(3)
        .map(|c| 0.299 * f32::from(c[0]) + 0.587 * f32::from(c[1]) + 0.114 * f32::from(c[2]))
        .collect()
}

/// Separable Gaussian blur keeping only the "valid" part: (w - 10) × (h - 10) values.
fn blur(v: &[f32], w: usize, h: usize) -> Vec<f32> {
    let weights: Vec<f32> = {
        let raw: Vec<f64> = (0..WINDOW).map(|i| (-((i as f64 - 5.0).powi(2)) / (2.0 * 1.5 * 1.5)).exp()).collect();
        let sum: f64 = raw.iter().sum();
        raw.iter().map(|r| (r / sum) as f32).collect()
    };
    let (vw, vh) = (w - WINDOW + 1, h - WINDOW + 1);
    let mut rows = vec![0f32; vw * h];
    for y in 0..h {
        let line = &v[y * w..(y + 1) * w];
        for x in 0..vw {
            rows[y * vw + x] = line[x..x + WINDOW].iter().zip(&weights).map(|(p, k)| p * k).sum();
        }
    }
    let mut out = vec![0f32; vw * vh];
    for y in 0..vh {
        for x in 0..vw {
            out[y * vw + x] = (0..WINDOW).map(|k| rows[(y + k) * vw + x] * weights[k]).sum();
        }
    }
    out
}

fn same_size(a: &Rgb, b: &Rgb) -> Result<(), String> {
    if (a.width, a.height) != (b.width, b.height) || a.data.len() != b.data.len() {
        return Err(format!("sizes differ: {}×{} vs {}×{}", a.width, a.height, b.width, b.height));
    }
    Ok(())
}

fn to_u32(v: usize) -> Result<u32, String> {
    u32::try_from(v).map_err(|_| "image too large".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(w: u32, h: u32, seed: u64) -> Rgb {
        let mut rng = super::super::XorShift(seed);
        let mut data = vec![0u8; (w * h * 3) as usize];
        rng.fill(&mut data);
        Rgb { width: w, height: h, data }
    }

    #[test]
    fn identical_images_score_perfectly() {
        let a = noise(32, 24, 7);
        let b = Rgb { width: a.width, height: a.height, data: a.data.clone() };
        assert_eq!(psnr(&a, &b).unwrap(), 99.0);
        assert!((ssim(&a, &b).unwrap() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_uniform_error_gives_the_textbook_psnr() {
        let a = Rgb { width: 16, height: 16, data: vec![100; 16 * 16 * 3] };
        let b = Rgb { width: 16, height: 16, data: vec![110; 16 * 16 * 3] };
        // MSE 100 → 10·log10(65025 / 100) = 28.13 dB.
        assert!((psnr(&a, &b).unwrap() - 28.13).abs() < 0.01);
        let unrelated = ssim(&noise(32, 32, 1), &noise(32, 32, 2)).unwrap();
        assert!(unrelated < 0.1, "{unrelated}");
    }
}
