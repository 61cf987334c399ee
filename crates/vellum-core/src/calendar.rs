//! A workspace's business calendar: reading it (every member; the default until one is set),
//! changing it (admins), and the calendar a review counts its deadlines on.

use serde_json::json;
use vellum_domain::{
    audit::AuditAction,
    calendar::{Calendar, CalendarSpec},
    fields::FieldError,
    role::Capability,
    ErrorCode,
};
use vellum_store::calendars;

use crate::{access, record, setting_event, Actor, Core, Error, Result};

/// The calendar a review counts on: the one it started under, or the default. A stored spec
/// that no longer parses (a time zone dropped from a future database) falls back to the
/// default rather than leaving the review without deadlines.
pub fn of_review(spec: Option<&CalendarSpec>) -> Calendar {
    spec.and_then(|s| Calendar::parse(s).ok()).unwrap_or_default()
}

impl Core {
    /// The workspace's calendar.
    pub async fn calendar(&self, actor: &Actor, ws: &str) -> Result<CalendarSpec> {
        let mut c = self.store.conn().await?;
        let access = access::workspace(&mut c, &actor.user, ws).await?;
        Ok(calendars::get(&mut c, access.workspace.id).await?.unwrap_or_default())
    }

    /// Sets the workspace's calendar (owners and admins). Reviews already running keep the
    /// calendar they started under; new ones count on this.
    pub async fn put_calendar(&self, actor: &Actor, ws: &str, spec: CalendarSpec) -> Result<CalendarSpec> {
        Calendar::parse(&spec).map_err(|e| Error::Fields {
            code: ErrorCode::InvalidCalendar,
            message: e.message.clone(),
            fields: vec![FieldError { key: e.field.to_string(), message: e.message }],
        })?;
        let mut tx = self.store.write().await?;
        let access = access::workspace(&mut tx, &actor.user, ws).await?;
        access.require(Capability::Administer)?;
        let ws_id = access.workspace.id;
        let before = calendars::get(&mut tx, ws_id).await?;
        let mut spec = spec;
        spec.holidays.sort();
        spec.holidays.dedup();
        calendars::put(&mut tx, ws_id, &spec, self.now()).await?;
        let event = setting_event(AuditAction::CalendarPut, "calendar", ws_id, before.map(|b| json!(b)), json!(spec));
        record(&mut tx, &actor.origin, Some(&actor.user), event).await?;
        tx.commit().await?;
        Ok(spec)
    }
}
