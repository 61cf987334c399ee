//! Decisions over HTTP with concurrent clients, next to two baselines from the same run: the
//! same server answering `/healthz`, and a server doing one bare INSERT per request on the same
//! database.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use vellum_blob::LocalBlobStore;
use vellum_core::{assets::UploadFields, Actor, Core, Limits, Store};
use vellum_domain::workflow::{ApproverRef, Rule, StageSpec, StartMode, WorkflowSpec};
use vellum_server::{serve, AppState, HttpConfig};

use super::percentile;

pub(super) struct Figures {
    pub rps: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub errors: usize,
}

/// Runs `requests` requests from `clients` concurrent keep-alive clients; `make(i)` builds the
/// i-th request.
pub(super) async fn load<F>(clients: usize, requests: usize, make: F) -> Figures
where
    F: Fn(usize) -> hyper::Request<Full<Bytes>> + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (make, next) = (make.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
            let mut latencies = Vec::new();
            let mut errors = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let t = Instant::now();
                match client.request(make(i)).await {
                    Ok(res) => {
                        // A 304 answers a revalidation as asked.
                        let ok = res.status().is_success() || res.status() == hyper::StatusCode::NOT_MODIFIED;
                        let _ = res.into_body().collect().await;
                        if !ok {
                            errors += 1;
                        }
                    }
                    Err(_) => errors += 1,
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    Figures { rps: requests as f64 / secs, p50: percentile(&all, 50.0), p99: percentile(&all, 99.0), errors }
}

pub(super) fn print(label: &str, f: &Figures, reference: Option<&Figures>) {
    let ratio = reference.map_or(String::new(), |r| format!("  decisions reach {:.1}% of this", 100.0 * r.rps / f.rps));
    println!(
        "  {label:<28} {:9.0} req/s   p50 {:7.2} ms   p99 {:7.2} ms   errors {}{ratio}",
        f.rps,
        f.p50.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.errors
    );
}

pub(super) async fn spawn_server<Fut>(
    run: impl FnOnce(tokio::net::TcpListener, tokio::sync::oneshot::Receiver<()>) -> Fut,
) -> Result<(String, tokio::sync::oneshot::Sender<()>), String>
where
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?.to_string();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(run(listener, rx));
    Ok((addr, tx))
}

/// Serves `core` on a loopback port until the returned sender fires.
pub(super) async fn node(core: Core) -> Result<(String, tokio::sync::oneshot::Sender<()>), String> {
    let state = AppState { core, http: HttpConfig::default() };
    spawn_server(|l, rx| async move {
        let _ = serve(l, state, async move {
            let _ = rx.await;
        })
        .await;
    })
    .await
}

/// Decisions with the clients spread over `nodes` servers, each with its own connection pool
/// on the same database (in this process: on one machine the nodes share its cores anyway).
async fn decide_on_nodes(
    url: &str,
    core: &Core,
    nodes: usize,
    clients: usize,
    token: &str,
    reviews: Vec<vellum_domain::Id>,
) -> Result<Figures, String> {
    let mut addrs = Vec::new();
    let mut stops = Vec::new();
    let mut stores = Vec::new();
    for n in 0..nodes {
        let node_core = if n == 0 {
            core.clone()
        } else {
            let store = Store::connect(url).await.map_err(|e| e.to_string())?;
            stores.push(store.clone());
            Core::new(store, core.blobs.clone(), Limits::default())
        };
        let (addr, stop) = node(node_core).await?;
        addrs.push(addr);
        stops.push(stop);
    }
    let (addrs, tk, requests) = (Arc::new(addrs), token.to_string(), reviews.len());
    let reviews = Arc::new(reviews);
    let figures = load(clients, requests, move |i| {
        let a = &addrs[i % addrs.len()];
        hyper::Request::post(format!("http://{a}/api/v1/reviews/{}/decisions", reviews[i]))
            .header("authorization", format!("Bearer {tk}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(br#"{"version":1,"decision":"approve"}"#)))
            .unwrap_or_default()
    })
    .await;
    for stop in stops {
        let _ = stop.send(());
    }
    for store in stores {
        store.close().await;
    }
    Ok(figures)
}

async fn one_backend(
    label: &str,
    url: &str,
    data: &std::path::Path,
    clients: usize,
    requests: usize,
    nodes: &[usize],
) -> Result<(), String> {
    let store = Store::connect(url).await.map_err(|e| e.to_string())?;
    let blobs = LocalBlobStore::open(data).map_err(|e| e.to_string())?;
    let core = Core::new(store.clone(), Arc::new(blobs), Limits::default());
    let admin = core
        .bootstrap_admin("bench@example.com", "bench-password-1")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the bench database already has users")?;
    let actor = Actor { user: admin.clone(), origin: Default::default() };
    core.create_workspace(&actor, "Bench", "bench").await.map_err(|e| e.to_string())?;
    let wf = core
        .create_workflow(
            &actor,
            "bench",
            WorkflowSpec {
                name: "Sign-off".into(),
                stages: vec![StageSpec {
                    name: "Owner".into(),
                    approvers: vec![ApproverRef::User(admin.id)],
                    rule: Rule::Any,
                    start: StartMode::AfterPrevious,
                    due_in_hours: None,
                    due_in_business_hours: None,
                    due_in_business_days: None,
                    due_in_minutes: None,
                    reminders: None,
                    escalation: None,
                }],
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let prepared = requests * nodes.len();
    print!("  preparing {prepared} assets in review on {label} ...");
    let t = Instant::now();
    let mut reviews = Vec::with_capacity(prepared);
    for i in 0..prepared {
        let mut w = core.begin_blob().await.map_err(|e| e.to_string())?;
        w.write(format!("bench asset {i}").as_bytes()).await.map_err(|e| e.to_string())?;
        let blob = w.finish().await.map_err(|e| e.to_string())?;
        let fields =
            UploadFields { kind: Some("visual".into()), filename: Some(format!("a{i}.png")), ..Default::default() };
        let asset = core.create_asset(&actor, "bench", fields, blob).await.map_err(|e| e.to_string())?;
        reviews.push(core.start_review(&actor, asset.id, Some(wf.id)).await.map_err(|e| e.to_string())?.id);
    }
    println!(" {:.1} s", t.elapsed().as_secs_f64());
    let token = core
        .create_token(&actor, vellum_core::tokens::TokenRequest { name: "bench", ..Default::default() })
        .await
        .map_err(|e| e.to_string())?
        .secret;

    let (addr, stop) = node(core.clone()).await?;
    super::probe::prepare(&store).await.map_err(|e| e.to_string())?;
    let probe_store = store.clone();
    let (probe_addr, probe_stop) = spawn_server(|l, rx| async move {
        let _ = super::probe::serve(l, probe_store, async move {
            let _ = rx.await;
        })
        .await;
    })
    .await?;

    let mut by_nodes = Vec::new();
    for (n, batch) in nodes.iter().zip(reviews.chunks(requests)) {
        by_nodes.push((*n, decide_on_nodes(url, &core, *n, clients, &token, batch.to_vec()).await?));
    }
    let a = addr.clone();
    let health = load(clients, requests * 5, move |_| {
        hyper::Request::get(format!("http://{a}/healthz")).body(Full::new(Bytes::new())).unwrap_or_default()
    })
    .await;
    let insert = load(clients, requests, move |_| {
        hyper::Request::post(format!("http://{probe_addr}/probe")).body(Full::new(Bytes::new())).unwrap_or_default()
    })
    .await;
    println!("{label}, {clients} concurrent clients:");
    let (_, decisions) = &by_nodes[0];
    for (n, figures) in &by_nodes {
        let reference = (*n != by_nodes[0].0).then_some(decisions);
        let label = format!("decision, {n} node{}", if *n == 1 { "" } else { "s" });
        print(&label, figures, None);
        if let Some(one) = reference {
            println!("    {n} nodes decide {:.2}× as fast as {}", figures.rps / one.rps, by_nodes[0].0);
        }
    }
    print("baseline GET /healthz", &health, Some(decisions));
    print("baseline bare INSERT/request", &insert, Some(decisions));
    let _ = stop.send(());
    let _ = probe_stop.send(());
    store.close().await;
    Ok(())
}

pub async fn run(clients: usize, requests: usize, postgres: Option<String>, nodes: usize) -> Result<(), String> {
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(|e| e.to_string())?;
    let sqlite = format!("sqlite://{}?mode=rwc", scratch.path().join("vellum.db").display());
    let blobs = scratch.path().join("blobs-sqlite");
    one_backend("SQLite (synchronous=FULL)", &sqlite, &blobs, clients, requests, &[1]).await?;
    if let Some(admin_url) = postgres {
        let db = vellum_store::testing::TempPostgres::fresh_at(&admin_url).await?;
        let counts: Vec<usize> = if nodes > 1 { vec![1, nodes] } else { vec![1] };
        one_backend("PostgreSQL", db.url(), &scratch.path().join("blobs-pg"), clients, requests, &counts).await?;
        db.drop_now().await?;
    }
    Ok(())
}
