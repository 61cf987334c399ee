//! A person's inbox and notification settings: list (all or unread), mark read, mark all
//! read, and the email choice per event kind with the digest's local hour.

use serde::Serialize;
use vellum_domain::{
    event::{EventKind, Preferences, PreferencesChange},
    page::{Page, PageRequest},
    Id, Timestamp,
};
use vellum_store::notifications;

use crate::{Actor, Core, Error, Result};

/// One inbox item as its owner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationView {
    pub id: Id,
    pub kind: EventKind,
    pub title: String,
    /// The page it is about, as a path of this server.
    pub link: String,
    pub workspace_id: Option<Id>,
    pub object_type: String,
    pub object_id: Id,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

impl From<notifications::Notification> for NotificationView {
    fn from(n: notifications::Notification) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind,
            title: n.title,
            link: n.link,
            workspace_id: n.workspace_id,
            object_type: n.object_type,
            object_id: n.object_id,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

impl Core {
    /// The actor's notifications, newest first, with their unread count.
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: &PageRequest,
    ) -> Result<(Page<NotificationView>, i64)> {
        let mut c = self.store.conn().await?;
        let me = actor.user.id;
        let rows =
            notifications::list(&mut c, me, actor.user.token_workspace, unread_only, page.cursor_id()?, page.fetch())
                .await?;
        let unread = notifications::unread_count(&mut c, me, actor.user.token_workspace).await?;
        let page = Page::from_fetched(rows, page, |n| n.id.to_string()).map(NotificationView::from);
        Ok((page, unread))
    }

    /// How many unread notifications the actor has (the bell).
    pub async fn unread_count(&self, actor: &Actor) -> Result<i64> {
        Ok(notifications::unread_count(&mut *self.store.conn().await?, actor.user.id, actor.user.token_workspace)
            .await?)
    }

    /// Marks one of the actor's notifications read; someone else's is not found.
    pub async fn mark_read(&self, actor: &Actor, id: Id) -> Result<NotificationView> {
        let mut tx = self.store.write().await?;
        if !notifications::mark_read(&mut tx, actor.user.id, id, self.now()).await? {
            return Err(Error::not_found("notification"));
        }
        let n =
            notifications::get(&mut tx, actor.user.id, id).await?.ok_or_else(|| Error::not_found("notification"))?;
        tx.commit().await?;
        Ok(n.into())
    }

    /// Marks all the actor's notifications read; returns how many were unread.
    pub async fn mark_all_read(&self, actor: &Actor) -> Result<u64> {
        let mut tx = self.store.write().await?;
        let n = notifications::mark_all_read(&mut tx, actor.user.id, self.now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The actor's notification settings (the defaults until they change them).
    pub async fn notification_preferences(&self, actor: &Actor) -> Result<Preferences> {
        let stored = notifications::preferences(&mut *self.store.conn().await?, actor.user.id).await?;
        Ok(stored.map(|(p, _)| p).unwrap_or_default())
    }

    /// Changes the actor's notification settings; an invalid part changes nothing.
    pub async fn set_notification_preferences(&self, actor: &Actor, change: &PreferencesChange) -> Result<Preferences> {
        let mut tx = self.store.write().await?;
        let current = notifications::preferences(&mut tx, actor.user.id).await?.map(|(p, _)| p).unwrap_or_default();
        let next = current.changed(change).map_err(|e| Error::new(e.code, e.message))?;
        notifications::put_preferences(&mut tx, actor.user.id, &next).await?;
        tx.commit().await?;
        Ok(next)
    }
}
