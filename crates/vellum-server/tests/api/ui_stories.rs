//! The web UI in-process: sign-in and its CSRF cookie, the sign-in wall, CSRF on forms and
//! uploads, escaping, tenant isolation, and the review story through the HTML forms.

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use serde_json::json;

use crate::{
    harness::{Reply, TestApp},
    on_both,
};

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) fn form_body(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// A browser session: its cookie and CSRF secret.
pub(crate) struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl Browser {
    pub(crate) async fn sign_in(app: &TestApp, email: &str, password: &str) -> Browser {
        let s = app.post("/api/v1/session", None, json!({"email": email, "password": password})).await;
        assert_eq!(s.status, StatusCode::OK);
        let cookie = s.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
        Browser { cookie, csrf: s.json()["csrf_token"].as_str().unwrap().to_string() }
    }

    pub(crate) async fn get(&self, app: &TestApp, path: &str) -> Reply {
        app.raw(Request::get(path).header(header::COOKIE, &self.cookie).body(Body::empty()).unwrap()).await
    }

    /// Posts a form with this session's CSRF secret first.
    pub(crate) async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(app, path, &all).await
    }

    pub(crate) async fn post_raw(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Reply {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(fields)))
            .unwrap();
        app.raw(req).await
    }

    /// A multipart form in this order, with the file last.
    pub(crate) async fn upload(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> Reply {
        let boundary = "uiboundary1234567890";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: image/png\r\n\r\n", file.0)
                .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        app.raw(req).await
    }
}

pub(crate) fn location(r: &Reply) -> &str {
    r.headers.get(header::LOCATION).map_or("", |v| v.to_str().unwrap())
}

pub(crate) fn html(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

async fn sign_in_form_and_the_sign_in_wall(app: &TestApp) {
    let wall = app.raw(Request::get("/w/acme?view=grid").body(Body::empty()).unwrap()).await;
    assert_eq!((wall.status, location(&wall)), (StatusCode::SEE_OTHER, "/login?next=%2Fw%2Facme%3Fview%3Dgrid"));

    let page = app.raw(Request::get("/login").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'self'"));
    let set = page.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.starts_with("vellum_login_csrf=") && set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let secret = set.trim_start_matches("vellum_login_csrf=").split(';').next().unwrap().to_string();
    assert!(html(&page).contains(&format!("value=\"{secret}\"")));

    let login = |cookie: Option<String>, fields: Vec<(&'static str, String)>| {
        let mut req = Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let body = fields.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&");
        app.raw(req.body(Body::from(body)).unwrap())
    };
    let creds = |next: &str| {
        vec![
            ("csrf", secret.clone()),
            ("email", "admin@example.com".to_string()),
            ("password", "admin-password-1".to_string()),
            ("next", next.to_string()),
        ]
    };
    let jar = Some(format!("vellum_login_csrf={secret}"));
    // Without the cookie (a cross-site form) the sign-in is refused before any password check.
    assert_eq!(login(None, creds("/")).await.status, StatusCode::FORBIDDEN);
    let mut wrong = creds("/");
    wrong[2].1 = "not-the-password".into();
    let wrong = login(jar.clone(), wrong).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(html(&wrong).contains("The email or password is wrong."));

    let ok = login(jar.clone(), creds("/workspaces")).await;
    assert_eq!((ok.status, location(&ok)), (StatusCode::SEE_OTHER, "/workspaces"));
    let cookies: Vec<_> =
        ok.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("vellum_session=vls_")), "{cookies:?}");
    let elsewhere = login(jar, creds("//evil.example/")).await;
    assert_eq!(location(&elsewhere), "/", "only local paths are followed after sign-in");

    let session = cookies.iter().find(|c| c.starts_with("vellum_session=")).unwrap().split(';').next().unwrap();
    let home = app.raw(Request::get("/").header(header::COOKIE, session).body(Body::empty()).unwrap()).await;
    assert_eq!(home.status, StatusCode::OK, "no workspace yet: the workspace page");
    assert!(html(&home).contains("New workspace"));
}

async fn forms_check_csrf_escape_and_keep_tenants_apart(app: &TestApp) {
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let forged = admin.post_raw(app, "/workspaces", &[("csrf", "nope"), ("name", "Forged"), ("slug", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let made = admin.post(app, "/workspaces", &[("name", "Acme"), ("slug", "acme")]).await;
    assert_eq!((made.status, location(&made)), (StatusCode::SEE_OTHER, "/w/acme?done=workspace_created"));
    assert_eq!(admin.get(app, "/w/forged").await.status, StatusCode::NOT_FOUND);

    // The CSRF secret must be the first part of an upload.
    let late =
        admin.upload(app, "/w/acme/upload", &[("kind", "visual"), ("csrf", &admin.csrf)], ("a.png", b"png")).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    let evil = "<script>alert(1)</script>";
    let up = admin
        .upload(
            app,
            "/w/acme/upload",
            &[
                ("csrf", &admin.csrf),
                ("title", evil),
                ("kind", "visual"),
                ("channels", "web, print"),
                ("custom_key", "x"),
                ("custom_value", "<b>"),
                ("custom_kind", "text"),
            ],
            ("a.png", b"png bytes"),
        )
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", html(&up));
    let asset_path = location(&up).split('?').next().unwrap().to_string();
    let page = admin.get(app, &asset_path).await;
    let body = html(&page);
    assert!(!body.contains(evil) && body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(body.contains("web, print") && body.contains("&lt;b&gt;"));
    let library = admin.get(app, "/w/acme?status=draft&kind=visual&view=grid").await;
    assert_eq!(library.status, StatusCode::OK);
    assert!(html(&library).contains(&asset_path));

    // Another tenant sees neither the workspace nor the asset.
    let (_, _) = app.user("Olga").await;
    let olga = Browser::sign_in(app, "olga@example.com", &crate::harness::password_of("Olga")).await;
    assert_eq!(olga.get(app, "/w/acme").await.status, StatusCode::NOT_FOUND);
    assert_eq!(olga.get(app, &asset_path).await.status, StatusCode::NOT_FOUND);
    let edit = olga.post(app, &format!("{asset_path}/edit"), &[("title", "Mine now")]).await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);

    // Signing out ends the session.
    let out = olga.post(app, "/logout", &[]).await;
    assert_eq!((out.status, location(&out)), (StatusCode::SEE_OTHER, "/login?done=signed_out"));
    assert_eq!(olga.get(app, "/workspaces").await.status, StatusCode::SEE_OTHER);
}

async fn review_through_the_forms(app: &TestApp) {
    let (ann, _) = app.user("Ann").await;
    let (ben, _) = app.user("Ben").await;
    app.workspace("brand", &[(&ann, "creator"), (&ben, "reviewer")]).await;
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let ben_ref = format!("user:{ben}");
    let wf = admin
        .post(
            app,
            "/w/brand/workflows",
            &[
                ("name", "Sign-off"),
                ("s0_name", "Brand"),
                ("s0_approvers", &ben_ref),
                ("s0_rule", "all"),
                ("s1_name", ""),
            ],
        )
        .await;
    assert_eq!(wf.status, StatusCode::SEE_OTHER, "{}", html(&wf));
    let bad = admin.post(app, "/w/brand/workflows", &[("name", "Empty"), ("s0_name", "Nobody")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&bad).contains("needs 1–100 approvers") && html(&bad).contains("value=\"Nobody\""),
        "the draft is shown again"
    );

    let ann = Browser::sign_in(app, "ann@example.com", &crate::harness::password_of("Ann")).await;
    let up =
        ann.upload(app, "/w/brand/upload", &[("csrf", &ann.csrf), ("kind", "visual")], ("banner.png", b"v1")).await;
    let asset = location(&up).split('?').next().unwrap().to_string();
    let page = html(&ann.get(app, &asset).await);
    let workflow_id = page.split("option value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let started = ann.post(app, &format!("{asset}/reviews"), &[("workflow_id", &workflow_id)]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", html(&started));
    assert!(!html(&ann.get(app, &asset).await).contains("Submit decision"), "Ann is not an approver");

    let ben = Browser::sign_in(app, "ben@example.com", &crate::harness::password_of("Ben")).await;
    let page = html(&ben.get(app, &asset).await);
    let action =
        page.split("action=\"").find(|s| s.contains("/decision\"")).unwrap().split('"').next().unwrap().to_string();
    assert!(!page.contains("checked"), "no decision is chosen in advance");
    let refused = ben.post(app, &action, &[("version", "1"), ("decision", "changes_requested"), ("reason", " ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let again = html(&refused);
    assert!(again.contains("required when you choose “Request changes”"), "{again}");
    assert!(!again.contains("'changes_requested'"), "the message uses the button's words");
    assert_eq!(again.matches("checked").count(), 1, "only the chosen decision stays chosen");
    assert!(again.contains("value=\"changes_requested\" required checked"), "the choice is kept");
    let typed = ben.post(app, &action, &[("version", "1"), ("decision", ""), ("reason", "Logo <too> small")]).await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let again = html(&typed);
    assert!(again.contains("Choose “Approve”, “Approve with changes”, “Request changes” or “Reject”."), "{again}");
    assert!(again.contains(">Logo &lt;too&gt; small</textarea>"), "the typed reason is kept");
    assert!(!again.contains("checked"), "still nothing chosen");
    let ok = ben.post(app, &action, &[("version", "1"), ("decision", "approve"), ("reason", "")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", html(&ok));
    let done = html(&ben.get(app, &format!("{asset}?done=decided")).await);
    assert!(done.contains("Your decision was recorded.") && done.contains("id=\"approved-version\">1<"), "{done}");
}

/// Account lifecycle through the pages: tokens made and revoked, the password changed, users
/// disabled and given a reset link, members removed, groups edited and deleted.
async fn accounts_members_and_groups_through_the_pages(app: &TestApp) {
    let (uid, _) = app.user("Una").await;
    let una = Browser::sign_in(app, "una@example.com", &crate::harness::password_of("Una")).await;
    let page = una.get(app, "/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(html(&page).contains("Your account") && html(&page).contains("API tokens"));
    let made = una.post(app, "/account/tokens", &[("name", "Script <b>"), ("expires", "2099-12-31")]).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", html(&made));
    let text = html(&made);
    assert!(text.contains("Script &lt;b&gt;") && text.contains("vlm_"), "the secret is shown once, escaped name");
    let secret = text.split("vlm_").nth(1).unwrap().chars().take(64).collect::<String>();
    assert_eq!(app.get("/api/v1/me", &format!("vlm_{secret}")).await.status, StatusCode::OK);
    let listed = html(&una.get(app, "/account").await);
    assert!(!listed.contains(&secret), "never listed again");
    let token_id = listed.split("/account/tokens/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let revoked = una.post(app, &format!("/account/tokens/{token_id}/revoke"), &[]).await;
    assert_eq!(location(&revoked), "/account?done=token_revoked");
    assert_eq!(app.get("/api/v1/me", &format!("vlm_{secret}")).await.status, StatusCode::UNAUTHORIZED);
    let forged = una.post_raw(app, "/account/tokens", &[("csrf", "nope"), ("name", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let weak =
        una.post(app, "/account/password", &[("current", &crate::harness::password_of("Una")), ("new", "short")]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&weak).contains("at least 12 characters"));
    let changed = una
        .post(
            app,
            "/account/password",
            &[("current", &crate::harness::password_of("Una")), ("new", "an orchard of silver pears")],
        )
        .await;
    assert_eq!(location(&changed), "/account?done=password_changed");
    assert_eq!(una.get(app, "/account").await.status, StatusCode::OK, "this session stays");

    // Server admins manage users.
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    assert_eq!(una.get(app, "/admin/users").await.status, StatusCode::FORBIDDEN);
    let users = html(&admin.get(app, "/admin/users").await);
    assert!(users.contains("una@example.com"));
    let link = admin.post(app, &format!("/admin/users/{uid}/reset-link"), &[]).await;
    assert_eq!(link.status, StatusCode::CREATED);
    let path = html(&link).split("/reset-password?token=").nth(1).unwrap().split('<').next().unwrap().to_string();
    let form = app.raw(Request::get(format!("/reset-password?token={path}")).body(Body::empty()).unwrap()).await;
    assert!(html(&form).contains("Choose a new password"));
    let off = admin.post(app, &format!("/admin/users/{uid}/disable"), &[]).await;
    assert_eq!(location(&off), "/admin/users?done=user_disabled");
    assert_eq!(una.get(app, "/account").await.status, StatusCode::SEE_OTHER, "signed out at once");
    let reset = app
        .raw(
            Request::post("/reset-password")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form_body(&[
                    ("token", &path),
                    ("password", "a lighthouse keeper's long night"),
                    ("confirm", "a lighthouse keeper's long night"),
                ])))
                .unwrap(),
        )
        .await;
    assert_eq!(location(&reset), "/login?done=password_reset");
    let on = admin.post(app, &format!("/admin/users/{uid}/enable"), &[]).await;
    assert_eq!(location(&on), "/admin/users?done=user_enabled");
    let back = app
        .post(
            "/api/v1/session",
            None,
            json!({"email": "una@example.com", "password": "a lighthouse keeper's long night"}),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK);

    // Members and groups.
    app.workspace("pages", &[(&uid, "creator")]).await;
    let made = admin.post(app, "/w/pages/groups", &[("name", "Reviewers"), ("members", &uid)]).await;
    assert_eq!(location(&made), "/w/pages/members?done=group_created");
    let members = html(&admin.get(app, "/w/pages/members").await);
    let group = members.split("/w/pages/groups/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let saved = admin.post(app, &format!("/w/pages/groups/{group}"), &[("name", "Final reviewers")]).await;
    assert_eq!(location(&saved), "/w/pages/members?done=group_saved");
    let members = html(&admin.get(app, "/w/pages/members").await);
    assert!(members.contains("Final reviewers") && members.contains("<td>una@example.com</td>"));
    let removed = admin.post(app, &format!("/w/pages/members/{uid}/remove"), &[]).await;
    assert_eq!(location(&removed), "/w/pages/members?done=member_removed");
    assert!(!html(&admin.get(app, "/w/pages/members").await).contains("<td>una@example.com</td>"));
    let deleted = admin.post(app, &format!("/w/pages/groups/{group}/delete"), &[]).await;
    assert_eq!(location(&deleted), "/w/pages/members?done=group_deleted");
    let everywhere = admin.post(app, "/account/sign-out-everywhere", &[]).await;
    assert_eq!(location(&everywhere), "/login?done=signed_out_everywhere");
    assert_eq!(admin.get(app, "/account").await.status, StatusCode::SEE_OTHER);
}

on_both!(
    accounts_members_and_groups_through_the_pages,
    sign_in_form_and_the_sign_in_wall,
    forms_check_csrf_escape_and_keep_tenants_apart,
    review_through_the_forms
);
