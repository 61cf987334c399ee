//! Workspaces, memberships and groups.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{role::Role, search_language::SearchLanguage, Id, Timestamp};

use crate::{
    model::{Group, Member, Workspace},
    row, Result,
};

fn workspace(r: &AnyRow) -> Result<Workspace> {
    Ok(Workspace {
        id: row::id(r, "id")?,
        name: row::text(r, "name")?,
        slug: row::text(r, "slug")?,
        created_at: row::ts(r, "created_at")?,
        keep_gps: row::int(r, "keep_gps")? != 0,
        frame_offset: u32::try_from(row::int(r, "frame_offset")?).unwrap_or(0),
        rights_managers: row::opt_id(r, "rights_managers")?,
        rights_warning_days: match row::opt_text(r, "rights_warning_days")? {
            Some(t) => {
                serde_json::from_str(&t).map_err(|e| crate::Error::Corrupt(format!("rights_warning_days: {e}")))?
            }
            None => vellum_domain::rights::DEFAULT_WARNINGS.to_vec(),
        },
        search_language: row::parsed(r, "search_language", SearchLanguage::parse)?,
    })
}

fn role(r: &AnyRow) -> Result<Role> {
    row::parsed(r, "role", |s| Role::parse(s).ok())
}

pub async fn insert(c: &mut AnyConnection, w: &Workspace) -> Result<()> {
    sqlx::query(
        "INSERT INTO workspaces (id, name, slug, created_at, keep_gps, search_language) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(w.id.to_string())
    .bind(&w.name)
    .bind(&w.slug)
    .bind(w.created_at.to_string())
    .bind(i64::from(w.keep_gps))
    .bind(w.search_language.code())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn by_id(c: &mut AnyConnection, id: Id) -> Result<Option<Workspace>> {
    sqlx::query("SELECT id, name, slug, created_at, keep_gps, frame_offset, rights_managers, rights_warning_days, search_language FROM workspaces WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(workspace)
        .transpose()
}

/// A workspace by id or, when the reference is not an id, by slug.
pub async fn by_reference(c: &mut AnyConnection, reference: &str) -> Result<Option<Workspace>> {
    match vellum_domain::id::parse_id(reference) {
        Some(id) => by_id(c, id).await,
        None => by_slug(c, reference).await,
    }
}

pub async fn by_slug(c: &mut AnyConnection, slug: &str) -> Result<Option<Workspace>> {
    sqlx::query("SELECT id, name, slug, created_at, keep_gps, frame_offset, rights_managers, rights_warning_days, search_language FROM workspaces WHERE slug = $1")
        .bind(slug)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(workspace)
        .transpose()
}

/// A workspace by id or slug together with `user`'s role in it, in one query; None if
/// there is no such workspace or the user is not a member.
pub async fn with_role(
    c: &mut AnyConnection,
    id: Option<Id>,
    slug: &str,
    user: Id,
) -> Result<Option<(Workspace, Role)>> {
    let (column, key) = match id {
        Some(id) => ("w.id", id.to_string()),
        None => ("w.slug", slug.to_string()),
    };
    let sql = format!(
        "SELECT w.id, w.name, w.slug, w.created_at, w.keep_gps, w.frame_offset, w.rights_managers, w.rights_warning_days, w.search_language, m.role FROM workspaces w \
         JOIN memberships m ON m.workspace_id = w.id AND m.user_id = $2 WHERE {column} = $1"
    );
    let r = sqlx::query(&sql).bind(key).bind(user.to_string()).fetch_optional(c).await?;
    r.map(|r| Ok((workspace(&r)?, role(&r)?))).transpose()
}

/// Saves a workspace's name and settings.
pub async fn update(c: &mut AnyConnection, w: &Workspace) -> Result<()> {
    sqlx::query(
        "UPDATE workspaces SET name = $1, keep_gps = $2, frame_offset = $4, rights_managers = $5, \
         rights_warning_days = $6, search_language = $7 WHERE id = $3",
    )
    .bind(&w.name)
    .bind(i64::from(w.keep_gps))
    .bind(w.id.to_string())
    .bind(i64::from(w.frame_offset))
    .bind(w.rights_managers.map(|g| g.to_string()))
    .bind(row::to_json(&w.rights_warning_days)?)
    .bind(w.search_language.code())
    .execute(c)
    .await?;
    Ok(())
}

/// Locks a workspace row until the transaction ends (PostgreSQL; SQLite writers are serial).
pub async fn lock(c: &mut AnyConnection, id: Id) -> Result<()> {
    let lock = crate::dialect::of(c).for_update();
    sqlx::query(&format!("SELECT id FROM workspaces WHERE id = $1{lock}"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?;
    Ok(())
}

/// Workspaces `user` belongs to, with their role in each.
pub async fn list_for_user(c: &mut AnyConnection, user: Id) -> Result<Vec<(Workspace, Role)>> {
    sqlx::query(
        "SELECT w.id, w.name, w.slug, w.created_at, w.keep_gps, w.frame_offset, w.rights_managers, w.rights_warning_days, w.search_language, m.role FROM workspaces w \
         JOIN memberships m ON m.workspace_id = w.id WHERE m.user_id = $1 ORDER BY w.name",
    )
    .bind(user.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| Ok((workspace(r)?, role(r)?)))
    .collect()
}

pub async fn role_of(c: &mut AnyConnection, ws: Id, user: Id) -> Result<Option<Role>> {
    sqlx::query("SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws.to_string())
        .bind(user.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(role)
        .transpose()
}

/// Sets a member's role, returning the role they had before (None if they were not a member).
pub async fn set_role(c: &mut AnyConnection, ws: Id, user: Id, role: Role, now: Timestamp) -> Result<Option<Role>> {
    let before = role_of(&mut *c, ws, user).await?;
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role, managed = 0",
    )
    .bind(ws.to_string())
    .bind(user.to_string())
    .bind(role.as_str())
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(before)
}

/// The memberships of a user that claim rules granted, with their roles.
pub async fn managed_memberships(c: &mut AnyConnection, user: Id) -> Result<Vec<(Id, Role)>> {
    sqlx::query("SELECT workspace_id, role FROM memberships WHERE user_id = $1 AND managed = 1")
        .bind(user.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| Ok((row::id(r, "workspace_id")?, role(r)?)))
        .collect()
}

/// Grants a membership on behalf of claim rules, or changes the role of one they granted; a
/// membership granted by hand is left as it is. Returns the role before (None: not a member)
/// and whether anything changed.
pub async fn set_managed_role(
    c: &mut AnyConnection,
    ws: Id,
    user: Id,
    role: Role,
    now: Timestamp,
) -> Result<(Option<Role>, bool)> {
    let before = role_of(&mut *c, ws, user).await?;
    let done = sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at, managed) VALUES ($1, $2, $3, $4, 1) \
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role \
         WHERE memberships.managed = 1 AND memberships.role <> excluded.role",
    )
    .bind(ws.to_string())
    .bind(user.to_string())
    .bind(role.as_str())
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok((before, done.rows_affected() > 0))
}

/// Sets (or clears) a member's supervisor.
pub async fn set_supervisor(c: &mut AnyConnection, ws: Id, user: Id, supervisor: Option<Id>) -> Result<()> {
    sqlx::query("UPDATE memberships SET supervisor_id = $1 WHERE workspace_id = $2 AND user_id = $3")
        .bind(supervisor.map(|s| s.to_string()))
        .bind(ws.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn count_role(c: &mut AnyConnection, ws: Id, role: Role) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE workspace_id = $1 AND role = $2")
        .bind(ws.to_string())
        .bind(role.as_str())
        .fetch_one(c)
        .await?;
    row::int(&r, "n")
}

pub async fn members(c: &mut AnyConnection, ws: Id) -> Result<Vec<Member>> {
    sqlx::query(
        "SELECT u.id, u.email, u.name, m.role, m.created_at, m.supervisor_id FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.workspace_id = $1 ORDER BY u.name, u.email",
    )
    .bind(ws.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| {
        Ok(Member {
            user_id: row::id(r, "id")?,
            email: row::text(r, "email")?,
            name: row::text(r, "name")?,
            role: role(r)?,
            since: row::ts(r, "created_at")?,
            supervisor_id: row::opt_id(r, "supervisor_id")?,
        })
    })
    .collect()
}

pub async fn insert_group(c: &mut AnyConnection, g: &Group) -> Result<()> {
    sqlx::query("INSERT INTO user_groups (id, workspace_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(g.id.to_string())
        .bind(g.workspace_id.to_string())
        .bind(&g.name)
        .bind(g.created_at.to_string())
        .execute(&mut *c)
        .await?;
    for m in &g.members {
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(g.id.to_string())
            .bind(m.to_string())
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Every group of a workspace with its members.
pub async fn groups(c: &mut AnyConnection, ws: Id) -> Result<Vec<Group>> {
    let rows =
        sqlx::query("SELECT id, workspace_id, name, created_at FROM user_groups WHERE workspace_id = $1 ORDER BY name")
            .bind(ws.to_string())
            .fetch_all(&mut *c)
            .await?;
    let links = sqlx::query(
        "SELECT gm.group_id, gm.user_id FROM group_members gm JOIN user_groups g ON g.id = gm.group_id WHERE g.workspace_id = $1",
    )
    .bind(ws.to_string())
    .fetch_all(&mut *c)
    .await?;
    let links: Vec<(Id, Id)> =
        links.iter().map(|r| Ok((row::id(r, "group_id")?, row::id(r, "user_id")?))).collect::<Result<_>>()?;
    rows.iter()
        .map(|r| {
            let id = row::id(r, "id")?;
            Ok(Group {
                id,
                workspace_id: row::id(r, "workspace_id")?,
                name: row::text(r, "name")?,
                members: links.iter().filter(|(g, _)| *g == id).map(|(_, u)| *u).collect(),
                created_at: row::ts(r, "created_at")?,
            })
        })
        .collect()
}

/// One group with its members.
pub async fn group(c: &mut AnyConnection, id: Id) -> Result<Option<Group>> {
    let r = sqlx::query("SELECT workspace_id FROM user_groups WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    let Some(r) = r else { return Ok(None) };
    let ws = row::id(&r, "workspace_id")?;
    Ok(groups(c, ws).await?.into_iter().find(|g| g.id == id))
}

pub async fn rename_group(c: &mut AnyConnection, id: Id, name: &str) -> Result<()> {
    sqlx::query("UPDATE user_groups SET name = $1 WHERE id = $2").bind(name).bind(id.to_string()).execute(c).await?;
    Ok(())
}

pub async fn add_group_member(c: &mut AnyConnection, group: Id, user: Id) -> Result<()> {
    sqlx::query(
        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT (group_id, user_id) DO NOTHING",
    )
    .bind(group.to_string())
    .bind(user.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn remove_group_member(c: &mut AnyConnection, group: Id, user: Id) -> Result<()> {
    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn delete_group(c: &mut AnyConnection, id: Id) -> Result<()> {
    sqlx::query("DELETE FROM group_members WHERE group_id = $1").bind(id.to_string()).execute(&mut *c).await?;
    sqlx::query("DELETE FROM user_groups WHERE id = $1").bind(id.to_string()).execute(c).await?;
    Ok(())
}

/// Takes a user out of a workspace and out of its groups; false if they were not a member.
pub async fn remove_member(c: &mut AnyConnection, ws: Id, user: Id) -> Result<bool> {
    sqlx::query("DELETE FROM group_members WHERE user_id = $1 AND group_id IN (SELECT id FROM user_groups WHERE workspace_id = $2)")
        .bind(user.to_string())
        .bind(ws.to_string())
        .execute(&mut *c)
        .await?;
    let done = sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
        .bind(ws.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}
