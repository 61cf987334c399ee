//! GIF's first frame read a row at a time (the `gif` crate, palette expanded to RGBA) and
//! box-reduced as rows arrive, placed on the logical screen as the `image` crate does: the
//! frame at its offset, the rest transparent. Interlaced frames arrive in four passes.

use gif::{ColorOutput, DecodeOptions};

use super::{reducer, Decoded};
use crate::header::PixelLimits;
use crate::render::input::Source;
use crate::render::reduce::Order;
use crate::render::RenderError;

pub(crate) fn decode(
    r: Box<dyn Source + '_>,
    min_ratio: &dyn Fn(u32, u32) -> f64,
    limits: PixelLimits,
) -> Result<Decoded, RenderError> {
    let mut options = DecodeOptions::new();
    options.set_color_output(ColorOutput::RGBA);
    let mut d = options.read_info(r).map_err(err)?;
    let (w, h) = (u32::from(d.width()), u32::from(d.height()));
    let frame = d.next_frame_info().map_err(err)?.ok_or_else(|| RenderError::Decode("GIF has no frame".into()))?;
    let (left, top) = (u32::from(frame.left), u32::from(frame.top));
    let (fw, fh, interlaced) = (u32::from(frame.width), u32::from(frame.height), frame.interlaced);
    let order = if interlaced { Order::Any } else { Order::Banded { rows: 1 } };
    let mut reducer = reducer(w, h, true, min_ratio, order, limits)?;
    let mut row = vec![0u8; fw as usize * 4];
    for i in 0..fh {
        if row.is_empty() {
            break;
        }
        if !d.fill_buffer(&mut row).map_err(err)? {
            return Err(RenderError::Decode("GIF: image truncated".into()));
        }
        let y = if interlaced { interlaced_row(i, fh) } else { i };
        reducer.add(top + y, left, 1, &row)?;
    }
    Ok(Decoded { pixels: reducer.finish(), full_w: w, full_h: h, converted: false })
}

/// The frame row that the `i`-th row of an interlaced frame `height` rows tall belongs to:
/// every 8th row from 0, every 8th from 4, every 4th from 2, then every 2nd from 1.
fn interlaced_row(i: u32, height: u32) -> u32 {
    let mut i = i;
    for (start, step) in [(0, 8), (4, 8), (2, 4), (1, 2)] {
        let rows = height.saturating_sub(start).div_ceil(step);
        if i < rows {
            return start + i * step;
        }
        i -= rows;
    }
    height
}

fn err(e: gif::DecodingError) -> RenderError {
    RenderError::Decode(format!("GIF: {e}"))
}

#[cfg(test)]
mod tests {
    use super::interlaced_row;

    #[test]
    fn interlaced_rows_cover_every_row_once() {
        for height in [1, 2, 3, 5, 8, 9, 17, 100] {
            let mut rows: Vec<u32> = (0..height).map(|i| interlaced_row(i, height)).collect();
            rows.sort_unstable();
            assert_eq!(rows, (0..height).collect::<Vec<_>>(), "height {height}");
        }
        assert_eq!((0..10).map(|i| interlaced_row(i, 10)).collect::<Vec<_>>(), [0, 8, 4, 2, 6, 1, 3, 5, 7, 9]);
    }
}
