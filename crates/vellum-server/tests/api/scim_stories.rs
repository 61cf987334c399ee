//! SCIM 2.0 stories (RFC 7643/7644, their examples as the directory's requests): the token,
//! Users created, found, replaced and patched — deactivation ends sessions and tokens at once —
//! and Groups whose members get workspace roles through claim rules and fill linked workspace
//! groups.

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use serde_json::{json, Value};

use crate::{
    harness::{Auth, Reply, TestApp},
    on_both,
};

async fn scim(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/scim+json");
    app.raw(req.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).unwrap()).await
}

async fn scim_token(app: &TestApp) -> String {
    let r = app.post("/api/v1/admin/scim-token", Some(&app.admin), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    r.json()["token"].as_str().unwrap().to_string()
}

/// RFC 7643, section 8.2, as a directory sends it (with a password, section 4.1.1).
fn babs() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "password": "tour guide walks past nine lanterns",
        "active": true
    })
}

fn deactivate() -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
           "Operations": [{"op": "replace", "path": "active", "value": false}]})
}

async fn the_token_is_for_server_admins_and_replaced_when_made_again(app: &TestApp) {
    let (_, ana) = app.user("Ana").await;
    assert_eq!(app.post("/api/v1/admin/scim-token", Some(&ana), json!({})).await.status, StatusCode::FORBIDDEN);
    let anonymous = scim(app, Method::GET, "/scim/v2/Users", "", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers[header::CONTENT_TYPE], "application/scim+json");
    assert_eq!(anonymous.json()["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert_eq!(anonymous.json()["status"], "401");
    assert_eq!(
        scim(app, Method::GET, "/scim/v2/Users", &app.admin, None).await.status,
        StatusCode::UNAUTHORIZED,
        "an API token is not the SCIM token"
    );

    let first = scim_token(app).await;
    assert_eq!(scim(app, Method::GET, "/scim/v2/Users", &first, None).await.status, StatusCode::OK);
    let second = scim_token(app).await;
    assert_eq!(scim(app, Method::GET, "/scim/v2/Users", &first, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(scim(app, Method::GET, "/scim/v2/Users", &second, None).await.status, StatusCode::OK);

    let config = scim(app, Method::GET, "/scim/v2/ServiceProviderConfig", &second, None).await.json();
    assert_eq!(
        (config["patch"]["supported"].clone(), config["filter"]["supported"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(config["bulk"]["supported"], false);
    let types = scim(app, Method::GET, "/scim/v2/ResourceTypes", &second, None).await.json();
    assert_eq!(types["totalResults"], 2);
}

async fn users_are_provisioned_found_and_deactivated(app: &TestApp) {
    let token = scim_token(app).await;
    let created = scim(app, Method::POST, "/scim/v2/Users", &token, Some(babs())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    let user = created.json();
    let id = user["id"].as_str().unwrap().to_string();
    assert_eq!(user["userName"], "bjensen@example.com");
    assert_eq!(user["displayName"], "Babs Jensen");
    assert_eq!(user["name"]["givenName"], "Barbara");
    assert_eq!(user["externalId"], "701984");
    assert_eq!(user["active"], true);
    assert!(user.get("password").is_none(), "a password is never returned");
    assert_eq!(user["meta"]["location"], format!("http://localhost:8080/scim/v2/Users/{id}"));

    let again = scim(app, Method::POST, "/scim/v2/Users", &token, Some(babs())).await;
    assert_eq!((again.status, again.json()["scimType"].clone()), (StatusCode::CONFLICT, json!("uniqueness")));
    let bad = scim(app, Method::POST, "/scim/v2/Users", &token, Some(json!({"userName": "nobody"}))).await;
    assert_eq!((bad.status, bad.json()["scimType"].clone()), (StatusCode::BAD_REQUEST, json!("invalidValue")));

    // Found by userName (case-insensitively) and by externalId; pages of the rest.
    for n in 1..=3 {
        let r = scim(
            app,
            Method::POST,
            "/scim/v2/Users",
            &token,
            Some(json!({"userName": format!("user{n}@example.com")})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let found =
        scim(app, Method::GET, "/scim/v2/Users?filter=userName%20eq%20%22BJensen%40example.com%22", &token, None).await;
    assert_eq!(found.json()["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");
    assert_eq!(
        (found.json()["totalResults"].clone(), found.json()["Resources"][0]["id"].clone()),
        (json!(1), json!(id))
    );
    let by_external =
        scim(app, Method::GET, "/scim/v2/Users?filter=externalId%20eq%20%22701984%22", &token, None).await;
    assert_eq!(by_external.json()["totalResults"], 1);
    let none = scim(app, Method::GET, "/scim/v2/Users?filter=userName%20eq%20%22x%40y.example%22", &token, None).await;
    assert_eq!((none.json()["totalResults"].clone(), none.json()["Resources"].clone()), (json!(0), json!([])));
    let page = scim(app, Method::GET, "/scim/v2/Users?startIndex=2&count=2", &token, None).await.json();
    assert_eq!(
        (page["totalResults"].clone(), page["startIndex"].clone(), page["itemsPerPage"].clone()),
        (json!(4), json!(2), json!(2))
    );
    assert_eq!(page["Resources"][0]["userName"], "user1@example.com");
    let unsupported = scim(app, Method::GET, "/scim/v2/Users?filter=title%20eq%20%22x%22", &token, None).await;
    assert_eq!(
        (unsupported.status, unsupported.json()["scimType"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalidFilter"))
    );

    // The create carried a password: Babs signs in with it, gets a session and makes a token.
    let session = app
        .post(
            "/api/v1/session",
            None,
            json!({"email": "bjensen@example.com", "password": "tour guide walks past nine lanterns"}),
        )
        .await;
    assert_eq!(session.status, StatusCode::OK, "{:?}", session.json());
    let cookie = session.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = session.json()["csrf_token"].as_str().unwrap().to_string();
    let made =
        app.send(Method::POST, "/api/v1/tokens", Auth::Session(&cookie, &csrf), Some(json!({"name": "babs"}))).await;
    let api_token = made.json()["token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/me", &api_token).await.status, StatusCode::OK);

    // The directory deactivates her (RFC 7644, section 3.5.2.3): both die at once.
    let off = scim(app, Method::PATCH, &format!("/scim/v2/Users/{id}"), &token, Some(deactivate())).await;
    assert_eq!((off.status, off.json()["active"].clone()), (StatusCode::OK, json!(false)), "{:?}", off.json());
    assert_eq!(app.send(Method::GET, "/api/v1/me", Auth::Cookie(&cookie), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/me", &api_token).await.status, StatusCode::UNAUTHORIZED);
    let refused = app
        .post(
            "/api/v1/session",
            None,
            json!({"email": "bjensen@example.com", "password": "tour guide walks past nine lanterns"}),
        )
        .await;
    assert_eq!(refused.code(), "account_disabled");

    // A replace (PUT) brings her back under a new address and name.
    let mut back = babs();
    back["emails"] = json!([{"value": "barbara@example.com", "primary": true}]);
    back["displayName"] = json!("Barbara Jensen");
    back.as_object_mut().unwrap().remove("password");
    let put = scim(app, Method::PUT, &format!("/scim/v2/Users/{id}"), &token, Some(back)).await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
    assert_eq!(
        (put.json()["active"].clone(), put.json()["emails"][0]["value"].clone()),
        (json!(true), json!("barbara@example.com"))
    );
    let account = account_of(app, &id).await;
    assert_eq!(
        (account["email"].clone(), account["name"].clone()),
        (json!("barbara@example.com"), json!("Barbara Jensen"))
    );
    let clash = scim(
        app,
        Method::PATCH,
        &format!("/scim/v2/Users/{id}"),
        &token,
        Some(json!({"Operations": [{"op": "replace", "path": "userName", "value": "user1@example.com"}]})),
    )
    .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);

    // DELETE: gone from the directory, the account disabled, its record kept.
    assert_eq!(
        scim(app, Method::DELETE, &format!("/scim/v2/Users/{id}"), &token, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        scim(app, Method::GET, &format!("/scim/v2/Users/{id}"), &token, None).await.status,
        StatusCode::NOT_FOUND
    );
    let account = account_of(app, &id).await;
    assert!(account["disabled_at"].is_string(), "{account}");
    assert_eq!(scim(app, Method::GET, "/scim/v2/Users/not-an-id", &token, None).await.status, StatusCode::NOT_FOUND);
}

/// The directory may bring a server admin's account under its care, but never set its
/// password: the SCIM token is not a way to take over the server.
async fn a_directory_cannot_take_over_an_admin(app: &TestApp) {
    let token = scim_token(app).await;
    let admin = json!({"userName": "admin@example.com", "password": "a directory chose this 42 time"});
    let taken = scim(app, Method::POST, "/scim/v2/Users", &token, Some(admin)).await;
    assert_eq!(taken.status, StatusCode::FORBIDDEN, "{:?}", taken.json());
    assert!(taken.json()["detail"].as_str().unwrap().contains("server admin"));
    let listed = scim(app, Method::GET, "/scim/v2/Users", &token, None).await.json();
    assert_eq!(listed["totalResults"], 0, "nothing was adopted");

    let adopted =
        scim(app, Method::POST, "/scim/v2/Users", &token, Some(json!({"userName": "admin@example.com"}))).await;
    assert_eq!(adopted.status, StatusCode::CREATED, "{:?}", adopted.json());
    let id = adopted.json()["id"].as_str().unwrap().to_string();
    let set = json!({"Operations": [{"op": "replace", "path": "password", "value": "a directory chose this 42 time"}]});
    let patched = scim(app, Method::PATCH, &format!("/scim/v2/Users/{id}"), &token, Some(set)).await;
    assert_eq!(patched.status, StatusCode::FORBIDDEN, "{:?}", patched.json());
    let signed_in =
        app.post("/api/v1/session", None, json!({"email": "admin@example.com", "password": "admin-password-1"})).await;
    assert_eq!(signed_in.status, StatusCode::OK, "the admin's own password still works");
}

/// The account behind a User, as the admin API shows it.
async fn account_of(app: &TestApp, id: &str) -> Value {
    let users = app.get("/api/v1/users", &app.admin).await.json();
    users["users"].as_array().unwrap().iter().find(|u| u["id"] == id).cloned().unwrap()
}

async fn role_in(app: &TestApp, ws: &str, email: &str) -> Option<String> {
    let members = app.get(&format!("/api/v1/workspaces/{ws}/members"), &app.admin).await.json();
    members["members"].as_array()?.iter().find(|m| m["email"] == email).map(|m| m["role"].as_str().unwrap().to_string())
}

async fn group_members(app: &TestApp, group: &str) -> Vec<String> {
    let groups = app.get("/api/v1/workspaces/brand/groups", &app.admin).await.json();
    let g = groups["groups"].as_array().unwrap().iter().find(|g| g["id"] == group).cloned().unwrap();
    g["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect()
}

async fn groups_give_roles_through_rules_and_fill_linked_workspace_groups(app: &TestApp) {
    let token = scim_token(app).await;
    app.workspace("brand", &[]).await;
    let rules = json!([{"when": {"claim": "directory_group", "contains": "Marketing"}, "workspace": "brand", "role": "creator"}]);
    assert_eq!(app.put("/api/v1/admin/sso", &app.admin, json!({"claim_rules": rules})).await.status, StatusCode::OK);
    let mut ids = Vec::new();
    for name in ["ana", "bob"] {
        let r = scim(
            app,
            Method::POST,
            "/scim/v2/Users",
            &token,
            Some(json!({"userName": format!("{name}@bank.example")})),
        )
        .await;
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    // RFC 7643, section 8.4 (abridged): a group with one member.
    let group = scim(
        app,
        Method::POST,
        "/scim/v2/Groups",
        &token,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Marketing",
            "members": [{"value": ids[0], "display": "Ana"}]
        })),
    )
    .await;
    assert_eq!(group.status, StatusCode::CREATED, "{:?}", group.json());
    let gid = group.json()["id"].as_str().unwrap().to_string();
    assert_eq!(group.json()["members"][0]["value"], ids[0].as_str());
    assert_eq!(
        role_in(app, "brand", "ana@bank.example").await.as_deref(),
        Some("creator"),
        "the rule follows the group"
    );
    assert_eq!(role_in(app, "brand", "bob@bank.example").await, None);
    let dup = scim(app, Method::POST, "/scim/v2/Groups", &token, Some(json!({"displayName": "Marketing"}))).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let stranger = scim(
        app,
        Method::POST,
        "/scim/v2/Groups",
        &token,
        Some(json!({"displayName": "X", "members": [{"value": "01a2"}]})),
    )
    .await;
    assert_eq!(stranger.status, StatusCode::BAD_REQUEST);

    // The admin sees it and links the brand's approvers group to it.
    let listed = app.get("/api/v1/admin/directory-groups", &app.admin).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()["groups"][0]["display_name"], "Marketing");
    assert_eq!(listed.json()["groups"][0]["members"][0]["id"], ids[0].as_str());
    let approvers = app.post("/api/v1/workspaces/brand/groups", Some(&app.admin), json!({"name": "Approvers"})).await;
    assert_eq!(approvers.status, StatusCode::CREATED, "{:?}", approvers.json());
    let wg = approvers.json()["id"].as_str().unwrap().to_string();
    let linked =
        app.put(&format!("/api/v1/groups/{wg}/directory-group"), &app.admin, json!({"directory_group_id": gid})).await;
    assert_eq!(linked.status, StatusCode::OK, "{:?}", linked.json());
    assert_eq!(group_members(app, &wg).await, vec![ids[0].clone()]);

    // RFC 7644, section 3.5.2.1: add Bob; then 3.5.2.2: remove Ana.
    let add = scim(
        app,
        Method::PATCH,
        &format!("/scim/v2/Groups/{gid}"),
        &token,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"display": "Bob", "value": ids[1]}]}]
        })),
    )
    .await;
    assert_eq!(add.status, StatusCode::OK, "{:?}", add.json());
    assert_eq!(role_in(app, "brand", "bob@bank.example").await.as_deref(), Some("creator"));
    let mut both = group_members(app, &wg).await;
    both.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(both, want);
    let remove = scim(
        app,
        Method::PATCH,
        &format!("/scim/v2/Groups/{gid}"),
        &token,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}]
        })),
    )
    .await;
    assert_eq!(remove.status, StatusCode::OK);
    assert_eq!(role_in(app, "brand", "ana@bank.example").await, None, "out of the group, out of the workspace");
    assert_eq!(group_members(app, &wg).await, vec![ids[1].clone()]);

    // Filter and leave members out, as directories do for large groups.
    let found = scim(
        app,
        Method::GET,
        "/scim/v2/Groups?filter=displayName%20eq%20%22Marketing%22&excludedAttributes=members",
        &token,
        None,
    )
    .await
    .json();
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none());

    // Deleting the group takes the rule-made membership with it.
    assert_eq!(
        scim(app, Method::DELETE, &format!("/scim/v2/Groups/{gid}"), &token, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(role_in(app, "brand", "bob@bank.example").await, None);
    assert_eq!(
        scim(app, Method::GET, &format!("/scim/v2/Groups/{gid}"), &token, None).await.status,
        StatusCode::NOT_FOUND
    );
}

on_both!(
    the_token_is_for_server_admins_and_replaced_when_made_again,
    users_are_provisioned_found_and_deactivated,
    a_directory_cannot_take_over_an_admin,
    groups_give_roles_through_rules_and_fill_linked_workspace_groups
);
