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

#[tokio::test]
async fn timeout_kills_the_program() {
    let d = dir();
    let started = std::time::Instant::now();
    let tool = Tool::new("sleep", d.path()).arg("30").timeout(Duration::from_millis(300));
    let err = run(&tool).await.unwrap_err();
    assert!(matches!(err, ToolError::TimedOut { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn timeout_also_ends_what_the_program_started() {
    let d = dir();
    // The shell starts a grandchild, writes its pid, and waits.
    let tool = Tool::new("sh", d.path())
        .args(["-c", "sleep 30 & echo $! > grandchild; wait"])
        .timeout(Duration::from_millis(500));
    assert!(matches!(run(&tool).await.unwrap_err(), ToolError::TimedOut { .. }));
    let pid = std::fs::read_to_string(d.path().join("grandchild")).unwrap().trim().to_string();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Gone, or a zombie waiting for init to reap it: either way it no longer runs.
    assert!(state.is_empty() || state.split_whitespace().nth(2) == Some("Z"), "grandchild still running: {state}");
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
