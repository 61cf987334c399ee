//! Every list that can grow is paged by cursor: all items reachable, each once, pages stable
//! while rows are added; limits and cursors checked.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::{
    harness::{password_of, TestApp},
    on_both,
    review_stories::{start_review, team},
    ui_stories::{html, Browser},
};

/// Walks a list page by page; `between` runs after each page (to add rows meanwhile).
async fn walk(app: &TestApp, path: &str, key: &str, limit: u32, mut between: impl AsyncFnMut(usize)) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    for page in 0.. {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let r = app.get(&url, &app.admin).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {:?}", r.json());
        let body = r.json();
        let items = body[key].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        all.extend(items.iter().cloned());
        between(page).await;
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    all
}

/// The assets a library page links to, in page order, and its "Older" link.
fn library_page(html: &str) -> (Vec<String>, Option<String>) {
    let mut ids = Vec::new();
    for part in html.split("href=\"/a/").skip(1) {
        let id = part.split('"').next().unwrap().to_string();
        if ids.last() != Some(&id) {
            ids.push(id);
        }
    }
    let next =
        html.split("rel=\"next\" href=\"").nth(1).map(|rest| rest.split('"').next().unwrap().replace("&amp;", "&"));
    (ids, next)
}

/// Follows the library's plain "Older" links from `start` to the end, as a person would.
async fn walk_ui(app: &TestApp, who: &Browser, start: &str, mut between: impl AsyncFnMut(usize)) -> Vec<String> {
    let mut all = Vec::new();
    let mut url = start.to_string();
    for page in 0.. {
        let r = who.get(app, &url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        let (ids, next) = library_page(&html(&r));
        assert!(ids.len() <= 50, "{url}: a page shows at most 50");
        all.extend(ids);
        between(page).await;
        match next {
            Some(n) => {
                assert!(n.contains("cursor="), "{n}");
                url = n;
            }
            None => break,
        }
    }
    all
}

async fn every_asset_is_reachable_once_while_others_are_added(app: &TestApp) {
    app.workspace("many", &[]).await;
    let mut created = HashSet::new();
    for i in 0..250 {
        let a = app.new_asset("many", &app.admin, &format!("Asset {i}"), format!("asset {i}").as_bytes()).await;
        created.insert(a["id"].as_str().unwrap().to_string());
    }
    let mut added_meanwhile = HashSet::new();
    let seen = walk(app, "/api/v1/workspaces/many/assets", "assets", 40, async |page| {
        let a = app.new_asset("many", &app.admin, &format!("Late {page}"), format!("late {page}").as_bytes()).await;
        added_meanwhile.insert(a["id"].as_str().unwrap().to_string());
    })
    .await;
    let ids: Vec<String> = seen.iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no asset twice");
    assert!(created.is_subset(&unique), "every asset reached: {} of 250", created.intersection(&unique).count());
    assert!(unique.is_disjoint(&added_meanwhile), "rows added while paging do not shift later pages");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, by id");

    // The same through the pages, following plain links, with assets added meanwhile.
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let mut added_meanwhile = HashSet::new();
    let seen = walk_ui(app, &admin, "/w/many?view=grid", async |page| {
        let a =
            app.new_asset("many", &app.admin, &format!("UI late {page}"), format!("ui late {page}").as_bytes()).await;
        added_meanwhile.insert(a["id"].as_str().unwrap().to_string());
    })
    .await;
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no asset on two pages");
    assert!(created.is_subset(&unique), "every asset linked: {} of 250", created.intersection(&unique).count());
    assert!(unique.is_disjoint(&added_meanwhile));
    let first = html(&admin.get(app, "/w/many").await);
    assert!(!first.contains("Newest"), "the first page has no way back");
    let (_, next) = library_page(&first);
    let second = html(&admin.get(app, &next.unwrap()).await);
    assert!(second.contains("‹ Newest"));
    let stale = admin.get(app, "/w/many?cursor=%3Cscript%3E").await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "a forged cursor is explained, not ignored");

    let too_many = app.get("/api/v1/workspaces/many/assets?limit=501", &app.admin).await;
    assert_eq!((too_many.status, too_many.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_limit"));
    let zero = app.get("/api/v1/workspaces/many/assets?limit=0", &app.admin).await;
    assert_eq!(zero.code(), "invalid_limit");
    let forged = app.get("/api/v1/workspaces/many/assets?cursor=not-a-cursor", &app.admin).await;
    assert_eq!((forged.status, forged.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_cursor"));
    let default = app.get("/api/v1/workspaces/many/assets", &app.admin).await.json();
    assert_eq!(default["assets"].as_array().unwrap().len(), 50, "the default page");
    assert!(default["next_cursor"].is_string());

    // The audit trail pages oldest first, by sequence number, the same way.
    let events = walk(app, "/api/v1/workspaces/many/audit", "events", 100, async |_| {}).await;
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert!(seqs.len() >= 250);
}

/// Approved work stays findable while a newer version is in review.
async fn approved_assets_are_found_while_a_new_version_is_reviewed(app: &TestApp) {
    let t = team(app, "appr", json!("any")).await;
    let a = app.new_asset("appr", &t.creator, "Poster", b"poster v1").await;
    let id = a["id"].as_str().unwrap();
    let r = start_review(app, id, &t.creator, &t.workflow).await;
    let rid = r["id"].as_str().unwrap();
    assert_eq!(app.decide(rid, &t.brand.1, 1, "approve", None).await.status, StatusCode::CREATED);
    assert_eq!(app.decide(rid, &t.legal1.1, 1, "approve", None).await.status, StatusCode::CREATED);
    assert_eq!(app.new_version(id, &t.creator, "v2", b"poster v2").await.status, StatusCode::CREATED);
    start_review(app, id, &t.creator, &t.workflow).await;
    let draft = app.new_asset("appr", &t.creator, "Draft", b"draft").await;

    let approved = app.get("/api/v1/workspaces/appr/assets?approved=true", &t.creator).await.json();
    let ids: Vec<&str> = approved["assets"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![id], "{approved}");
    assert_eq!(approved["assets"][0]["status"], "in_review");
    assert_eq!(approved["assets"][0]["approved_version"], 1);
    let never = app.get("/api/v1/workspaces/appr/assets?approved=false", &t.creator).await.json();
    let ids: Vec<&str> = never["assets"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![draft["id"].as_str().unwrap()]);
    let bad = app.get("/api/v1/workspaces/appr/assets?approved=maybe", &t.creator).await;
    assert_eq!(bad.code(), "invalid_query");

    // The library page finds it the same way and shows both states, the filter kept in its links.
    let brand = Browser::sign_in(app, "brandappr@example.com", &password_of("Brandappr")).await;
    let page = html(&brand.get(app, "/w/appr?approved=yes&view=grid").await);
    let (ids, _) = library_page(&page);
    assert_eq!(ids, vec![id.to_string()], "{page}");
    assert!(page.contains("Approved v1</span> · <span class=\"badge s-in_review\">v2 in review"), "{page}");
    assert!(page.contains("<option value=\"yes\" selected>"), "the filter stays chosen");
    let never = html(&brand.get(app, "/w/appr?approved=no").await);
    assert_eq!(library_page(&never).0, vec![draft["id"].as_str().unwrap().to_string()]);
}

/// The smaller lists page the same way.
async fn small_lists_page_too(app: &TestApp) {
    for i in 0..5 {
        app.user(&format!("Pager{i}")).await;
    }
    let users = walk(app, "/api/v1/users", "users", 2, async |_| {}).await;
    let unique: HashSet<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!((users.len(), unique.len()), (6, 6), "the admin and five more, once each");
    let tokens = walk(app, "/api/v1/tokens", "tokens", 1, async |_| {}).await;
    assert!(!tokens.is_empty());
    let workspaces = walk(app, "/api/v1/workspaces", "workspaces", 1, async |_| {}).await;
    assert_eq!(workspaces.len(), 0);
}

on_both!(
    every_asset_is_reachable_once_while_others_are_added,
    approved_assets_are_found_while_a_new_version_is_reviewed,
    small_lists_page_too,
);
