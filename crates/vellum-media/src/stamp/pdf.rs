//! PDF: an incremental update appended after the original — a metadata stream with the packet,
//! the catalog rewritten to point at it, and a cross-reference section (a table or a stream,
//! as the file uses) chained to the old one. Only the trailer, the cross-references and the
//! catalog are read; pages and images are the original's bytes. Encrypted files are not
//! stamped.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use super::{malformed, Piece, Plan, Record, Source, StampError};

const FORMAT: &str = "PDF";
/// The largest structure read in one piece (a cross-reference section, an object stream).
const MAX_WINDOW: usize = 64 << 20;

fn bad(why: &str) -> StampError {
    malformed(FORMAT, why)
}

// ---- lexing ----------------------------------------------------------------------------

fn is_ws(c: u8) -> bool {
    matches!(c, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

fn is_delim(c: u8) -> bool {
    matches!(c, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

/// Skips whitespace and comments.
fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        if is_ws(b[i]) {
            i += 1;
        } else if b[i] == b'%' {
            while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                i += 1;
            }
        } else {
            break;
        }
    }
    i
}

/// A bare token (number, keyword) from `i`: its end.
fn token_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && !is_ws(b[i]) && !is_delim(b[i]) {
        i += 1;
    }
    i
}

fn int_at(b: &[u8], i: usize) -> Option<(i64, usize)> {
    let i = ws(b, i);
    let e = token_end(b, i);
    let n = std::str::from_utf8(&b[i..e]).ok()?.parse().ok()?;
    Some((n, e))
}

fn keyword_at(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let i = ws(b, i);
    let e = token_end(b, i);
    (&b[i..e] == word).then_some(e)
}

/// The end of one value from `i` (None: malformed or cut off by the window). A number
/// followed by `gen R` is one value: a reference.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    let i = ws(b, i);
    let c = *b.get(i)?;
    match c {
        b'<' if b.get(i + 1) == Some(&b'<') => {
            let mut j = i + 2;
            loop {
                j = ws(b, j);
                if b.get(j..j + 2)? == b">>" {
                    return Some(j + 2);
                }
                j = value_end(b, j)?;
            }
        }
        b'<' => Some(i + b[i..].iter().position(|c| *c == b'>')? + 1),
        b'[' => {
            let mut j = i + 1;
            loop {
                j = ws(b, j);
                if *b.get(j)? == b']' {
                    return Some(j + 1);
                }
                j = value_end(b, j)?;
            }
        }
        b'(' => {
            let (mut depth, mut j) = (0usize, i);
            loop {
                match *b.get(j)? {
                    b'\\' => j += 1,
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        b'/' => Some(token_end(b, i + 1)),
        b')' | b'>' | b']' | b'{' | b'}' => None,
        _ => {
            let e = token_end(b, i);
            if e == i {
                return None;
            }
            // `n g R`
            if let (Ok(_), Some((_, g_end))) = (std::str::from_utf8(&b[i..e]).map(|s| s.parse::<u64>()), int_at(b, e)) {
                if let Some(r_end) = keyword_at(b, g_end, b"R") {
                    return Some(r_end);
                }
            }
            Some(e)
        }
    }
}

/// A dictionary's entries as raw value text, and where it ends.
/// A dictionary's keys (without the slash) and raw value texts.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn dict(b: &[u8], i: usize) -> Option<(Entries, usize)> {
    let mut j = ws(b, i);
    if b.get(j..j + 2)? != b"<<" {
        return None;
    }
    j += 2;
    let mut entries = Vec::new();
    loop {
        j = ws(b, j);
        if b.get(j..j + 2)? == b">>" {
            return Some((entries, j + 2));
        }
        if b[j] != b'/' {
            return None;
        }
        let key_end = token_end(b, j + 1);
        let key = b[j + 1..key_end].to_vec();
        let v_start = ws(b, key_end);
        let v_end = value_end(b, v_start)?;
        entries.push((key, b[v_start..v_end].to_vec()));
        j = v_end;
    }
}

struct Dict(Entries);

impl Dict {
    fn get(&self, key: &str) -> Option<&[u8]> {
        self.0.iter().find(|(k, _)| k == key.as_bytes()).map(|(_, v)| v.as_slice())
    }
    fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| std::str::from_utf8(v).ok()?.trim().parse().ok())
    }
    fn reference(&self, key: &str) -> Option<(u64, u64)> {
        let v = self.get(key)?;
        let (n, e) = int_at(v, 0)?;
        let (g, e) = int_at(v, e)?;
        keyword_at(v, e, b"R")?;
        Some((u64::try_from(n).ok()?, u64::try_from(g).ok()?))
    }
    /// Integers of an array value.
    fn ints(&self, key: &str) -> Option<Vec<i64>> {
        let v = self.get(key)?;
        let inner = v.strip_prefix(b"[")?.strip_suffix(b"]")?;
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            i = ws(inner, i);
            if i >= inner.len() {
                return Some(out);
            }
            let (n, e) = int_at(inner, i)?;
            out.push(n);
            i = e;
        }
    }
}

// ---- reading through windows -------------------------------------------------------------

/// Runs `parse` on bytes from `at`, growing the window until it succeeds or the file ends.
fn windowed<T>(
    src: &mut dyn Source,
    at: u64,
    mut parse: impl FnMut(&[u8]) -> Option<T>,
    what: &str,
) -> Result<T, StampError> {
    let mut len = 4096usize;
    loop {
        let b = src.read_at(at, len)?;
        if let Some(t) = parse(&b) {
            return Ok(t);
        }
        if (b.len() as u64) < len as u64 || len >= MAX_WINDOW {
            return Err(bad(&format!("cannot read {what} at byte {at}")));
        }
        len *= 4;
    }
}

/// `n g obj <<dict>>`: the dictionary, and for a stream where its data starts.
fn object_dict(b: &[u8], num: Option<u64>) -> Option<(u64, u64, Dict, usize, Option<usize>)> {
    let (n, e) = int_at(b, 0)?;
    let (g, e) = int_at(b, e)?;
    let e = keyword_at(b, e, b"obj")?;
    if num.is_some_and(|want| want != n as u64) {
        return None;
    }
    let (entries, end) = dict(b, e)?;
    let after = ws(b, end);
    let data = if b.get(after..after + 6) == Some(b"stream") {
        let mut d = after + 6;
        if b.get(d) == Some(&b'\r') {
            d += 1;
        }
        if b.get(d) == Some(&b'\n') {
            d += 1;
        }
        Some(d)
    } else {
        None
    };
    Some((n as u64, g as u64, Dict(entries), end, data))
}

#[derive(Debug, Clone, Copy)]
enum Entry {
    InFile { offset: u64, generation: u64 },
    InStream { stream: u64, index: u64 },
    Free,
}

struct Xref {
    entries: HashMap<u64, Entry>,
    /// The newest trailer (or cross-reference stream dictionary).
    trailer: Dict,
    /// Whether the newest section is a stream (the update then writes one too).
    stream: bool,
}

fn start_xref(src: &mut dyn Source) -> Result<u64, StampError> {
    let size = src.size();
    let from = size.saturating_sub(2048);
    let tail = src.read_at(from, (size - from) as usize)?;
    let at = tail.windows(9).rposition(|w| w == b"startxref").ok_or_else(|| bad("no startxref"))?;
    let (n, _) = int_at(&tail, at + 9).ok_or_else(|| bad("startxref has no offset"))?;
    u64::try_from(n).map_err(|_| bad("negative startxref"))
}

/// A stream's bytes, decoded (FlateDecode with PNG predictors, or none).
fn stream_data(
    src: &mut dyn Source,
    xref: Option<&Xref>,
    at: u64,
    d: &Dict,
    data: usize,
) -> Result<Vec<u8>, StampError> {
    let len = match d.int("Length") {
        Some(n) => n,
        None => {
            let (num, _) = d.reference("Length").ok_or_else(|| bad("a stream has no length"))?;
            let Some(Entry::InFile { offset, .. }) = xref.and_then(|x| x.entries.get(&num).copied()) else {
                return Err(bad("a stream's length cannot be found"));
            };
            windowed(
                src,
                offset,
                |b| {
                    let (_, e) = int_at(b, 0)?;
                    let (_, e) = int_at(b, e)?;
                    let e = keyword_at(b, e, b"obj")?;
                    int_at(b, e).map(|(n, _)| n)
                },
                "a stream length",
            )?
        }
    };
    let len = usize::try_from(len)
        .ok()
        .filter(|l| *l <= MAX_WINDOW)
        .ok_or_else(|| bad("a stream's length is out of range"))?;
    let raw = src.exact(at + data as u64, len, FORMAT)?;
    let filter = d.get("Filter").map(|f| String::from_utf8_lossy(f).replace(['[', ']', ' '], ""));
    let decoded = match filter.as_deref() {
        None | Some("") => raw,
        Some("/FlateDecode") => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(raw.as_slice())
                .take(MAX_WINDOW as u64)
                .read_to_end(&mut out)
                .map_err(|e| bad(&format!("a stream does not inflate: {e}")))?;
            out
        }
        Some(other) => return Err(bad(&format!("a cross-reference or object stream uses {other}"))),
    };
    let params = d.get("DecodeParms").and_then(|p| dict(p, 0)).map(|(e, _)| Dict(e));
    match params.as_ref().and_then(|p| p.int("Predictor")).unwrap_or(1) {
        1 => Ok(decoded),
        p if p >= 10 => {
            let columns = params.as_ref().and_then(|p| p.int("Columns")).unwrap_or(1).max(1) as usize;
            unpredict(&decoded, columns)
        }
        _ => Err(bad("a TIFF predictor on a cross-reference stream")),
    }
}

/// Undoes PNG row filters (one byte per pixel, as cross-reference streams use).
fn unpredict(data: &[u8], columns: usize) -> Result<Vec<u8>, StampError> {
    let mut out: Vec<u8> = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; columns];
    for row in data.chunks(columns + 1) {
        let (&kind, row) = row.split_first().ok_or_else(|| bad("an empty predictor row"))?;
        let mut cur = vec![0u8; columns];
        for (i, &x) in row.iter().enumerate() {
            let left = if i > 0 { cur[i - 1] } else { 0 };
            let up = prev[i];
            let upleft = if i > 0 { prev[i - 1] } else { 0 };
            cur[i] = match kind {
                0 => x,
                1 => x.wrapping_add(left),
                2 => x.wrapping_add(up),
                3 => x.wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => {
                    let p = i16::from(left) + i16::from(up) - i16::from(upleft);
                    let (pa, pb, pc) =
                        ((p - i16::from(left)).abs(), (p - i16::from(up)).abs(), (p - i16::from(upleft)).abs());
                    let pred = if pa <= pb && pa <= pc {
                        left
                    } else if pb <= pc {
                        up
                    } else {
                        upleft
                    };
                    x.wrapping_add(pred)
                }
                _ => return Err(bad("an unknown predictor")),
            };
        }
        out.extend_from_slice(&cur[..row.len()]);
        prev = cur;
    }
    Ok(out)
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0, |n, x| (n << 8) | u64::from(*x))
}

/// Entries of a cross-reference stream, added where the map has none yet.
fn read_xref_stream(
    src: &mut dyn Source,
    at: u64,
    d: &Dict,
    data: usize,
    into: &mut HashMap<u64, Entry>,
) -> Result<(), StampError> {
    let bytes = stream_data(src, None, at, d, data)?;
    let w = d.ints("W").ok_or_else(|| bad("a cross-reference stream has no /W"))?;
    let w: Vec<usize> = w.iter().map(|n| usize::try_from(*n).unwrap_or(0)).collect();
    if w.len() != 3 || w.iter().any(|n| *n > 8) {
        return Err(bad("a cross-reference stream has a bad /W"));
    }
    let size = d.int("Size").ok_or_else(|| bad("a cross-reference stream has no /Size"))?;
    let index = d.ints("Index").unwrap_or_else(|| vec![0, size]);
    let row = w.iter().sum::<usize>();
    let mut rows = bytes.chunks_exact(row.max(1));
    for pair in index.chunks_exact(2) {
        for num in pair[0]..pair[0] + pair[1] {
            let Some(r) = rows.next() else { return Ok(()) };
            let kind = if w[0] == 0 { 1 } else { be(&r[..w[0]]) };
            let f2 = be(&r[w[0]..w[0] + w[1]]);
            let f3 = be(&r[w[0] + w[1]..]);
            let e = match kind {
                0 => Entry::Free,
                1 => Entry::InFile { offset: f2, generation: f3 },
                2 => Entry::InStream { stream: f2, index: f3 },
                _ => continue,
            };
            into.entry(num as u64).or_insert(e);
        }
    }
    Ok(())
}

/// A classic table's entries and the trailer after it.
fn read_table(b: &[u8], into: &mut HashMap<u64, Entry>) -> Option<Dict> {
    let mut i = keyword_at(b, 0, b"xref")?;
    loop {
        if let Some(e) = keyword_at(b, i, b"trailer") {
            return dict(b, e).map(|(d, _)| Dict(d));
        }
        let (start, e) = int_at(b, i)?;
        let (count, e) = int_at(b, e)?;
        i = e;
        for num in start..start + count {
            let (offset, e) = int_at(b, i)?;
            let (generation, e) = int_at(b, e)?;
            let j = ws(b, e);
            let kind = *b.get(j)?;
            i = j + 1;
            let entry = match kind {
                b'n' => Entry::InFile { offset: offset as u64, generation: generation as u64 },
                b'f' => Entry::Free,
                _ => return None,
            };
            into.entry(num as u64).or_insert(entry);
        }
    }
}

fn read_xref(src: &mut dyn Source) -> Result<Xref, StampError> {
    let mut entries = HashMap::new();
    let mut newest: Option<(Dict, bool)> = None;
    let mut next = Some(start_xref(src)?);
    let mut seen = HashSet::new();
    while let Some(at) = next.take() {
        if !seen.insert(at) || seen.len() > 4096 || at >= src.size() {
            return Err(bad("the cross-reference chain loops or points outside the file"));
        }
        let classic = keyword_at(&src.read_at(at, 16)?, 0, b"xref").is_some();
        let trailer = if classic {
            let mut local = HashMap::new();
            let t = windowed(
                src,
                at,
                |b| {
                    local.clear();
                    read_table(b, &mut local)
                },
                "a cross-reference table",
            )?;
            for (k, v) in local {
                entries.entry(k).or_insert(v);
            }
            // A hybrid file's stream holds what the table leaves out.
            if let Some(stm) = t.int("XRefStm").and_then(|n| u64::try_from(n).ok()) {
                let (_, _, d, _, data) = windowed(src, stm, |b| object_dict(b, None), "a cross-reference stream")?;
                read_xref_stream(src, stm, &d, data.ok_or_else(|| bad("XRefStm is not a stream"))?, &mut entries)?;
            }
            t
        } else {
            let (_, _, d, _, data) = windowed(src, at, |b| object_dict(b, None), "a cross-reference stream")?;
            read_xref_stream(
                src,
                at,
                &d,
                data.ok_or_else(|| bad("startxref points at no cross-references"))?,
                &mut entries,
            )?;
            d
        };
        next = trailer.int("Prev").and_then(|n| u64::try_from(n).ok());
        if newest.is_none() {
            newest = Some((trailer, !classic));
        }
    }
    let (trailer, stream) = newest.ok_or_else(|| bad("no trailer"))?;
    Ok(Xref { entries, trailer, stream })
}

/// The catalog's entries, number and generation.
fn catalog(src: &mut dyn Source, x: &Xref) -> Result<(u64, u64, Dict), StampError> {
    let (root, _) = x.trailer.reference("Root").ok_or_else(|| bad("the trailer names no catalog"))?;
    match x.entries.get(&root).copied() {
        Some(Entry::InFile { offset, generation }) => {
            let (_, _, d, _, _) = windowed(src, offset, |b| object_dict(b, Some(root)), "the catalog")?;
            Ok((root, generation, d))
        }
        Some(Entry::InStream { stream, index }) => {
            let Some(Entry::InFile { offset, .. }) = x.entries.get(&stream).copied() else {
                return Err(bad("the catalog's object stream cannot be found"));
            };
            let (_, _, d, _, data) = windowed(src, offset, |b| object_dict(b, Some(stream)), "an object stream")?;
            let data = data.ok_or_else(|| bad("the catalog's object stream is not a stream"))?;
            let bytes = stream_data(src, Some(x), offset, &d, data)?;
            let first = d.int("First").ok_or_else(|| bad("an object stream has no /First"))? as usize;
            let n = d.int("N").unwrap_or(0);
            let mut i = 0;
            for k in 0..n {
                let (num, e) = int_at(&bytes, i).ok_or_else(|| bad("an object stream's header"))?;
                let (off, e) = int_at(&bytes, e).ok_or_else(|| bad("an object stream's header"))?;
                i = e;
                if num as u64 == root && (k as u64 == index || index >= n as u64) {
                    let at = first + off as usize;
                    let (entries, _) = bytes.get(at..).and_then(|b| dict(b, 0)).ok_or_else(|| bad("the catalog"))?;
                    return Ok((root, 0, Dict(entries)));
                }
            }
            Err(bad("the catalog is not in its object stream"))
        }
        _ => Err(bad("the catalog is not in the cross-references")),
    }
}

// ---- writing the update --------------------------------------------------------------------

pub(super) fn plan(src: &mut dyn Source, record: &Record) -> Result<Plan, StampError> {
    let size = src.size();
    if !src.read_at(0, 1024)?.windows(5).any(|w| w == b"%PDF-") {
        return Err(bad("no %PDF- header"));
    }
    let prev = start_xref(src)?;
    let x = read_xref(src)?;
    if x.trailer.get("Encrypt").is_some() {
        return Err(StampError::Unsupported);
    }
    let (root, root_gen, cat) = catalog(src, &x)?;
    let old_size =
        x.trailer.int("Size").and_then(|n| u64::try_from(n).ok()).ok_or_else(|| bad("the trailer has no /Size"))?;
    let meta = old_size;
    let packet = record.packet();

    let mut out = b"\n".to_vec();
    let mut offsets = vec![(root, size + out.len() as u64, root_gen)];
    out.extend_from_slice(format!("{root} {root_gen} obj\n<<").as_bytes());
    for (k, v) in cat.0.iter().filter(|(k, _)| k != b"Metadata") {
        out.push(b'/');
        out.extend_from_slice(k);
        out.push(b' ');
        out.extend_from_slice(v);
        out.push(b'\n');
    }
    out.extend_from_slice(format!("/Metadata {meta} 0 R>>\nendobj\n").as_bytes());
    offsets.push((meta, size + out.len() as u64, 0));
    out.extend_from_slice(
        format!("{meta} 0 obj\n<</Type /Metadata /Subtype /XML /Length {}>>\nstream\n", packet.len()).as_bytes(),
    );
    out.extend_from_slice(packet.as_bytes());
    out.extend_from_slice(b"\nendstream\nendobj\n");

    let mut carried = String::new();
    for key in ["Info", "ID"] {
        if let Some(v) = x.trailer.get(key) {
            carried.push_str(&format!("/{key} {}", String::from_utf8_lossy(v)));
        }
    }
    let xref_at = size + out.len() as u64;
    if x.stream {
        let num = meta + 1;
        offsets.push((num, xref_at, 0));
        offsets.sort();
        let mut rows = Vec::new();
        let mut index = String::new();
        for (n, off, g) in &offsets {
            rows.push(1u8);
            rows.extend_from_slice(&u32::try_from(*off).map_err(|_| StampError::TooLarge(FORMAT))?.to_be_bytes());
            rows.extend_from_slice(&u16::try_from(*g).unwrap_or(0).to_be_bytes());
            index.push_str(&format!("{n} 1 "));
        }
        out.extend_from_slice(
            format!(
                "{num} 0 obj\n<</Type /XRef /Size {} /W [1 4 2] /Index [{}] /Root {root} {root_gen} R /Prev {prev}{carried} /Length {}>>\nstream\n",
                num + 1,
                index.trim_end(),
                rows.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&rows);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    } else {
        offsets.sort();
        out.extend_from_slice(b"xref\n");
        for (n, off, g) in &offsets {
            out.extend_from_slice(format!("{n} 1\n{off:010} {g:05} n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<</Size {} /Root {root} {root_gen} R /Prev {prev}{carried}>>\n", meta + 1).as_bytes(),
        );
    }
    out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    Ok(Plan::of(vec![Piece::Original { offset: 0, len: size }, Piece::Bytes(out)]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{stamped, Mem};
    use super::*;

    /// A one-page PDF with a classic table, offsets computed.
    fn classic() -> Vec<u8> {
        let objects = [
            "<</Type /Catalog /Pages 2 0 R /Lang (en \\(AU\\))>>",
            "<</Type /Pages /Kids [3 0 R] /Count 1>>",
            "<</Type /Page /Parent 2 0 R /MediaBox [0 0 10 10]>>",
        ];
        let mut f = b"%PDF-1.4\n".to_vec();
        let mut offs = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offs.push(f.len());
            f.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = f.len();
        f.extend_from_slice(b"xref\n0 4\n0000000000 65535 f\r\n");
        for o in offs {
            f.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        f.extend_from_slice(format!("trailer\n<</Size 4 /Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
        f
    }

    #[test]
    fn a_classic_file_gets_a_table_update_pointing_at_the_metadata() {
        let original = classic();
        let out = stamped(original.clone(), "application/pdf");
        assert!(out.starts_with(&original));
        let mut src = Mem(out.clone());
        let x = read_xref(&mut src).expect("xref");
        assert!(!x.stream);
        let (root, _, cat) = catalog(&mut src, &x).expect("catalog");
        assert_eq!(root, 1);
        assert_eq!(cat.reference("Metadata"), Some((4, 0)));
        assert_eq!(cat.get("Lang"), Some(&b"(en \\(AU\\))"[..]));
        let Some(Entry::InFile { offset, .. }) = x.entries.get(&4).copied() else { panic!("metadata entry") };
        assert!(out[offset as usize..].starts_with(b"4 0 obj"));
        assert_eq!(x.trailer.int("Size"), Some(5));
    }

    #[test]
    fn a_stream_file_gets_a_stream_update() {
        let once = stamped(classic(), "application/pdf");
        // Turn the file into one whose newest section is a stream by stamping a stream-based
        // copy: build it by hand from the first update's objects.
        let mut src = Mem(once.clone());
        let x = read_xref(&mut src).expect("xref");
        let mut f = once.clone();
        let xref_at = f.len();
        let mut rows = Vec::new();
        for n in 0..5u64 {
            match x.entries.get(&n) {
                Some(Entry::InFile { offset, .. }) => {
                    rows.push(1);
                    rows.extend_from_slice(&(*offset as u32).to_be_bytes());
                }
                _ => rows.extend_from_slice(&[0, 0, 0, 0, 0]),
            }
        }
        rows.extend_from_slice(&[1]);
        rows.extend_from_slice(&(xref_at as u32).to_be_bytes());
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, &rows).expect("deflate");
        let data = z.finish().expect("deflate");
        f.extend_from_slice(
            format!(
                "5 0 obj\n<</Type /XRef /Size 6 /W [1 4 0] /Root 1 0 R /Filter /FlateDecode /Length {}>>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        f.extend_from_slice(&data);
        f.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
        let out = stamped(f, "application/pdf");
        let mut src = Mem(out);
        let x = read_xref(&mut src).expect("xref");
        assert!(x.stream);
        assert_eq!(x.trailer.int("Size"), Some(8));
        let (_, _, cat) = catalog(&mut src, &x).expect("catalog");
        assert_eq!(cat.reference("Metadata"), Some((6, 0)));
    }

    #[test]
    fn encrypted_files_are_not_stamped() {
        let f = String::from_utf8(classic()).expect("ascii").replace("/Root 1 0 R>>", "/Root 1 0 R /Encrypt 9 0 R>>");
        let mut src = Mem(f.into_bytes());
        assert!(matches!(plan(&mut src, &super::super::test_support::record()), Err(StampError::Unsupported)));
    }

    #[test]
    fn predictors_undo() {
        // Up filter over two rows of two columns.
        assert_eq!(unpredict(&[2, 1, 2, 2, 1, 1], 2).expect("rows"), vec![1, 2, 2, 3]);
        assert_eq!(unpredict(&[1, 1, 1], 2).expect("rows"), vec![1, 2]);
    }
}
