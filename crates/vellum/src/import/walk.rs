//! Finding the files of an import: every regular, non-hidden file below the folder, with the
//! size and modification time the import index compares, and the kind each file becomes.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// A file to import, as it was when the folder was walked (before it is read).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The path relative to the imported folder, `/`-separated; None when it is not UTF-8
    /// (such a file is always read: a lossy name could stand for two files).
    pub rel: Option<String>,
    pub size: u64,
    /// Nanoseconds since the Unix epoch; None where the platform does not say.
    pub mtime_ns: Option<i64>,
}

/// How long after its last change a file's size and time are trusted to name its content. A
/// second change within the file system's timestamp granularity (2 s on FAT, which camera
/// cards use; milliseconds elsewhere) would leave them as they were, so a file changed this
/// recently is read again next time instead of being recorded.
const SETTLED: Duration = Duration::from_secs(2);

impl SourceFile {
    /// Whether an import may record this file's size and time as standing for the content
    /// read now: it had settled when the folder was walked at `walked`.
    pub fn settled(&self, walked: SystemTime) -> bool {
        let limit = walked.checked_sub(SETTLED).and_then(ns_since_epoch);
        matches!((self.mtime_ns, limit), (Some(m), Some(l)) if m < l)
    }

    /// Whether the file on disk still has the size and time it was walked with.
    pub fn unchanged_on_disk(&self) -> bool {
        match std::fs::symlink_metadata(&self.path) {
            Ok(m) => m.len() == self.size && m.modified().ok().and_then(ns_since_epoch) == self.mtime_ns,
            Err(_) => false,
        }
    }
}

/// A time as signed nanoseconds since the Unix epoch (None past the year 2262).
pub fn ns_since_epoch(t: SystemTime) -> Option<i64> {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).ok(),
        Err(before) => i64::try_from(before.duration().as_nanos()).ok().map(|n| -n),
    }
}

/// The kind an imported file gets from its extension.
pub fn kind_for(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    match ext.as_str() {
        "mp4" | "mov" | "m4v" | "webm" | "avi" | "mkv" => "video",
        "pdf" | "doc" | "docx" | "txt" | "md" | "rtf" | "odt" => "written",
        "psd" | "ai" | "eps" | "indd" | "sketch" | "fig" | "xd" | "afdesign" => "design_source",
        _ => "visual",
    }
}

fn relative(dir: &Path, path: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = path.strip_prefix(dir).ok()?.iter().map(|c| c.to_str()).collect();
    Some(parts?.join("/"))
}

/// Every regular, non-hidden file below `dir`, in a stable order; links are not followed.
pub fn walk(dir: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                let meta = e.metadata()?;
                let path = e.path();
                out.push(SourceFile {
                    rel: relative(dir, &path),
                    size: meta.len(),
                    mtime_ns: meta.modified().ok().and_then(ns_since_epoch),
                    path,
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_before_and_after_the_epoch_are_signed_nanoseconds() {
        assert_eq!(ns_since_epoch(UNIX_EPOCH + Duration::from_nanos(1_500)), Some(1_500));
        assert_eq!(ns_since_epoch(UNIX_EPOCH - Duration::from_secs(2)), Some(-2_000_000_000));
    }

    #[test]
    fn only_settled_files_are_vouched_for() {
        let walked = SystemTime::now();
        let at = |t: SystemTime| SourceFile { path: PathBuf::new(), rel: None, size: 0, mtime_ns: ns_since_epoch(t) };
        assert!(at(walked - Duration::from_secs(60)).settled(walked));
        assert!(!at(walked - Duration::from_millis(500)).settled(walked));
        assert!(!at(walked + Duration::from_secs(60)).settled(walked), "a time in the future is not trusted");
        assert!(!SourceFile { mtime_ns: None, ..at(walked) }.settled(walked));
    }

    #[test]
    fn relative_paths_use_slashes_and_refuse_other_folders() {
        assert_eq!(relative(Path::new("/a"), Path::new("/a/b/c.jpg")).as_deref(), Some("b/c.jpg"));
        assert_eq!(relative(Path::new("/a"), Path::new("/x/c.jpg")), None);
    }
}
