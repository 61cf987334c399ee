//! The audit key on disk and the checkpoint log beside it. The key is made on first start in
//! `<data>/audit/signing.key` (0600) unless `VELLUM_AUDIT_KEY` gives it; checkpoints are
//! appended to `<data>/audit/checkpoints.log`, one signed JSON line each, for shipping
//! elsewhere.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};
use vellum_domain::ErrorCode;

use vellum_domain::audit::{AuditKey, SignedCheckpoint};

use crate::{Error, Result};

pub const KEY_FILE: &str = "signing.key";
pub const LOG_FILE: &str = "checkpoints.log";

/// The server's audit key and where its checkpoints are logged.
#[derive(Debug, Clone)]
pub struct AuditKeeper {
    pub key: Arc<AuditKey>,
    /// The checkpoint log (None: checkpoints are only stored in the database).
    pub log: Option<PathBuf>,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorCode::Internal, format!("{what} {}: {e}", path.display()))
}

/// The `audit` folder of a data folder.
pub fn audit_dir(data: &Path) -> PathBuf {
    data.join("audit")
}

impl AuditKeeper {
    /// A keeper with a key held in memory only (tests, and tools that only verify).
    pub fn in_memory(key: AuditKey, log: Option<PathBuf>) -> Self {
        AuditKeeper { key: Arc::new(key), log }
    }

    /// Opens the keeper of a data folder: the key from `env_key` (hex) if given, else from
    /// `<data>/audit/signing.key`, generating that file on first use.
    pub fn open(data: &Path, env_key: Option<&str>) -> Result<Self> {
        let dir = audit_dir(data);
        create_private_dir(&dir)?;
        let key = match given_key(env_key)? {
            Some(key) => key,
            None => load_or_create(&dir.join(KEY_FILE))?,
        };
        Ok(AuditKeeper { key: Arc::new(key), log: Some(dir.join(LOG_FILE)) })
    }

    /// Appends a checkpoint to the log and flushes it to disk.
    pub async fn log(&self, cp: &SignedCheckpoint) -> Result<()> {
        let Some(path) = self.log.clone() else { return Ok(()) };
        let line = format!("{}\n", cp.to_line());
        tokio::task::spawn_blocking(move || {
            // One write of one line with O_APPEND: lines from several processes never interleave.
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| io("cannot open", &path, e))?;
            f.write_all(line.as_bytes()).map_err(|e| io("cannot append to", &path, e))?;
            f.sync_data().map_err(|e| io("cannot flush", &path, e))
        })
        .await
        .map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?
    }
}

/// Reads the checkpoint lines of a log file (none if it does not exist).
pub fn read_log(path: &Path) -> Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io("cannot read", path, e)),
    }
}

/// The last checkpoint line of a log file (None if it is absent or empty), read from the end
/// so a log of years costs no more than a log of minutes.
pub fn last_line(path: &Path) -> Result<Option<String>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("cannot read", path, e)),
    };
    let len = f.metadata().map_err(|e| io("cannot read", path, e))?.len();
    let mut tail: Vec<u8> = Vec::new();
    let mut pos = len;
    while pos > 0 {
        let step = pos.min(64 * 1024);
        pos -= step;
        let mut chunk = vec![0u8; step as usize];
        f.seek(SeekFrom::Start(pos)).map_err(|e| io("cannot read", path, e))?;
        f.read_exact(&mut chunk).map_err(|e| io("cannot read", path, e))?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        let text = String::from_utf8_lossy(&tail);
        let trimmed = text.trim_end();
        if let Some(nl) = trimmed.rfind('\n') {
            return Ok(Some(trimmed[nl + 1..].trim().to_string()).filter(|l| !l.is_empty()));
        }
    }
    let text = String::from_utf8_lossy(&tail);
    Ok(Some(text.trim().to_string()).filter(|l| !l.is_empty()))
}

/// The key `VELLUM_AUDIT_KEY` gives (hex; blank counts as not given).
fn given_key(env_key: Option<&str>) -> Result<Option<AuditKey>> {
    env_key
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|hex| {
            AuditKey::from_hex(hex)
                .map_err(|e| Error::new(ErrorCode::InvalidAuditKey, format!("VELLUM_AUDIT_KEY: {e}")))
        })
        .transpose()
}

/// The key `VELLUM_AUDIT_KEY` gives, else the data folder's key file, never creating one:
/// for tools that work on existing data (verify, backup, move).
pub fn existing_key(data: &Path, env_key: Option<&str>) -> Result<Option<AuditKey>> {
    match given_key(env_key)? {
        Some(key) => Ok(Some(key)),
        None => read_key(data),
    }
}

/// Reads the key file of a data folder without creating one (for verifying).
pub fn read_key(data: &Path) -> Result<Option<AuditKey>> {
    read_key_file(&audit_dir(data).join(KEY_FILE))
}

fn read_key_file(path: &Path) -> Result<Option<AuditKey>> {
    match std::fs::read_to_string(path) {
        Ok(s) => AuditKey::from_hex(&s)
            .map(Some)
            .map_err(|e| Error::new(ErrorCode::InvalidAuditKey, format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io("cannot read", path, e)),
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| io("cannot create", dir, e))
}

fn load_or_create(path: &Path) -> Result<AuditKey> {
    if let Some(key) = read_key_file(path)? {
        return Ok(key);
    }
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| Error::new(ErrorCode::Internal, format!("no randomness: {e}")))?;
    link_new_key(path, &AuditKey::from_seed(seed))
}

/// Puts `key` in `<data>/audit/signing.key` (0600) unless that file exists; returns the key
/// the folder then holds, which callers compare with theirs (restoring a backup, moving a
/// store).
pub fn install_key(data: &Path, key: &AuditKey) -> Result<AuditKey> {
    let dir = audit_dir(data);
    create_private_dir(&dir)?;
    link_new_key(&dir.join(KEY_FILE), key)
}

fn link_new_key(path: &Path, key: &AuditKey) -> Result<AuditKey> {
    // Written under a temporary name and linked into place, so a crash never leaves half a
    // key, and created 0600 from the start, so it is never readable by others even briefly.
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp).map_err(|e| io("cannot create", &tmp, e))?;
    f.write_all(format!("{}\n", key.to_hex()).as_bytes()).map_err(|e| io("cannot write", &tmp, e))?;
    f.sync_all().map_err(|e| io("cannot flush", &tmp, e))?;
    drop(f);
    // Two processes starting together: linking fails for the second, and both then use the
    // key the first one linked.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    if let Err(e) = linked {
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            return Err(io("cannot create", path, e));
        }
    }
    if let Some(Ok(dir)) = path.parent().map(std::fs::File::open) {
        let _ = dir.sync_all();
    }
    read_key_file(path)?.ok_or_else(|| io("cannot read back", path, std::io::ErrorKind::NotFound.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_privately_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = AuditKeeper::open(dir.path(), None).unwrap();
        let b = AuditKeeper::open(dir.path(), None).unwrap();
        assert_eq!(a.key.public(), b.key.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("audit").join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let given = AuditKey::from_seed([1; 32]);
        let c = AuditKeeper::open(dir.path(), Some(&given.to_hex())).unwrap();
        assert_eq!(c.key.public(), given.public());
        assert!(AuditKeeper::open(dir.path(), Some("nothex")).is_err());
    }

    #[test]
    fn the_last_line_is_found_from_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        assert_eq!(last_line(&path).unwrap(), None);
        std::fs::write(&path, "").unwrap();
        assert_eq!(last_line(&path).unwrap(), None);
        std::fs::write(&path, "one\n").unwrap();
        assert_eq!(last_line(&path).unwrap().as_deref(), Some("one"));
        let long = "x".repeat(200_000);
        std::fs::write(&path, format!("one\n{long}\n")).unwrap();
        assert_eq!(last_line(&path).unwrap().as_deref(), Some(long.as_str()));
        std::fs::write(&path, format!("{long}\ntwo\n\n")).unwrap();
        assert_eq!(last_line(&path).unwrap().as_deref(), Some("two"));
    }
}
