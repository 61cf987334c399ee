//! The store conformance suite: the same stories on SQLite and on PostgreSQL, so the two
//! backends cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sqlx::Executor;
use vellum_domain::{
    audit::{AuditAction, AuditKey, ChainHead, ChainReport, Checkpoint, Checkpoints, Problem},
    folder::Folder,
    id::new_id,
    metadata::AssetMetadata,
    review::{DecisionRecord, ReviewStatus, StagePlan, Verdict},
    role::Role,
    status::AssetStatus,
    validate::AssetKind,
    workflow::{Rule, StartMode},
    Id, Timestamp,
};
use vellum_store::{
    assets, audit, blobs, import_index,
    model::{Asset, NewAuditEvent, ReviewRecord, User, Version, Workflow, Workspace},
    reviews, users, workflows, workspaces, Error, Store,
};

struct Db {
    store: Store,
    _dir: Option<tempfile::TempDir>,
    /// Dropped after `store` (fields drop in order): the database goes when the test ends.
    _pg: Option<vellum_store::testing::TempPostgres>,
}

async fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    Db { store: Store::connect(&url).await.unwrap(), _dir: Some(dir), _pg: None }
}

async fn postgres() -> Option<Db> {
    match vellum_store::testing::TempPostgres::fresh().await {
        Ok(pg) => Some(Db { store: Store::connect(pg.url()).await.unwrap(), _dir: None, _pg: Some(pg) }),
        Err(e) if !vellum_store::testing::in_ci() => {
            eprintln!("skipping the PostgreSQL run: {e}");
            None
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
}

macro_rules! on_both {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$story(&super::sqlite().await.store).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = super::postgres().await { super::$story(&db.store).await }
            }
        }
    )*};
}

async fn seed(store: &Store) -> (User, Workspace) {
    let now = Timestamp::now();
    let user = User {
        id: new_id(),
        email: format!("{}@example.com", new_id().simple()),
        name: "Ann".into(),
        is_admin: false,
        created_at: now,
        disabled_at: None,
        password_hash: "x".into(),
        token_workspace: None,
        kind: Default::default(),
    };
    let ws = Workspace {
        id: new_id(),
        name: "Acme".into(),
        slug: format!("acme-{}", &new_id().simple().to_string()[20..]),
        created_at: now,
        keep_gps: false,
        frame_offset: 0,
        rights_managers: None,
        rights_warning_days: vellum_domain::rights::DEFAULT_WARNINGS.to_vec(),
        search_language: Default::default(),
    };
    let mut tx = store.write().await.unwrap();
    users::insert(&mut tx, &user).await.unwrap();
    workspaces::insert(&mut tx, &ws).await.unwrap();
    workspaces::set_role(&mut tx, ws.id, user.id, Role::Owner, now).await.unwrap();
    tx.commit().await.unwrap();
    (user, ws)
}

async fn append(store: &Store, ws: Id, n: usize) {
    for i in 0..n {
        let mut tx = store.write().await.unwrap();
        let e = NewAuditEvent {
            workspace_id: Some(ws),
            object_id: Some(format!("obj{i}")),
            after: Some(serde_json::json!({"i": i})),
            ..NewAuditEvent::new(AuditAction::AssetUpdate, "thing")
        };
        let key = tx.audit_key();
        audit::append(&mut tx, &e, Timestamp::now(), key.as_deref()).await.unwrap();
        tx.commit().await.unwrap();
    }
}

async fn check(store: &Store, ws: Id) -> ChainReport {
    let mut snap = store.snapshot().await.unwrap();
    audit::verify(&mut snap, &ws.to_string(), &Checkpoints::default(), None).await.unwrap()
}

/// Where a report says the chain breaks: its first bad event, or the start of what is missing.
fn first_bad(r: ChainReport) -> Option<i64> {
    match r.problem {
        Some(Problem::Bad { first_bad_seq, .. }) => Some(first_bad_seq),
        Some(Problem::Missing { missing, .. }) => Some(missing.from),
        None => panic!("tampering went unnoticed"),
    }
}

fn ok_with(r: &ChainReport, events: u64) -> bool {
    r.ok() && r.events == events
}

async fn exec(store: &Store, sql: &str) {
    let mut c = store.conn().await.unwrap();
    c.execute(sql).await.unwrap();
}

/// Direct edits, deletes, inserts and reorders of stored events are all detected.
async fn audit_tampering_is_detected(store: &Store) {
    // Edit a field.
    let (_, ws) = seed(store).await;
    append(store, ws.id, 5).await;
    assert!(ok_with(&check(store, ws.id).await, 5));
    exec(store, &format!("UPDATE audit_events SET action = 'asset.delete' WHERE chain = '{}' AND seq = 3", ws.id))
        .await;
    assert_eq!(first_bad(check(store, ws.id).await), Some(3));

    // Delete a row in the middle.
    let (_, ws) = seed(store).await;
    append(store, ws.id, 5).await;
    exec(store, &format!("DELETE FROM audit_events WHERE chain = '{}' AND seq = 2", ws.id)).await;
    assert_eq!(first_bad(check(store, ws.id).await), Some(2));

    // Delete the last row.
    let (_, ws) = seed(store).await;
    append(store, ws.id, 4).await;
    exec(store, &format!("DELETE FROM audit_events WHERE chain = '{}' AND seq = 4", ws.id)).await;
    assert_eq!(first_bad(check(store, ws.id).await), Some(4));

    // Insert a forged row, renumbering the rest to make room.
    let (_, ws) = seed(store).await;
    append(store, ws.id, 4).await;
    let w = ws.id;
    exec(store, &format!("UPDATE audit_events SET seq = seq + 1000 WHERE chain = '{w}' AND seq >= 3")).await;
    exec(store, &format!("UPDATE audit_events SET seq = seq - 999 WHERE chain = '{w}' AND seq > 1000")).await;
    exec(
        store,
        &format!(
            "INSERT INTO audit_events (chain, seq, id, at, action, object_type, prev_hash, hash) \
             SELECT chain, 3, 'forged', at, 'asset.approve', 'asset', hash, hash FROM audit_events WHERE chain = '{w}' AND seq = 2"
        ),
    )
    .await;
    assert_eq!(first_bad(check(store, ws.id).await), Some(3));

    // Swap two rows' order.
    let (_, ws) = seed(store).await;
    append(store, ws.id, 5).await;
    exec(store, &format!("UPDATE audit_events SET seq = 100 WHERE chain = '{w}' AND seq = 2", w = ws.id)).await;
    exec(store, &format!("UPDATE audit_events SET seq = 2 WHERE chain = '{w}' AND seq = 4", w = ws.id)).await;
    exec(store, &format!("UPDATE audit_events SET seq = 4 WHERE chain = '{w}' AND seq = 100", w = ws.id)).await;
    assert_eq!(first_bad(check(store, ws.id).await), Some(2));

    // Other chains are unaffected.
    let (_, clean) = seed(store).await;
    append(store, clean.id, 3).await;
    assert!(ok_with(&check(store, clean.id).await, 3));
}

/// Someone who can write the database rewrites a chain and recomputes every hash and the
/// head; the tags and the signed checkpoint still give it away, on either database.
async fn recomputed_chains_are_caught(store: &Store) {
    let key = AuditKey::from_seed([42; 32]);
    let keyed = store.clone().with_audit_key(std::sync::Arc::new(key.clone()));
    let (_, ws) = seed(store).await;
    append(&keyed, ws.id, 6).await;
    let heads = {
        let mut snap = store.snapshot().await.unwrap();
        audit::heads(&mut snap).await.unwrap()
    };
    let cp: std::collections::BTreeMap<String, ChainHead> = heads.into_iter().collect();
    let mut cps = Checkpoints::default();
    cps.add(&Checkpoint { at: Timestamp::now().to_string(), chains: cp });
    let w = ws.id;
    exec(store, &format!("UPDATE audit_events SET action = 'asset.approve' WHERE chain = '{w}' AND seq = 4")).await;
    exec(store, &format!("DELETE FROM audit_events WHERE chain = '{w}' AND seq = 2")).await;
    let mut c = store.conn().await.unwrap();
    vellum_store::testing::recompute_chain(&mut c, &w.to_string()).await.unwrap();
    drop(c);
    // Without key or checkpoint the forgery is internally consistent...
    assert!(check(store, w).await.ok());
    // ...but its tags and the checkpoint are not.
    let mut snap = store.snapshot().await.unwrap();
    let r = audit::verify(&mut snap, &w.to_string(), &cps, Some(&key)).await.unwrap();
    assert_eq!(first_bad(r), Some(2));
    let r = audit::verify(&mut snap, &w.to_string(), &cps, None).await.unwrap();
    assert!(
        matches!(r.problem, Some(Problem::Missing { missing, .. }) if missing.from == 6 && missing.to == 6),
        "{r:?}"
    );
}

/// Events appended many at a time chain exactly like events appended one by one, on
/// several chains at once and between single appends.
async fn batched_appends_chain_like_single_ones(store: &Store) {
    let key = AuditKey::from_seed([7; 32]);
    let keyed = store.clone().with_audit_key(std::sync::Arc::new(key.clone()));
    let (_, a) = seed(store).await;
    let (_, b) = seed(store).await;
    append(&keyed, a.id, 3).await;
    let event = |ws: Id, i: usize| NewAuditEvent {
        workspace_id: Some(ws),
        object_id: Some(format!("batch.{i}")),
        after: Some(serde_json::json!({"i": i})),
        ..NewAuditEvent::new(AuditAction::AssetUpdate, "thing")
    };
    let events: Vec<NewAuditEvent> = (0..40).map(|i| event(if i % 3 == 0 { b.id } else { a.id }, i)).collect();
    let mut tx = keyed.write().await.unwrap();
    let made = audit::append_many(&mut tx, &events, Timestamp::now(), Some(&key)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(made.len(), 40);
    append(&keyed, a.id, 2).await;
    let mut snap = store.snapshot().await.unwrap();
    let ra = audit::verify(&mut snap, &a.id.to_string(), &Checkpoints::default(), Some(&key)).await.unwrap();
    let rb = audit::verify(&mut snap, &b.id.to_string(), &Checkpoints::default(), Some(&key)).await.unwrap();
    assert!(ra.ok() && ra.events == 3 + 26 + 2, "{ra:?}");
    assert!(rb.ok() && rb.events == 14, "{rb:?}");
    let filter = audit::AuditFilter { limit: 100, ..Default::default() };
    let listed = audit::list(&mut snap, &a.id.to_string(), &filter).await.unwrap();
    let objects: Vec<Option<String>> = listed.into_iter().map(|e| e.fields.object_id).collect();
    assert_eq!(objects[3].as_deref(), Some("batch.1"), "batched events keep their order after earlier ones");
}

/// Unique constraints surface as `Conflict`, and a failed transaction leaves nothing behind.
async fn conflicts_and_rollback(store: &Store) {
    let (_, ws) = seed(store).await;
    let dup = Workspace {
        id: new_id(),
        name: "Other".into(),
        slug: ws.slug.clone(),
        created_at: Timestamp::now(),
        keep_gps: false,
        frame_offset: 0,
        rights_managers: None,
        rights_warning_days: vellum_domain::rights::DEFAULT_WARNINGS.to_vec(),
        search_language: Default::default(),
    };
    let mut tx = store.write().await.unwrap();
    let e = workspaces::insert(&mut tx, &dup).await.unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "{e:?}");
    drop(tx);

    // A transaction dropped before commit changes nothing.
    let fresh = Workspace {
        id: new_id(),
        name: "Ghost".into(),
        slug: "ghost-ws".into(),
        created_at: Timestamp::now(),
        keep_gps: false,
        frame_offset: 0,
        rights_managers: None,
        rights_warning_days: vellum_domain::rights::DEFAULT_WARNINGS.to_vec(),
        search_language: Default::default(),
    };
    {
        let mut tx = store.write().await.unwrap();
        workspaces::insert(&mut tx, &fresh).await.unwrap();
        audit::append(
            &mut tx,
            &NewAuditEvent { workspace_id: Some(fresh.id), ..NewAuditEvent::new(AuditAction::AssetUpdate, "x") },
            Timestamp::now(),
            None,
        )
        .await
        .unwrap();
    }
    let mut c = store.conn().await.unwrap();
    assert!(workspaces::by_slug(&mut c, "ghost-ws").await.unwrap().is_none());
    drop(c);
    assert!(ok_with(&check(store, fresh.id).await, 0));
}

/// Assets, versions, workflows, reviews and decisions read back exactly as written.
async fn records_round_trip(store: &Store) {
    let (user, ws) = seed(store).await;
    let now = Timestamp::now();
    let meta = AssetMetadata::from_json(
        serde_json::json!({"locale": "de-DE", "channels": ["print"], "custom": {"sku": "A-1"}}),
    )
    .unwrap();
    let asset = Asset {
        id: new_id(),
        workspace_id: ws.id,
        title: "Katalog".into(),
        kind: AssetKind::Written,
        metadata: meta.clone(),
        folder: None,
        status: AssetStatus::Draft,
        current_version: 1,
        approved_version: None,
        created_by: user.id,
        created_at: now,
        updated_at: now,
    };
    let sha = "ab".repeat(32);
    let v1 = Version {
        asset_id: asset.id,
        number: 1,
        size: 42,
        content_type: "application/pdf".into(),
        sha256: sha.clone(),
        filename: "katalog.pdf".into(),
        note: "erste Fassung".into(),
        restored_from: None,
        created_by: user.id,
        created_at: now,
        processing: vellum_store::model::Processing::Pending,
        processing_reason: None,
        media: None,
        focal_point: None,
        purged_at: None,
    };
    let wf = Workflow {
        id: new_id(),
        workspace_id: ws.id,
        name: "Legal".into(),
        revision: 1,
        stages: vec![],
        created_at: now,
        updated_at: now,
    };
    let plan = vec![StagePlan {
        name: "Legal".into(),
        approvers: vec![user.id],
        rule: Rule::Quorum(1),
        start: StartMode::AfterPrevious,
        due_in_hours: Some(8),
        due_in_business_hours: None,
        due_in_business_days: None,
        due_in_minutes: None,
        reminders: None,
        escalation: None,
    }];
    let review = ReviewRecord {
        id: new_id(),
        workspace_id: ws.id,
        subject: vellum_domain::review::ReviewSubject::Asset(asset.id),
        version: 1,
        workflow_id: wf.id,
        workflow_revision: 1,
        plan: plan.clone(),
        status: ReviewStatus::InProgress,
        started_by: user.id,
        created_at: now,
        closed_at: None,
        routing: None,
        calendar: None,
    };
    let d = DecisionRecord {
        stage: 0,
        user_id: user.id,
        version: 1,
        verdict: Verdict::ApproveWithChanges,
        reason: Some("Komma".into()),
        decided_at: now,
        decided_by: None,
    };

    let mut tx = store.write().await.unwrap();
    assets::insert_blob(&mut tx, &sha, 42, now).await.unwrap();
    assets::insert_blob(&mut tx, &sha, 42, now).await.unwrap();
    assets::insert(&mut tx, &asset).await.unwrap();
    assets::insert_version(&mut tx, ws.id, &v1).await.unwrap();
    workflows::insert(&mut tx, &wf, user.id).await.unwrap();
    reviews::insert(&mut tx, &review).await.unwrap();
    reviews::insert_decision(&mut tx, review.id, &d).await.unwrap();
    tx.commit().await.unwrap();
    // A failed statement poisons a PostgreSQL transaction, so the retry gets its own.
    let mut tx = store.write().await.unwrap();
    let again = reviews::insert_decision(&mut tx, review.id, &d).await.unwrap_err();
    assert!(matches!(again, Error::Conflict(_)), "one decision per approver and stage");
    drop(tx);

    let mut c = store.conn().await.unwrap();
    let a = assets::get(&mut c, asset.id).await.unwrap().unwrap();
    assert_eq!(
        (a.title.as_str(), a.kind, a.metadata, a.status),
        ("Katalog", AssetKind::Written, meta, AssetStatus::Draft)
    );
    let v = assets::version(&mut c, asset.id, 1).await.unwrap().unwrap();
    assert_eq!((v.sha256, v.size, v.note, v.created_at), (sha.clone(), 42, "erste Fassung".to_string(), now));
    assert_eq!(assets::find_content(&mut c, ws.id, &sha).await.unwrap(), Some((asset.id, 1)));
    assert_eq!(assets::all_blobs(&mut c).await.unwrap().iter().filter(|(s, _)| *s == sha).count(), 1);
    let r = reviews::get(&mut c, review.id, false).await.unwrap().unwrap();
    assert_eq!((r.plan, r.status), (plan, ReviewStatus::InProgress));
    assert_eq!(reviews::decisions(&mut c, review.id).await.unwrap(), vec![d]);
    assert_eq!(reviews::latest_for_asset(&mut c, asset.id).await.unwrap().unwrap().id, review.id);
    let list = assets::list(
        &mut c,
        ws.id,
        &assets::AssetFilter { kind: Some(AssetKind::Written), limit: 10, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(list.len(), 1);
    let none =
        assets::list(&mut c, ws.id, &assets::AssetFilter { approved_only: true, limit: 10, ..Default::default() })
            .await
            .unwrap();
    assert!(none.is_empty());
}

/// Many concurrent writers: no `database is locked`, and one unbroken chain.
async fn concurrent_writers_take_turns(store: &Store) {
    let (_, ws) = seed(store).await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.write().await?;
            let e = NewAuditEvent {
                workspace_id: Some(ws.id),
                object_id: Some(format!("w{i}")),
                ..NewAuditEvent::new(AuditAction::AssetUpdate, "t")
            };
            audit::append(&mut tx, &e, Timestamp::now(), None).await?;
            tx.commit().await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(ok_with(&check(store, ws.id).await, 32));
}

/// Removing a blob's bytes is claimed through its row: refused while a committed row exists,
/// and a transaction recording the blob meanwhile waits for the claim to end.
async fn blob_removal_claims_serialise_with_recording(store: &Store) {
    let (kept, loose) = ("a".repeat(64), "b".repeat(64));
    let now = Timestamp::now();
    let mut tx = store.write().await.unwrap();
    assets::insert_blob(&mut tx, &kept, 7, now).await.unwrap();
    tx.commit().await.unwrap();

    let mut claim = store.write().await.unwrap();
    assert!(!blobs::claim_unreferenced(&mut claim, &kept, now).await.unwrap(), "a row points at it");
    assert!(blobs::claim_unreferenced(&mut claim, &loose, now).await.unwrap());
    let recording = {
        let store = store.clone();
        let loose = loose.clone();
        tokio::spawn(async move {
            let mut tx = store.write().await?;
            assets::insert_blob(&mut tx, &loose, 9, Timestamp::now()).await?;
            tx.commit().await
        })
    };
    if store.backend() == vellum_store::Backend::Postgres {
        // Wait until the recording transaction is blocked on the claimed key.
        let mut waiting = false;
        for _ in 0..200 {
            let mut c = store.conn().await.unwrap();
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&mut *c)
            .await
            .unwrap();
            if n > 0 {
                waiting = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(waiting, "the recording waits for the claim");
    }
    assert!(!recording.is_finished());
    blobs::release_claim(&mut claim, &loose).await.unwrap();
    claim.commit().await.unwrap();
    recording.await.unwrap().unwrap();
    let mut c = store.conn().await.unwrap();
    let all = assets::all_blobs(&mut c).await.unwrap();
    assert!(all.contains(&(kept.clone(), 7)) && all.contains(&(loose.clone(), 9)), "{all:?}");
    let referenced = blobs::referenced(&mut c).await.unwrap();
    assert!(referenced.contains(&kept) && referenced.contains(&loose));
}

/// Migrations run once: opening the same database again applies nothing twice.
#[tokio::test]
async fn reopening_a_database_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let applied = "SELECT COUNT(*) FROM schema_migrations";
    let first = Store::connect(&url).await.unwrap();
    let (_, ws) = seed(&first).await;
    let n: i64 = sqlx::query_scalar(applied).fetch_one(&mut *first.conn().await.unwrap()).await.unwrap();
    first.close().await;
    let second = Store::connect(&url).await.unwrap();
    let mut c = second.conn().await.unwrap();
    assert!(workspaces::by_id(&mut c, ws.id).await.unwrap().is_some());
    let again: i64 = sqlx::query_scalar(applied).fetch_one(&mut *c).await.unwrap();
    assert!(n >= 4, "every migration is recorded: {n}");
    assert_eq!(again, n, "reopening applies nothing again");
}

/// The import index keeps one row per source file, replaced on re-import, and forgets a file
/// whose version is gone or holds other content.
async fn import_index_round_trip(store: &Store) {
    let (user, ws) = seed(store).await;
    let now = Timestamp::now();
    let sha = "cd".repeat(32);
    let asset = Asset {
        id: new_id(),
        workspace_id: ws.id,
        title: "Photo".into(),
        kind: AssetKind::Visual,
        metadata: AssetMetadata::default(),
        folder: None,
        status: AssetStatus::Draft,
        current_version: 1,
        approved_version: None,
        created_by: user.id,
        created_at: now,
        updated_at: now,
    };
    let version = Version {
        asset_id: asset.id,
        number: 1,
        size: 7,
        content_type: "image/jpeg".into(),
        sha256: sha.clone(),
        filename: "a.jpg".into(),
        note: "Imported".into(),
        restored_from: None,
        created_by: user.id,
        created_at: now,
        processing: vellum_store::model::Processing::Pending,
        processing_reason: None,
        media: None,
        focal_point: None,
        purged_at: None,
    };
    let file = |path: &str, mtime_ns: i64| import_index::ImportedFile {
        path: path.into(),
        size: 7,
        mtime_ns,
        sha256: sha.clone(),
        asset_id: asset.id,
        version: 1,
    };
    let mut tx = store.write().await.unwrap();
    assets::insert_blob(&mut tx, &sha, 7, now).await.unwrap();
    assets::insert(&mut tx, &asset).await.unwrap();
    assets::insert_version(&mut tx, ws.id, &version).await.unwrap();
    import_index::record(&mut tx, ws.id, "/photos", &file("a/a.jpg", 1), now).await.unwrap();
    import_index::record(&mut tx, ws.id, "/photos", &file("a/a.jpg", -5_000_000_000_123), now).await.unwrap();
    import_index::record(&mut tx, ws.id, "/photos", &file("b.jpg", i64::MAX), now).await.unwrap();
    import_index::record(&mut tx, ws.id, "/other", &file("a/a.jpg", 3), now).await.unwrap();
    // A row whose version does not exist (its asset is gone) is not offered as imported.
    let gone = import_index::ImportedFile { asset_id: new_id(), ..file("c.jpg", 4) };
    import_index::record(&mut tx, ws.id, "/photos", &gone, now).await.unwrap();
    // Nor one whose recorded content is not the version's.
    let other = import_index::ImportedFile { sha256: "ef".repeat(32), ..file("d.jpg", 5) };
    import_index::record(&mut tx, ws.id, "/photos", &other, now).await.unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    let mut got = import_index::for_root(&mut c, ws.id, "/photos").await.unwrap();
    got.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(got, vec![file("a/a.jpg", -5_000_000_000_123), file("b.jpg", i64::MAX)]);
    assert_eq!(import_index::for_root(&mut c, ws.id, "/other").await.unwrap(), vec![file("a/a.jpg", 3)]);
    assert!(import_index::for_root(&mut c, ws.id, "/nowhere").await.unwrap().is_empty());
    let (_, other_ws) = seed(store).await;
    assert!(import_index::for_root(&mut c, other_ws.id, "/photos").await.unwrap().is_empty());
}

/// Multi-row writes land every row, more rows than one statement takes, and the batch lookup
/// finds each hash's first version.
async fn batch_writes_round_trip(store: &Store) {
    let (user, ws) = seed(store).await;
    let now = Timestamp::now();
    let later = Timestamp::from_unix(now.unix_seconds() + 60).unwrap();
    let n = 40;
    let shas: Vec<String> = (0..n).map(|i| format!("{i:064x}")).collect();
    let list: Vec<Asset> = (0..n)
        .map(|i| Asset {
            id: new_id(),
            workspace_id: ws.id,
            title: format!("Asset {i}"),
            kind: AssetKind::Visual,
            metadata: AssetMetadata::default(),
            folder: None,
            status: AssetStatus::Draft,
            current_version: 1,
            approved_version: None,
            created_by: user.id,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let version = |a: &Asset, sha: &str, at: Timestamp| Version {
        asset_id: a.id,
        number: 1,
        size: 3,
        content_type: "image/jpeg".into(),
        sha256: sha.to_string(),
        filename: "a.jpg".into(),
        note: "Imported".into(),
        restored_from: None,
        created_by: user.id,
        created_at: at,
        processing: vellum_store::model::Processing::Pending,
        processing_reason: None,
        media: None,
        focal_point: None,
        purged_at: None,
    };
    // The last asset holds the first one's content too, but later: the lookup names the first.
    let mut versions: Vec<Version> = list.iter().zip(&shas).map(|(a, s)| version(a, s, now)).collect();
    versions[n - 1] = version(&list[n - 1], &shas[0], later);
    let blobs: Vec<(&str, u64)> = shas.iter().chain(&shas).map(|s| (s.as_str(), 3)).collect();
    let jobs: Vec<vellum_store::jobs::NewJob> = list
        .iter()
        .chain(&list)
        .map(|a| vellum_store::jobs::NewJob {
            queue: "media".into(),
            kind: vellum_store::jobs::JobKind::ProcessVersion,
            payload: serde_json::json!({"asset": a.id}),
            unique_key: format!("process:{}", a.id),
            workspace_id: Some(ws.id),
            max_attempts: 3,
            run_at: now,
        })
        .collect();
    let mut tx = store.write().await.unwrap();
    assets::insert_blobs(&mut tx, &blobs, now).await.unwrap();
    assets::insert_many(&mut tx, &list).await.unwrap();
    assets::insert_versions(&mut tx, ws.id, &versions).await.unwrap();
    let added = vellum_store::jobs::enqueue_many(&mut tx, &jobs, now).await.unwrap();
    assert_eq!(added, n as u64, "a unique key twice is one job");
    assert_eq!(vellum_store::jobs::enqueue_many(&mut tx, &jobs, now).await.unwrap(), 0);
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    let all = assets::list(&mut c, ws.id, &assets::AssetFilter { limit: 1000, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), n);
    assert_eq!(assets::version(&mut c, list[7].id, 1).await.unwrap().unwrap().sha256, shas[7]);
    let unknown = "f".repeat(64);
    let wanted: Vec<&str> = shas.iter().chain([&unknown]).map(String::as_str).collect();
    let found = assets::find_contents(&mut c, ws.id, &wanted).await.unwrap();
    assert_eq!(found.len(), n - 1, "every stored hash, once; the unknown one not at all");
    let held = |i: usize| assets::HeldContent { asset_id: list[i].id, version: 1, title: format!("Asset {i}") };
    assert_eq!(found[&shas[0]], held(0));
    assert_eq!(found[&shas[5]], held(5));
    assert_eq!(assets::find_content(&mut c, ws.id, &shas[0]).await.unwrap(), Some((list[0].id, 1)));
}

/// Folders round-trip, and the folder filter matches a folder and everything below it by
/// whole segments, case and all, with characters LIKE would treat as wildcards taken literally.
async fn folders_filter_by_whole_segments(store: &Store) {
    let (user, ws) = seed(store).await;
    let now = Timestamp::now();
    let folders = [None, Some("a"), Some("a/b"), Some("a/b/c"), Some("ab"), Some("A/b"), Some("a_b/x"), Some("a%/y")];
    let list: Vec<Asset> = folders
        .iter()
        .enumerate()
        .map(|(i, f)| Asset {
            id: new_id(),
            workspace_id: ws.id,
            title: format!("In {}", f.unwrap_or("(top)")),
            kind: AssetKind::Visual,
            metadata: AssetMetadata::default(),
            folder: f.map(|f| Folder::parse(f).unwrap()),
            status: AssetStatus::Draft,
            current_version: 1,
            approved_version: None,
            created_by: user.id,
            // Distinct times: the listing's order is fixed.
            created_at: Timestamp::from_unix(now.unix_seconds() + i as i64).unwrap(),
            updated_at: Timestamp::from_unix(now.unix_seconds() + i as i64).unwrap(),
        })
        .collect();
    let mut tx = store.write().await.unwrap();
    assets::insert_many(&mut tx, &list).await.unwrap();
    tx.commit().await.unwrap();

    let mut c = store.conn().await.unwrap();
    assert_eq!(assets::get(&mut c, list[2].id).await.unwrap().unwrap().folder, list[2].folder);
    assert_eq!(assets::get(&mut c, list[0].id).await.unwrap().unwrap().folder, None);
    for wanted in ["a", "a/b", "a/b/c", "ab", "A", "a_b", "a%", "a_", "b", "a/b/c/d"] {
        let folder = Folder::parse(wanted).unwrap();
        let filter = assets::AssetFilter { folder: Some(folder.clone()), limit: 100, ..Default::default() };
        let mut got: Vec<String> = assets::list(&mut c, ws.id, &filter)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.folder.unwrap().into_inner())
            .collect();
        got.sort();
        let mut expected: Vec<String> =
            folders.iter().flatten().filter(|f| folder.holds(f)).map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(got, expected, "folder={wanted}");
    }
    let a = assets::AssetFilter { folder: Some(Folder::parse("a").unwrap()), limit: 100, ..Default::default() };
    assert_eq!(assets::list(&mut c, ws.id, &a).await.unwrap().len(), 3, "a, a/b and a/b/c");
    let (_, other) = seed(store).await;
    assert!(assets::list(&mut c, other.id, &a).await.unwrap().is_empty(), "folders stay in their workspace");
}

on_both!(
    batch_writes_round_trip,
    audit_tampering_is_detected,
    recomputed_chains_are_caught,
    batched_appends_chain_like_single_ones,
    conflicts_and_rollback,
    records_round_trip,
    concurrent_writers_take_turns,
    blob_removal_claims_serialise_with_recording,
    import_index_round_trip,
    folders_filter_by_whole_segments
);

/// On PostgreSQL a job queued on one node wakes the idle workers of another when its
/// transaction commits (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_job_wakes_workers_on_other_nodes() {
    let Some(db) = postgres().await else { return };
    let other = vellum_store::Store::open(db._pg.as_ref().unwrap().url()).await.unwrap();
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let _listening = other.listen_for_jobs(wake.clone()).await.unwrap().expect("PostgreSQL listens");
    let now = vellum_domain::Timestamp::now();
    let job = |key: &str| vellum_store::jobs::NewJob {
        queue: "system".into(),
        kind: vellum_store::jobs::JobKind::ExpireSessions,
        payload: serde_json::json!({}),
        unique_key: key.to_string(),
        workspace_id: None,
        max_attempts: 1,
        run_at: now,
    };
    let woken = wake.notified();
    tokio::pin!(woken);
    woken.as_mut().enable();
    let mut tx = db.store.write().await.unwrap();
    vellum_store::jobs::enqueue(&mut tx, &job("committed"), now).await.unwrap();
    tx.commit().await.unwrap();
    // A guard against hanging, not a timing assertion.
    tokio::time::timeout(std::time::Duration::from_secs(60), woken).await.expect("the other node was woken");
}
