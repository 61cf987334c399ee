//! A real app per test: a fresh SQLite file or PostgreSQL database, a local blob folder, the
//! real router driven in-process. After each story the app checks its own invariants.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
    Router,
};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use vellum_blob::{BlobKey, LocalBlobStore};
use vellum_core::{audit::AuditKeeper, clock::ManualClock, Core, Limits, Store};
use vellum_server::{router, AppState, HttpConfig};

pub const LIMIT: u64 = 1024 * 1024;

pub struct TestApp {
    pub router: Router,
    pub core: Core,
    /// The time the use cases see; tests move it by hand.
    pub clock: ManualClock,
    pub admin: String,
    _dir: tempfile::TempDir,
    /// The test's own PostgreSQL database, dropped when the test ends.
    _pg: Option<vellum_store::testing::TempPostgres>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The stable error code of an error reply.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

impl TestApp {
    async fn with_store(store: Store, dir: tempfile::TempDir) -> TestApp {
        let blobs = LocalBlobStore::open(dir.path().join("data")).unwrap();
        let keeper = AuditKeeper::open(&dir.path().join("data"), None).unwrap();
        let core = Core::new(
            store,
            Arc::new(blobs),
            Limits { max_upload_bytes: LIMIT, session_hours: 1, ..Limits::default() },
        )
        .with_audit(keeper)
        .await
        .unwrap();
        let clock = ManualClock::starting_at(vellum_domain::Timestamp::now());
        let core = core.with_clock(Arc::new(clock.clone())).with_search(&dir.path().join("data/index")).unwrap();
        core.bootstrap_admin("admin@example.com", "admin-password-1").await.unwrap();
        let router = router(AppState { core: core.clone(), http: HttpConfig::default() });
        let mut app = TestApp { router, core, clock, admin: String::new(), _dir: dir, _pg: None };
        let s = app
            .post("/api/v1/session", None, json!({"email": "admin@example.com", "password": "admin-password-1"}))
            .await;
        assert_eq!(s.status, StatusCode::OK);
        let cookie = s.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
        let csrf = s.json()["csrf_token"].as_str().unwrap().to_string();
        let t = app
            .send(Method::POST, "/api/v1/tokens", Auth::Session(&cookie, &csrf), Some(json!({"name": "tests"})))
            .await;
        assert_eq!(t.status, StatusCode::CREATED, "{:?}", t.json());
        app.admin = t.json()["token"].as_str().unwrap().to_string();
        app
    }

    /// The same app telling people and systems as `config` says (SMTP server, allowed hosts).
    pub fn with_notify(mut self, config: vellum_core::notify::NotifyConfig) -> TestApp {
        self.core = self.core.clone().with_notify(config);
        self.router = router(AppState { core: self.core.clone(), http: HttpConfig::default() });
        self
    }

    /// The same app holding this single sign-on client secret.
    pub fn with_sso_secret(mut self, secret: &str) -> TestApp {
        self.core = self.core.clone().with_sso(vellum_core::sso::Sso::with_client_secret(Some(secret.into())));
        self.router = router(AppState { core: self.core.clone(), http: HttpConfig::default() });
        self
    }

    /// The same app with other HTTP settings (tighter public budgets, say).
    pub fn with_http(mut self, http: HttpConfig) -> TestApp {
        self.router = router(AppState { core: self.core.clone(), http });
        self
    }

    /// The time the use cases see now.
    pub fn clock_now(&self) -> vellum_domain::Timestamp {
        vellum_core::clock::Clock::now(&self.clock)
    }

    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("vellum.db").display());
        let store = Store::connect(&url).await.unwrap();
        TestApp::with_store(store, dir).await
    }

    /// None (skipped) when PostgreSQL is unreachable outside CI; in CI that is a failure.
    pub async fn postgres() -> Option<TestApp> {
        match vellum_store::testing::TempPostgres::fresh().await {
            Ok(db) => {
                let store = Store::connect(db.url()).await.unwrap();
                let mut app = TestApp::with_store(store, tempfile::tempdir().unwrap()).await;
                app._pg = Some(db);
                Some(app)
            }
            Err(e) if !vellum_store::testing::in_ci() => {
                eprintln!("skipping the PostgreSQL run: {e}");
                None
            }
            Err(e) => panic!("PostgreSQL is required in CI: {e}"),
        }
    }

    pub async fn send(&self, method: Method, path: &str, auth: Auth<'_>, body: Option<Value>) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        req = auth.apply(req);
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.raw(req.unwrap()).await
    }

    pub async fn raw(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Auth::Bearer(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        let auth = token.map_or(Auth::None, Auth::Bearer);
        self.send(Method::POST, path, auth, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Auth::Bearer(token), Some(body)).await
    }

    /// Creates a user and returns (id, API token).
    pub async fn user(&self, name: &str) -> (String, String) {
        let email = format!("{}@example.com", name.to_lowercase());
        let password = password_of(name);
        let u = self
            .post("/api/v1/users", Some(&self.admin), json!({"email": email, "name": name, "password": password}))
            .await;
        assert_eq!(u.status, StatusCode::CREATED, "{:?}", u.json());
        let id = u.json()["id"].as_str().unwrap().to_string();
        let s = self.post("/api/v1/session", None, json!({"email": email, "password": password})).await;
        assert_eq!(s.status, StatusCode::OK, "{:?}", s.json());
        let cookie = s.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
        let csrf = s.json()["csrf_token"].as_str().unwrap().to_string();
        let t =
            self.send(Method::POST, "/api/v1/tokens", Auth::Session(&cookie, &csrf), Some(json!({"name": "t"}))).await;
        (id, t.json()["token"].as_str().unwrap().to_string())
    }

    /// A workspace owned by the admin, with these members and roles.
    pub async fn workspace(&self, slug: &str, members: &[(&str, &str)]) -> String {
        let w = self
            .post("/api/v1/workspaces", Some(&self.admin), json!({"name": slug.to_uppercase(), "slug": slug}))
            .await;
        assert_eq!(w.status, StatusCode::CREATED, "{:?}", w.json());
        for (user, role) in members {
            let r = self
                .put(&format!("/api/v1/workspaces/{slug}/members/{user}"), &self.admin, json!({"role": role}))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
        }
        w.json()["id"].as_str().unwrap().to_string()
    }

    pub async fn upload(&self, path: &str, token: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Reply {
        let boundary = "vellumtestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap();
        self.raw(req).await
    }

    /// Uploads a new asset and returns its JSON.
    pub async fn new_asset(&self, ws: &str, token: &str, title: &str, bytes: &[u8]) -> Value {
        let r = self
            .upload(
                &format!("/api/v1/workspaces/{ws}/assets"),
                token,
                &[("title", title), ("kind", "visual")],
                Some(("a.png", bytes)),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
        r.json()
    }

    pub async fn new_version(&self, asset: &str, token: &str, note: &str, bytes: &[u8]) -> Reply {
        self.upload(&format!("/api/v1/assets/{asset}/versions"), token, &[("note", note)], Some(("b.png", bytes))).await
    }

    pub async fn decide(&self, review: &str, token: &str, version: u64, decision: &str, reason: Option<&str>) -> Reply {
        self.post(
            &format!("/api/v1/reviews/{review}/decisions"),
            Some(token),
            json!({"version": version, "decision": decision, "reason": reason}),
        )
        .await
    }

    /// Counts rows the way a user would: the audit events of a workspace.
    pub async fn audit_len(&self, ws: &str) -> usize {
        self.get(&format!("/api/v1/workspaces/{ws}/audit"), &self.admin).await.json()["events"]
            .as_array()
            .map_or(0, Vec::len)
    }

    /// The data folder of the local blob store.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("data")
    }

    /// The blob files on disk and the content hashes rows point at.
    pub async fn blob_files_and_rows(
        &self,
    ) -> (std::collections::BTreeSet<String>, std::collections::BTreeSet<String>) {
        use futures_util::StreamExt;
        let files = self.core.blobs.list().map(|e| e.unwrap().key.as_str().to_string()).collect().await;
        let mut c = self.core.store.conn().await.unwrap();
        let rows = vellum_store::blobs::referenced(&mut c).await.unwrap().into_iter().collect();
        (files, rows)
    }

    /// Staged writes left in the staging folders (their lease files aside).
    pub fn staged_files(&self) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for dir in std::fs::read_dir(self.data_dir().join("tmp")).unwrap() {
            let dir = dir.unwrap().path();
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap();
                if f.file_name() != "max-staging-secs" {
                    out.push(f.path());
                }
            }
        }
        out
    }

    /// Invariants after every story: each blob the database names exists with the right
    /// bytes, each blob file has a row (no orphans), no staged write is left behind, and
    /// every audit chain verifies.
    pub async fn check_invariants(&self) {
        let mut c = self.core.store.conn().await.unwrap();
        for (asset, number, sha) in vellum_store::assets::all_version_blobs(&mut c).await.unwrap() {
            let key = BlobKey::parse(&sha).unwrap();
            assert!(self.core.blobs.verify(&key).await.unwrap(), "asset {asset} v{number}: blob missing or altered");
        }
        drop(c);
        let (files, rows) = self.blob_files_and_rows().await;
        let orphans: Vec<&String> = files.difference(&rows).collect();
        assert!(orphans.is_empty(), "blob files no row points at: {orphans:?}");
        assert_eq!(self.staged_files(), Vec::<std::path::PathBuf>::new(), "staged writes left behind");
        let all = self.core.verify_all_chains().await.unwrap();
        assert!(all.checkpoint_problems.is_empty(), "{:?}", all.checkpoint_problems);
        for v in all.chains {
            assert!(v.ok, "audit chain {} broken: {:?}", v.chain, v.reason);
        }
    }
}

/// The password `TestApp::user` gives a user.
pub fn password_of(name: &str) -> String {
    format!("{name} paints seven quiet harbours")
}

pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// A session cookie alone (what a foreign site can make a browser send).
    Cookie(&'a str),
    /// A session cookie with its CSRF token (what our own pages send).
    Session(&'a str, &'a str),
}

impl Auth<'_> {
    fn apply(&self, req: axum::http::request::Builder) -> axum::http::request::Builder {
        match self {
            Auth::None => req,
            Auth::Bearer(t) => req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Auth::Cookie(c) => req.header(header::COOKIE, *c),
            Auth::Session(c, csrf) => req.header(header::COOKIE, *c).header("x-csrf-token", *csrf),
        }
    }
}

/// Runs a story on SQLite and on PostgreSQL, each in its own test.
#[macro_export]
macro_rules! on_both {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::harness::TestApp::sqlite().await;
                super::$story(&app).await;
                app.check_invariants().await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::harness::TestApp::postgres().await {
                    super::$story(&app).await;
                    app.check_invariants().await;
                }
            }
        }
    )*};
}

/// `on_both` for stories that take the app by value (to reconfigure it) and hand it back.
#[macro_export]
macro_rules! on_both_owned {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::harness::TestApp::sqlite().await;
                super::$story(app).await.check_invariants().await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::harness::TestApp::postgres().await {
                    super::$story(app).await.check_invariants().await;
                }
            }
        }
    )*};
}
