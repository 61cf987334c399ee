//! Search stories: a seeded library's facet counts match what its metadata says; viewers find
//! only approved, in-rights assets (counts included); another workspace's assets never show;
//! edits become searchable once the indexer has caught up (the status API says so); syntax
//! faults answer 422 with their position; find-similar and duplicates.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::{
    harness::TestApp,
    on_both,
    ui_stories::{html, location, Browser},
};

const KINDS: [&str; 3] = ["visual", "video", "written"];
const RISKS: [&str; 3] = ["low", "medium", "high"];
const CHANNELS: [&str; 4] = ["social", "web", "email", "print"];

/// What asset `i` of the seeded library holds.
fn seeded(i: usize) -> (String, &'static str, &'static str, Vec<&'static str>, i64) {
    let title = format!("{} {} number {i}", ["Spring", "Summer", "Autumn", "Winter"][i % 4], ["hero", "banner"][i % 2]);
    let channels: Vec<&str> = CHANNELS.iter().enumerate().filter(|(c, _)| (i >> c) & 1 == 1).map(|(_, n)| *n).collect();
    (title, KINDS[i % 3], RISKS[i % 5 % 3], channels, (i as i64) * 1000)
}

async fn catch_up(app: &TestApp, ws: &str) {
    app.core.index_catch_up().await.unwrap();
    let st = app.get(&format!("/api/v1/workspaces/{ws}/search/status"), &app.admin).await;
    assert_eq!(st.status, StatusCode::OK, "{:?}", st.json());
    assert_eq!(st.json()["lag_ms"], 0, "{:?}", st.json());
}

/// A sample of `/metrics`, read as Prometheus's text format writes it.
async fn metric(app: &TestApp, name: &str) -> f64 {
    let r = app.send(axum::http::Method::GET, "/metrics", crate::harness::Auth::None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8(r.body).unwrap();
    assert!(text.contains(&format!("# TYPE {name} gauge\n")), "{text}");
    let line = text.lines().find(|l| l.split(' ').next() == Some(name)).unwrap_or_else(|| panic!("{text}"));
    line[name.len() + 1..].parse().unwrap()
}

async fn search(app: &TestApp, ws: &str, token: &str, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/workspaces/{ws}/search?{query}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {:?}", r.json());
    r.json()
}

fn facet(r: &Value, name: &str) -> Vec<(String, u64)> {
    r["facets"][name]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|v| (v["value"].as_str().unwrap().to_string(), v["count"].as_u64().unwrap()))
        .collect()
}

fn sorted(mut v: Vec<(String, u64)>) -> Vec<(String, u64)> {
    v.sort();
    v
}

async fn seeded_library_facets_match_its_metadata(app: &TestApp) {
    const N: usize = 150;
    let (creator_id, creator) = app.user("Seeder").await;
    app.workspace("lib", &[(&creator_id, "creator")]).await;
    let schema = json!({"fields": [
        {"key": "risk", "label": "Risk", "type": "enum", "values": RISKS},
        {"key": "budget", "label": "Budget", "type": "number"},
    ]});
    assert_eq!(app.put("/api/v1/workspaces/lib/metadata-schema", &app.admin, schema).await.status, StatusCode::OK);
    for i in 0..N {
        let (title, kind, risk, channels, budget) = seeded(i);
        let metadata = json!({"channels": channels, "locale": if i % 2 == 0 { "en-AU" } else { "de-DE" },
            "custom": {"risk": risk, "budget": budget}})
        .to_string();
        let r = app
            .upload(
                "/api/v1/workspaces/lib/assets",
                &creator,
                &[("title", &title), ("kind", kind), ("metadata", &metadata)],
                Some((&format!("file-{i}.png"), format!("bytes of {i}").as_bytes())),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    }
    catch_up(app, "lib").await;

    let all = search(app, "lib", &creator, "facets=kind,channels,custom.risk,locale,status,file_type&limit=5").await;
    assert_eq!(all["total"], N);
    assert_eq!(all["hits"].as_array().unwrap().len(), 5);
    let count = |f: &dyn Fn(usize) -> bool| (0..N).filter(|&i| f(i)).count() as u64;
    let expect_kinds: Vec<(String, u64)> =
        KINDS.iter().enumerate().map(|(k, n)| (n.to_string(), count(&|i| i % 3 == k))).collect();
    assert_eq!(sorted(facet(&all, "kind")), sorted(expect_kinds));
    let expect_channels: Vec<(String, u64)> =
        CHANNELS.iter().enumerate().map(|(c, n)| (n.to_string(), count(&|i| (i >> c) & 1 == 1))).collect();
    assert_eq!(sorted(facet(&all, "channels")), sorted(expect_channels));
    assert_eq!(facet(&all, "status"), [("draft".to_string(), N as u64)]);
    assert_eq!(facet(&all, "file_type"), [("png".to_string(), N as u64)]);
    assert_eq!(sorted(facet(&all, "locale")), [("de-DE".to_string(), 75), ("en-AU".to_string(), 75)]);

    // Two kinds (OR) and one channel (AND): each facet counts without its own pick.
    let picked = search(
        app,
        "lib",
        &creator,
        "filter=kind:visual&filter=kind:video&filter=channels:web&facets=kind,channels&limit=100",
    )
    .await;
    let in_kinds = |i: usize| i % 3 != 2;
    let web = |i: usize| (i >> 1) & 1 == 1;
    assert_eq!(picked["total"], count(&|i| in_kinds(i) && web(i)));
    let expect: Vec<(String, u64)> =
        KINDS.iter().enumerate().map(|(k, n)| (n.to_string(), count(&|i| i % 3 == k && web(i)))).collect();
    assert_eq!(sorted(facet(&picked, "kind")), sorted(expect));
    let expect: Vec<(String, u64)> = CHANNELS
        .iter()
        .enumerate()
        .map(|(c, n)| (n.to_string(), count(&|i| in_kinds(i) && (i >> c) & 1 == 1)))
        .collect();
    assert_eq!(sorted(facet(&picked, "channels")), sorted(expect));

    // Words, custom fields, ranges and exclusions.
    assert_eq!(search(app, "lib", &creator, "q=spring").await["total"], count(&|i| i % 4 == 0));
    assert_eq!(search(app, "lib", &creator, "q=custom.risk:high").await["total"], count(&|i| i % 5 % 3 == 2));
    let q = "q=custom.budget%3A%3E%3D100000";
    assert_eq!(search(app, "lib", &creator, q).await["total"], count(&|i| i >= 100));
    assert_eq!(search(app, "lib", &creator, "q=hero%20-spring").await["total"], count(&|i| i % 2 == 0 && i % 4 != 0));
    assert_eq!(search(app, "lib", &creator, "q=%22summer%20banner%22").await["total"], count(&|i| i % 4 == 1));
    let hit = &search(app, "lib", &creator, "q=winter&sort=title&limit=1").await["hits"][0];
    assert!(hit["title"].as_str().unwrap().starts_with("Winter"), "{hit}");
    assert!(hit["highlights"]["title"][0].as_str().unwrap().contains("<b>Winter</b>"), "{hit}");

    // Pages by cursor cover everything once.
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let page = search(app, "lib", &creator, &format!("sort=newest&limit=40&cursor={cursor}")).await;
        for h in page["hits"].as_array().unwrap() {
            assert!(seen.insert(h["asset_id"].as_str().unwrap().to_string()));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), N);

    let s = app.get("/api/v1/workspaces/lib/search/suggest?q=autu", &creator).await.json();
    assert!(s["suggestions"].as_array().unwrap().iter().all(|t| t.as_str().unwrap().starts_with("Autumn")), "{s}");
    assert!(!s["suggestions"].as_array().unwrap().is_empty());
}

async fn faults_answer_422_with_their_position(app: &TestApp) {
    let (id, token) = app.user("Typo").await;
    app.workspace("typos", &[(&id, "creator")]).await;
    app.core.index_catch_up().await.unwrap();
    for (q, position) in [("%22open%20phrase", 0), ("kind%3A", 5), ("spring%20nofield%3Ax", 7)] {
        let r = app.get(&format!("/api/v1/workspaces/typos/search?q={q}"), &token).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {:?}", r.json());
        assert_eq!(r.code(), "invalid_query");
        assert!(r.json()["error"]["position"].is_u64(), "{:?}", r.json());
        if q != "spring%20nofield%3Ax" {
            assert_eq!(r.json()["error"]["position"], position, "{q}: {:?}", r.json());
        }
    }
    let r = app.get("/api/v1/workspaces/typos/search?facets=nonsense", &token).await;
    assert_eq!(r.code(), "invalid_query");
    let r = app.get("/api/v1/workspaces/typos/search?sort=sideways", &token).await;
    assert_eq!(r.code(), "invalid_query");
    let r = app.get("/api/v1/workspaces/typos/search?cursor=garbage", &token).await;
    assert_eq!(r.code(), "invalid_cursor");
    let r = app.get("/api/v1/workspaces/typos/search?limit=0", &token).await;
    assert_eq!(r.code(), "invalid_limit");
    // Status is for workspace admins.
    assert_eq!(app.get("/api/v1/workspaces/typos/search/status", &token).await.status, StatusCode::FORBIDDEN);
}

/// A workspace with a one-stage workflow; returns (creator, approver, viewer, workflow id).
async fn approvals(app: &TestApp, ws: &str) -> (String, String, String, String) {
    let creator = app.user(&format!("Maker{ws}")).await;
    let approver = app.user(&format!("Approver{ws}")).await;
    let viewer = app.user(&format!("Looker{ws}")).await;
    app.workspace(ws, &[(&creator.0, "creator"), (&approver.0, "reviewer"), (&viewer.0, "viewer")]).await;
    let wf = app
        .post(
            &format!("/api/v1/workspaces/{ws}/workflows"),
            Some(&app.admin),
            json!({"name": "One look", "stages": [{"name": "Brand", "approvers": [{"user": approver.0}], "rule": "all"}]}),
        )
        .await;
    assert_eq!(wf.status, StatusCode::CREATED, "{:?}", wf.json());
    (creator.1, approver.1, viewer.1, wf.json()["id"].as_str().unwrap().to_string())
}

async fn approve(app: &TestApp, asset: &str, creator: &str, approver: &str, workflow: &str) {
    let r = crate::review_stories::start_review(app, asset, creator, workflow).await;
    let d = app.decide(r["id"].as_str().unwrap(), approver, 1, "approve", None).await;
    assert_eq!(d.status, StatusCode::CREATED, "{:?}", d.json());
}

async fn viewers_find_only_approved_in_rights_assets(app: &TestApp) {
    app.clock.set(vellum_domain::Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let (creator, approver, viewer, wf) = approvals(app, "vis").await;
    let approved =
        app.new_asset("vis", &creator, "Zanzibar approved poster", b"one").await["id"].as_str().unwrap().to_string();
    let draft = app.new_asset("vis", &creator, "Zanzibar secret draft quokka", b"two").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let expired =
        app.new_asset("vis", &creator, "Zanzibar expired poster", b"three").await["id"].as_str().unwrap().to_string();
    approve(app, &approved, &creator, &approver, &wf).await;
    approve(app, &expired, &creator, &approver, &wf).await;
    let rights = json!({"licence": "rights_managed", "valid_from": "2026-01-01", "valid_until": "2026-06-30"});
    assert_eq!(app.put(&format!("/api/v1/assets/{expired}/rights"), &creator, rights).await.status, StatusCode::OK);
    // Another workspace's asset with the same words.
    let (other_id, other) = app.user("Outsider").await;
    app.workspace("elsewhere", &[(&other_id, "creator")]).await;
    app.new_asset("elsewhere", &other, "Zanzibar quokka elsewhere", b"four").await;
    catch_up(app, "vis").await;

    let member = search(app, "vis", &creator, "q=zanzibar&facets=status,rights_status").await;
    assert_eq!(member["total"], 3);
    assert_eq!(sorted(facet(&member, "rights_status")), [("expired".to_string(), 1), ("ok".to_string(), 2)]);
    let seen = search(app, "vis", &viewer, "q=zanzibar&facets=status,kind").await;
    assert_eq!(seen["total"], 1, "{seen}");
    assert_eq!(seen["hits"][0]["asset_id"], approved.as_str());
    assert_eq!(seen["hits"][0]["status"], "approved");
    assert_eq!(facet(&seen, "status"), [("approved".to_string(), 1)]);
    assert_eq!(facet(&seen, "kind"), [("visual".to_string(), 1)]);
    // The draft's unique word finds nothing for the viewer, counts included.
    let quokka = search(app, "vis", &viewer, "q=quokka&facets=kind").await;
    assert_eq!((quokka["total"].as_u64(), facet(&quokka, "kind")), (Some(0), vec![]));
    assert!(app.get("/api/v1/workspaces/vis/search/suggest?q=zanzibar%20sec", &viewer).await.json()["suggestions"]
        .as_array()
        .unwrap()
        .is_empty());
    // Members see the draft but never the other workspace's asset.
    let q = search(app, "vis", &creator, "q=quokka").await;
    assert_eq!(q["total"], 1);
    assert_eq!(q["hits"][0]["asset_id"], draft.as_str());
    // Outsiders of the workspace get 404.
    assert_eq!(app.get("/api/v1/workspaces/vis/search?q=zanzibar", &other).await.status, StatusCode::NOT_FOUND);
}

async fn edits_are_searchable_once_the_indexer_catches_up(app: &TestApp) {
    let (id, token) = app.user("Editor").await;
    app.workspace("edits", &[(&id, "creator")]).await;
    let asset = app.new_asset("edits", &token, "Plain title", b"x").await["id"].as_str().unwrap().to_string();
    catch_up(app, "edits").await;
    assert_eq!(search(app, "edits", &token, "q=platypus").await["total"], 0);
    let r = app
        .send(
            axum::http::Method::PATCH,
            &format!("/api/v1/assets/{asset}"),
            crate::harness::Auth::Bearer(&token),
            Some(json!({"title": "Platypus title"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    // Not yet indexed: the status says the index is behind, and so does /metrics.
    let st = app.get("/api/v1/workspaces/edits/search/status", &app.admin).await.json();
    assert!(st["lag_ms"].as_u64().unwrap() > 0, "{st}");
    assert_eq!(st["documents"], 1);
    assert!(metric(app, "vellum_search_lag_seconds").await > 0.0);
    catch_up(app, "edits").await;
    assert_eq!(metric(app, "vellum_search_lag_seconds").await, 0.0);
    assert_eq!(metric(app, "vellum_search_rebuilding").await, 0.0);
    assert_eq!(search(app, "edits", &token, "q=platypus").await["total"], 1);
    // Archived assets leave search.
    let r = app.post(&format!("/api/v1/assets/{asset}/archive"), Some(&token), json!({})).await;
    assert!(r.status.is_success(), "{:?}", r.json());
    catch_up(app, "edits").await;
    assert_eq!(search(app, "edits", &token, "q=platypus").await["total"], 0);
}

async fn the_workspace_language_decides_how_words_are_stemmed(app: &TestApp) {
    let (id, token) = app.user("Linguist").await;
    app.workspace("sprache", &[(&id, "creator")]).await;
    app.new_asset("sprache", &token, "Häuser am Meer", b"haus").await;
    catch_up(app, "sprache").await;
    let st = app.get("/api/v1/workspaces/sprache/search/status", &app.admin).await.json();
    assert_eq!(st["language"], "en", "{st}");
    // English stems "häuser" to itself, so the singular finds nothing.
    assert_eq!(search(app, "sprache", &token, "q=haus").await["total"], 0);
    let patch = |body: Value| {
        app.send(
            axum::http::Method::PATCH,
            "/api/v1/workspaces/sprache",
            crate::harness::Auth::Bearer(&app.admin),
            Some(body),
        )
    };
    let r = patch(json!({"search_language": "ja"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.json());
    assert_eq!(r.json()["error"]["code"], "invalid_body", "{:?}", r.json());
    let r = patch(json!({"search_language": "de"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(r.json()["search_language"], "de");
    // Until the index is stemmed anew it is behind, and search keeps answering the old way.
    let st = app.get("/api/v1/workspaces/sprache/search/status", &app.admin).await.json();
    assert!(st["lag_ms"].as_u64().unwrap() > 0, "{st}");
    assert_eq!(st["language"], "en", "{st}");
    assert_eq!(search(app, "sprache", &token, "q=haus").await["total"], 0);
    catch_up(app, "sprache").await;
    let st = app.get("/api/v1/workspaces/sprache/search/status", &app.admin).await.json();
    assert_eq!(st["language"], "de", "{st}");
    assert_eq!(search(app, "sprache", &token, "q=haus").await["total"], 1);
    // Members read the setting; only admins change it.
    let r = app.get("/api/v1/workspaces/sprache", &token).await;
    assert_eq!(r.json()["search_language"], "de");
    let r = app
        .send(
            axum::http::Method::PATCH,
            "/api/v1/workspaces/sprache",
            crate::harness::Auth::Bearer(&token),
            Some(json!({"search_language": "fr"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.json());

    // The settings page shows the language and changes it.
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let page = html(&admin.get(app, "/w/sprache/settings").await);
    assert!(page.contains("Search language") && page.contains(r#"<option value="de" selected>German"#), "{page}");
    let saved = admin.post(app, "/w/sprache/settings/search-language", &[("search_language", "fr")]).await;
    assert_eq!(location(&saved), "/w/sprache/settings?done=language_saved");
    let bad = admin.post(app, "/w/sprache/settings/search-language", &[("search_language", "xx")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get("/api/v1/workspaces/sprache", &token).await.json()["search_language"], "fr");
}

async fn a_rebuild_swaps_in_while_search_keeps_answering(app: &TestApp) {
    let (id, token) = app.user("Rebuilder").await;
    let ws = app.workspace("rebuild", &[(&id, "creator")]).await;
    for i in 0..30 {
        app.new_asset("rebuild", &token, &format!("Kestrel {i}"), format!("k{i}").as_bytes()).await;
    }
    catch_up(app, "rebuild").await;
    let ws_id = vellum_domain::id::parse_id(&ws).unwrap();
    let core = app.core.clone();
    let rebuild = tokio::spawn(async move { core.rebuild_index(ws_id, &|_, _| {}).await.unwrap() });
    // Searches meanwhile keep answering from the old index.
    for _ in 0..5 {
        assert_eq!(search(app, "rebuild", &token, "q=kestrel").await["total"], 30);
    }
    assert_eq!(rebuild.await.unwrap(), 30);
    assert_eq!(search(app, "rebuild", &token, "q=kestrel").await["total"], 30);
    catch_up(app, "rebuild").await;
}

async fn similar_finds_a_reencoded_copy_before_an_unrelated_image(app: &TestApp) {
    let (id, token) = app.user("Looker").await;
    app.workspace("alike", &[(&id, "creator")]).await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let token = token.clone();
        async move {
            let r = app
                .upload(
                    "/api/v1/workspaces/alike/assets",
                    &token,
                    &[("title", name), ("kind", "visual")],
                    Some((name, &bytes)),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
            r.json()["id"].as_str().unwrap().to_string()
        }
    };
    let first = picture("testsrc", "640x480", 2);
    if first.is_empty() {
        return;
    }
    let original = upload("original.jpg", first.clone()).await;
    let copy = upload("copy.jpg", picture("testsrc", "320x240", 12)).await;
    let other = upload("other.jpg", picture("mandelbrot", "640x480", 2)).await;
    let same = upload("same.jpg", first).await;
    while app.core.run_one_job("w", &vellum_core::jobs::QUEUES).await.unwrap().is_some() {}
    app.core.index_catch_up().await.unwrap();
    let r = app.get(&format!("/api/v1/assets/{original}/similar?limit=10"), &token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let s = r.json();
    let order: Vec<&str> = s["similar"].as_array().unwrap().iter().map(|x| x["asset_id"].as_str().unwrap()).collect();
    let pos = |id: &str| order.iter().position(|x| *x == id);
    assert!(pos(&copy).is_some(), "{s}");
    assert!(pos(&other).is_none_or(|o| o > pos(&copy).unwrap()), "{s}");
    assert_eq!(s["duplicates"], json!([{"asset_id": same, "version": 1}]));
    assert_eq!(app.get(&format!("/api/v1/assets/{original}/similar?limit=0"), &token).await.code(), "invalid_limit");
}

/// A JPEG of one of ffmpeg's test sources, made by ffmpeg (not by the code under test).
fn picture(source: &str, size: &str, quality: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.jpg");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", &format!("{source}=size={size}"), "-frames:v", "1"])
        .args(["-q:v", &quality.to_string(), "-y"])
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => std::fs::read(out).unwrap(),
        _ if vellum_store::testing::in_ci() => panic!("ffmpeg is required in CI to make test images"),
        _ => Vec::new(),
    }
}

on_both!(
    seeded_library_facets_match_its_metadata,
    faults_answer_422_with_their_position,
    viewers_find_only_approved_in_rights_assets,
    edits_are_searchable_once_the_indexer_catches_up,
    a_rebuild_swaps_in_while_search_keeps_answering,
    the_workspace_language_decides_how_words_are_stemmed,
    similar_finds_a_reencoded_copy_before_an_unrelated_image,
);
