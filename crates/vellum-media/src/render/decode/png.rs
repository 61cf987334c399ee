//! PNG read a row at a time (the `png` crate, 16-bit and palettes normalised to 8-bit) and
//! box-reduced as rows arrive. Adam7-interlaced files deliver seven passes of partial rows;
//! their pixels land in the same cells, in whatever order they come.

use png::{ColorType, Transformations};

use super::{reducer, Decoded};
use crate::header::PixelLimits;
use crate::render::input::Source;
use crate::render::reduce::{convert, Layout, Order};
use crate::render::RenderError;

/// Adam7 passes: x step, x offset, y step, y offset.
const PASSES: [(u32, u32, u32, u32); 7] =
    [(8, 0, 8, 0), (8, 4, 8, 0), (4, 0, 8, 4), (4, 2, 4, 0), (2, 0, 4, 2), (2, 1, 2, 0), (1, 0, 2, 1)];

pub(crate) fn decode(
    r: Box<dyn Source + '_>,
    min_ratio: &dyn Fn(u32, u32) -> f64,
    limits: PixelLimits,
) -> Result<Decoded, RenderError> {
    // The limit bounds what the decoder itself allocates (text and profile chunks, row buffers).
    let mut d = png::Decoder::new_with_limits(r, png::Limits { bytes: 64 << 20 });
    d.set_transformations(Transformations::normalize_to_color8());
    let mut reader = d.read_info().map_err(err)?;
    let (w, h, interlaced) = {
        let info = reader.info();
        (info.width, info.height, info.interlaced)
    };
    let layout = match reader.output_color_type().0 {
        ColorType::Grayscale => Layout::Gray,
        ColorType::GrayscaleAlpha => Layout::GrayAlpha,
        ColorType::Rgb => Layout::Rgb,
        ColorType::Rgba => Layout::Rgba,
        ColorType::Indexed => return Err(RenderError::Decode("PNG palette was not expanded".into())),
    };
    let order = if interlaced { Order::Any } else { Order::Banded { rows: 1 } };
    let mut reducer = reducer(w, h, layout.has_alpha(), min_ratio, order, limits)?;
    let channels = reducer.channels();
    let mut row = Vec::new();
    let passes: Vec<(u32, u32, u32, u32)> = if interlaced { PASSES.to_vec() } else { vec![(1, 0, 1, 0)] };
    for (x_step, x0, y_step, y0) in passes {
        // As the png crate does, a pass with no pixels is skipped.
        let samples = w.saturating_sub(x0).div_ceil(x_step);
        let lines = h.saturating_sub(y0).div_ceil(y_step);
        if samples == 0 {
            continue;
        }
        for line in 0..lines {
            let data =
                reader.next_row().map_err(err)?.ok_or_else(|| RenderError::Decode("PNG: rows missing".into()))?;
            let data = data.data();
            if data.len() != samples as usize * layout.channels() {
                return Err(RenderError::Decode("PNG: unexpected row length".into()));
            }
            convert(data, layout, channels, &mut row);
            reducer.add(y0 + line * y_step, x0, x_step, &row)?;
        }
    }
    Ok(Decoded { pixels: reducer.finish(), full_w: w, full_h: h, converted: false })
}

fn err(e: png::DecodingError) -> RenderError {
    match e {
        png::DecodingError::LimitsExceeded => RenderError::Decode("PNG: a chunk is larger than allowed".into()),
        other => RenderError::Decode(format!("PNG: {other}")),
    }
}
