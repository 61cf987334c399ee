//! The Settings pages in-process: an admin saves custom fields, routing rules (JSON and
//! builder), a calendar and webhooks through the forms; refusals keep what was typed and
//! say where the fault is; a dry run explains the saved rules; other members are kept out.

use axum::http::StatusCode;
use serde_json::json;
use vellum_core::notify::{AllowList, NotifyConfig};

use crate::{
    harness::{password_of, TestApp},
    on_both, on_both_owned,
    ui_stories::{html, location, Browser},
};

/// The `#explanation` panel of a routing page (up to the end of its section).
fn explanation(page: &str) -> &str {
    let start = page.find("id=\"explanation\"").expect("the page has an #explanation panel");
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

async fn admin_edits_settings_through_the_pages(app: &TestApp) {
    let (rita, _) = app.user("Rita").await;
    let (cara, cara_token) = app.user("Cara").await;
    app.user("Otto").await;
    app.workspace("cfg", &[(&rita, "reviewer"), (&cara, "creator")]).await;
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;

    let index = html(&admin.get(app, "/w/cfg/settings").await);
    for page in ["fields", "routing", "calendar", "webhooks"] {
        assert!(index.contains(&format!("href=\"/w/cfg/settings/{page}\"")), "{page}");
    }

    // A custom field through the form.
    let saved = admin
        .post(
            app,
            "/w/cfg/settings/fields",
            &[
                ("f0_key", "risk"),
                ("f0_label", "Risk"),
                ("f0_type", "enum"),
                ("f0_values", "low, high"),
                ("f0_required", "visual"),
                ("f1_key", ""),
                ("f1_label", ""),
                ("f1_type", "text"),
            ],
        )
        .await;
    assert_eq!((saved.status, location(&saved)), (StatusCode::SEE_OTHER, "/w/cfg/settings/fields?done=fields_saved"));
    let schema = app.get("/api/v1/workspaces/cfg/metadata-schema", &app.admin).await.json();
    assert_eq!(schema["fields"][0]["values"], json!(["low", "high"]), "{schema}");
    assert_eq!(schema["fields"][0]["required_for"], json!(["visual"]));
    let page = html(&admin.get(app, "/w/cfg/settings/fields?done=fields_saved").await);
    assert!(page.contains("The custom fields were saved.") && page.contains("<code>risk</code>"));

    // A bad key is refused beside its row, with what was typed kept.
    let bad = admin
        .post(app, "/w/cfg/settings/fields", &[("f0_key", "Risk"), ("f0_label", "Risk"), ("f0_type", "text")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&bad);
    assert!(text.contains("is not a field key") && text.contains("value=\"Risk\""), "{text}");
    assert!(text.contains("aria-invalid=\"true\""));

    // Narrowing the values an asset already holds is refused with the count.
    let meta = json!({"custom": {"risk": "high"}}).to_string();
    let up = app
        .upload(
            "/api/v1/workspaces/cfg/assets",
            &cara_token,
            &[("title", "Risky banner"), ("kind", "visual"), ("metadata", &meta)],
            Some(("a.png", b"risky".as_slice())),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{:?}", up.json());
    let asset = up.json()["id"].as_str().unwrap().to_string();
    let narrower = admin
        .post(
            app,
            "/w/cfg/settings/fields",
            &[("f0_key", "risk"), ("f0_label", "Risk"), ("f0_type", "enum"), ("f0_values", "low")],
        )
        .await;
    assert_eq!(narrower.status, StatusCode::CONFLICT);
    let text = html(&narrower);
    assert!(text.contains("1 asset(s) hold values the new fields would refuse"), "{text}");
    assert!(text.contains("1 asset(s) hold a value this definition would refuse"), "beside the field");
    assert_eq!(app.get("/api/v1/workspaces/cfg/metadata-schema", &app.admin).await.json(), schema);

    // A routing rule written as JSON.
    let wf = app
        .post(
            "/api/v1/workspaces/cfg/workflows",
            Some(&app.admin),
            json!({"name": "Risk review", "stages": [{"name": "Risk", "approvers": [{"user": rita}], "rule": "all"}]}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let routing = html(&admin.get(app, "/w/cfg/settings/routing").await);
    assert!(routing.contains(">Rule name</label>") && routing.contains(">Workflow</label>"));
    assert!(routing.contains(">Add rule</button>") && routing.contains(">Save rules</button>"));
    assert!(routing.contains("value=\"metadata.custom.risk\""), "the builder offers the custom field");
    let risky = r#"{"field": "metadata.custom.risk", "op": "eq", "value": "high"}"#;
    let rule = |when: &'static str| {
        vec![("r0_name", "Risky"), ("r0_workflow", wf.as_str()), ("r0_when", when), ("r0_position", "1")]
    };
    let saved = admin.post(app, "/w/cfg/settings/routing", &rule(risky)).await;
    assert_eq!((saved.status, location(&saved)), (StatusCode::SEE_OTHER, "/w/cfg/settings/routing?done=rules_saved"));
    let rules = app.get("/api/v1/workspaces/cfg/routing", &app.admin).await.json();
    assert_eq!((rules["revision"].as_u64(), rules["rules"][0]["name"].as_str()), (Some(1), Some("Risky")));

    // A faulty rule is refused with the path of the node, and nothing changes.
    let colour = r#"{"field": "metadata.custom.colour", "op": "eq", "value": "red"}"#;
    let refused = admin.post(app, "/w/cfg/settings/routing", &rule(colour)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    assert!(text.contains("At /rules/0/when/field:"), "{text}");
    assert!(text.contains("metadata.custom.colour"), "the typed condition is kept");
    assert_eq!(app.get("/api/v1/workspaces/cfg/routing", &app.admin).await.json()["revision"], 1);

    // Without JavaScript, "Add rule" shows one more row and saves nothing.
    let more = admin.post(app, "/w/cfg/settings/routing", &[rule(risky), vec![("add", "1")]].concat()).await;
    assert_eq!(more.status, StatusCode::OK);
    assert_eq!(html(&more).matches(">Rule name</label>").count(), 3, "the rule, the new row and the template");

    // A second rule from the builder row alone (no JSON typed).
    let mut two = rule(risky);
    two.extend([
        ("r1_name", "Video"),
        ("r1_workflow", wf.as_str()),
        ("r1_field", "kind"),
        ("r1_op", "eq"),
        ("r1_value", "video"),
        ("r1_when", ""),
        ("r1_position", "2"),
    ]);
    assert_eq!(admin.post(app, "/w/cfg/settings/routing", &two).await.status, StatusCode::SEE_OTHER);
    let rules = app.get("/api/v1/workspaces/cfg/routing", &app.admin).await.json();
    assert_eq!(rules["rules"][1]["when"], json!({"field": "kind", "op": "eq", "value": "video"}));

    // Dry runs: a stored asset, then a described one.
    let run = admin.post(app, "/w/cfg/settings/routing/explain", &[("asset", &asset), ("kind", "visual")]).await;
    assert_eq!(run.status, StatusCode::OK);
    let text = html(&run);
    let panel = explanation(&text);
    assert!(panel.contains("class=\"matched-rule\">Risky<"), "{panel}");
    assert!(panel.contains("metadata.custom.risk") && panel.contains("Rita"), "tests and the chain: {panel}");
    let described = admin
        .post(app, "/w/cfg/settings/routing/explain", &[("asset", ""), ("kind", "video"), ("metadata", "{}")])
        .await;
    assert!(explanation(&html(&described)).contains("class=\"matched-rule\">Video<"));
    let none = admin.post(app, "/w/cfg/settings/routing/explain", &[("kind", "written"), ("metadata", "")]).await;
    assert!(explanation(&html(&none)).contains("No rule matches"));
    let broken = admin.post(app, "/w/cfg/settings/routing/explain", &[("kind", "video"), ("metadata", "{")]).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(explanation(&html(&broken)).contains("not valid JSON"));

    // Earlier revisions with what changed.
    let rev = html(&admin.get(app, "/w/cfg/settings/routing?revision=2").await);
    assert!(rev.contains("id=\"revision\"") && rev.contains("“Video”") && rev.contains(">added<"), "{rev}");

    // The calendar; a bad time zone changes nothing and is named beside its input.
    let calendar = [
        ("time_zone", "Europe/Paris"),
        ("working_days", "mon"),
        ("working_days", "tue"),
        ("working_days", "wed"),
        ("working_days", "thu"),
        ("start", "08:30"),
        ("end", "16:00"),
        ("holidays", "2026-12-25\r\n2026-12-26\r\n"),
    ];
    let saved = admin.post(app, "/w/cfg/settings/calendar", &calendar).await;
    assert_eq!(
        (saved.status, location(&saved)),
        (StatusCode::SEE_OTHER, "/w/cfg/settings/calendar?done=calendar_saved")
    );
    let stored = app.get("/api/v1/workspaces/cfg/calendar", &app.admin).await.json();
    assert_eq!(stored["time_zone"], "Europe/Paris");
    assert_eq!(stored["working_days"], json!(["mon", "tue", "wed", "thu"]));
    assert_eq!(stored["working_hours"], json!({"start": "08:30", "end": "16:00"}));
    assert_eq!(stored["holidays"], json!(["2026-12-25", "2026-12-26"]));
    let mut mars = calendar.to_vec();
    mars[0] = ("time_zone", "Mars/Olympus");
    let refused = admin.post(app, "/w/cfg/settings/calendar", &mars).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&refused);
    assert!(text.contains("id=\"cal-time_zone-error\"") && text.contains("value=\"Mars/Olympus\""), "{text}");
    assert_eq!(app.get("/api/v1/workspaces/cfg/calendar", &app.admin).await.json(), stored);

    // A webhook to a private address is refused beside the URL, the choice kept.
    let hook = admin
        .post(app, "/w/cfg/settings/webhooks", &[("url", "http://127.0.0.1:9/x"), ("events", "review.started")])
        .await;
    assert_eq!(hook.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = html(&hook);
    assert!(text.contains("id=\"wh-url-error\"") && text.contains("value=\"http://127.0.0.1:9/x\""), "{text}");
    assert!(text.contains("value=\"review.started\" checked"), "{text}");
    let listed = app.get("/api/v1/workspaces/cfg/webhooks", &app.admin).await.json();
    assert_eq!(listed["webhooks"], json!([]));

    // Forms without the session's secret are refused.
    let forged = admin.post_raw(app, "/w/cfg/settings/calendar", &calendar).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Other members are refused; people outside the workspace do not learn it exists.
    let member = Browser::sign_in(app, "cara@example.com", &password_of("Cara")).await;
    let outsider = Browser::sign_in(app, "otto@example.com", &password_of("Otto")).await;
    for page in ["", "/fields", "/routing", "/calendar", "/webhooks"] {
        let path = format!("/w/cfg/settings{page}");
        assert_eq!(member.get(app, &path).await.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(outsider.get(app, &path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let sneaky = member.post(app, "/w/cfg/settings/routing", &rule(risky)).await;
    assert_eq!(sneaky.status, StatusCode::FORBIDDEN);
    let sneaky = member.post(app, "/w/cfg/settings/calendar", &mars).await;
    assert_eq!(sneaky.status, StatusCode::FORBIDDEN);
}

/// The secret shown in a page's notice.
fn shown_secret(page: &str) -> String {
    let start = page.find("class=\"secret\">").expect("a secret is shown") + "class=\"secret\">".len();
    page[start..].split('<').next().unwrap().to_string()
}

async fn webhooks_through_the_pages(app: TestApp) -> TestApp {
    let app = app
        .with_notify(NotifyConfig { webhook_allow_hosts: AllowList(vec!["127.0.0.1".into()]), ..Default::default() });
    app.workspace("hookui", &[]).await;
    let admin = Browser::sign_in(&app, "admin@example.com", "admin-password-1").await;

    // Nothing listens on port 9 (discard): creation checks the address, the test send fails.
    let url = "http://127.0.0.1:9/x";
    let made = admin
        .post(&app, "/w/hookui/settings/webhooks", &[("url", url), ("events", "review.started"), ("events", "mention")])
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let text = html(&made);
    assert!(text.contains("it will not be shown again"), "{text}");
    let secret = shown_secret(&text);
    assert!(secret.starts_with("whsec_"), "{secret}");
    let listed = app.get("/api/v1/workspaces/hookui/webhooks", &app.admin).await.json();
    let id = listed["webhooks"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(listed["webhooks"][0]["events"], json!(["review.started", "mention"]));
    let list = html(&admin.get(&app, "/w/hookui/settings/webhooks").await);
    assert!(list.contains(url) && !list.contains(&secret), "listed, the secret not shown again");

    let tested = admin.post(&app, &format!("/w/hookui/settings/webhooks/{id}/test"), &[]).await;
    assert_eq!(tested.status, StatusCode::OK);
    let text = html(&tested);
    assert!(text.contains("id=\"test-result\"") && text.contains("was not delivered: no response"), "{text}");
    assert!(text.contains("Error: "), "the connection error is shown");
    let log = html(&admin.get(&app, &format!("/w/hookui/settings/webhooks/{id}")).await);
    assert!(log.contains("id=\"deliveries\"") && log.contains("<code>webhook.test</code>"), "{log}");

    let rotated = admin.post(&app, &format!("/w/hookui/settings/webhooks/{id}/rotate"), &[]).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let fresh = shown_secret(&html(&rotated));
    assert!(fresh.starts_with("whsec_") && fresh != secret);

    let gone = admin.post(&app, &format!("/w/hookui/settings/webhooks/{id}/delete"), &[]).await;
    assert_eq!(
        (gone.status, location(&gone)),
        (StatusCode::SEE_OTHER, "/w/hookui/settings/webhooks?done=webhook_deleted")
    );
    assert_eq!(app.get("/api/v1/workspaces/hookui/webhooks", &app.admin).await.json()["webhooks"], json!([]));
    let missing = admin.get(&app, &format!("/w/hookui/settings/webhooks/{id}")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    app
}

on_both!(admin_edits_settings_through_the_pages);
on_both_owned!(webhooks_through_the_pages);
