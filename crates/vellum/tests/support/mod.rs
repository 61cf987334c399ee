//! Shared by the binary's integration tests: a real `vellum serve` process and a tiny
//! blocking HTTP/1.1 client, so tests talk to the server exactly as outside clients do.
#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// How long a test waits for something it expects before failing loudly.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Polls `probe` until it yields a value, failing after `limit`. Tests wait on something
/// they can observe (a row, a state, a file, a printed line), never on a fixed sleep; the
/// short pause between probes only keeps the loop from spinning.
pub fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "gave up after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Polls `cond` until it holds, failing after `limit` (see `wait_for`).
pub fn wait_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    wait_for(what, limit, || cond().then_some(()))
}

/// Reads `child`'s stdout on a thread of its own until a line satisfies `pick`, then keeps
/// draining it so the child never blocks on a full pipe. Fails if the child ends or stays
/// silent for `limit` first.
pub fn await_line<T: Send + 'static>(
    child: &mut Child,
    limit: Duration,
    pick: impl Fn(&str) -> Option<T> + Send + 'static,
) -> T {
    let stdout = child.stdout.take().expect("the child's stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(v) = tx.as_ref().and_then(|_| pick(&line)) {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(v);
                }
            }
        }
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process printed nothing expected within {limit:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
            panic!("the process exited ({status}) before printing the expected line")
        }
    }
}

/// A child process that is killed when the test lets go of it, also when the test fails
/// half-way, so no process outlives its test.
pub struct KillOnDrop(pub Child);

impl KillOnDrop {
    /// SIGKILL now, and reap it.
    pub fn kill_9(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// Starts `vellum worker` on `data` with more arguments and environment; returns once its
/// workers run.
pub fn start_worker(data: &Path, extra: &[&str], env: &[(&str, String)]) -> KillOnDrop {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .arg("worker")
        .args(extra)
        .arg("--data")
        .arg(data)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("VELLUM_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start vellum worker");
    await_line(&mut child, PATIENCE, |line| line.contains("worker running").then_some(()));
    KillOnDrop(child)
}

/// A running server process.
pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Server {
    /// Starts `vellum serve` on a free port with `data` as its data folder.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_with_env(data, extra, &[])
    }

    /// `start`, with more environment (a cluster node's shared settings).
    pub fn start_with_env(data: &Path, extra: &[&str], env: &[(&str, String)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("VELLUM_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("VELLUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("VELLUM_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start vellum serve");
        let addr = await_line(&mut child, PATIENCE, |line| {
            line.strip_prefix("Vellum listening on http://").map(|a| a.trim().to_string())
        });
        Server { child, addr }
    }

    /// SIGKILL: no graceful shutdown, no flushing.
    pub fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn decode_chunked(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(pos) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&body[..pos]).unwrap_or("0").trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = pos + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
}

/// One request on a fresh connection; `None` if the connection failed.
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Option<Reply> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")) {
        body = decode_chunked(&body);
    }
    Some(Reply { status, headers, body })
}

pub fn json_request(addr: &str, method: &str, path: &str, token: &str, body: serde_json::Value) -> Option<Reply> {
    let headers = [("Authorization", format!("Bearer {token}")), ("Content-Type", "application/json".to_string())];
    request(addr, method, path, &headers, body.to_string().as_bytes())
}

pub const BOUNDARY: &str = "vellumcrashtestboundary";

/// A multipart body with text fields and one file.
pub fn multipart(fields: &[(&str, &str)], filename: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub fn upload(
    addr: &str,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
    filename: &str,
    file: &[u8],
) -> Option<Reply> {
    let headers = [
        ("Authorization", format!("Bearer {token}")),
        ("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}")),
    ];
    request(addr, "POST", path, &headers, &multipart(fields, filename, file))
}

/// Signs in as the bootstrap admin and returns an API token.
pub fn admin_token(addr: &str) -> String {
    sign_in_token(addr, ADMIN_EMAIL, ADMIN_PASSWORD, serde_json::json!({"name": "test"}))
}

/// Signs in with a password and makes an API token as `body` asks (name, scopes, workspace).
pub fn sign_in_token(addr: &str, email: &str, password: &str, body: serde_json::Value) -> String {
    let sign_in = serde_json::json!({"email": email, "password": password}).to_string();
    let r =
        request(addr, "POST", "/api/v1/session", &[("Content-Type", "application/json".into())], sign_in.as_bytes())
            .expect("sign in");
    assert_eq!(r.status, 200, "sign in: {:?}", r.json());
    let cookie = r.header("set-cookie").expect("cookie").split(';').next().expect("cookie value").to_string();
    let csrf = r.json()["csrf_token"].as_str().expect("csrf token").to_string();
    let t = request(
        addr,
        "POST",
        "/api/v1/tokens",
        &[("Cookie", cookie), ("X-CSRF-Token", csrf), ("Content-Type", "application/json".into())],
        body.to_string().as_bytes(),
    )
    .expect("token");
    assert_eq!(t.status, 201, "token: {:?}", t.json());
    t.json()["token"].as_str().expect("token").to_string()
}

/// Runs the real `vellum` binary with arguments and returns (exit code, stdout).
pub fn vellum(args: &[&str]) -> (i32, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_vellum")).args(args).env("VELLUM_LOG", "warn").output().expect("run vellum");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string())
}

/// A small real PNG, made by ffmpeg.
pub fn png(dir: &Path) -> Vec<u8> {
    let out = dir.join("seed.png");
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "-y"])
        .arg(&out)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ffmpeg is required to make the seed image");
    std::fs::read(out).expect("the seed image")
}
