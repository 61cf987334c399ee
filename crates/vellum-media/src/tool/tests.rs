#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test]
async fn runs_with_a_clean_environment_in_the_job_folder() {
    let d = dir();
    let out = run(&Tool::new("env", d.path())).await.unwrap();
    let env = String::from_utf8(out.stdout).unwrap();
    let mut names: Vec<&str> = env.lines().filter_map(|l| l.split('=').next()).collect();
    names.sort_unstable();
    // bubblewrap's --chdir also sets PWD, to the same folder.
    names.retain(|n| *n != "PWD");
    assert_eq!(names, ["HOME", "LC_ALL", "PATH"], "{env}");
    assert!(env.contains("PATH=/usr/bin:/bin"));

    let out = run(&Tool::new("pwd", d.path())).await.unwrap();
    let pwd = String::from_utf8(out.stdout).unwrap();
    assert_eq!(Path::new(pwd.trim()).canonicalize().unwrap(), d.path().canonicalize().unwrap());
}

#[tokio::test]
async fn arguments_are_not_interpreted_by_a_shell() {
    let d = dir();
    let out = run(&Tool::new("echo", d.path()).args(["$HOME", ";", "rm", "-rf", "*"])).await.unwrap();
    assert_eq!(out.stdout, b"$HOME ; rm -rf *\n");
}

#[tokio::test]
async fn missing_program_is_not_installed() {
    let d = dir();
    let err = run(&Tool::new("vellum-no-such-tool", d.path())).await.unwrap_err();
    assert!(matches!(err, ToolError::NotInstalled(ref n) if n == "vellum-no-such-tool"), "{err}");
    let err = run(&Tool::new("../bin/sh", d.path())).await.unwrap_err();
    assert!(matches!(err, ToolError::NotInstalled(_)), "{err}");
}

/// Command lines of running processes that contain `marker` (the shell that started them aside).
fn running_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(marker) && !c.contains("sh -c"))
        .collect()
}

/// Waits until no process carries `marker` (a killed process may take a moment to be reaped);
/// what still runs after a generous while is returned, for the assertion to show.
async fn survivors(marker: &str) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let running = running_with(marker);
        if running.is_empty() || std::time::Instant::now() > deadline {
            return running;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An argument for `sleep` that no other process has: 40–89 seconds with this process's id
/// as the decimals.
fn marker() -> String {
    format!("{}.{}", 40 + std::process::id() % 50, std::process::id())
}

#[tokio::test]
async fn timeout_kills_the_program() {
    let d = dir();
    let marker = format!("{}1", marker());
    let tool = Tool::new("sleep", d.path()).arg(&marker).timeout(Duration::from_millis(300));
    // Had run waited for sleep to finish, it would have succeeded.
    let err = run(&tool).await.unwrap_err();
    assert!(matches!(err, ToolError::TimedOut { .. }), "{err}");
    let left = survivors(&marker).await;
    assert!(left.is_empty(), "the program outlived its timeout: {left:?}");
}

#[tokio::test]
async fn timeout_also_ends_what_the_program_started() {
    let d = dir();
    // The shell starts a grandchild with an argument nothing else uses, and waits.
    let marker = format!("{}2", marker());
    let script = format!("sleep {marker} & wait");
    let tool = Tool::new("sh", d.path()).args(["-c", &script]).timeout(Duration::from_millis(500));
    assert!(matches!(run(&tool).await.unwrap_err(), ToolError::TimedOut { .. }));
    let left = survivors(&marker).await;
    assert!(left.is_empty(), "the grandchild outlived the timeout: {left:?}");
}

#[tokio::test]
async fn tools_see_only_their_own_folder() {
    if !sandbox_works().await {
        assert!(std::env::var("CI").is_err(), "bubblewrap is required in CI");
        eprintln!("skipping: bubblewrap cannot run here");
        return;
    }
    let job = dir();
    let other = dir();
    std::fs::write(other.path().join("secret.txt"), "not yours").unwrap();
    let peek = Tool::new("cat", job.path()).arg(other.path().join("secret.txt"));
    assert!(matches!(run(&peek).await.unwrap_err(), ToolError::Failed { .. }), "another folder is invisible");
    let home = Tool::new("ls", job.path()).arg("/root");
    assert!(run(&home).await.is_err(), "the host's home is invisible");
    let write = Tool::new("sh", job.path()).args(["-c", "echo made > out.txt && ! touch /usr/evil 2>/dev/null"]);
    run(&write).await.unwrap();
    assert_eq!(std::fs::read_to_string(job.path().join("out.txt")).unwrap(), "made\n");
}

#[tokio::test]
async fn failure_keeps_the_stderr_tail() {
    let d = dir();
    let tool = Tool::new("sh", d.path()).args(["-c", "echo boom >&2; exit 3"]);
    match run(&tool).await.unwrap_err() {
        ToolError::Failed { status, stderr_tail, .. } => {
            assert_eq!(status, Some(3));
            assert_eq!(stderr_tail.trim(), "boom");
        }
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn stdout_is_capped_and_drained() {
    let d = dir();
    let tool = Tool::new("head", d.path()).args(["-c", "1000000", "/dev/zero"]).stdout_cap(1000);
    let out = run(&tool).await.unwrap();
    assert_eq!(out.stdout.len(), 1000);
    assert!(out.stdout_truncated);
}

#[tokio::test]
async fn memory_limit_applies() {
    if locate(OsStr::new("prlimit")).is_none() {
        eprintln!("skipped: prlimit not installed");
        return;
    }
    let d = dir();
    let tool = Tool::new("sh", d.path()).args(["-c", "ulimit -v"]).memory_limit(Some(256 << 20));
    let out = run(&tool).await.unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), (256u64 << 10).to_string());
}

#[tokio::test]
async fn no_network_when_isolation_works() {
    if !network_isolation_works().await {
        eprintln!("skipped: unshare --net is not available here");
        return;
    }
    let d = dir();
    let out = run(&Tool::new("cat", d.path()).arg("/proc/net/dev")).await.unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let interfaces: Vec<&str> = text.lines().skip(2).filter_map(|l| l.split(':').next()).map(str::trim).collect();
    assert_eq!(interfaces, ["lo"], "{text}");
}
