//! What waits for a person: the open reviews where an active stage needs their decision,
//! across every workspace they may still approve in, soonest due first.

use serde::Serialize;
use vellum_domain::{
    review::{Review, ReviewSubject},
    Id, Timestamp,
};
use vellum_store::{assets, briefs, reviews};

use crate::{Actor, Core, Result};

/// One decision someone owes.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub review_id: Id,
    /// The asset version or brief revision to decide on (`version` is its number).
    pub subject: ReviewSubject,
    /// The asset's or brief's title.
    pub title: String,
    pub version: u32,
    pub workspace_name: String,
    pub workspace_slug: String,
    /// The stages waiting for this person (usually one).
    pub stages: Vec<String>,
    /// Since when the first of those stages has waited.
    pub since: Option<Timestamp>,
    /// When the soonest of those stages is due, if it has a due time.
    pub due_at: Option<Timestamp>,
}

impl Waiting {
    /// The page where the decision is made, at the review.
    pub fn link(&self) -> String {
        match self.subject {
            ReviewSubject::Asset(id) => format!("/a/{id}#review-{}", self.review_id),
            ReviewSubject::Brief(id) => format!("/b/{id}#review-{}", self.review_id),
        }
    }
}

impl Core {
    /// The decisions waiting for `actor`, soonest due first, then oldest first.
    pub async fn waiting_for(&self, actor: &Actor) -> Result<Vec<Waiting>> {
        let me = actor.user.id;
        let mut c = self.store.conn().await?;
        let memberships = crate::access::workspaces_of(&mut c, &actor.user).await?;
        let mut out = Vec::new();
        for r in reviews::open_naming(&mut c, me).await? {
            // Only where the person may approve today: a demoted member no longer decides.
            let Some((ws, _)) = memberships.iter().find(|(w, role)| w.id == r.workspace_id && role.may_approve())
            else {
                continue;
            };
            let decisions = reviews::decisions(&mut c, r.id).await?;
            let review = Review::replay(r.version, r.plan.clone(), r.created_at, decisions, false)?;
            let open = review.open_stages_for(me);
            if open.is_empty() {
                continue;
            }
            let title = match r.subject {
                ReviewSubject::Asset(id) => assets::get(&mut c, id).await?.map(|a| a.title),
                ReviewSubject::Brief(id) => briefs::get(&mut c, id, false).await?.map(|b| b.title),
            };
            let Some(title) = title else { continue };
            out.push(Waiting {
                review_id: r.id,
                subject: r.subject,
                title,
                version: r.version,
                workspace_name: ws.name.clone(),
                workspace_slug: ws.slug.clone(),
                stages: open.iter().map(|&i| review.plans[i].name.clone()).collect(),
                since: open.iter().filter_map(|&i| review.stages[i].activated_at).min(),
                due_at: {
                    let calendar = crate::calendar::of_review(r.calendar.as_ref());
                    open.iter().filter_map(|&i| review.due_at(i, &calendar)).min()
                },
            });
        }
        // Due ones first (soonest first), then the rest by how long they have waited.
        out.sort_by_key(|w| (w.due_at.is_none(), w.due_at, w.since));
        Ok(out)
    }
}
