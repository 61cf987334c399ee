//! From event to inbox, email and webhook message: each recorded event is claimed once, its
//! recipients checked against what they may see now, and everything it causes written in
//! the one transaction that marks it dispatched.

use serde_json::{json, Value};
use vellum_domain::{
    event::{EmailChoice, EventKind},
    id::new_id,
    mail::escape_html,
    Id,
};
use vellum_store::{
    emails::{self, NewEmail},
    events::{self, Event},
    notifications::{self, MailState, Notification},
    users, webhooks, Tx,
};

use super::Delivered;
use crate::{access, Core, Result};

/// Events dispatched per transaction.
const BATCH: u32 = 100;

fn verdict_words(v: &str) -> &'static str {
    match v {
        "approve" => "approved",
        "approve_with_changes" => "approved with changes",
        "changes_requested" => "asked for changes on",
        "reject" => "rejected",
        _ => "decided on",
    }
}

fn outcome_words(s: &str) -> &'static str {
    match s {
        "approved" => "approved",
        "changes_requested" => "sent back for changes",
        "rejected" => "rejected",
        "skipped" => "skipped",
        _ => "closed",
    }
}

fn text<'a>(data: &'a Value, key: &str) -> &'a str {
    data.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Whether `user` is among the ids in `data[key]`.
fn listed(data: &Value, key: &str, user: Id) -> bool {
    let me = user.to_string();
    data.get(key).and_then(Value::as_array).is_some_and(|a| a.iter().any(|v| v.as_str() == Some(me.as_str())))
}

/// The one line a person reads about an event (in the inbox and as an email's subject).
pub(crate) fn title(kind: EventKind, data: &Value, asset: &str, actor: &str, recipient: Id) -> String {
    let version = data.get("version").and_then(Value::as_u64).unwrap_or(0);
    let what = format!("{asset} v{version}");
    match kind {
        EventKind::VersionCreated => format!("{actor} added version {version} of {asset}"),
        EventKind::ReviewStarted => format!("{what} waits for your decision"),
        EventKind::ReviewDecision => format!("{actor} {} {what}", verdict_words(text(data, "decision"))),
        EventKind::StageCompleted if listed(data, "waiting_on", recipient) => {
            format!("{what} waits for your decision (stage {} is done)", text(data, "stage"))
        }
        EventKind::StageCompleted => {
            format!("Stage {} of {what} was {}", text(data, "stage"), outcome_words(text(data, "status")))
        }
        EventKind::ReviewCompleted => format!("{what} was {}", outcome_words(text(data, "status"))),
        EventKind::ReviewReminder => {
            let due = text(data, "due_at");
            format!("Reminder: {what} waits for your decision (stage {}, due {due})", text(data, "stage"))
        }
        EventKind::ReviewEscalated => {
            format!("Escalated to you: the decision on {what} (stage {}) is overdue", text(data, "stage"))
        }
        EventKind::ReviewReassigned => {
            format!("{actor} passed you the decision on {what} (stage {})", text(data, "stage"))
        }
        EventKind::Mention => format!("{actor} mentioned you on {what}"),
        EventKind::DownloadRequested => format!("{actor} asks to download {asset}"),
        EventKind::DownloadDecided => format!("Your download of {asset} was {}", text(data, "status")),
        EventKind::RightsExpiring => {
            let days = data.get("days_left").and_then(Value::as_i64).unwrap_or(0);
            format!("{} of {asset} ends on {} ({days} days left)", text(data, "what"), text(data, "ends_on"))
        }
        EventKind::SearchMatch => {
            format!("{asset} is approved and matches your saved search '{}'", text(data, "search"))
        }
    }
}

/// Where a notification leads: the asset page, at the review when it is about one; a comment's
/// proofing page, at the comment.
pub(crate) fn link(e: &Event) -> String {
    let asset = text(&e.data, "asset_id");
    let at = |key: &str| e.data.get(key).and_then(Value::as_str);
    if let Some(b) = at("brief_id") {
        return match at("review_id") {
            Some(r) => format!("/b/{b}#review-{r}"),
            None => format!("/b/{b}"),
        };
    }
    let version = e.data.get("version").and_then(Value::as_u64);
    match (at("comment_id"), at("review_id")) {
        // A comment opens on the proofing page of its version, selected.
        (Some(c), _) => match version {
            Some(n) => format!("/a/{asset}/v/{n}#comment-{c}"),
            None => format!("/a/{asset}#comment-{c}"),
        },
        (None, Some(r)) => format!("/a/{asset}#review-{r}"),
        (None, None) => format!("/a/{asset}"),
    }
}

/// What a notification is about: an asset, or a brief (by its workspace, whose members see it).
#[derive(Clone, Copy)]
enum Subject {
    Asset(Id),
    Brief(Id),
}

/// An email about one notification.
pub(crate) fn notification_email(
    core: &Core,
    to: &vellum_store::model::User,
    title: &str,
    link: &str,
    kind: EventKind,
) -> NewEmail {
    let base = &core.notify.public_url;
    let url = format!("{base}{link}");
    let settings = format!("{base}/account#notifications");
    let text = format!(
        "{title}\n\nOpen it: {url}\n\n--\nYou get this email because of your Vellum notification settings \
         ({}). Change them: {settings}\n",
        kind.label()
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{t}</p><p><a href=\"{u}\">Open it in \
         Vellum</a></p><hr><p style=\"color:#666;font-size:small\">You get this email because of your Vellum \
         notification settings ({k}). <a href=\"{s}\">Change them</a>.</p></body></html>",
        t = escape_html(title),
        u = escape_html(&url),
        k = escape_html(kind.label()),
        s = escape_html(&settings),
    );
    NewEmail {
        unique_key: String::new(),
        user_id: Some(to.id),
        to: to.email.clone(),
        subject: title.into(),
        text,
        html,
    }
}

impl Core {
    pub(super) async fn dispatch_events(&self, done: &mut Delivered) -> Result<()> {
        loop {
            let mut tx = self.store.write().await?;
            let batch = events::claim_undispatched(&mut tx, BATCH).await?;
            if batch.is_empty() {
                return Ok(());
            }
            for e in &batch {
                done.notifications += self.tell_people(&mut tx, e).await?;
                self.queue_webhooks(&mut tx, e).await?;
                events::mark_dispatched(&mut tx, e.id, self.now()).await?;
                done.events += 1;
            }
            tx.commit().await?;
        }
    }

    /// Inbox items (and emails) for the event's recipients who may still see its object.
    async fn tell_people(&self, tx: &mut Tx, e: &Event) -> Result<usize> {
        // What the event is about: an asset, or a brief in approval.
        let asset_id = text(&e.data, "asset_id").parse::<Id>().ok();
        let brief_id = text(&e.data, "brief_id").parse::<Id>().ok();
        let about = match (asset_id, brief_id) {
            (Some(id), _) => vellum_store::assets::get(tx, id).await?.map(|a| (a.title, Subject::Asset(a.id))),
            (None, Some(id)) => {
                vellum_store::briefs::get(tx, id, false).await?.map(|b| (b.title, Subject::Brief(b.workspace_id)))
            }
            (None, None) => None,
        };
        let Some((about_title, subject)) = about else { return Ok(0) };
        let actor = match e.actor_id {
            Some(a) => users::by_id(tx, a).await?.map(|u| u.name).unwrap_or_else(|| "Someone".into()),
            None => "Vellum".into(),
        };
        let mut told = 0;
        for &who in &e.recipients {
            let Some(user) = users::by_id(tx, who).await?.filter(|u| u.disabled_at.is_none()) else { continue };
            // Told only what they could open in the app now. Nearly every kind is about work
            // in progress (reviews, new unapproved versions): viewers are not told.
            let access = match subject {
                Subject::Asset(id) => access::asset(&mut *tx, &user, id).await.map(|(_, a)| a),
                Subject::Brief(ws) => access::workspace_by_id(&mut *tx, &user, ws).await,
            };
            let Ok(access) = access else { continue };
            // A requester hears the answer to their own download request whatever their role.
            // A follower of a saved search hears of approved assets, which viewers may open.
            if !access.sees_work_in_progress() && !matches!(e.kind, EventKind::DownloadDecided | EventKind::SearchMatch)
            {
                continue;
            }
            let title = title(e.kind, &e.data, &about_title, &actor, who);
            let link = link(e);
            let prefs = notifications::preferences(tx, who).await?.map(|(p, _)| p).unwrap_or_default();
            let mail = match (&self.notify.smtp, prefs.choice(e.kind)) {
                (None, _) | (_, EmailChoice::Off) => MailState::None,
                (Some(_), EmailChoice::Immediate) => MailState::Immediate,
                (Some(_), EmailChoice::DailyDigest) => MailState::Digest,
            };
            let n = Notification {
                id: new_id(),
                user_id: who,
                event_id: e.id,
                workspace_id: e.workspace_id,
                kind: e.kind,
                title: title.clone(),
                link: link.clone(),
                object_type: e.object_type.clone(),
                object_id: e.object_id,
                created_at: e.at,
                read_at: None,
                mail,
            };
            if !notifications::insert(tx, &n).await? {
                continue;
            }
            told += 1;
            if mail == MailState::Immediate {
                let email = NewEmail {
                    unique_key: format!("notification:{}", n.id),
                    ..notification_email(self, &user, &title, &link, e.kind)
                };
                emails::enqueue(tx, &email, self.now()).await?;
            }
        }
        Ok(told)
    }

    /// One message per webhook of the workspace subscribed to the event's kind.
    async fn queue_webhooks(&self, tx: &mut Tx, e: &Event) -> Result<()> {
        let Some(ws) = e.workspace_id else { return Ok(()) };
        let payload = json!({"type": e.kind, "timestamp": e.at, "data": e.data}).to_string();
        for hook in webhooks::of_workspace(tx, ws).await? {
            if hook.events.contains(&e.kind) {
                webhooks::enqueue(tx, hook.id, Some(e.id), e.kind.as_str(), &payload, self.now()).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_say_what_happened_to_whom() {
        let me: Id = new_id();
        let other: Id = new_id();
        let data = json!({"version": 2, "stage": "Legal", "status": "approved", "waiting_on": [me.to_string()]});
        assert_eq!(
            title(EventKind::StageCompleted, &data, "Poster", "Ana", me),
            "Poster v2 waits for your decision (stage Legal is done)"
        );
        assert_eq!(
            title(EventKind::StageCompleted, &data, "Poster", "Ana", other),
            "Stage Legal of Poster v2 was approved"
        );
        let data = json!({"version": 1, "decision": "changes_requested"});
        assert_eq!(title(EventKind::ReviewDecision, &data, "Poster", "Ana", me), "Ana asked for changes on Poster v1");
        let data = json!({"version": 1, "status": "rejected"});
        assert_eq!(title(EventKind::ReviewCompleted, &data, "Poster", "Ana", me), "Poster v1 was rejected");
        assert_eq!(title(EventKind::ReviewStarted, &data, "Poster", "Ana", me), "Poster v1 waits for your decision");
    }
}
