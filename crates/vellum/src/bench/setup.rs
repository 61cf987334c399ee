//! The small world several benchmarks start from: a fresh SQLite store in a temporary folder,
//! an admin, a workspace `bench` with a one-stage workflow, and one asset.

use std::sync::Arc;

use vellum_blob::LocalBlobStore;
use vellum_core::{assets::UploadFields, clock::Clock, model::Asset, Actor, Core, Limits, Store};
use vellum_domain::{
    workflow::{ApproverRef, Rule, StageSpec, StartMode, WorkflowSpec},
    Id,
};

pub struct World {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub core: Core,
    pub actor: Actor,
    pub workspace_id: Id,
    pub workflow: vellum_core::model::Workflow,
    pub asset: Asset,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A data folder as `vellum serve` makes it (SQLite and local blobs in `data`), with an admin
/// and a workspace `bench`; the core and the admin acting.
pub async fn data_folder(data: &std::path::Path) -> Result<(Core, Actor), String> {
    std::fs::create_dir_all(data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let store = Store::connect(&crate::config::sqlite_url(data)).await.map_err(err)?;
    let core = Core::new(store, Arc::new(LocalBlobStore::open(data).map_err(err)?), Limits::default());
    let admin = core
        .bootstrap_admin("bench@example.com", "bench-password-1")
        .await
        .map_err(err)?
        .ok_or("the bench database already has users")?;
    let actor = Actor { user: admin, origin: Default::default() };
    core.create_workspace(&actor, "Bench", "bench").await.map_err(err)?;
    Ok((core, actor))
}

/// The world, with the workflow's one stage due in `due_in_hours` and the asset carrying
/// `metadata` (JSON text).
pub async fn world(
    clock: Arc<dyn Clock>,
    due_in_hours: Option<u32>,
    metadata: Option<String>,
) -> Result<World, String> {
    let dir = tempfile::tempdir().map_err(err)?;
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let store = Store::connect(&url).await.map_err(err)?;
    let blobs = LocalBlobStore::open(dir.path().join("data")).map_err(err)?;
    let core = Core::new(store.clone(), Arc::new(blobs), Limits::default()).with_clock(clock);
    let admin = core.bootstrap_admin("bench@example.com", "bench-password-1").await.map_err(err)?.ok_or("not empty")?;
    let actor = Actor { user: admin.clone(), origin: Default::default() };
    let ws = core.create_workspace(&actor, "Bench", "bench").await.map_err(err)?;
    let stage = StageSpec {
        name: "Owner".into(),
        approvers: vec![ApproverRef::User(admin.id)],
        rule: Rule::Any,
        start: StartMode::AfterPrevious,
        due_in_hours,
        due_in_business_hours: None,
        due_in_business_days: None,
        due_in_minutes: None,
        reminders: None,
        escalation: None,
    };
    let spec = WorkflowSpec { name: "Sign-off".into(), stages: vec![stage] };
    let workflow = core.create_workflow(&actor, "bench", spec).await.map_err(err)?;
    let mut w = core.begin_blob().await.map_err(err)?;
    w.write(b"bench asset").await.map_err(err)?;
    let blob = w.finish().await.map_err(err)?;
    let fields = UploadFields {
        kind: Some("visual".into()),
        filename: Some("poster.png".into()),
        metadata,
        ..Default::default()
    };
    let asset = core.create_asset(&actor, "bench", fields, blob).await.map_err(err)?;
    Ok(World { _dir: dir, store, core, actor, workspace_id: ws.workspace.id, workflow, asset })
}
