//! Audit verification over a long chain: events per second verified from the database with
//! every tag and every signed checkpoint checked, next to SHA-256 over the same bytes alone
//! (the floor any hash chain pays) and the same walk in memory (what the database read costs).

use std::{sync::Arc, time::Instant};
use vellum_domain::audit::AuditAction;

use sha2::{Digest, Sha256};
use vellum_core::audit::{verify_all, VerifyOptions};
use vellum_domain::{
    audit::{encode, AuditKey, Checkpoint, Checkpoints, StoredEvent},
    Timestamp,
};
use vellum_store::{audit, model::NewAuditEvent, Store};

fn rate(n: u64, secs: f64) -> String {
    format!("{:>10.0} events/s ({secs:.2} s)", n as f64 / secs.max(1e-9))
}

pub async fn run(events: u64, checkpoint_every: u64) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let key = AuditKey::from_seed([11; 32]);
    let store = Store::connect(&url).await.map_err(|e| e.to_string())?.with_audit_key(Arc::new(key.clone()));
    let ws = vellum_domain::id::new_id();
    let chain = ws.to_string();

    println!("building a chain of {events} events, a signed checkpoint every {checkpoint_every} …");
    let started = Instant::now();
    let mut written = 0u64;
    while written < events {
        let batch = (events - written).min(10_000);
        let mut tx = store.write().await.map_err(|e| e.to_string())?;
        for i in 0..batch {
            let n = written + i + 1;
            let e = NewAuditEvent {
                workspace_id: Some(ws),
                actor_id: Some(ws),
                action: if n.is_multiple_of(3) { AuditAction::ReviewDecide } else { AuditAction::AssetUpdate },
                object_type: "asset".into(),
                object_id: Some(format!("asset-{}", n % 5000)),
                asset_id: Some(ws),
                version: Some(1),
                before: Some(serde_json::json!({"title": format!("Poster {n}")})),
                after: Some(serde_json::json!({"title": format!("Poster {}", n + 1)})),
                ip: Some("203.0.113.7".into()),
                request_id: Some(format!("req-{n}")),
                token_id: None,
            };
            let appended = audit::append(&mut tx, &e, Timestamp::now(), Some(&key)).await.map_err(|e| e.to_string())?;
            if n.is_multiple_of(checkpoint_every) {
                let mut chains = std::collections::BTreeMap::new();
                chains.insert(
                    chain.clone(),
                    vellum_domain::audit::ChainHead { seq: appended.fields.seq, head_hash: appended.hash },
                );
                let cp = Checkpoint { at: Timestamp::now().to_string(), chains }.sign(&key);
                audit::insert_checkpoint(&mut tx, Timestamp::now(), &cp.to_line()).await.map_err(|e| e.to_string())?;
            }
        }
        tx.commit().await.map_err(|e| e.to_string())?;
        written += batch;
    }
    println!("built in {:.1} s", started.elapsed().as_secs_f64());

    // Ours: everything `vellum audit verify` does, from the database.
    let options = VerifyOptions { public_key: key.public(), key: Some(&key), extra: Vec::new() };
    let t = Instant::now();
    let outcome = verify_all(&store, &options).await.map_err(|e| e.to_string())?;
    let ours = t.elapsed().as_secs_f64();
    if !outcome.ok() {
        return Err(format!("the benchmark chain did not verify: {:?}", outcome.chains));
    }

    // The same events in memory, for the two baselines.
    let mut loaded: Vec<StoredEvent> = Vec::with_capacity(events as usize);
    let t = Instant::now();
    {
        let mut c = store.conn().await.map_err(|e| e.to_string())?;
        audit::for_each_event(&mut c, &chain, |e| {
            loaded.push(StoredEvent { fields: e.fields, prev_hash: e.prev_hash, hash: e.hash, tag: e.tag });
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?;
    }
    let reading = t.elapsed().as_secs_f64();
    let mut bytes: Vec<Vec<u8>> = Vec::with_capacity(loaded.len());
    for e in &loaded {
        let mut b = Vec::with_capacity(400);
        encode(&e.prev_hash, &e.fields, |x| b.extend_from_slice(x));
        bytes.push(b);
    }
    let total: usize = bytes.iter().map(Vec::len).sum();

    let t = Instant::now();
    let mut sink = 0u8;
    for b in &bytes {
        sink ^= Sha256::digest(b)[0];
    }
    let sha_alone = t.elapsed().as_secs_f64();

    let mut cps = Checkpoints::default();
    for line in audit::checkpoint_lines(&mut *store.conn().await.map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?
    {
        if let Ok(cp) = vellum_domain::audit::SignedCheckpoint::parse_line(&line) {
            cps.add(&cp.checkpoint);
        }
    }
    let t = Instant::now();
    let mut v = cps.verifier(&chain, Some(&key));
    for e in &loaded {
        v.push(e);
    }
    let in_memory = v.finish(None);
    let in_memory_secs = t.elapsed().as_secs_f64();
    if !in_memory.ok() {
        return Err("the in-memory walk disagreed".into());
    }

    println!(
        "\naudit verification, {events} events ({:.0} MB hashed), {} signed checkpoints (sink {sink}):",
        total as f64 / 1e6,
        outcome.checkpoints
    );
    println!("  SHA-256 of the same bytes alone         {}", rate(events, sha_alone));
    println!("  chain + tags + checkpoints, in memory   {}", rate(events, in_memory_secs));
    println!("  reading the rows alone (SQLite)         {}", rate(events, reading));
    println!("  vellum audit verify (SQLite, snapshot)  {}", rate(events, ours));
    println!("  verify / SHA-256 alone: {:.2}× the time", ours / sha_alone.max(1e-9));
    store.close().await;
    Ok(())
}
