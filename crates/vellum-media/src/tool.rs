//! Running external programs safely: an argument list (no shell), a cleared environment, the
//! job's own folder as working directory, a timeout, an address-space limit, no network where
//! the machine allows it, and bounded output capture.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::sync::OnceCell;

pub mod inventory;

/// The only directories programs are looked up in and the only `PATH` they see.
const SEARCH_PATH: &str = "/usr/bin:/bin";
const STDERR_TAIL: usize = 4096;

/// One invocation of an external program.
#[derive(Debug, Clone)]
pub struct Tool {
    /// Bare program name (looked up in `/usr/bin:/bin`) or an absolute path.
    pub program: OsString,
    pub args: Vec<OsString>,
    pub timeout: Duration,
    /// Address-space limit in bytes (`prlimit --as`), when `prlimit` exists.
    pub memory_limit: Option<u64>,
    /// Working directory: the job's own temporary folder.
    pub dir: PathBuf,
    /// Bytes of stdout kept; the rest is read and discarded so the program never blocks.
    pub stdout_cap: usize,
}

impl Tool {
    /// A tool with defaults: 60 s, 1 GiB address space, 16 MiB of stdout.
    pub fn new(program: impl Into<OsString>, dir: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            timeout: Duration::from_secs(60),
            memory_limit: Some(1 << 30),
            dir: dir.into(),
            stdout_cap: 16 << 20,
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn memory_limit(mut self, bytes: Option<u64>) -> Self {
        self.memory_limit = bytes;
        self
    }

    pub fn stdout_cap(mut self, bytes: usize) -> Self {
        self.stdout_cap = bytes;
        self
    }
}

/// What a successful run produced.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub stdout: Vec<u8>,
    /// True when stdout was longer than the cap and was cut.
    pub stdout_truncated: bool,
    /// The last few KiB of stderr, lossily decoded.
    pub stderr_tail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{0} is not installed")]
    NotInstalled(String),
    #[error("{program} timed out after {seconds} s")]
    TimedOut { program: String, seconds: u64 },
    #[error("{program} failed (status {status:?}): {stderr_tail}")]
    Failed { program: String, status: Option<i32>, stderr_tail: String },
    #[error("running a tool: {0}")]
    Io(#[from] std::io::Error),
}

/// Finds a program in `/usr/bin:/bin` (or checks an absolute path).
pub fn locate(program: &OsStr) -> Option<PathBuf> {
    let p = Path::new(program);
    if p.is_absolute() {
        return p.is_file().then(|| p.to_path_buf());
    }
    if p.components().count() != 1 {
        return None;
    }
    SEARCH_PATH.split(':').map(|d| Path::new(d).join(p)).find(|c| c.is_file())
}

/// Runs `tool` under the limits described in the module header.
pub async fn run(tool: &Tool) -> Result<Output, ToolError> {
    let name = tool.program.to_string_lossy().into_owned();
    let program = locate(&tool.program).ok_or_else(|| ToolError::NotInstalled(name.clone()))?;

    let mut argv: Vec<OsString> = Vec::new();
    if sandbox_works().await {
        argv.extend(sandbox_args(&tool.dir));
    } else if network_isolation_works().await {
        argv.extend(["/usr/bin/unshare", "--net", "--map-root-user", "--"].map(OsString::from));
    }
    if let (Some(limit), Some(prlimit)) = (tool.memory_limit, locate(OsStr::new("prlimit"))) {
        argv.push(prlimit.into_os_string());
        argv.push(format!("--as={limit}").into());
        argv.push("--".into());
    }
    argv.push(program.into_os_string());
    argv.extend(tool.args.iter().cloned());

    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env_clear()
        .env("PATH", SEARCH_PATH)
        .env("LC_ALL", "C.UTF-8")
        .env("HOME", &tool.dir)
        .current_dir(&tool.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Its own process group, so a timeout also ends whatever the tool started (LibreOffice
    // runs its real worker as a child).
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let work = async {
        let (out, err, status) =
            tokio::join!(read_capped(stdout, tool.stdout_cap), read_tail(stderr, STDERR_TAIL), child.wait());
        Ok::<_, std::io::Error>((out?, err?, status?))
    };
    let ((stdout, stdout_truncated), stderr, status) = match tokio::time::timeout(tool.timeout, work).await {
        Ok(r) => r?,
        Err(_) => {
            kill_group(child.id());
            // The child is killed when dropped (kill_on_drop); do it now so it is reaped promptly.
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(ToolError::TimedOut { program: name, seconds: tool.timeout.as_secs() });
        }
    };
    let stderr_tail = String::from_utf8_lossy(&stderr).into_owned();
    if !status.success() {
        return Err(ToolError::Failed { program: name, status: status.code(), stderr_tail });
    }
    Ok(Output { stdout, stdout_truncated, stderr_tail })
}

/// Kills the process group led by `pid` (the tool and everything it started).
fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()).and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// Parts of /etc programs need (fonts, the loader cache, alternatives); nothing else of the
/// host's configuration is visible.
const ETC: [&str; 6] =
    ["/etc/fonts", "/etc/ld.so.cache", "/etc/alternatives", "/etc/libreoffice", "/etc/ghostscript", "/etc/localtime"];

/// bubblewrap: a read-only /usr, the job folder as the only writable and the only visible
/// data, a private /tmp, no network, its own PID namespace, killed with its parent.
fn sandbox_args(dir: &Path) -> Vec<OsString> {
    let mut a: Vec<OsString> = ["/usr/bin/bwrap", "--ro-bind", "/usr", "/usr"].map(OsString::from).to_vec();
    for (link, target) in [("usr/lib", "/lib"), ("usr/lib64", "/lib64"), ("usr/bin", "/bin"), ("usr/sbin", "/sbin")] {
        a.extend(["--symlink", link, target].map(OsString::from));
    }
    for e in ETC {
        a.extend(["--ro-bind-try", e, e].map(OsString::from));
    }
    a.extend(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"].map(OsString::from));
    a.extend([OsString::from("--bind"), dir.into(), dir.into(), OsString::from("--chdir"), dir.into()]);
    a.extend(["--unshare-all", "--die-with-parent", "--new-session", "--"].map(OsString::from));
    a
}

/// Whether bubblewrap can build its sandbox here; probed once per process.
pub async fn sandbox_works() -> bool {
    static WORKS: OnceCell<bool> = OnceCell::const_new();
    *WORKS
        .get_or_init(|| async {
            if locate(OsStr::new("bwrap")).is_none() {
                return false;
            }
            let dir = std::env::temp_dir();
            let mut args = sandbox_args(&dir);
            let program = args.remove(0);
            args.push("/bin/true".into());
            let probe = Command::new(program)
                .args(args)
                .env_clear()
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .status();
            matches!(tokio::time::timeout(Duration::from_secs(5), probe).await, Ok(Ok(s)) if s.success())
        })
        .await
}

/// Whether `unshare --net --map-root-user` works here; probed once per process.
pub async fn network_isolation_works() -> bool {
    static WORKS: OnceCell<bool> = OnceCell::const_new();
    *WORKS
        .get_or_init(|| async {
            let Some(unshare) = locate(OsStr::new("unshare")) else { return false };
            let probe = Command::new(unshare)
                .args(["--net", "--map-root-user", "--", "/bin/true"])
                .env_clear()
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .status();
            matches!(tokio::time::timeout(Duration::from_secs(5), probe).await, Ok(Ok(s)) if s.success())
        })
        .await
}

async fn read_capped(src: Option<impl AsyncRead + Unpin>, cap: usize) -> std::io::Result<(Vec<u8>, bool)> {
    let Some(mut src) = src else { return Ok((Vec::new(), false)) };
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = src.read(&mut buf).await?;
        if n == 0 {
            return Ok((kept, truncated));
        }
        let room = cap.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
        truncated |= n > room;
    }
}

async fn read_tail(src: Option<impl AsyncRead + Unpin>, keep: usize) -> std::io::Result<Vec<u8>> {
    let Some(mut src) = src else { return Ok(Vec::new()) };
    let mut tail = Vec::new();
    let mut buf = vec![0u8; 8 * 1024];
    loop {
        let n = src.read(&mut buf).await?;
        if n == 0 {
            return Ok(tail);
        }
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > keep {
            tail.drain(..tail.len() - keep);
        }
    }
}

#[cfg(test)]
mod tests;
