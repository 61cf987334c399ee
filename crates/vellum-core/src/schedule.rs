//! The master calendar: campaign spans, milestones, review stage deadlines and distribution
//! windows of a workspace, with each person's load per day; and the iCalendar feeds members
//! subscribe to — a secret token in the URL (only its hash kept, revocable), evaluated with
//! the owner's access at every fetch, so leaving a workspace empties the feed.

use std::collections::HashMap;

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    campaign::parse_date,
    ical::{channel_colour, Date, Entry, EntryKind, When},
    id::new_id,
    review::{ReviewSubject, StageStatus},
    ErrorCode, Id,
};
use vellum_store::{
    campaigns,
    model::{NewAuditEvent, User},
    planning::{self, Feed},
    users, Conn,
};

use crate::{
    access::{self, Access},
    record,
    secret::{random_token, token_hash},
    Actor, Core, Error, Result,
};

pub use vellum_store::planning::FeedScope;

/// The longest range one calendar request covers.
pub const MAX_RANGE_DAYS: i32 = 400;
/// The most feeds one person keeps.
const MAX_FEEDS: usize = 20;

/// Every entry of a workspace (or one campaign) the member may see.
pub(crate) async fn entries(c: &mut Conn, access: &Access, campaign: Option<Id>) -> Result<Vec<Entry>> {
    let ws = &access.workspace;
    let wip = access.sees_work_in_progress();
    let mut out = Vec::new();
    let all = campaigns::of_workspace(&mut *c, ws.id).await?;
    let shown: Vec<&campaigns::Campaign> = all.iter().filter(|k| campaign.is_none_or(|id| k.id == id)).collect();
    let colour_of: HashMap<Id, Option<String>> = all.iter().map(|k| (k.id, k.colour.clone())).collect();
    for k in &shown {
        let (Some(s), Some(e)) = (parse_date(&k.starts_on), parse_date(&k.ends_on)) else { continue };
        out.push(Entry {
            uid: format!("campaign-{}@vellum", k.id),
            kind: EntryKind::Campaign,
            title: format!("{} ({})", k.name, k.code),
            start: When::Day(s),
            end: When::Day(e),
            channel: None,
            colour: k.colour.clone(),
            link: format!("/w/{}/campaigns/{}", ws.slug, k.id),
            assignees: vec![k.owner_id],
            updated_at: k.updated_at,
            warning: None,
        });
    }
    let code_of: HashMap<Id, &str> = all.iter().map(|k| (k.id, k.code.as_str())).collect();
    for m in planning::milestones_in(&mut *c, ws.id, campaign).await? {
        let Some(day) = parse_date(&m.due_on) else { continue };
        let colour = colour_of.get(&m.campaign_id).cloned().flatten();
        out.push(Entry {
            uid: format!("milestone-{}@vellum", m.id),
            kind: EntryKind::Milestone,
            title: format!("{}: {}", code_of.get(&m.campaign_id).copied().unwrap_or(""), m.name),
            start: When::Day(day),
            end: When::Day(day),
            colour: colour.or_else(|| m.channel.as_deref().map(|c| channel_colour(c).to_string())),
            channel: m.channel,
            link: format!("/w/{}/campaigns/{}#milestone-{}", ws.slug, m.campaign_id, m.id),
            assignees: m.assignee_id.into_iter().collect(),
            updated_at: m.updated_at,
            warning: None,
        });
    }
    let cards = planning::asset_cards(&mut *c, ws.id, campaign).await?;
    let rights_of = vellum_store::rights::of_workspace(&mut *c, ws.id).await?;
    let title_of: HashMap<Id, String> = cards.iter().map(|a| (a.id, a.title.clone())).collect();
    for a in &cards {
        if !wip && a.approved_version.is_none() {
            continue;
        }
        let (start, end) = match (a.metadata.distribution_start, a.metadata.distribution_end) {
            (None, None) => continue,
            (Some(s), None) => (s, s),
            (None, Some(e)) => (e, e),
            (Some(s), Some(e)) => (s, e),
        };
        let channel = a.metadata.channels.first().cloned();
        out.push(Entry {
            uid: format!("distribution-{}@vellum", a.id),
            kind: EntryKind::Distribution,
            title: format!("Runs: {}", a.title),
            start: When::At(start),
            end: When::At(end),
            colour: channel.as_deref().map(|c| channel_colour(c).to_string()),
            channel,
            link: format!("/a/{}", a.id),
            assignees: Vec::new(),
            updated_at: a.updated_at,
            warning: past_rights(rights_of.get(&a.id), end),
        });
    }
    for a in &cards {
        if !wip && a.approved_version.is_none() {
            continue;
        }
        let Some(r) = rights_of.get(&a.id) else { continue };
        let Some(last) = r.last_day() else { continue };
        let first = r.first_day().unwrap_or(last).min(last);
        out.push(Entry {
            uid: format!("rights-{}@vellum", a.id),
            kind: EntryKind::Rights,
            title: format!("Rights: {}", a.title),
            start: When::Day(first),
            end: When::Day(last),
            channel: None,
            colour: None,
            link: format!("/a/{}#rights", a.id),
            assignees: Vec::new(),
            updated_at: a.updated_at,
            warning: None,
        });
    }
    if wip {
        let brief_title: HashMap<Id, String> =
            planning::brief_cards(&mut *c, ws.id, campaign).await?.into_iter().map(|b| (b.id, b.title)).collect();
        for open in crate::reviews::open_in(&mut *c, ws.id, |_| true).await? {
            let (r, review, calendar) = (open.record, open.review, open.calendar);
            let (title, link) = match r.subject {
                ReviewSubject::Asset(id) => match title_of.get(&id) {
                    Some(t) => (t.clone(), format!("/a/{id}#review-{}", r.id)),
                    None => continue,
                },
                ReviewSubject::Brief(id) => match brief_title.get(&id) {
                    Some(t) => (t.clone(), format!("/b/{id}#review-{}", r.id)),
                    None => continue,
                },
            };
            for (i, plan) in review.plans.iter().enumerate() {
                if review.stages[i].status != StageStatus::Active {
                    continue;
                }
                let Some(due) = review.due_at(i, &calendar) else { continue };
                out.push(Entry {
                    uid: format!("review-{}-stage-{i}@vellum", r.id),
                    kind: EntryKind::ReviewDue,
                    title: format!("Due: {title} — {}", plan.name),
                    start: When::At(due),
                    end: When::At(due),
                    channel: None,
                    colour: None,
                    link: link.clone(),
                    assignees: plan.approvers.iter().copied().filter(|&u| review.decision_of(i, u).is_none()).collect(),
                    updated_at: review.stages[i].activated_at.unwrap_or(r.created_at),
                    warning: None,
                });
            }
        }
    }
    Ok(out)
}

/// A date range from the API: both ends `YYYY-MM-DD`, in order, at most `MAX_RANGE_DAYS`.
pub fn range(from: &str, to: &str) -> Result<(Date, Date)> {
    let day = |s: &str, which: &str| {
        parse_date(s)
            .ok_or_else(|| Error::new(ErrorCode::InvalidDate, format!("{which}: '{s}' is not a date like 2026-05-01")))
    };
    let (f, t) = (day(from, "from")?, day(to, "to")?);
    if t < f {
        return Err(Error::new(ErrorCode::InvalidDate, "to is before from"));
    }
    let days = (t - f).get_days();
    if days > MAX_RANGE_DAYS {
        return Err(Error::new(ErrorCode::InvalidDate, format!("a range covers at most {MAX_RANGE_DAYS} days")));
    }
    Ok((f, t))
}

/// A calendar request's answer: the entries and each person's load per day.
#[derive(Debug, Clone)]
pub struct CalendarView {
    pub entries: Vec<Entry>,
    pub workload: Vec<(Id, Date, u32)>,
}

/// A feed as its owner sees it, with its URL path only when just created.
#[derive(Debug, Clone)]
pub struct FeedView {
    pub feed: Feed,
    pub path: Option<String>,
}

impl Core {
    /// The calendar of a workspace (or one campaign) between two dates, inclusive.
    pub async fn calendar_entries(
        &self,
        actor: &Actor,
        ws: &str,
        (from, to): (Date, Date),
        campaign: Option<Id>,
    ) -> Result<CalendarView> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        if let Some(k) = campaign {
            campaigns::get(&mut c, k)
                .await?
                .filter(|k| k.workspace_id == access.workspace.id)
                .ok_or_else(|| Error::not_found("campaign"))?;
        }
        let mut entries: Vec<Entry> =
            entries(&mut c, &access, campaign).await?.into_iter().filter(|e| e.overlaps(from, to)).collect();
        entries.sort_by(|a, b| (a.start.api(), &a.uid).cmp(&(b.start.api(), &b.uid)));
        let workload = vellum_domain::ical::workload(&entries);
        Ok(CalendarView { entries, workload })
    }

    /// Creates a feed of the actor's own work (`me`) or of a campaign they can see; the URL
    /// carries the secret, shown this once.
    pub async fn create_feed(&self, actor: &Actor, scope: &str, campaign: Option<Id>) -> Result<FeedView> {
        let scope = FeedScope::parse(scope).ok_or_else(|| {
            Error::new(ErrorCode::InvalidFeed, format!("'{scope}' is not a feed scope: use me or campaign"))
        })?;
        let mut tx = self.store.write().await?;
        let workspace = match (scope, campaign) {
            (FeedScope::Me, None) => None,
            (FeedScope::Me, Some(_)) => {
                return Err(Error::new(ErrorCode::InvalidFeed, "a feed of your own work names no campaign"))
            }
            (FeedScope::Campaign, None) => {
                return Err(Error::new(ErrorCode::InvalidFeed, "a campaign feed names its campaign_id"))
            }
            (FeedScope::Campaign, Some(id)) => {
                let k = campaigns::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("campaign"))?;
                access::workspace_by_id(&mut tx, &actor.user, k.workspace_id)
                    .await
                    .map_err(|e| e.hidden_as("campaign"))?;
                Some(k.workspace_id)
            }
        };
        if planning::feeds_of(&mut tx, actor.user.id).await?.len() >= MAX_FEEDS {
            return Err(Error::new(ErrorCode::InvalidFeed, format!("you have {MAX_FEEDS} feeds: revoke one first")));
        }
        let token = random_token("vcal_")?;
        let feed = Feed {
            id: new_id(),
            user_id: actor.user.id,
            scope,
            campaign_id: campaign,
            created_at: self.now(),
            revoked_at: None,
        };
        planning::insert_feed(&mut tx, &feed, &token_hash(&token)).await?;
        let event = NewAuditEvent {
            workspace_id: workspace,
            object_id: Some(feed.id.to_string()),
            after: Some(json!({"scope": scope.as_str(), "campaign_id": campaign})),
            ..NewAuditEvent::new(AuditAction::IcalFeedCreate, "ical_feed")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(FeedView { feed, path: Some(format!("/ical/{token}.ics")) })
    }

    /// The actor's feeds that still work.
    pub async fn feeds(&self, actor: &Actor) -> Result<Vec<FeedView>> {
        let mut c = self.store.conn().await?;
        Ok(planning::feeds_of(&mut c, actor.user.id)
            .await?
            .into_iter()
            .map(|feed| FeedView { feed, path: None })
            .collect())
    }

    /// Revokes one of the actor's feeds (anyone else's is not found).
    pub async fn revoke_feed(&self, actor: &Actor, id: Id) -> Result<()> {
        let mut tx = self.store.write().await?;
        let feed = planning::feed_by_id(&mut tx, id)
            .await?
            .filter(|f| f.user_id == actor.user.id && f.revoked_at.is_none())
            .ok_or_else(|| Error::not_found("feed"))?;
        planning::revoke_feed(&mut tx, feed.id, self.now()).await?;
        let event = NewAuditEvent {
            object_id: Some(feed.id.to_string()),
            after: Some(json!({"revoked": true})),
            ..NewAuditEvent::new(AuditAction::IcalFeedRevoke, "ical_feed")
        };
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The iCalendar text of a feed, evaluated now with its owner's access (not found once
    /// revoked, or when the owner's account is disabled).
    pub async fn feed_text(&self, token: &str) -> Result<String> {
        let gone = || Error::not_found("feed");
        if !token.starts_with("vcal_") || token.len() > 100 {
            return Err(gone());
        }
        let mut c = self.store.conn().await?;
        let feed = planning::feed_by_token(&mut c, &token_hash(token)).await?.ok_or_else(gone)?;
        if feed.revoked_at.is_some() {
            return Err(gone());
        }
        let user = users::by_id(&mut c, feed.user_id).await?.filter(|u| u.disabled_at.is_none()).ok_or_else(gone)?;
        let (name, entries) = match (feed.scope, feed.campaign_id) {
            (FeedScope::Campaign, Some(k)) => campaign_feed(&mut c, &user, k).await?,
            _ => my_feed(&mut c, &user).await?,
        };
        Ok(vellum_domain::ical::render(&name, &entries, &self.notify.public_url, self.now()))
    }
}

/// A campaign's entries, or none once the owner may no longer see its workspace.
async fn campaign_feed(c: &mut Conn, user: &User, campaign: Id) -> Result<(String, Vec<Entry>)> {
    let Some(k) = campaigns::get(&mut *c, campaign).await? else { return Ok(("Vellum".into(), Vec::new())) };
    let name = format!("{} ({})", k.name, k.code);
    match access::workspace_by_id(&mut *c, user, k.workspace_id).await {
        Ok(access) => Ok((name, entries(c, &access, Some(k.id)).await?)),
        Err(e) if e.kind() == crate::ErrorKind::NotFound => Ok((name, Vec::new())),
        Err(e) => Err(e),
    }
}

/// What is assigned to the user in every workspace they belong to.
async fn my_feed(c: &mut Conn, user: &User) -> Result<(String, Vec<Entry>)> {
    let mut out = Vec::new();
    for (ws, _) in access::workspaces_of(&mut *c, user).await? {
        let access = access::workspace_by_id(&mut *c, user, ws.id).await?;
        out.extend(entries(c, &access, None).await?.into_iter().filter(|e| e.assignees.contains(&user.id)));
    }
    Ok((format!("Vellum — {}", user.name), out))
}

/// The warning for a distribution window that ends after the asset's rights do.
fn past_rights(rights: Option<&vellum_domain::rights::Rights>, end: vellum_domain::Timestamp) -> Option<String> {
    let last = rights?.last_day()?;
    let end_day = When::At(end).day()?;
    (end_day > last).then(|| format!("planned to run until {end_day}, past its rights (they end {last})"))
}
