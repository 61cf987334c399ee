//! Stamping a download with its rights and approval record as XMP, without touching the stored
//! original: a plan of pieces (new bytes and ranges of the original) that a server streams, so
//! nothing is buffered beyond the few headers each format needs read.
//!
//! JPEG gets an APP1 XMP segment, PNG an `iTXt` chunk, TIFF a new first directory with tag 700
//! appended at the end, PDF an incremental update that points the catalog at a metadata
//! stream, MP4 a top-level XMP `uuid` box at the end (no sample offset moves). Pixels, EXIF and
//! IPTC are the original's bytes.

mod jpeg;
mod mp4;
mod packet;
mod pdf;
mod png;
mod tiff;

use std::io;

pub use packet::Record;

/// A part of the stamped file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes the stamp adds.
    Bytes(Vec<u8>),
    /// `len` bytes of the original from `offset`.
    Original { offset: u64, len: u64 },
}

impl Piece {
    pub fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::Original { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The stamped file, as pieces in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub pieces: Vec<Piece>,
}

impl Plan {
    pub fn size(&self) -> u64 {
        self.pieces.iter().map(Piece::len).sum()
    }

    /// Builds the pieces from a list that may hold empty ranges.
    fn of(pieces: Vec<Piece>) -> Plan {
        Plan { pieces: pieces.into_iter().filter(|p| !p.is_empty()).collect() }
    }
}

/// Why a file could not be stamped (the download then falls back to the original).
#[derive(Debug, thiserror::Error)]
pub enum StampError {
    #[error("this kind of file is not stamped")]
    Unsupported,
    #[error("the file is not a well-formed {0}: {1}")]
    Malformed(&'static str, String),
    #[error("the {0} cannot carry this much XMP")]
    TooLarge(&'static str),
    #[error(transparent)]
    Io(#[from] io::Error),
}

pub(crate) fn malformed(format: &'static str, why: impl Into<String>) -> StampError {
    StampError::Malformed(format, why.into())
}

/// Random access to the original (a blob store's ranged reads, or a file).
pub trait Source {
    fn size(&self) -> u64;
    /// Up to `len` bytes from `offset` (fewer only at the end of the file).
    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>>;

    /// Exactly `len` bytes from `offset`.
    fn exact(&mut self, offset: u64, len: usize, format: &'static str) -> Result<Vec<u8>, StampError> {
        let b = self.read_at(offset, len)?;
        if b.len() < len {
            return Err(malformed(format, format!("it ends inside a structure at byte {offset}")));
        }
        Ok(b)
    }
}

/// A file read with positioned reads.
pub struct FileSource {
    file: std::fs::File,
    size: u64,
}

impl FileSource {
    pub fn open(path: &std::path::Path) -> io::Result<FileSource> {
        let file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        Ok(FileSource { file, size })
    }
}

impl Source for FileSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let len = len.min(self.size.saturating_sub(offset) as usize);
        let mut buf = vec![0; len];
        self.file.seek(SeekFrom::Start(offset))?;
        self.file.read_exact(&mut buf)?;
        Ok(buf)
    }
}

/// Plans the stamped copy of a file of `content_type`.
pub fn plan(content_type: &str, source: &mut dyn Source, record: &Record) -> Result<Plan, StampError> {
    match content_type {
        "image/jpeg" => jpeg::plan(source, record),
        "image/png" => png::plan(source, record),
        "image/tiff" => tiff::plan(source, record),
        "application/pdf" => pdf::plan(source, record),
        "video/mp4" | "video/quicktime" | "audio/mp4" => mp4::plan(source, record),
        _ => Err(StampError::Unsupported),
    }
}

/// Writes a plan out in full (tests and the offline check; servers stream the pieces).
pub fn write(plan: &Plan, source: &mut dyn Source, out: &mut dyn io::Write) -> io::Result<()> {
    const CHUNK: u64 = 1 << 20;
    for piece in &plan.pieces {
        match piece {
            Piece::Bytes(b) => out.write_all(b)?,
            Piece::Original { offset, len } => {
                let mut at = *offset;
                while at < offset + len {
                    let n = CHUNK.min(offset + len - at);
                    let b = source.read_at(at, n as usize)?;
                    if b.is_empty() {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the original is shorter than planned",
                        ));
                    }
                    out.write_all(&b)?;
                    at += b.len() as u64;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// An in-memory original.
    pub struct Mem(pub Vec<u8>);

    impl Source for Mem {
        fn size(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
            let start = (offset as usize).min(self.0.len());
            let end = start.saturating_add(len).min(self.0.len());
            Ok(self.0[start..end].to_vec())
        }
    }

    pub fn record() -> Record {
        Record {
            asset_id: "0190f5d2-0000-7000-8000-000000000001".into(),
            version: 3,
            original_sha256: "ab".repeat(32),
            rights: Some("Licensed from Acme Photo under rights-managed".into()),
            usage_terms: Some("Print & web <EU only>".into()),
            ..Record::default()
        }
    }

    pub fn stamped(data: Vec<u8>, content_type: &str) -> Vec<u8> {
        let mut src = Mem(data);
        let plan = plan(content_type, &mut src, &record()).expect("plan");
        let mut out = Vec::new();
        write(&plan, &mut src, &mut out).expect("write");
        assert_eq!(out.len() as u64, plan.size());
        out
    }
}
