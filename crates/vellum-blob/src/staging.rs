//! Where a local store's unfinished writes wait: one folder per process, `tmp/<pid>-<start>`,
//! so several processes on one data folder (`serve` beside `worker`, `import` or `gc`) never
//! touch each other's writes in flight; and the rule that says when a staged write is
//! abandoned: untouched for longer than its process allows any write to take.

use std::{
    fs, io,
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use crate::StaleWrite;

/// How long a write may stay staged unless the process says otherwise: the longest upload
/// the server allows by default.
pub const DEFAULT_MAX_STAGING: Duration = Duration::from_secs(6 * 3600);

/// The file in each staging folder that declares how long its process's writes may take, so
/// a process with a shorter limit never judges a longer upload elsewhere abandoned.
const LEASE: &str = "max-staging-secs";

/// This process's staging folder; removed with everything in it when the store is dropped.
#[derive(Debug)]
pub(crate) struct Staging {
    tmp: PathBuf,
    dir: PathBuf,
    max: Duration,
}

impl Staging {
    /// Creates this process's own folder under `tmp`.
    pub(crate) fn create(tmp: &Path, max: Duration) -> io::Result<Staging> {
        fs::create_dir_all(tmp)?;
        let pid = std::process::id();
        let start = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        // Stores opened on one folder by one process in the same millisecond (tests do) still
        // get a folder each, so dropping one never empties another's.
        let mut n = 0u32;
        loop {
            let name = if n == 0 { format!("{pid}-{start}") } else { format!("{pid}-{start}-{n}") };
            let dir = tmp.join(name);
            match fs::create_dir(&dir) {
                Ok(()) => {
                    write_lease(&dir, max)?;
                    return Ok(Staging { tmp: tmp.to_path_buf(), dir, max });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Puts the folder back after another process's sweep removed it while it stood empty.
    pub(crate) fn restore(&self) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        write_lease(&self.dir, self.max)
    }

    /// Removes (or with `dry_run` only lists) staged writes older than their process's limit:
    /// in our own folder, in other processes' folders, and loose files an older layout left
    /// directly in `tmp/`. Other processes' folders go too once nothing is left in them.
    pub(crate) fn sweep(&self, dry_run: bool) -> io::Result<Vec<StaleWrite>> {
        let now = SystemTime::now();
        let mut stale = Vec::new();
        for entry in fs::read_dir(&self.tmp)? {
            let entry = entry?;
            let path = entry.path();
            // Gone meanwhile: its owner finished with it.
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                // Each process is judged by its own limit; ours stands in for a missing lease.
                let declared = read_lease(&path);
                let max = declared.unwrap_or(self.max);
                let left = self.sweep_folder(&path, max, now, dry_run, &mut stale)?;
                if left == 0 && !dry_run && path != self.dir && lease_older_than(&path, max, now) {
                    remove_idle_folder(&path, declared)?;
                }
            } else if older_than(&meta, self.max, now) {
                stale.push(self.stale_write(&path, &meta));
                if !dry_run {
                    remove_if_present(&path)?;
                }
            }
        }
        Ok(stale)
    }

    /// Sweeps one process's folder; returns how many writes in it are still live.
    fn sweep_folder(
        &self,
        dir: &Path,
        max: Duration,
        now: SystemTime,
        dry_run: bool,
        stale: &mut Vec<StaleWrite>,
    ) -> io::Result<usize> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut live = 0;
        for entry in entries {
            let entry = entry?;
            if entry.file_name() == LEASE {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if older_than(&meta, max, now) {
                stale.push(self.stale_write(&entry.path(), &meta));
                if !dry_run {
                    remove_if_present(&entry.path())?;
                }
            } else {
                live += 1;
            }
        }
        Ok(live)
    }

    fn stale_write(&self, path: &Path, meta: &fs::Metadata) -> StaleWrite {
        let root = self.tmp.parent().unwrap_or(&self.tmp);
        StaleWrite {
            name: path.strip_prefix(root).unwrap_or(path).display().to_string(),
            size: meta.len(),
            modified: meta.modified().unwrap_or(UNIX_EPOCH),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Our own leftovers: writers remove their files when dropped, this catches the rest.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn write_lease(dir: &Path, max: Duration) -> io::Result<()> {
    fs::write(dir.join(LEASE), max.as_secs().to_string())
}

fn read_lease(dir: &Path) -> Option<Duration> {
    fs::read_to_string(dir.join(LEASE)).ok()?.trim().parse().ok().map(Duration::from_secs)
}

/// Whether the file was last written more than `max` ago (never for times in the future).
fn older_than(meta: &fs::Metadata, max: Duration, now: SystemTime) -> bool {
    meta.modified().ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age > max)
}

fn lease_older_than(dir: &Path, max: Duration, now: SystemTime) -> bool {
    match fs::metadata(dir.join(LEASE)) {
        Ok(m) => older_than(&m, max, now),
        // No lease: a folder from a process that died while creating it, or one whose lease
        // a racing sweep took; judge the folder itself.
        Err(_) => fs::metadata(dir).is_ok_and(|m| older_than(&m, max, now)),
    }
}

/// Removes an empty folder whose process has staged nothing for longer than it may take. Its
/// process may still be alive and idle: it puts the folder back on its next write. If it
/// staged a write in between, the folder is not empty, stays, and gets its lease back.
fn remove_idle_folder(dir: &Path, declared: Option<Duration>) -> io::Result<()> {
    remove_if_present(&dir.join(LEASE))?;
    match fs::remove_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(_) => match declared {
            Some(max) => write_lease(dir, max),
            None => Ok(()),
        },
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
