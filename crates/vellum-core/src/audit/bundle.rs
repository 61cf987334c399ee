//! Audit bundles: every event, checkpoint and recorded head in one JSON Lines file, checked
//! without the database by the algorithm in `docs/audit.md`.
//!
//! ```text
//! {"format":"vellum-audit-bundle/1","exported_at":…,"public_key":…}
//! {"checkpoint":{"at":…,"chains":{…},"public_key":…,"signature":…}}   (all checkpoints)
//! {"head":{"chain":…,"seq":…,"head_hash":…}}                          (recorded heads)
//! {"event":{"chain":…,"seq":…,…,"prev_hash":…,"hash":…,"tag":…}}      (by chain, then seq)
//! ```

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{BufRead, Write},
};
use vellum_domain::ErrorCode;

use serde::{Deserialize, Serialize};
use vellum_domain::audit::{AuditFields, ChainHead, PublicKey, StoredEvent};
use vellum_store::{audit, Store};

use super::{CheckpointSet, Verification};
use crate::{Error, Result};

pub const FORMAT: &str = "vellum-audit-bundle/1";

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    exported_at: String,
    public_key: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Head {
    chain: String,
    #[serde(flatten)]
    head: ChainHead,
}

#[derive(Debug, Serialize, Deserialize)]
struct Event {
    chain: String,
    #[serde(flatten)]
    fields: AuditFields,
    prev_hash: String,
    hash: String,
    tag: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Checkpoint(serde_json::Value),
    Head(Head),
    Event(Box<Event>),
}

fn io(e: std::io::Error) -> Error {
    Error::new(ErrorCode::Internal, format!("cannot write the bundle: {e}"))
}

fn line(out: &mut impl Write, v: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(|e| io(e.into()))?;
    out.write_all(b"\n").map_err(io)
}

/// What an export counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exported {
    pub events: u64,
    pub checkpoints: u64,
    pub chains: u64,
}

/// Writes a bundle of everything in one snapshot. `log_lines` are checkpoints from the log
/// file, read before calling (the database's are added).
pub async fn export(
    store: &Store,
    public_key: &PublicKey,
    exported_at: &str,
    log_lines: &[String],
    out: &mut impl Write,
) -> Result<Exported> {
    let mut snap = store.snapshot().await?;
    let header = Header { format: FORMAT.into(), exported_at: exported_at.into(), public_key: public_key.to_hex() };
    line(out, &header)?;
    let mut seen = BTreeSet::new();
    let mut n = Exported::default();
    for l in audit::checkpoint_lines(&mut snap).await?.iter().chain(log_lines) {
        if seen.insert(l.clone()) {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or(serde_json::Value::String(l.clone()));
            line(out, &Line::Checkpoint(v))?;
            n.checkpoints += 1;
        }
    }
    for (chain, head) in audit::heads(&mut snap).await? {
        line(out, &Line::Head(Head { chain, head }))?;
    }
    for chain in audit::chains(&mut snap).await? {
        n.chains += 1;
        audit::for_each_event(&mut snap, &chain, |e| {
            n.events += 1;
            let ev = Event { chain: e.chain, fields: e.fields, prev_hash: e.prev_hash, hash: e.hash, tag: e.tag };
            line(out, &Line::Event(Box::new(ev))).map_err(|e| vellum_store::Error::Corrupt(e.to_string()))
        })
        .await?;
    }
    out.flush().map_err(io)?;
    Ok(n)
}

/// The outcome of checking a bundle.
#[derive(Debug)]
pub struct BundleReport {
    pub public_key: String,
    /// Whether the key came from `--public-key` rather than from the bundle itself.
    pub pinned: bool,
    pub checkpoints: usize,
    pub chains: Vec<Verification>,
    pub problems: Vec<String>,
}

impl BundleReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.chains.iter().all(|c| c.ok)
    }
}

fn bad(msg: String) -> Error {
    Error::new(ErrorCode::InvalidBundle, msg)
}

/// Checks a bundle read from `input`, trusting `pinned` (or, without it, the bundle's own key).
pub fn verify(input: impl BufRead, pinned: Option<PublicKey>) -> Result<BundleReport> {
    let mut lines = input.lines().enumerate();
    let (_, first) = lines.next().ok_or_else(|| bad("the bundle is empty".into()))?;
    let header: Header = serde_json::from_str(&first.map_err(|e| bad(e.to_string()))?)
        .map_err(|e| bad(format!("line 1 is not a bundle header: {e}")))?;
    if header.format != FORMAT {
        return Err(bad(format!("unknown bundle format '{}' (expected {FORMAT})", header.format)));
    }
    let key = match pinned {
        Some(k) => k,
        None => PublicKey::from_hex(&header.public_key).map_err(bad)?,
    };
    let mut set = CheckpointSet::default();
    let mut heads: BTreeMap<String, ChainHead> = BTreeMap::new();
    let mut chains = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut problems = Vec::new();
    // Checkpoints and heads come first; then events, chain by chain.
    let mut events_started = false;
    let mut current: Option<(String, vellum_domain::audit::ChainVerifier<'_>)> = None;
    let mut pending: Vec<(String, Vec<String>)> = Vec::new();
    let mut rest = Vec::new();
    for (i, l) in lines {
        let l = l.map_err(|e| bad(e.to_string()))?;
        if l.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&l).map_err(|e| bad(format!("line {}: {e}", i + 1)))?;
        match parsed {
            Line::Checkpoint(v) if !events_started => pending.push(("bundle".into(), vec![v.to_string()])),
            Line::Head(h) if !events_started => {
                heads.insert(h.chain, h.head);
            }
            Line::Checkpoint(_) | Line::Head(_) => {
                return Err(bad(format!("line {}: checkpoints and heads must come before the events", i + 1)))
            }
            Line::Event(e) => {
                events_started = true;
                rest.push(*e);
            }
        }
    }
    for (label, l) in &pending {
        set.add_lines(label, l, &key);
    }
    for e in rest {
        if current.as_ref().is_none_or(|(c, _)| *c != e.chain) {
            if let Some((chain, v)) = current.take() {
                let h = heads.get(&chain).map(|h| (h.seq, h.head_hash.as_str()));
                chains.push(Verification::of(v.finish(h), None));
                done.insert(chain);
            }
            if done.contains(&e.chain) {
                problems.push(format!("the events of chain {} are not together", e.chain));
                continue;
            }
            current = Some((e.chain.clone(), set.checkpoints.verifier(&e.chain, None)));
        }
        if let Some((_, v)) = current.as_mut() {
            v.push(&StoredEvent { fields: e.fields, prev_hash: e.prev_hash, hash: e.hash, tag: e.tag });
        }
    }
    if let Some((chain, v)) = current.take() {
        let h = heads.get(&chain).map(|h| (h.seq, h.head_hash.as_str()));
        chains.push(Verification::of(v.finish(h), None));
        done.insert(chain);
    }
    let named: Vec<String> =
        set.checkpoints.chains().chain(heads.keys().map(String::as_str)).map(str::to_string).collect();
    for chain in named {
        if done.insert(chain.clone()) {
            let h = heads.get(&chain).map(|h| (h.seq, h.head_hash.as_str()));
            chains.push(Verification::of(set.checkpoints.verifier(&chain, None).finish(h), None));
        }
    }
    problems.extend(set.problems);
    Ok(BundleReport {
        public_key: key.to_hex(),
        pinned: pinned.is_some(),
        checkpoints: set.checkpoints.len(),
        chains,
        problems,
    })
}
