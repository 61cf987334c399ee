//! SCIM Users: the accounts a directory provisions. A create adopts an existing person account
//! with the same address (but never sets a server admin's password); `active: false` disables
//! the account, ending its sessions and tokens; DELETE disables it and forgets the directory's
//! record (accounts are never erased: the audit trail names them).

use serde_json::{json, Value};
use vellum_domain::{
    audit::AuditAction,
    scim::{self, DirectoryUser, Filter, Paging},
    validate::check_password,
    ErrorCode, Id, Timestamp,
};
use vellum_store::{
    directory::{self, DirectoryUserRow, UserFilter},
    model::{NewAuditEvent, User, UserKind},
    users, Tx,
};

use super::{conflict, Directory};
use crate::{
    auth::hash_password,
    claim_memberships::{self, Source},
    record,
    sso::settings_in,
    Core, Error, Origin, Result,
};

/// The User resource of a provisioned account (RFC 7643, section 4.1).
pub(crate) async fn render(tx: &mut Tx, d: &DirectoryUserRow, u: &User, base: &str) -> Result<Value> {
    let groups: Vec<Value> = directory::groups_of_user(&mut *tx, u.id)
        .await?
        .into_iter()
        .map(|(id, name)| json!({"value": id, "display": name, "$ref": format!("{base}/Groups/{id}")}))
        .collect();
    let mut name = json!({"formatted": u.name});
    if let Some(g) = &d.given_name {
        name["givenName"] = json!(g);
    }
    if let Some(f) = &d.family_name {
        name["familyName"] = json!(f);
    }
    let mut v = json!({
        "schemas": [scim::USER_SCHEMA],
        "id": u.id,
        "userName": d.user_name,
        "name": name,
        "displayName": u.name,
        "emails": [{"value": u.email, "type": "work", "primary": true}],
        "active": u.disabled_at.is_none(),
        "groups": groups,
        "meta": {
            "resourceType": "User",
            "created": d.created_at,
            "lastModified": d.updated_at,
            "location": format!("{base}/Users/{}", u.id),
        },
    });
    if let Some(x) = &d.external_id {
        v["externalId"] = json!(x);
    }
    Ok(v)
}

fn not_found() -> Error {
    Error::not_found("user")
}

/// A directory holding the SCIM token may provision people, but not take over a server
/// admin's account by setting its password: admins keep theirs in Vellum (or use SSO).
fn may_set_password(account: &User, want: &DirectoryUser) -> Result<()> {
    if want.password.is_some() && account.is_admin {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "a directory cannot set a server admin's password: the admin changes it in Vellum",
        ));
    }
    Ok(())
}

/// The hash of the password a resource carries, checked like any other password.
async fn password_hash(want: &DirectoryUser) -> Result<Option<String>> {
    match &want.password {
        Some(p) => {
            check_password(p, &[&want.email, &want.display_name])?;
            Ok(Some(hash_password(p).await?))
        }
        None => Ok(None),
    }
}

/// The directory's record of `want` for account `id`.
fn row_of(id: Id, want: &DirectoryUser, created_at: Timestamp, now: Timestamp) -> DirectoryUserRow {
    DirectoryUserRow {
        user_id: id,
        user_name: want.user_name.clone(),
        external_id: want.external_id.clone(),
        given_name: want.given_name.clone(),
        family_name: want.family_name.clone(),
        created_at,
        updated_at: now,
    }
}

impl Core {
    /// Where SCIM resources live, for `meta.location`.
    pub fn scim_base(&self) -> String {
        format!("{}/scim/v2", self.notify.public_url.trim_end_matches('/'))
    }

    /// Creates (or adopts, by address) an account for a User resource.
    pub async fn scim_create_user(&self, dir: &Directory, body: &Value) -> Result<Value> {
        let want = scim::read_user(body)?;
        let password = password_hash(&want).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        if directory::user_named(&mut tx, &want.user_name).await?.is_some() {
            return Err(conflict(format!("a User with userName {} exists", want.user_name)));
        }
        let user = match users::by_email(&mut tx, &want.email).await? {
            Some(u) if u.kind == UserKind::Service || directory::user(&mut tx, u.id).await?.is_some() => {
                return Err(conflict(format!("another User has the address {}", want.email)));
            }
            Some(u) => {
                may_set_password(&u, &want)?;
                users::set_identity(&mut tx, u.id, &want.email, &want.display_name).await?;
                u
            }
            None => {
                let u = User::person(&want.email, &want.display_name, now);
                users::insert(&mut tx, &u).await?;
                u
            }
        };
        if let Some(hash) = &password {
            users::set_password_hash(&mut tx, user.id, hash).await?;
        }
        directory::put_user(&mut tx, &row_of(user.id, &want, now, now)).await?;
        let event = NewAuditEvent {
            object_id: Some(user.id.to_string()),
            after: Some(json!({"user_name": want.user_name, "email": want.email, "name": want.display_name,
                "active": want.active, "password": password.is_some()})),
            ..NewAuditEvent::new(AuditAction::DirectoryUserPut, "user")
        };
        record(&mut tx, &dir.origin, None, event).await?;
        self.settle_user(&mut tx, &dir.origin, user.id, &want, now).await?;
        let v = self.user_resource(&mut tx, user.id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Sets `active` and lets memberships follow; the record must exist.
    async fn settle_user(
        &self,
        tx: &mut Tx,
        origin: &Origin,
        id: Id,
        want: &DirectoryUser,
        now: Timestamp,
    ) -> Result<()> {
        let user = users::by_id(&mut *tx, id).await?.ok_or_else(not_found)?;
        match (want.active, user.disabled_at.is_some()) {
            (false, false) => {
                if user.is_admin && users::count_active_admins(&mut *tx).await? <= 1 {
                    return Err(Error::new(ErrorCode::LastAdmin, "the server must keep at least one active admin"));
                }
                users::set_disabled(&mut *tx, id, Some(now)).await?;
                let sessions = users::delete_sessions_of(&mut *tx, id, None).await?;
                let tokens = users::delete_tokens_of(&mut *tx, id).await?;
                let event = NewAuditEvent {
                    object_id: Some(id.to_string()),
                    after: Some(json!({"sessions_ended": sessions, "tokens_revoked": tokens, "via": "directory"})),
                    ..NewAuditEvent::new(AuditAction::UserDisable, "user")
                };
                record(&mut *tx, origin, None, event).await?;
            }
            (true, true) => {
                users::set_disabled(&mut *tx, id, None).await?;
                let event = NewAuditEvent {
                    object_id: Some(id.to_string()),
                    after: Some(json!({"via": "directory"})),
                    ..NewAuditEvent::new(AuditAction::UserEnable, "user")
                };
                record(&mut *tx, origin, None, event).await?;
            }
            _ => {}
        }
        let user = users::by_id(&mut *tx, id).await?.ok_or_else(not_found)?;
        let rules = settings_in(&mut *tx).await?.claim_rules;
        claim_memberships::follow(tx, origin, &user, &rules, Source::Directory, now).await
    }

    pub(crate) async fn user_resource(&self, tx: &mut Tx, id: Id) -> Result<Value> {
        let (d, u) = directory::user(&mut *tx, id).await?.ok_or_else(not_found)?;
        render(tx, &d, &u, &self.scim_base()).await
    }

    /// One User.
    pub async fn scim_user(&self, _dir: &Directory, id: Id) -> Result<Value> {
        let mut tx = self.store.write().await?;
        let v = self.user_resource(&mut tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// A page of Users, optionally filtered by `userName eq` or `externalId eq`.
    pub async fn scim_users(&self, _dir: &Directory, filter: Option<&str>, paging: Paging) -> Result<Value> {
        let filter = filter
            .filter(|f| !f.trim().is_empty())
            .map(|f| scim::read_filter(f, &["userName", "externalId"]))
            .transpose()?;
        let by = match &filter {
            Some(Filter { attribute: "userName", value }) => UserFilter::UserName(value),
            Some(Filter { value, .. }) => UserFilter::ExternalId(value),
            None => UserFilter::All,
        };
        let mut tx = self.store.write().await?;
        let (rows, total) = directory::users(&mut tx, by, paging.offset, paging.count).await?;
        let base = self.scim_base();
        let mut resources = Vec::with_capacity(rows.len());
        for (d, u) in &rows {
            resources.push(render(&mut tx, d, u, &base).await?);
        }
        tx.commit().await?;
        Ok(scim::list(resources, total, paging))
    }

    /// Replaces a User with the resource given (PUT).
    pub async fn scim_replace_user(&self, dir: &Directory, id: Id, body: &Value) -> Result<Value> {
        let want = scim::read_user(body)?;
        self.put_user(dir, id, want).await
    }

    /// Applies PATCH operations to a User.
    pub async fn scim_patch_user(&self, dir: &Directory, id: Id, body: &Value) -> Result<Value> {
        let mut current = self.scim_user(dir, id).await?;
        scim::apply_patch(&mut current, body)?;
        let want = scim::read_user(&current)?;
        self.put_user(dir, id, want).await
    }

    async fn put_user(&self, dir: &Directory, id: Id, want: DirectoryUser) -> Result<Value> {
        let password = password_hash(&want).await?;
        let now = self.now();
        let mut tx = self.store.write().await?;
        let (before, user) = directory::user(&mut tx, id).await?.ok_or_else(not_found)?;
        may_set_password(&user, &want)?;
        if directory::user_named(&mut tx, &want.user_name).await?.is_some_and(|other| other != id) {
            return Err(conflict(format!("a User with userName {} exists", want.user_name)));
        }
        if users::by_email(&mut tx, &want.email).await?.is_some_and(|other| other.id != id) {
            return Err(conflict(format!("another User has the address {}", want.email)));
        }
        users::set_identity(&mut tx, id, &want.email, &want.display_name).await?;
        if let Some(hash) = &password {
            users::set_password_hash(&mut tx, id, hash).await?;
        }
        directory::put_user(&mut tx, &row_of(id, &want, before.created_at, now)).await?;
        let event = NewAuditEvent {
            object_id: Some(id.to_string()),
            before: Some(json!({"user_name": before.user_name, "email": user.email, "name": user.name,
                "active": user.disabled_at.is_none()})),
            after: Some(json!({"user_name": want.user_name, "email": want.email, "name": want.display_name,
                "active": want.active, "password": password.is_some()})),
            ..NewAuditEvent::new(AuditAction::DirectoryUserPut, "user")
        };
        record(&mut tx, &dir.origin, None, event).await?;
        self.settle_user(&mut tx, &dir.origin, id, &want, now).await?;
        let v = self.user_resource(&mut tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Removes a User from the directory: the account is disabled (sessions and tokens end) and
    /// leaves its directory groups; its record stays for the audit trail.
    pub async fn scim_delete_user(&self, dir: &Directory, id: Id) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let (d, user) = directory::user(&mut tx, id).await?.ok_or_else(not_found)?;
        let gone = DirectoryUser {
            user_name: d.user_name.clone(),
            external_id: None,
            given_name: None,
            family_name: None,
            display_name: user.name.clone(),
            email: user.email.clone(),
            active: false,
            password: None,
        };
        directory::delete_user(&mut tx, id).await?;
        let event = NewAuditEvent {
            object_id: Some(id.to_string()),
            before: Some(json!({"user_name": d.user_name})),
            ..NewAuditEvent::new(AuditAction::DirectoryUserDelete, "user")
        };
        record(&mut tx, &dir.origin, None, event).await?;
        self.settle_user(&mut tx, &dir.origin, id, &gone, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
