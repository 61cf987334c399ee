//! The append-only audit log: one hash chain per workspace (and one for server-wide events),
//! appended inside the transaction of the change it records; the heads that checkpoints sign;
//! and the stored checkpoints themselves.

use futures_util::TryStreamExt;
use sqlx::{any::AnyRow, AnyConnection, Row};
use vellum_domain::{
    audit::{event_hash, AuditFields, AuditKey, ChainHead, ChainReport, Checkpoints, StoredEvent, GENESIS},
    id::new_id,
    Id, Timestamp,
};

use crate::{
    model::{AuditEvent, NewAuditEvent},
    row, Error, Result,
};

/// The chain of server-wide events (users, sign-ins) that belong to no workspace.
pub const SERVER_CHAIN: &str = "server";

pub fn chain_of(workspace: Option<Id>) -> String {
    workspace.map_or_else(|| SERVER_CHAIN.to_string(), |w| w.to_string())
}

fn json_text(v: &Option<serde_json::Value>) -> Result<Option<String>> {
    v.as_ref().map(row::to_json).transpose()
}

/// Appends an event to its chain, tagged with `key` when the server holds one. Call it last in
/// a transaction: on PostgreSQL the chain's head row stays locked until commit, which orders
/// concurrent writers of one workspace.
pub async fn append(
    c: &mut AnyConnection,
    e: &NewAuditEvent,
    at: Timestamp,
    key: Option<&AuditKey>,
) -> Result<AuditEvent> {
    let mut appended = append_many(c, std::slice::from_ref(e), at, key).await?;
    appended.pop().ok_or_else(|| Error::Corrupt("an append returned no event".into()))
}

/// Takes `n` sequence numbers of a chain at once, creating its head on first use; returns the
/// first number and the hash the first new event links to. The head row stays locked until
/// the transaction ends (PostgreSQL), which orders concurrent writers of one chain.
async fn reserve(c: &mut AnyConnection, chain: &str, n: i64) -> Result<(i64, String)> {
    let bump = "UPDATE audit_heads SET seq = seq + $1 WHERE chain = $2 RETURNING seq, hash";
    let head = match sqlx::query(bump).bind(n).bind(chain).fetch_optional(&mut *c).await? {
        Some(head) => head,
        None => {
            // The chain's first event: create its head, then take the numbers.
            sqlx::query("INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING")
                .bind(chain)
                .bind(GENESIS)
                .execute(&mut *c)
                .await?;
            sqlx::query(bump).bind(n).bind(chain).fetch_one(&mut *c).await?
        }
    };
    Ok((row::int(&head, "seq")? - n + 1, row::text(&head, "hash")?))
}

/// Appends events in order, a few statements for the lot (imports record thousands). Events
/// of several chains are appended chain by chain, each in its given order.
pub async fn append_many(
    c: &mut AnyConnection,
    events: &[NewAuditEvent],
    at: Timestamp,
    key: Option<&AuditKey>,
) -> Result<Vec<AuditEvent>> {
    let mut chains: Vec<String> = events.iter().map(|e| chain_of(e.workspace_id)).collect();
    chains.dedup();
    let mut out = Vec::with_capacity(events.len());
    let mut done = std::collections::HashSet::new();
    for chain in chains {
        if !done.insert(chain.clone()) {
            continue;
        }
        let mine: Vec<&NewAuditEvent> = events.iter().filter(|e| chain_of(e.workspace_id) == chain).collect();
        let (first, mut prev_hash) = reserve(c, &chain, mine.len() as i64).await?;
        let mut made = Vec::with_capacity(mine.len());
        for (i, e) in mine.into_iter().enumerate() {
            let fields = fields_of(e, first + i as i64, at)?;
            let hash = event_hash(&prev_hash, &fields);
            let tag = key.map(|k| k.tag(&hash));
            let event =
                AuditEvent { chain: chain.clone(), fields, prev_hash: prev_hash.clone(), hash: hash.clone(), tag };
            prev_hash = hash;
            made.push(event);
        }
        insert_events(c, &made).await?;
        sqlx::query("UPDATE audit_heads SET hash = $1 WHERE chain = $2")
            .bind(&prev_hash)
            .bind(&chain)
            .execute(&mut *c)
            .await?;
        out.extend(made);
    }
    Ok(out)
}

fn fields_of(e: &NewAuditEvent, seq: i64, at: Timestamp) -> Result<AuditFields> {
    Ok(AuditFields {
        seq,
        id: new_id().to_string(),
        at: at.to_string(),
        actor_id: e.actor_id.map(|a| a.to_string()),
        action: e.action.as_str().to_string(),
        object_type: e.object_type.clone(),
        object_id: e.object_id.clone(),
        version: e.version.map(i64::from),
        before: json_text(&e.before)?,
        after: json_text(&e.after)?,
        ip: e.ip.clone(),
        request_id: e.request_id.clone(),
        asset_id: e.asset_id.map(|a| a.to_string()),
        token_id: e.token_id.map(|t| t.to_string()),
    })
}

/// Multi-row inserts of built events.
pub(crate) async fn insert_events(c: &mut AnyConnection, events: &[AuditEvent]) -> Result<()> {
    const COLUMNS: usize = 18;
    for chunk in events.chunks(crate::values::rows_per_statement(COLUMNS)) {
        let template = format!("({})", vec!["?"; COLUMNS].join(", "));
        let sql =
            format!("INSERT INTO audit_events ({COLS}) VALUES {}", crate::values::numbered(&template, chunk.len()));
        let mut q = sqlx::query(&sql);
        for e in chunk {
            let f = &e.fields;
            q = q
                .bind(&e.chain)
                .bind(f.seq)
                .bind(&f.id)
                .bind(&f.at)
                .bind(f.actor_id.clone())
                .bind(&f.action)
                .bind(&f.object_type)
                .bind(f.object_id.clone())
                .bind(f.version)
                .bind(f.before.clone())
                .bind(f.after.clone())
                .bind(f.ip.clone())
                .bind(f.request_id.clone())
                .bind(f.asset_id.clone())
                .bind(f.token_id.clone())
                .bind(&e.prev_hash)
                .bind(&e.hash)
                .bind(e.tag.clone());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

const COLS: &str = "chain, seq, id, at, actor_id, action, object_type, object_id, version, before_json, after_json, ip, request_id, asset_id, token_id, prev_hash, hash, tag";

fn decode(r: &AnyRow) -> Result<StoredEvent> {
    Ok(StoredEvent {
        fields: AuditFields {
            seq: row::int(r, "seq")?,
            id: row::text(r, "id")?,
            at: row::text(r, "at")?,
            actor_id: row::opt_text(r, "actor_id")?,
            action: row::text(r, "action")?,
            object_type: row::text(r, "object_type")?,
            object_id: row::opt_text(r, "object_id")?,
            version: row::opt_int(r, "version")?,
            before: row::opt_text(r, "before_json")?,
            after: row::opt_text(r, "after_json")?,
            ip: row::opt_text(r, "ip")?,
            request_id: row::opt_text(r, "request_id")?,
            asset_id: row::opt_text(r, "asset_id")?,
            token_id: row::opt_text(r, "token_id")?,
        },
        prev_hash: row::text(r, "prev_hash")?,
        hash: row::text(r, "hash")?,
        tag: row::opt_text(r, "tag")?,
    })
}

fn decode_event(r: &AnyRow) -> Result<AuditEvent> {
    let e = decode(r)?;
    Ok(AuditEvent { chain: row::text(r, "chain")?, fields: e.fields, prev_hash: e.prev_hash, hash: e.hash, tag: e.tag })
}

/// What an export (or a page of the audit view) asks for.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Every event about this asset: the asset, its versions, reviews and decisions.
    pub asset_id: Option<Id>,
    pub actor: Option<ActorIs>,
    pub action: Option<String>,
    /// Events at or after this instant.
    pub at_from: Option<Timestamp>,
    /// Events strictly before this instant.
    pub at_before: Option<Timestamp>,
    /// Keyset cursors: only events with a smaller (or larger) sequence number.
    pub before_seq: Option<i64>,
    pub after_seq: Option<i64>,
    /// Newest first instead of chain order.
    pub newest_first: bool,
    pub limit: u32,
}

/// Who did it: a user, or the server itself (events with no actor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorIs {
    User(String),
    System,
}

/// A chain's events in order (or newest first), filtered as `f` says.
pub async fn list(c: &mut AnyConnection, chain: &str, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
    let mut sql = format!("SELECT {COLS} FROM audit_events WHERE chain = $1");
    let mut binds = Vec::new();
    let actor = match &f.actor {
        Some(ActorIs::User(id)) => Some(id.clone()),
        Some(ActorIs::System) => {
            sql.push_str(" AND actor_id IS NULL");
            None
        }
        None => None,
    };
    for (cond, value) in [
        ("object_type =", f.object_type.clone()),
        ("object_id =", f.object_id.clone()),
        ("asset_id =", f.asset_id.map(|a| a.to_string())),
        ("actor_id =", actor),
        ("action =", f.action.clone()),
        // Instants are stored in one fixed text form, so they compare as text.
        ("at >=", f.at_from.map(|t| t.to_string())),
        ("at <", f.at_before.map(|t| t.to_string())),
    ] {
        if let Some(v) = value {
            binds.push(v);
            sql.push_str(&format!(" AND {cond} ${}", binds.len() + 1));
        }
    }
    // Integers are written into the statement: they cannot carry SQL.
    if let Some(seq) = f.before_seq {
        sql.push_str(&format!(" AND seq < {seq}"));
    }
    if let Some(seq) = f.after_seq {
        sql.push_str(&format!(" AND seq > {seq}"));
    }
    let order = if f.newest_first { "DESC" } else { "ASC" };
    sql.push_str(&format!(" ORDER BY seq {order} LIMIT {}", f.limit.clamp(1, 100_000)));
    let mut q = sqlx::query(&sql).bind(chain);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(c).await?.iter().map(decode_event).collect()
}

/// The distinct (action, object type) pairs of a chain, for the audit view's filter choices.
pub async fn facets(c: &mut AnyConnection, chain: &str) -> Result<Vec<(String, String)>> {
    sqlx::query("SELECT DISTINCT action, object_type FROM audit_events WHERE chain = $1 ORDER BY action, object_type")
        .bind(chain)
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::text(r, "action")?, row::text(r, "object_type")?)))
        .collect()
}

/// Every chain's recorded head, by chain name.
pub async fn heads(c: &mut AnyConnection) -> Result<Vec<(String, ChainHead)>> {
    sqlx::query("SELECT chain, seq, hash FROM audit_heads WHERE seq > 0 ORDER BY chain")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::text(r, "chain")?, ChainHead { seq: row::int(r, "seq")?, head_hash: row::text(r, "hash")? })))
        .collect()
}

/// Every chain that has events or a head.
pub async fn chains(c: &mut AnyConnection) -> Result<Vec<String>> {
    sqlx::query("SELECT chain FROM audit_heads UNION SELECT DISTINCT chain FROM audit_events ORDER BY 1")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<String, _>(0)?))
        .collect()
}

/// Re-walks one chain against the checkpoints (and, with the key, each event's tag), reading
/// events as a stream. Run it inside a snapshot (`Store::snapshot`) so concurrent appends are
/// never mistaken for damage.
pub async fn verify(
    c: &mut AnyConnection,
    chain: &str,
    checkpoints: &Checkpoints,
    key: Option<&AuditKey>,
) -> Result<ChainReport> {
    let mut v = checkpoints.verifier(chain, key);
    {
        let sql = format!("SELECT {COLS} FROM audit_events WHERE chain = $1 ORDER BY seq");
        let mut rows = sqlx::query(&sql).bind(chain).fetch(&mut *c);
        while let Some(r) = rows.try_next().await? {
            v.push(&decode(&r)?);
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE chain = $1").bind(chain).fetch_optional(c).await?;
    let head = head.map(|h| Ok::<_, Error>((row::int(&h, "seq")?, row::text(&h, "hash")?))).transpose()?;
    Ok(v.finish(head.as_ref().map(|(s, h)| (*s, h.as_str()))))
}

/// Calls `each` with every event of a chain in order (for exports), streaming.
pub async fn for_each_event(
    c: &mut AnyConnection,
    chain: &str,
    mut each: impl FnMut(AuditEvent) -> Result<()>,
) -> Result<()> {
    let sql = format!("SELECT {COLS} FROM audit_events WHERE chain = $1 ORDER BY seq");
    let mut rows = sqlx::query(&sql).bind(chain).fetch(c);
    while let Some(r) = rows.try_next().await? {
        each(decode_event(&r)?)?;
    }
    Ok(())
}

/// Tags up to `limit` events that have no tag yet (written before the server had a key);
/// returns how many. Run in the transaction that first records the key.
pub async fn tag_untagged(c: &mut AnyConnection, key: &AuditKey, limit: u32) -> Result<u64> {
    let rows = sqlx::query(&format!("SELECT chain, seq, hash FROM audit_events WHERE tag IS NULL LIMIT {limit}"))
        .fetch_all(&mut *c)
        .await?;
    for r in &rows {
        let tag = key.tag(&row::text(r, "hash")?);
        sqlx::query("UPDATE audit_events SET tag = $1 WHERE chain = $2 AND seq = $3")
            .bind(tag)
            .bind(row::text(r, "chain")?)
            .bind(row::int(r, "seq")?)
            .execute(&mut *c)
            .await?;
    }
    Ok(rows.len() as u64)
}

/// Stores a signed checkpoint (its JSON line).
pub async fn insert_checkpoint(c: &mut AnyConnection, at: Timestamp, line: &str) -> Result<Id> {
    let id = new_id();
    sqlx::query("INSERT INTO audit_checkpoints (id, at, line) VALUES ($1, $2, $3)")
        .bind(id.to_string())
        .bind(at.to_string())
        .bind(line)
        .execute(c)
        .await?;
    Ok(id)
}

/// Every stored checkpoint line, oldest first.
pub async fn checkpoint_lines(c: &mut AnyConnection) -> Result<Vec<String>> {
    sqlx::query("SELECT line FROM audit_checkpoints ORDER BY at, id")
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| row::text(r, "line"))
        .collect()
}

/// The newest stored checkpoint line, if any.
pub async fn latest_checkpoint_line(c: &mut AnyConnection) -> Result<Option<String>> {
    let r =
        sqlx::query("SELECT line FROM audit_checkpoints ORDER BY at DESC, id DESC LIMIT 1").fetch_optional(c).await?;
    r.map(|r| row::text(&r, "line")).transpose()
}
