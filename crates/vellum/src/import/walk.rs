//! Finding the files of an import: every regular, non-empty, visible file below the folder,
//! with the size and modification time the import index compares and the kind each file
//! becomes, and every file or folder passed over, with why.

use std::{
    fs::DirEntry,
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use super::skip::{Reason, Skip, Skipped};

/// A file to import, as it was when the folder was walked (before it is read).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The path relative to the imported folder, `/`-separated; None when it is not UTF-8
    /// (such a file is always read: a lossy name could stand for two files).
    pub rel: Option<String>,
    /// The relative path as people read it: `rel`, or a lossy rendering of a name that is not
    /// UTF-8. Names the file in the listing, its version note and its folder.
    pub shown: String,
    pub size: u64,
    /// Nanoseconds since the Unix epoch; None where the platform does not say.
    pub mtime_ns: Option<i64>,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// The files to import, in a stable order.
    pub files: Vec<SourceFile>,
    /// What was passed over, in the same order.
    pub skipped: Vec<Skipped>,
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

fn shown(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.iter().map(|c| c.to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Names operating systems give their own housekeeping in folders they visit (compared
/// without regard to ASCII case, as Windows and macOS do).
const SYSTEM_NAMES: &[&str] =
    &["Thumbs.db", "ehthumbs.db", "desktop.ini", "Icon\r", "__MACOSX", "$RECYCLE.BIN", "System Volume Information"];

fn is_system(name: &str) -> bool {
    SYSTEM_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// The entries of a folder, sorted by name.
fn list(dir: &Path) -> std::io::Result<Vec<DirEntry>> {
    let mut entries: Vec<DirEntry> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

/// Every file below `dir` that an import reads: regular, not hidden, not the system's, not
/// empty, at most `max_bytes`; links are not followed. Everything else below it is listed as
/// skipped, a skipped folder once with a trailing `/` (its contents are not looked at). Fails
/// only when `dir` itself cannot be listed.
pub fn walk(dir: &Path, max_bytes: u64) -> std::io::Result<Walked> {
    let mut out = Walked::default();
    let mut stack = vec![list(dir)?];
    while let Some(entries) = stack.pop() {
        for e in entries {
            let path = e.path();
            let name = e.file_name();
            let file_type = e.file_type();
            let is_dir = file_type.as_ref().is_ok_and(|t| t.is_dir());
            let what = if is_dir { "folder" } else { "file" };
            let at = if is_dir { format!("{}/", shown(dir, &path)) } else { shown(dir, &path) };
            let mut skip = |reason: Reason| out.skipped.push(Skipped { path: at.clone(), reason });
            if name.to_string_lossy().starts_with('.') {
                skip(Reason::new(Skip::Hidden, format!("hidden {what}")));
                continue;
            }
            if is_system(&name.to_string_lossy()) {
                skip(Reason::new(Skip::System, format!("the operating system's own {what}")));
                continue;
            }
            let t = match file_type {
                Ok(t) => t,
                Err(e) => {
                    skip(Reason::unreadable(&e));
                    continue;
                }
            };
            if t.is_symlink() {
                skip(Reason::new(Skip::Link, "symbolic link (not followed)"));
            } else if t.is_dir() {
                match list(&path) {
                    Ok(entries) => stack.push(entries),
                    Err(e) => skip(Reason::unreadable(&e)),
                }
            } else if !t.is_file() {
                skip(Reason::new(Skip::Special, "not a regular file (a FIFO, socket or device)"));
            } else {
                match e.metadata() {
                    Err(e) => skip(Reason::unreadable(&e)),
                    Ok(m) if m.len() == 0 => skip(Reason::empty()),
                    Ok(m) if m.len() > max_bytes => skip(Reason::too_large(max_bytes)),
                    Ok(m) => out.files.push(SourceFile {
                        rel: relative(dir, &path),
                        shown: at,
                        size: m.len(),
                        mtime_ns: m.modified().ok().and_then(ns_since_epoch),
                        path,
                    }),
                }
            }
        }
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
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
        let at = |t: SystemTime| SourceFile {
            path: PathBuf::new(),
            rel: None,
            shown: String::new(),
            size: 0,
            mtime_ns: ns_since_epoch(t),
        };
        assert!(at(walked - Duration::from_secs(60)).settled(walked));
        assert!(!at(walked - Duration::from_millis(500)).settled(walked));
        assert!(!at(walked + Duration::from_secs(60)).settled(walked), "a time in the future is not trusted");
        assert!(!SourceFile { mtime_ns: None, ..at(walked) }.settled(walked));
    }

    #[test]
    fn walks_list_what_they_pass_over_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let at = |p: &str| dir.path().join(p);
        for folder in ["a/b", ".git", "__MACOSX"] {
            std::fs::create_dir_all(at(folder)).unwrap();
        }
        for (name, bytes) in [
            ("a/b/photo.jpg", &b"jpeg"[..]),
            ("top.jpg", b"top"),
            ("big.mov", b"more than eight bytes"),
            ("empty.jpg", b""),
            (".DS_Store", b"x"),
            (".git/config", b"x"),
            ("__MACOSX/._top.jpg", b"x"),
            ("a/Thumbs.db", b"x"),
        ] {
            std::fs::write(at(name), bytes).unwrap();
        }
        std::os::unix::fs::symlink(at("top.jpg"), at("a/link.jpg")).unwrap();
        std::os::unix::fs::symlink(at("a"), at("folder-link")).unwrap();

        let w = walk(dir.path(), 8).unwrap();
        let files: Vec<&str> = w.files.iter().map(|f| f.shown.as_str()).collect();
        assert_eq!(files, ["a/b/photo.jpg", "top.jpg"]);
        assert_eq!(w.files[0].rel.as_deref(), Some("a/b/photo.jpg"));
        let skipped: Vec<(&str, Skip)> = w.skipped.iter().map(|s| (s.path.as_str(), s.reason.skip)).collect();
        assert_eq!(
            skipped,
            [
                (".DS_Store", Skip::Hidden),
                (".git/", Skip::Hidden),
                ("__MACOSX/", Skip::System),
                ("a/Thumbs.db", Skip::System),
                ("a/link.jpg", Skip::Link),
                ("big.mov", Skip::TooLarge),
                ("empty.jpg", Skip::Empty),
                ("folder-link", Skip::Link),
            ]
        );
        assert_eq!(w.skipped[0].reason.detail, "hidden file");
        assert_eq!(w.skipped[1].reason.detail, "hidden folder");
    }

    #[test]
    fn a_folder_that_cannot_be_listed_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(walk(&dir.path().join("missing"), 8).is_err());
    }

    #[test]
    fn relative_paths_use_slashes_and_refuse_other_folders() {
        assert_eq!(relative(Path::new("/a"), Path::new("/a/b/c.jpg")).as_deref(), Some("b/c.jpg"));
        assert_eq!(relative(Path::new("/a"), Path::new("/x/c.jpg")), None);
    }
}
