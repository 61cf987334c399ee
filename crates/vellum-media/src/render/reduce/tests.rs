#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// The reduction computed the slow way: each cell the rounded mean of the pixels it covers.
fn naive(w: u32, h: u32, k: u32, px: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    for cy in 0..h.div_ceil(k) {
        for cx in 0..w.div_ceil(k) {
            let (mut sum, mut n) = ([0u32; 3], 0u32);
            for y in cy * k..((cy + 1) * k).min(h) {
                for x in cx * k..((cx + 1) * k).min(w) {
                    for (s, v) in sum.iter_mut().zip(px(x, y)) {
                        *s += u32::from(v);
                    }
                    n += 1;
                }
            }
            out.extend(sum.map(|s| ((s + n / 2) / n) as u8));
        }
    }
    out
}

fn pixel(x: u32, y: u32) -> [u8; 3] {
    [(x * 37 % 256) as u8, (y * 53 % 256) as u8, ((x + y) * 11 % 256) as u8]
}

fn row(w: u32, y: u32) -> Vec<u8> {
    (0..w).flat_map(|x| pixel(x, y)).collect()
}

#[test]
fn cells_are_the_mean_of_the_pixels_they_cover_edges_included() {
    let (w, h) = (23, 17);
    for k in [1, 2, 3, 5, 8] {
        let mut r = Reducer::new(w, h, 3, k, Order::Banded { rows: 1 }).unwrap();
        for y in 0..h {
            r.add(y, 0, 1, &row(w, y)).unwrap();
        }
        let p = r.finish();
        assert_eq!((p.width, p.height), (w.div_ceil(k), h.div_ceil(k)), "k {k}");
        assert_eq!(p.data, naive(w, h, k, pixel), "k {k}");
    }
}

#[test]
fn any_row_order_gives_the_same_cells() {
    let (w, h, k) = (31, 19, 4);
    let mut ordered = Reducer::new(w, h, 3, k, Order::Banded { rows: 1 }).unwrap();
    let mut any = Reducer::new(w, h, 3, k, Order::Any).unwrap();
    for y in 0..h {
        ordered.add(y, 0, 1, &row(w, y)).unwrap();
    }
    // Interlaced-style: every other row, then the rest, each as two strided halves.
    for y in (0..h).step_by(2).chain((1..h).step_by(2)) {
        let full = row(w, y);
        let even: Vec<u8> = full.chunks(3).step_by(2).flatten().copied().collect();
        let odd: Vec<u8> = full.chunks(3).skip(1).step_by(2).flatten().copied().collect();
        any.add(y, 0, 2, &even).unwrap();
        any.add(y, 1, 2, &odd).unwrap();
    }
    assert_eq!(ordered.finish().data, any.finish().data);
}

#[test]
fn bands_take_rows_of_tiles_and_refuse_to_go_back() {
    let (w, h, k) = (20, 20, 3);
    let mut tiles = Reducer::new(w, h, 3, k, Order::Banded { rows: 8 }).unwrap();
    // 8×8 tiles, a row of tiles at a time, each tile's rows in turn.
    for ty in 0..h.div_ceil(8) {
        for tx in 0..w.div_ceil(8) {
            for y in ty * 8..((ty + 1) * 8).min(h) {
                let full = row(w, y);
                let x0 = tx * 8;
                tiles.add(y, x0, 1, &full[x0 as usize * 3..(x0 as usize + 8).min(w as usize) * 3]).unwrap();
            }
        }
    }
    assert_eq!(tiles.finish().data, naive(w, h, k, pixel));
    let mut r = Reducer::new(w, 40, 3, 2, Order::Banded { rows: 1 }).unwrap();
    r.add(30, 0, 1, &row(w, 30)).unwrap();
    assert!(r.add(0, 0, 1, &row(w, 0)).is_err());
}

#[test]
fn colour_is_weighted_by_alpha() {
    let mut r = Reducer::new(2, 2, 4, 2, Order::Banded { rows: 1 }).unwrap();
    r.add(0, 0, 1, &[255, 0, 0, 255, 0, 0, 0, 0]).unwrap();
    r.add(1, 0, 1, &[0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    // One opaque red pixel among three transparent black ones: red, a quarter opaque.
    assert_eq!(r.finish().data, [255, 0, 0, 64]);
}

#[test]
fn the_factor_keeps_the_output_size_and_the_budget() {
    let preview = 2048.0 / 14_000.0;
    // 196 MP RGB read in order: three (the reduced copy, 65 MB, is at least twice the preview).
    assert_eq!(factor(14_000, 14_000, 3, preview, Order::Banded { rows: 1 }), 3);
    // In any order every cell's sums are kept too: the factor grows, never past the output size.
    assert_eq!(factor(14_000, 14_000, 4, preview, Order::Any), 6);
    // Small images are not reduced; a rendition as large as a mid-sized image neither.
    assert_eq!(factor(640, 480, 3, 400.0 / 640.0, Order::Banded { rows: 1 }), 1);
    assert_eq!(factor(6_000, 4_000, 3, 1.0, Order::Banded { rows: 1 }), 1);
    // A rendition nearly as large as a 196 MP image comes from a copy within the ceiling
    // (7,000 px a side, 147 MB), never the full-size 588 MB.
    assert_eq!(factor(14_000, 14_000, 3, 1.0, Order::Banded { rows: 1 }), 2);
    assert_eq!(factor(14_000, 14_000, 3, 8192.0 / 14_000.0, Order::Banded { rows: 1 }), 2);
    // Tiny outputs stop at the largest factor the sums allow.
    assert_eq!(factor(50_000, 4_000, 3, 9.0 / 50_000.0, Order::Banded { rows: 1 }), MAX_FACTOR);
}

#[test]
fn gray_and_alpha_layouts_convert() {
    let mut out = Vec::new();
    convert(&[7, 200], Layout::GrayAlpha, 4, &mut out);
    assert_eq!(out, [7, 7, 7, 200]);
    convert(&[9], Layout::Gray, 3, &mut out);
    assert_eq!(out, [9, 9, 9]);
    convert(&[1, 2, 3], Layout::Rgb, 4, &mut out);
    assert_eq!(out, [1, 2, 3, 255]);
}
