//! A real OpenID Connect provider for the single sign-on stories: `tests/browser/oidc_provider.mjs`
//! (npm `oidc-provider`) run with node, plus a small HTTP/1.0 client that walks its sign-in
//! form the way a browser does (cookies kept, redirects followed by hand) until the provider
//! sends the browser back to Vellum.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use serde_json::Value;

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

/// A running provider: killed when dropped.
pub struct OidcProvider {
    child: Child,
    pub issuer: String,
    port: u16,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One answer of the provider.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl OidcProvider {
    /// None (skipped) when node or the npm packages are missing outside CI; in CI a failure.
    pub fn start() -> Option<OidcProvider> {
        let ready = scripts().join("node_modules/oidc-provider").exists()
            && Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
        if !ready {
            assert!(
                std::env::var("CI").is_err(),
                "node and tests/browser/node_modules (oidc-provider) are required in CI: run ./vellum.sh test"
            );
            eprintln!("skipping: node or tests/browser/node_modules/oidc-provider is missing");
            return None;
        }
        let mut child = Command::new("node")
            .arg(scripts().join("oidc_provider.mjs"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let issuer =
            line.trim().strip_prefix("issuer ").unwrap_or_else(|| panic!("no issuer line: {line:?}")).to_string();
        let port = issuer.rsplit(':').next().unwrap().parse().unwrap();
        Some(OidcProvider { child, issuer, port })
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        cookies: &BTreeMap<String, String>,
        body: Option<(&str, String)>,
    ) -> Answer {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut head = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n", self.port);
        if !cookies.is_empty() {
            let jar: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            head.push_str(&format!("Cookie: {}\r\n", jar.join("; ")));
        }
        let body = body.map(|(ct, b)| {
            head.push_str(&format!("Content-Type: {ct}\r\nContent-Length: {}\r\n", b.len()));
            b
        });
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        if let Some(b) = body {
            s.write_all(b.as_bytes()).unwrap();
        }
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let mut lines = head.lines();
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Answer { status, headers, body: body.to_string() }
    }

    fn control(&self, path: &str, body: &Value) -> Value {
        let a = self.request("POST", path, &BTreeMap::new(), Some(("application/json", body.to_string())));
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        serde_json::from_str(&a.body).unwrap()
    }

    /// (Re)configures the provider: `{client_id, client_secret, redirect_uris, accounts, …}`.
    pub fn configure(&self, body: Value) -> Value {
        self.control("/__control/configure", &body)
    }

    /// Alters later ID tokens: none, signature, audience, nonce or expired.
    pub fn tamper(&self, mode: &str) {
        self.control("/__control/tamper", &serde_json::json!({ "mode": mode }));
    }

    /// Walks the provider from the authorization URL Vellum sent the browser to, signing in
    /// as `login` when asked (`cookies` is the browser's jar at the provider); returns the URL
    /// the provider sends the browser back to.
    pub fn sign_in(&self, authorize_url: &str, login: &str, cookies: &mut BTreeMap<String, String>) -> String {
        let mut url = authorize_url.to_string();
        for _ in 0..12 {
            let path = url.strip_prefix(&self.issuer).unwrap_or_else(|| panic!("left the provider: {url}")).to_string();
            let mut a = self.request("GET", &path, cookies, None);
            keep_cookies(cookies, &a);
            if a.status == 200 && a.body.contains("name=\"login\"") {
                let form = format!("login={login}&password=any");
                a = self.request("POST", &path, cookies, Some(("application/x-www-form-urlencoded", form)));
                keep_cookies(cookies, &a);
            }
            let Some(to) = a.header("location").map(str::to_string) else {
                panic!("the provider answered {} at {path}: {}", a.status, a.body)
            };
            let to = if to.starts_with('/') { format!("{}{to}", self.issuer) } else { to };
            if !to.starts_with(&self.issuer) {
                return to;
            }
            url = to;
        }
        panic!("the provider kept redirecting");
    }
}

fn keep_cookies(jar: &mut BTreeMap<String, String>, a: &Answer) {
    for (k, v) in &a.headers {
        if !k.eq_ignore_ascii_case("set-cookie") {
            continue;
        }
        let pair = v.split(';').next().unwrap_or("");
        if let Some((name, value)) = pair.split_once('=') {
            if value.is_empty() {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.to_string());
            }
        }
    }
}
