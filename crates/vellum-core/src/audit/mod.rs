//! Reading the audit trail, proving it: signed checkpoints, verification against them in one
//! consistent snapshot, and self-contained bundles a third party can check.

pub mod bundle;
pub mod keeper;
mod page;
mod view;

use std::collections::BTreeMap;
use vellum_domain::ErrorCode;

use serde::Serialize;
use vellum_domain::{
    audit::{verify::Range, AuditKey, ChainReport, Checkpoint, Checkpoints, Problem, PublicKey, SignedCheckpoint},
    page::{Page, PageRequest},
    role::Capability,
    Id, Timestamp,
};
use vellum_store::{
    audit::{self, AuditFilter},
    jobs::NewJob,
    users, Conn, Store,
};

pub use keeper::AuditKeeper;
pub use page::{AuditPage, AuditSearch};
pub use view::AuditEventView;

use crate::{access, jobs, Actor, Core, Error, Result};

/// Where the public key of the audit trail is recorded, so a node started with another key
/// refuses instead of writing a trail nobody can verify.
pub(crate) const PUBLIC_KEY_SETTING: &str = "audit_public_key";

/// The newest signed checkpoint a chain agrees with.
#[derive(Debug, Clone, Serialize)]
pub struct Anchor {
    pub seq: i64,
    pub at: String,
}

/// The outcome of re-walking one chain, as the API and CLI report it: when not `ok`, either
/// the first bad event or the missing range, and a reason a person can act on.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    pub chain: String,
    pub events: u64,
    pub head: Option<String>,
    pub checkpoint: Option<Anchor>,
    pub first_bad_seq: Option<i64>,
    pub missing: Option<Range>,
    pub reason: Option<String>,
}

impl Verification {
    /// A chain's report; a damaged or forged checkpoint (`checkpoint_problem`) fails it too.
    fn of(r: ChainReport, checkpoint_problem: Option<&String>) -> Self {
        let (first_bad_seq, missing, reason) = match r.problem {
            Some(Problem::Bad { first_bad_seq, reason }) => (Some(first_bad_seq), None, Some(reason)),
            Some(Problem::Missing { missing, reason }) => (None, Some(missing), Some(reason)),
            None => (None, None, checkpoint_problem.cloned()),
        };
        Verification {
            ok: reason.is_none(),
            chain: r.chain,
            events: r.events,
            head: r.head,
            checkpoint: r.anchored.map(|(seq, at)| Anchor { seq, at }),
            first_bad_seq,
            missing,
            reason,
        }
    }
}

/// Signed checkpoints gathered from their sources, and what was wrong with any of them.
#[derive(Debug, Default)]
pub struct CheckpointSet {
    pub checkpoints: Checkpoints,
    /// Lines that do not parse or whose signature is not the trusted key's: a forged or
    /// damaged checkpoint is itself a finding.
    pub problems: Vec<String>,
}

impl CheckpointSet {
    /// Adds the lines of one source (`label` names it in problems).
    pub fn add_lines(&mut self, label: &str, lines: &[String], key: &PublicKey) {
        for (i, line) in lines.iter().enumerate() {
            match SignedCheckpoint::parse_line(line) {
                Ok(cp) if cp.verifies(key) => self.checkpoints.add(&cp.checkpoint),
                Ok(cp) => self.problems.push(format!(
                    "{label}, checkpoint {} (line {}): the signature is not this server's audit key's",
                    cp.checkpoint.at,
                    i + 1
                )),
                Err(e) => self.problems.push(format!("{label}, line {}: {e}", i + 1)),
            }
        }
    }
}

/// What `verify_all` checks against.
pub struct VerifyOptions<'a> {
    /// The key whose signatures are trusted.
    pub public_key: PublicKey,
    /// With the secret key, each event's tag is checked too, naming the exact first rewritten
    /// event.
    pub key: Option<&'a AuditKey>,
    /// Checkpoint lines from outside the database: (label, lines). Read them before calling,
    /// so none is newer than the snapshot verification reads.
    pub extra: Vec<(String, Vec<String>)>,
}

/// The outcome of verifying every chain.
#[derive(Debug)]
pub struct VerifyAll {
    pub chains: Vec<Verification>,
    pub checkpoints: usize,
    pub checkpoint_problems: Vec<String>,
}

impl VerifyAll {
    pub fn ok(&self) -> bool {
        self.checkpoint_problems.is_empty() && self.chains.iter().all(|c| c.ok)
    }
}

async fn gather(c: &mut Conn, o: &VerifyOptions<'_>) -> Result<CheckpointSet> {
    let mut set = CheckpointSet::default();
    set.add_lines("database", &audit::checkpoint_lines(c).await?, &o.public_key);
    for (label, lines) in &o.extra {
        set.add_lines(label, lines, &o.public_key);
    }
    Ok(set)
}

/// Re-walks every chain in the database, and every chain a checkpoint names, in one snapshot.
pub async fn verify_all(store: &Store, o: &VerifyOptions<'_>) -> Result<VerifyAll> {
    let mut snap = store.snapshot().await?;
    let set = gather(&mut snap, o).await?;
    let mut names: Vec<String> = audit::chains(&mut snap).await?;
    names.extend(set.checkpoints.chains().map(str::to_string));
    names.sort();
    names.dedup();
    let mut chains = Vec::with_capacity(names.len());
    for chain in names {
        let r = audit::verify(&mut snap, &chain, &set.checkpoints, o.key).await?;
        chains.push(Verification::of(r, None));
    }
    Ok(VerifyAll { chains, checkpoints: set.checkpoints.len(), checkpoint_problems: set.problems })
}

/// The job that signs a checkpoint if anything was appended since the last one.
pub fn checkpoint_job(at: Timestamp) -> NewJob {
    NewJob {
        queue: jobs::SYSTEM_QUEUE.into(),
        kind: vellum_store::jobs::JobKind::AuditCheckpoint,
        payload: serde_json::json!({}),
        unique_key: format!("audit_checkpoint:{at}"),
        workspace_id: None,
        max_attempts: 3,
        run_at: at,
    }
}

impl Core {
    /// A workspace's audit events, optionally about one object or one asset (owners, admins,
    /// managers).
    pub async fn audit(
        &self,
        actor: &Actor,
        ws: &str,
        filter: AuditQuery,
        page: &PageRequest,
    ) -> Result<Page<AuditEventView>> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::ReadAudit)?;
        let filter = AuditFilter {
            object_type: filter.object_type,
            object_id: filter.object_id,
            asset_id: filter.asset_id,
            after_seq: page.cursor_number()?,
            limit: page.fetch(),
            ..AuditFilter::default()
        };
        let events = audit::list(&mut c, &access.workspace.id.to_string(), &filter).await?;
        let page = Page::from_fetched(events, page, |e| e.fields.seq.to_string());
        Ok(page.map(AuditEventView::from))
    }

    /// The keeper, or an error saying the server has no audit key.
    fn keeper(&self) -> Result<&AuditKeeper> {
        self.audit.as_deref().ok_or_else(|| {
            Error::new(ErrorCode::AuditKeyMissing, "this server has no audit key to sign checkpoints with")
        })
    }

    fn verify_options(&self) -> Result<VerifyOptions<'_>> {
        let keeper = self.keeper()?;
        let extra = match &keeper.log {
            Some(path) => vec![(path.display().to_string(), keeper::read_log(path)?)],
            None => Vec::new(),
        };
        Ok(VerifyOptions { public_key: keeper.key.public(), key: Some(&keeper.key), extra })
    }

    /// Re-walks a workspace's chain in one snapshot. With the key, each event's tag names any
    /// rewritten event, so only the newest checkpoint is needed (from the database and from
    /// the log, in case one of them was cut): it catches events cut off the end and dropped
    /// chains, and the cost does not grow with the number of checkpoints ever signed.
    pub async fn verify_audit(&self, actor: &Actor, ws: &str) -> Result<Verification> {
        let keeper = self.keeper()?;
        // The log is read before the snapshot, so its newest line is never newer than it.
        let logged = keeper.log.as_deref().map(keeper::last_line).transpose()?.flatten();
        let mut snap = self.store.snapshot().await?;
        let access = access::workspace(&mut snap, &actor.user, ws).await?;
        access.require(Capability::ReadAudit)?;
        let mut set = CheckpointSet::default();
        let public = keeper.key.public();
        set.add_lines(
            "database",
            &audit::latest_checkpoint_line(&mut snap).await?.into_iter().collect::<Vec<_>>(),
            &public,
        );
        set.add_lines("checkpoint log", &logged.into_iter().collect::<Vec<_>>(), &public);
        let options = VerifyOptions { public_key: public, key: Some(&keeper.key), extra: Vec::new() };
        let chain = access.workspace.id.to_string();
        let r = audit::verify(&mut snap, &chain, &set.checkpoints, options.key).await?;
        Ok(Verification::of(r, set.problems.first()))
    }

    /// Re-walks every chain against every checkpoint this server knows (its own check).
    pub async fn verify_all_chains(&self) -> Result<VerifyAll> {
        let options = self.verify_options()?;
        verify_all(&self.store, &options).await
    }

    /// Signs a checkpoint of every chain's head now, stores it and appends it to the log.
    pub async fn checkpoint(&self) -> Result<SignedCheckpoint> {
        let keeper = self.keeper()?;
        let heads = {
            let mut snap = self.store.snapshot().await?;
            audit::heads(&mut snap).await?
        };
        let at = self.now();
        let cp = Checkpoint { at: at.to_string(), chains: heads.into_iter().collect() }.sign(&keeper.key);
        let mut tx = self.store.write().await?;
        audit::insert_checkpoint(&mut tx, at, &cp.to_line()).await?;
        tx.commit().await?;
        keeper.log(&cp).await?;
        Ok(cp)
    }

    /// A checkpoint if any chain moved since the newest one; None when nothing happened.
    pub async fn checkpoint_if_moved(&self) -> Result<Option<SignedCheckpoint>> {
        let keeper = self.keeper()?;
        let (heads, latest) = {
            let mut snap = self.store.snapshot().await?;
            (audit::heads(&mut snap).await?, audit::latest_checkpoint_line(&mut snap).await?)
        };
        let latest =
            latest.and_then(|l| SignedCheckpoint::parse_line(&l).ok()).filter(|cp| cp.verifies(&keeper.key.public()));
        let heads: BTreeMap<_, _> = heads.into_iter().collect();
        let signed = latest.map(|cp| cp.checkpoint.chains).unwrap_or_default();
        if signed == heads {
            return Ok(None);
        }
        self.checkpoint().await.map(Some)
    }

    /// On-demand checkpoint (server admins).
    pub async fn checkpoint_by(&self, actor: &Actor) -> Result<SignedCheckpoint> {
        if !actor.user.is_admin {
            return Err(Error::forbidden("only server admins may sign audit checkpoints"));
        }
        self.checkpoint().await
    }

    /// Installs the audit key: the first time, records its public key and tags the events
    /// written before the server had one; afterwards, refuses a different key.
    pub async fn with_audit(mut self, keeper: AuditKeeper) -> Result<Core> {
        let public = keeper.key.public().to_hex();
        let mut tx = self.store.write().await?;
        match users::setting(&mut tx, PUBLIC_KEY_SETTING).await? {
            Some(recorded) if recorded != public => {
                return Err(Error::new(
                    ErrorCode::AuditKeyMismatch,
                    format!(
                        "this database's audit trail is signed by key {recorded}, but this node holds key {public}; \
                         give every node the same key (VELLUM_AUDIT_KEY or <data>/audit/signing.key)"
                    ),
                ));
            }
            Some(_) => {}
            None => {
                users::set_setting(&mut tx, PUBLIC_KEY_SETTING, &public).await?;
                while audit::tag_untagged(&mut tx, &keeper.key, 10_000).await? > 0 {}
            }
        }
        tx.commit().await?;
        self.store = self.store.clone().with_audit_key(keeper.key.clone());
        self.audit = Some(std::sync::Arc::new(keeper));
        Ok(self)
    }
}

/// Which events an audit read returns.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub asset_id: Option<Id>,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use vellum_domain::audit::AuditAction;
    use vellum_store::{jobs as stored_jobs, model::NewAuditEvent};

    use super::*;
    use crate::{record, Origin};

    async fn core(dir: &std::path::Path) -> Core {
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        let blobs = vellum_blob::LocalBlobStore::open(dir.join("blobs")).unwrap();
        let keeper = AuditKeeper::open(dir, None).unwrap();
        Core::new(store, Arc::new(blobs), crate::Limits::default()).with_audit(keeper).await.unwrap()
    }

    #[tokio::test]
    async fn every_thousandth_event_asks_for_a_checkpoint_and_quiet_minutes_sign_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(dir.path()).await;
        assert!(core.checkpoint_if_moved().await.unwrap().is_none(), "nothing happened yet");
        let mut tx = core.store.write().await.unwrap();
        for i in 0..1000 {
            let e = NewAuditEvent {
                object_id: Some(i.to_string()),
                ..NewAuditEvent::new(AuditAction::AssetUpdate, "thing")
            };
            record(&mut tx, &Origin::default(), None, e).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut c = core.store.conn().await.unwrap();
        let job = stored_jobs::by_key(&mut c, "audit_checkpoint:server:1000").await.unwrap();
        drop(c);
        assert!(job.is_some(), "the thousandth event queued a checkpoint");
        let run = core.run_one_job("test", &[jobs::SYSTEM_QUEUE]).await.unwrap().unwrap();
        assert!(run.outcome.is_ok());
        let log = keeper::read_log(&keeper::audit_dir(dir.path()).join(keeper::LOG_FILE)).unwrap();
        assert_eq!(log.len(), 1);
        let cp = SignedCheckpoint::parse_line(&log[0]).unwrap();
        assert_eq!(cp.checkpoint.chains["server"].seq, 1000);
        assert!(cp.verifies(&core.audit.as_ref().unwrap().key.public()));
        assert!(core.checkpoint_if_moved().await.unwrap().is_none(), "no activity since");
        let all = core.verify_all_chains().await.unwrap();
        assert!(all.ok() && all.chains[0].checkpoint.as_ref().map(|c| c.seq) == Some(1000));
    }

    #[tokio::test]
    async fn a_node_with_another_key_refuses_to_start() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(dir.path()).await;
        let other = AuditKeeper::in_memory(AuditKey::from_seed([9; 32]), None);
        match core.clone().with_audit(other).await {
            Err(e) => assert_eq!(e.code(), "audit_key_mismatch"),
            Ok(_) => panic!("a second key was accepted"),
        }
    }
}
