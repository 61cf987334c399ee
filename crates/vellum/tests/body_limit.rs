//! An unauthenticated 10 MB JSON body to the sign-in route is refused 413 without the server
//! holding it in memory: its resident size barely moves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use support::Server;

/// Resident set size of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Sends a large body and returns the status line the server answered with. The server may
/// answer and close before the body is all sent, so write errors are expected.
fn post_big(addr: &str, size: usize) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    while sent < size {
        let n = chunk.len().min(size - sent);
        if s.write_all(&chunk[..n]).is_err() {
            break;
        }
        sent += n;
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).lines().next().unwrap_or("").to_string()
}

#[test]
fn big_unauthenticated_bodies_cost_no_memory() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--workers", "0"]);
    let pid = server.child.id();
    // Warm up the paths a request takes, so the measurement is of the body alone.
    for _ in 0..3 {
        post_big(&server.addr, 100);
    }
    let before = rss_kib(pid);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(post_big(&server.addr, 10 * 1024 * 1024));
    }
    let after = rss_kib(pid);
    for s in &statuses {
        assert!(s.contains(" 413 "), "{s}");
    }
    let grown_mib = after.saturating_sub(before) as f64 / 1024.0;
    assert!(grown_mib < 32.0, "five 10 MB bodies grew the server by {grown_mib:.1} MiB");
}
