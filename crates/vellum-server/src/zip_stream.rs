//! A ZIP of stored files sent as it is made: each file read from the blob store in pieces,
//! its CRC-32 computed on the way, nothing held whole in memory.

use axum::body::{Body, Bytes};
use futures_util::stream;
use tokio::io::AsyncReadExt;
use vellum_blob::{BlobKey, BlobRead};
use vellum_core::Core;
use vellum_domain::zip;

/// Where a file's bytes come from.
pub enum Source {
    /// A stored blob, by its SHA-256.
    Blob(String),
    /// A few bytes made for the archive (a manifest).
    Bytes(Vec<u8>),
}

/// One file of the archive.
pub struct ZipFile {
    pub name: String,
    pub source: Source,
    pub size: u64,
}

enum Step {
    Next,
    Reading { file: usize, reader: BlobRead, crc: crc32fast::Hasher, read: u64 },
    End,
    Done,
}

struct State {
    core: Core,
    files: Vec<ZipFile>,
    next: usize,
    offset: u64,
    entries: Vec<zip::Entry>,
    step: Step,
}

const CHUNK: usize = 256 * 1024;

fn io(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

async fn advance(mut s: State) -> Option<(Result<Bytes, std::io::Error>, State)> {
    loop {
        match std::mem::replace(&mut s.step, Step::Done) {
            Step::Done => return None,
            Step::Next => {
                let Some(f) = s.files.get(s.next) else {
                    s.step = Step::End;
                    continue;
                };
                let sha = match &f.source {
                    Source::Blob(sha) => sha.clone(),
                    Source::Bytes(bytes) => {
                        let mut out = zip::local_header(&f.name, bytes.len() as u64);
                        s.entries.push(zip::Entry {
                            name: f.name.clone(),
                            crc: crc32fast::hash(bytes),
                            size: bytes.len() as u64,
                            offset: s.offset,
                        });
                        out.extend_from_slice(bytes);
                        out.extend(zip::descriptor(crc32fast::hash(bytes), bytes.len() as u64));
                        s.offset += out.len() as u64;
                        s.next += 1;
                        s.step = Step::Next;
                        return Some((Ok(Bytes::from(out)), s));
                    }
                };
                let key = match BlobKey::parse(&sha) {
                    Ok(k) => k,
                    Err(e) => return Some((Err(io(e)), s)),
                };
                let reader = match s.core.blobs.open(&key, None).await {
                    Ok(r) => r,
                    Err(e) => return Some((Err(io(e)), s)),
                };
                let header = zip::local_header(&f.name, f.size);
                s.entries.push(zip::Entry { name: f.name.clone(), crc: 0, size: f.size, offset: s.offset });
                s.offset += header.len() as u64;
                s.step = Step::Reading { file: s.next, reader, crc: crc32fast::Hasher::new(), read: 0 };
                s.next += 1;
                return Some((Ok(Bytes::from(header)), s));
            }
            Step::Reading { file, mut reader, mut crc, read } => {
                let mut buf = vec![0u8; CHUNK];
                let n = match reader.read(&mut buf).await {
                    Ok(n) => n,
                    Err(e) => return Some((Err(e), s)),
                };
                if n == 0 {
                    let size = s.files[file].size;
                    if read != size {
                        return Some((Err(io(format!("{} changed size while zipped", s.files[file].name))), s));
                    }
                    let sum = crc.finalize();
                    if let Some(e) = s.entries.last_mut() {
                        e.crc = sum;
                    }
                    let d = zip::descriptor(sum, size);
                    s.offset += d.len() as u64;
                    s.step = Step::Next;
                    return Some((Ok(Bytes::from(d)), s));
                }
                buf.truncate(n);
                crc.update(&buf);
                s.offset += n as u64;
                s.step = Step::Reading { file, reader, crc, read: read + n as u64 };
                return Some((Ok(Bytes::from(buf)), s));
            }
            Step::End => {
                let cd = zip::central_directory(&s.entries, s.offset);
                s.step = Step::Done;
                return Some((Ok(Bytes::from(cd)), s));
            }
        }
    }
}

/// The archive as a response body.
pub fn body(core: Core, files: Vec<ZipFile>) -> Body {
    let state = State { core, files, next: 0, offset: 0, entries: Vec::new(), step: Step::Next };
    Body::from_stream(stream::unfold(state, advance))
}
