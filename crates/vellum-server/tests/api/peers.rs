//! Real protocol peers the notification stories talk to: an SMTP server (aiosmtpd) and a
//! webhook receiver that verifies signatures with the `standardwebhooks` package. Both are
//! Python programs in `tests/peers`, run from the pinned tools in `.tools/python`; each
//! records what it received in a file, written before it answers, so a test reads it as soon
//! as Vellum's send returns.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use serde_json::Value;

pub(crate) fn python() -> Option<PathBuf> {
    let dir = std::env::var_os("VELLUM_PYTHON_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/python"));
    let py = dir.join("bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import aiosmtpd, standardwebhooks, icalendar, prometheus_client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(py);
    }
    assert!(
        std::env::var("CI").is_err(),
        "aiosmtpd, standardwebhooks, icalendar and prometheus-client are required in CI: run the test install step \
         (./vellum.sh test)"
    );
    eprintln!(
        "skipping: aiosmtpd, standardwebhooks, icalendar and prometheus-client are not installed in .tools/python"
    );
    None
}

pub(crate) fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers").join(name)
}

/// A running peer: killed when dropped.
struct Peer {
    child: Child,
    port: u16,
}

impl Peer {
    fn start(args: &[&std::ffi::OsStr]) -> Option<Peer> {
        let py = python()?;
        let mut child = Command::new(py)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("the peer did not print its port: {line:?}"));
        Some(Peer { child, port })
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// An SMTP server that keeps every message it accepts.
pub struct SmtpSink {
    peer: Peer,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl SmtpSink {
    pub fn start() -> Option<SmtpSink> {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("mail.jsonl");
        let peer = Peer::start(&[script("smtp_sink.py").as_os_str(), log.as_os_str()])?;
        Some(SmtpSink { peer, _dir: dir, log })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.peer.port)
    }

    /// Every message so far: `{rcpt_tos, to, subject, text, html, …}`.
    pub fn messages(&self) -> Vec<Value> {
        lines(&self.log)
    }

    /// The messages to one address.
    pub fn to(&self, address: &str) -> Vec<Value> {
        self.messages().into_iter().filter(|m| m["rcpt_tos"][0] == address).collect()
    }
}

/// A webhook receiver that verifies signatures and answers with the statuses it was given.
pub struct Receiver {
    peer: Peer,
    _dir: tempfile::TempDir,
    secret: PathBuf,
    log: PathBuf,
}

impl Receiver {
    pub fn start(statuses: &str) -> Option<Receiver> {
        Receiver::start_with(statuses, None)
    }

    /// A receiver speaking TLS with this certificate chain and key (PEM files).
    pub fn start_tls(statuses: &str, cert: &Path, key: &Path) -> Option<Receiver> {
        Receiver::start_with(statuses, Some((cert, key)))
    }

    fn start_with(statuses: &str, tls: Option<(&Path, &Path)>) -> Option<Receiver> {
        let dir = tempfile::tempdir().unwrap();
        let (secret, log) = (dir.path().join("secret"), dir.path().join("hooks.jsonl"));
        std::fs::write(&secret, "whsec_AAAA").unwrap();
        let statuses = std::ffi::OsString::from(statuses);
        let mut args =
            vec![script("webhook_receiver.py").into_os_string(), secret.clone().into(), log.clone().into(), statuses];
        if let Some((cert, key)) = tls {
            args.extend([cert.as_os_str().to_owned(), key.as_os_str().to_owned()]);
        }
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let peer = Peer::start(&refs)?;
        Some(Receiver { peer, _dir: dir, secret, log })
    }

    pub fn port(&self) -> u16 {
        self.peer.port
    }

    /// The secret the receiver verifies with from now on.
    pub fn trust(&self, secret: &str) {
        std::fs::write(&self.secret, secret).unwrap();
    }

    /// Every request so far: `{path, id, verified, payload, status}`.
    pub fn received(&self) -> Vec<Value> {
        lines(&self.log)
    }
}

/// A test CA and a certificate it signed for `localhost`, made with the openssl command:
/// `(ca.pem, localhost.pem, localhost.key)` in `dir`.
pub fn localhost_certificate(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let out =
            Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl (apt install openssl)");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Vellum test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "localhost.key",
        "-out",
        "localhost.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "localhost.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "localhost.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (dir.join("ca.pem"), dir.join("localhost.pem"), dir.join("localhost.key"))
}

/// Parses an iCalendar text with the `icalendar` package: `{name, events: [{uid, summary,
/// start, end, url}]}` (None where the tools are missing outside CI).
pub fn read_ical(text: &str) -> Option<Value> {
    use std::io::Write;
    let py = python()?;
    let mut child = Command::new(py)
        .arg(script("ical_read.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "icalendar could not read the feed:\n{text}");
    Some(serde_json::from_slice(&out.stdout).unwrap())
}
