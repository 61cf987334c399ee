//! Office documents to PDF with LibreOffice. Each conversion gets a fresh profile inside the
//! job folder, and a host runs one at a time (an `flock` on a file in the system temp folder,
//! shared by every worker process): CI once saw LibreOffice crash on its first start
//! (`WrappedTargetRuntimeException`) with two conversions starting at once on fresh profiles.
//! A conversion that crashes all the same is tried once more, on another fresh profile.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{outputs, GIB};
use crate::tool::{run, Tool, ToolError};

/// Where the host-wide lock lives.
fn lock_path() -> PathBuf {
    std::env::temp_dir().join("vellum-libreoffice.lock")
}

/// Converts a word-processing, spreadsheet or presentation file to PDF with LibreOffice.
pub async fn office_to_pdf(src: &Path, dir: &Path) -> Result<PathBuf, ToolError> {
    office_convert(src, dir, "pdf", "pdf").await
}

/// Converts `src` with LibreOffice to `target` (a `--convert-to` filter such as `pdf` or
/// `docx:MS Word 2007 XML`), writing a file with the extension `ext` — one conversion at a time
/// on this host and tried again once on a crash. Tests that make office fixtures use it too,
/// so they never start LibreOffice beside a worker's conversion.
pub async fn office_convert(src: &Path, dir: &Path, target: &str, ext: &str) -> Result<PathBuf, ToolError> {
    let _turn = host_turn().await;
    match convert(src, dir, "lo-profile", target, ext).await {
        Err(e) if crashed(&e) => convert(src, dir, "lo-profile-retry", target, ext).await,
        other => other,
    }
}

async fn convert(src: &Path, dir: &Path, profile: &str, target: &str, ext: &str) -> Result<PathBuf, ToolError> {
    let out = dir.join("office");
    std::fs::create_dir_all(&out)?;
    let profile: OsString = format!("-env:UserInstallation=file://{}", dir.join(profile).display()).into();
    let tool = Tool::new("soffice", dir)
        .arg(profile)
        .args(["--headless", "--norestore", "--nolockcheck", "--convert-to", target, "--outdir"])
        .arg(out.as_os_str())
        .arg(src.as_os_str())
        .timeout(Duration::from_secs(180))
        // LibreOffice maps much more than it uses.
        .memory_limit(Some(8 * GIB));
    run(&tool).await?;
    let made = outputs(&out, "")?.into_iter().find(|p| p.extension().is_some_and(|e| e == ext));
    made.ok_or_else(|| ToolError::Failed {
        program: "soffice".into(),
        status: Some(0),
        stderr_tail: format!("no .{ext} file written"),
    })
}

/// Whether LibreOffice died rather than refused the document: killed by a signal (directly,
/// or as the sandbox reports it, 128 + signal), or aborting on an uncaught UNO exception.
fn crashed(e: &ToolError) -> bool {
    match e {
        ToolError::Failed { status, stderr_tail, .. } => {
            matches!(status, None | Some(129..=159))
                || [
                    "WrappedTargetRuntimeException",
                    "terminate called",
                    "Fatal exception",
                    "Unspecified Application Error",
                ]
                .iter()
                .any(|sign| stderr_tail.contains(sign))
        }
        _ => false,
    }
}

/// This host's turn to run LibreOffice: an exclusive `flock`, released when the guard drops
/// (also when the job is cancelled). Without a lock file (no writable temp folder) the
/// conversion runs unserialised rather than not at all.
async fn host_turn() -> Option<std::fs::File> {
    host_turn_at(lock_path()).await
}

async fn host_turn_at(path: PathBuf) -> Option<std::fs::File> {
    let taken = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .or_else(|_| std::fs::File::open(&path))?;
        #[cfg(unix)]
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
        Ok(file)
    })
    .await;
    match taken {
        Ok(Ok(file)) => Some(file),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn failed(status: Option<i32>, stderr: &str) -> ToolError {
        ToolError::Failed { program: "soffice".into(), status, stderr_tail: stderr.into() }
    }

    #[test]
    fn crashes_are_told_from_refusals() {
        let uno = "terminate called after throwing an instance of \
                   'com::sun::star::lang::WrappedTargetRuntimeException'";
        assert!(crashed(&failed(Some(1), uno)));
        assert!(crashed(&failed(None, "")));
        assert!(crashed(&failed(Some(134), "")));
        assert!(!crashed(&failed(Some(0), "no PDF written")));
        assert!(!crashed(&failed(Some(1), "Error: source file could not be loaded")));
        assert!(!crashed(&ToolError::TimedOut { program: "soffice".into(), seconds: 180 }));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_host_has_one_turn_at_a_time() {
        use rustix::fs::{flock, FlockOperation::NonBlockingLockExclusive};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("libreoffice.lock");
        let turn = host_turn_at(path.clone()).await.unwrap();
        // Another process (another open of the file) cannot take it meanwhile…
        let other = std::fs::File::open(&path).unwrap();
        assert!(flock(&other, NonBlockingLockExclusive).is_err());
        // …and can once the conversion is over.
        drop(turn);
        assert!(flock(&other, NonBlockingLockExclusive).is_ok());
    }
}
