//! Upload memory: the RSS of a real `vellum serve` process while one large file streams in.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use super::XorShift;

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn http(addr: &str, req: &str) -> Result<String, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

pub async fn run(mib: u64) -> Result<(), String> {
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(scratch.path())
        .env("VELLUM_ADMIN_EMAIL", "bench@example.com")
        .env("VELLUM_ADMIN_PASSWORD", "bench-password-1")
        .env("VELLUM_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let addr = loop {
        let line = lines.next().ok_or("server exited")?.map_err(|e| e.to_string())?;
        if let Some(a) = line.strip_prefix("Vellum listening on http://") {
            break a.trim().to_string();
        }
    };
    let result = measure(&addr, pid, mib);
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn measure(addr: &str, pid: u32, mib: u64) -> Result<(), String> {
    let body = r#"{"email":"bench@example.com","password":"bench-password-1"}"#;
    let reply = http(addr, &format!("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()))?;
    let cookie = reply
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .ok_or("no session cookie")?
        .to_string();
    let ws = r#"{"name":"Bench","slug":"bench"}"#;
    http(addr, &format!("POST /api/v1/workspaces HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{ws}", ws.len()))?;

    let boundary = "benchboundary";
    let head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nvideo\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mov\"\r\n\r\n");
    let tail = format!("\r\n--{boundary}--\r\n");
    let size = mib << 20;
    let total = head.len() as u64 + size + tail.len() as u64;
    let before = rss_kib(pid).ok_or("cannot read the server's RSS")?;
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    write!(s, "POST /api/v1/workspaces/bench/assets HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n{head}")
        .map_err(|e| e.to_string())?;
    let mut rng = XorShift(42);
    let mut chunk = vec![0u8; 1 << 20];
    let mut peak = before;
    let started = Instant::now();
    for _ in 0..mib {
        rng.fill(&mut chunk);
        s.write_all(&chunk).map_err(|e| e.to_string())?;
        peak = peak.max(rss_kib(pid).unwrap_or(0));
    }
    s.write_all(tail.as_bytes()).map_err(|e| e.to_string())?;
    let mut reply = String::new();
    while reply.is_empty() || !reply.contains("\r\n\r\n") {
        peak = peak.max(rss_kib(pid).unwrap_or(0));
        let mut buf = [0u8; 4096];
        s.set_read_timeout(Some(Duration::from_millis(50))).map_err(|e| e.to_string())?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reply.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(_) => continue,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let status = reply.lines().next().unwrap_or("").to_string();
    println!("uploaded {mib} MiB in {secs:.1} s ({:.0} MiB/s): {status}", mib as f64 / secs);
    println!(
        "server RSS before {:.1} MiB, peak {:.1} MiB, growth {:.1} MiB (goal: under 64 MiB)",
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        (peak - before) as f64 / 1024.0
    );
    Ok(())
}
