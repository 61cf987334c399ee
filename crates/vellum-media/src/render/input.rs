//! Where an image's bytes come from: memory, or a file in the job's folder that decoders read
//! piece by piece, so a large file is never held whole.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek};
use std::path::Path;

use super::RenderError;

/// Bytes read to recognise a file and check its declared size.
pub(crate) const HEAD: usize = 64 * 1024;

/// Something a streaming decoder can read from.
pub(crate) trait Source: BufRead + Seek {}
impl<T: BufRead + Seek> Source for T {}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Input<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
}

impl<'a> Input<'a> {
    /// A reader over the whole input.
    pub fn reader(&self) -> Result<Box<dyn Source + 'a>, RenderError> {
        Ok(match *self {
            Input::Bytes(b) => Box::new(Cursor::new(b)),
            Input::File(p) => Box::new(BufReader::with_capacity(256 * 1024, File::open(p).map_err(io)?)),
        })
    }

    /// All bytes, for decoders that need them in memory (JPEG, small WebP).
    pub fn bytes(&self) -> Result<Cow<'a, [u8]>, RenderError> {
        Ok(match *self {
            Input::Bytes(b) => Cow::Borrowed(b),
            Input::File(p) => Cow::Owned(std::fs::read(p).map_err(io)?),
        })
    }

    /// The first [`HEAD`] bytes (fewer for a shorter input).
    pub fn head(&self) -> Result<Cow<'a, [u8]>, RenderError> {
        Ok(match *self {
            Input::Bytes(b) => Cow::Borrowed(&b[..b.len().min(HEAD)]),
            Input::File(p) => {
                let mut head = Vec::with_capacity(HEAD);
                File::open(p).map_err(io)?.take(HEAD as u64).read_to_end(&mut head).map_err(io)?;
                Cow::Owned(head)
            }
        })
    }
}

pub(crate) fn io(e: std::io::Error) -> RenderError {
    RenderError::Decode(format!("reading the image: {e}"))
}
