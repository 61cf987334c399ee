//! One page of a workspace's audit trail as people read it: filtered by actor, action, object
//! and date, newest first with keyset cursors, with the names of the people, assets,
//! workflows and groups its events mention.

use std::collections::BTreeMap;

use vellum_domain::{id::parse_id, role::Capability, Id, Timestamp};
use vellum_store::{
    assets,
    audit::{self, ActorIs, AuditFilter},
    users, workflows, workspaces,
};

use super::AuditEventView;
use crate::{access, Actor, Core, Error, Result};

/// Which page of which events. Dates are `YYYY-MM-DD` in UTC, both ends included.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    /// A user id, or `system` for what the server did on its own.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub asset_id: Option<Id>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Events older than this sequence number (the "Older" page).
    pub before_seq: Option<i64>,
    /// Events newer than this sequence number (the "Newer" page).
    pub after_seq: Option<i64>,
    /// Events per page (at most 500).
    pub limit: u32,
}

/// A page of events, newest first, with the cursors of its neighbours.
#[derive(Debug, Clone, Default)]
pub struct AuditPage {
    pub events: Vec<AuditEventView>,
    /// `before_seq` of the next older page, when there is one.
    pub older: Option<i64>,
    /// `after_seq` of the next newer page, when there is one.
    pub newer: Option<i64>,
    /// Display names by id: users, assets, workflows and groups of this workspace.
    pub names: BTreeMap<String, String>,
    /// Every action and object type in the trail, for the filter choices.
    pub actions: Vec<String>,
    pub object_types: Vec<String>,
}

/// The instant a `YYYY-MM-DD` day starts, UTC.
fn day_start(what: &str, date: &str) -> Result<Timestamp> {
    let ok = date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-';
    ok.then(|| Timestamp::parse(&format!("{date}T00:00:00Z"))).flatten().ok_or_else(|| {
        Error::new(
            vellum_domain::ErrorCode::InvalidDate,
            format!("the {what} date '{date}' is not a date like 2026-05-01"),
        )
    })
}

impl AuditSearch {
    fn filter(&self) -> Result<AuditFilter> {
        let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let actor = non_empty(&self.actor).map(|a| if a == "system" { ActorIs::System } else { ActorIs::User(a) });
        let at_from = non_empty(&self.from).map(|d| day_start("from", &d)).transpose()?;
        // The "to" day is included: events before the next day starts.
        let at_before = non_empty(&self.to).map(|d| day_start("to", &d).map(|t| t.plus_secs(86_400))).transpose()?;
        Ok(AuditFilter {
            object_type: non_empty(&self.object_type),
            object_id: non_empty(&self.object_id),
            asset_id: self.asset_id,
            actor,
            action: non_empty(&self.action),
            at_from,
            at_before,
            ..AuditFilter::default()
        })
    }
}

impl Core {
    /// A page of a workspace's audit trail (owners, admins, managers), newest first.
    pub async fn audit_page(&self, actor: &Actor, ws: &str, q: &AuditSearch) -> Result<AuditPage> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        access.require(Capability::ReadAudit)?;
        let chain = access.workspace.id.to_string();
        let base = q.filter()?;
        let limit = q.limit.clamp(1, 500);
        let page = limit as usize;
        // One more than a page tells whether another page follows in the direction read.
        let mut events = match q.after_seq {
            Some(after) => {
                let f = AuditFilter { after_seq: Some(after), limit: limit + 1, ..base.clone() };
                let mut newer = audit::list(&mut c, &chain, &f).await?;
                newer.reverse();
                newer
            }
            None => {
                let f = AuditFilter { before_seq: q.before_seq, newest_first: true, limit: limit + 1, ..base.clone() };
                audit::list(&mut c, &chain, &f).await?
            }
        };
        let more = events.len() > page;
        if more && q.after_seq.is_some() {
            events.remove(0);
        } else if more {
            events.pop();
        }
        let newest = events.first().map(|e| e.fields.seq);
        let oldest = events.last().map(|e| e.fields.seq);
        // The other direction is one cheap look past the page's edge.
        let (older, newer) = if q.after_seq.is_some() {
            let older = match oldest {
                Some(s) => any(&mut c, &chain, AuditFilter { before_seq: Some(s), limit: 1, ..base }).await?,
                None => false,
            };
            (oldest.filter(|_| older), newest.filter(|_| more))
        } else {
            let newer = match newest {
                Some(s) => any(&mut c, &chain, AuditFilter { after_seq: Some(s), limit: 1, ..base }).await?,
                None => false,
            };
            (oldest.filter(|_| more), newest.filter(|_| newer))
        };
        let events: Vec<AuditEventView> = events.into_iter().map(AuditEventView::from).collect();
        let names = names(&mut c, access.workspace.id, &events).await?;
        let facets = audit::facets(&mut c, &chain).await?;
        let mut actions: Vec<String> = facets.iter().map(|(a, _)| a.clone()).collect();
        actions.dedup();
        let mut object_types: Vec<String> = facets.into_iter().map(|(_, o)| o).collect();
        object_types.sort();
        object_types.dedup();
        Ok(AuditPage { events, older, newer, names, actions, object_types })
    }
}

/// Whether any event matches.
async fn any(c: &mut vellum_store::Conn, chain: &str, f: AuditFilter) -> Result<bool> {
    Ok(!audit::list(c, chain, &f).await?.is_empty())
}

/// The names of what a page of events mentions, limited to this workspace's own things.
async fn names(c: &mut vellum_store::Conn, ws: Id, events: &[AuditEventView]) -> Result<BTreeMap<String, String>> {
    let mut names = BTreeMap::new();
    for m in workspaces::members(&mut *c, ws).await? {
        names.insert(m.user_id.to_string(), m.name);
    }
    for g in workspaces::groups(&mut *c, ws).await? {
        names.insert(g.id.to_string(), g.name);
    }
    for w in workflows::list(&mut *c, ws).await? {
        names.insert(w.id.to_string(), w.name);
    }
    // People who have left the workspace since still have their names in the trail.
    let people = events.iter().filter_map(|e| e.actor_id.as_deref()).chain(
        events
            .iter()
            .filter(|e| matches!(e.object_type.as_str(), "member" | "user"))
            .filter_map(|e| e.object_id.as_deref()),
    );
    let assets_named = events.iter().filter_map(|e| e.asset_id.as_deref());
    let mut unknown_people: Vec<&str> = people.filter(|id| !names.contains_key(*id)).collect();
    unknown_people.sort_unstable();
    unknown_people.dedup();
    for id in unknown_people {
        if let Some(u) = parse_id(id) {
            if let Some(user) = users::by_id(&mut *c, u).await? {
                names.insert(id.to_string(), user.name);
            }
        }
    }
    let mut asset_ids: Vec<&str> = assets_named.collect();
    asset_ids.sort_unstable();
    asset_ids.dedup();
    for id in asset_ids {
        if let Some(a) = parse_id(id) {
            if let Some(asset) = assets::get(&mut *c, a).await?.filter(|a| a.workspace_id == ws) {
                names.insert(id.to_string(), asset.title);
            }
        }
    }
    Ok(names)
}
