//! The board and the master calendar of a busy workspace — by default 5,000 briefs, 5,000
//! assets (some in review) and 2,000 milestones over 40 campaigns — over HTTP, next to
//! `/healthz` on the same server and a bare indexed count of the same rows.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::Full;
use serde_json::{json, Map};
use vellum_core::{
    assets::UploadFields,
    briefs::BriefInput,
    campaigns::{CampaignInput, MilestoneInput},
    clock::SystemClock,
};
use vellum_domain::brief::TemplateSpec;
use vellum_server::{serve, AppState, HttpConfig};

use super::decisions::{load, print, spawn_server};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub async fn run(briefs: usize, assets: usize, milestones: usize, requests: usize) -> Result<(), String> {
    let w = super::setup::world(Arc::new(SystemClock), Some(48), None).await?;
    let (core, actor) = (&w.core, &w.actor);
    let t = Instant::now();
    let campaigns_n = 40usize;
    let mut campaigns = Vec::new();
    for i in 0..campaigns_n {
        let input = CampaignInput {
            name: Some(format!("Campaign {i}")),
            code: Some(format!("C{i:03}")),
            channels: Some(vec!["social".into(), "email".into()]),
            starts_on: Some("2026-12-01".into()),
            ends_on: Some("2027-03-31".into()),
            ..CampaignInput::default()
        };
        campaigns.push(core.create_campaign(actor, "bench", input).await.map_err(err)?.id);
    }
    for i in 0..milestones {
        let day = 1 + (i % 28);
        let input = MilestoneInput {
            name: Some(format!("Milestone {i}")),
            kind: Some("review".into()),
            due_on: Some(format!("2026-12-{day:02}")),
            channel: Some("social".into()),
            buffer_business_days: Some(1),
            depends_on: None,
            assignee_id: Some(actor.user.id),
        };
        core.add_milestone(actor, campaigns[i % campaigns_n], input).await.map_err(err)?;
    }
    let spec: TemplateSpec = serde_json::from_value(json!({
        "name": "Bench brief", "kind": "brief",
        "sections": [{"title": "Audience", "fields": [{"key": "audience", "label": "Audience", "type": "text", "required": true}]}],
        "deliverables": ["Tile"], "workflow_id": w.workflow.id
    }))
    .map_err(err)?;
    let template = core.create_brief_template(actor, "bench", spec).await.map_err(err)?;
    for i in 0..briefs {
        let mut fields = Map::new();
        fields.insert("audience".into(), json!("Savers"));
        let input = BriefInput {
            template_id: Some(template.id),
            title: Some(format!("Brief {i}")),
            campaign_id: Some(Some(campaigns[i % campaigns_n])),
            fields: Some(fields),
            reference_asset_ids: None,
        };
        let b = core.create_brief(actor, "bench", input).await.map_err(err)?;
        // One in ten waits in approval, so the board has deadlines to work out.
        if i % 10 == 0 {
            core.submit_brief(actor, b.brief.id, None).await.map_err(err)?;
        }
    }
    for i in 0..assets {
        let mut blob = core.begin_blob().await.map_err(err)?;
        blob.write(format!("bench asset {i}").as_bytes()).await.map_err(err)?;
        let blob = blob.finish().await.map_err(err)?;
        let fields = UploadFields {
            kind: Some("visual".into()),
            filename: Some(format!("asset-{i}.png")),
            metadata: Some(r#"{"channels": ["social"], "distribution_start": "2026-12-10T00:00:00Z"}"#.into()),
            campaign_id: Some(campaigns[i % campaigns_n].to_string()),
            ..Default::default()
        };
        let a = core.create_asset(actor, "bench", fields, blob).await.map_err(err)?;
        if i % 10 == 0 {
            core.start_review(actor, a.id, Some(w.workflow.id)).await.map_err(err)?;
        }
    }
    println!(
        "  wrote {briefs} briefs, {assets} assets ({} in review) and {milestones} milestones in {:.0} s",
        (briefs + assets) / 10,
        t.elapsed().as_secs_f64()
    );

    let token = core
        .create_token(actor, vellum_core::tokens::TokenRequest { name: "bench", ..Default::default() })
        .await
        .map_err(err)?
        .secret;
    let state = AppState { core: core.clone(), http: HttpConfig::default() };
    let (addr, stop) = spawn_server(|l, rx| async move {
        let _ = serve(l, state, async move {
            let _ = rx.await;
        })
        .await;
    })
    .await?;
    let get = |path: String| {
        let (a, token) = (addr.clone(), token.clone());
        move |_| {
            hyper::Request::get(format!("http://{a}{path}"))
                .header("authorization", format!("Bearer {token}"))
                .body(Full::new(Bytes::new()))
                .unwrap_or_default()
        }
    };
    let board = load(2, requests, get("/api/v1/workspaces/bench/board".into())).await;
    let one = load(2, requests, get(format!("/api/v1/workspaces/bench/board?campaign={}", campaigns[0]))).await;
    let calendar =
        load(2, requests, get("/api/v1/workspaces/bench/calendar-events?from=2026-12-01&to=2026-12-31".into())).await;
    let health = load(2, requests, get("/healthz".into())).await;

    // The same rows counted bare, through the indexes, on one connection.
    let mut counts = Vec::with_capacity(requests);
    let mut c = w.store.conn().await.map_err(err)?;
    for _ in 0..requests {
        let t = Instant::now();
        let ws = w.workspace_id.to_string();
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM briefs WHERE workspace_id = $1) + (SELECT COUNT(*) FROM assets WHERE workspace_id = $1) \
             + (SELECT COUNT(*) FROM milestones m JOIN campaigns k ON k.id = m.campaign_id WHERE k.workspace_id = $1)",
        )
        .bind(ws)
        .fetch_one(&mut *c)
        .await
        .map_err(err)?;
        std::hint::black_box(n);
        counts.push(t.elapsed());
    }
    counts.sort();
    let count_p99 = super::percentile(&counts, 99.0);
    let _ = stop.send(());

    println!("Board and calendar over HTTP (SQLite), 2 clients, {requests} requests each:");
    print("GET …/board", &board, None);
    print("GET …/board?campaign=", &one, None);
    print("GET …/calendar-events (December)", &calendar, None);
    print("baseline GET /healthz", &health, None);
    println!(
        "  baseline bare indexed count of the same rows: p50 {:.2} ms   p99 {:.2} ms",
        ms(super::percentile(&counts, 50.0)),
        ms(count_p99)
    );
    println!(
        "  board p99 is {:.0}× /healthz and {:.0}× the bare count; calendar p99 is {:.0}× /healthz",
        board.p99.as_secs_f64() / health.p99.as_secs_f64().max(1e-9),
        board.p99.as_secs_f64() / count_p99.as_secs_f64().max(1e-9),
        calendar.p99.as_secs_f64() / health.p99.as_secs_f64().max(1e-9),
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
