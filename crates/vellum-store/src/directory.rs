//! The directory's view (SCIM): provisioned accounts with their userName and ids, the
//! directory's groups and members, and workspace groups whose members follow a directory group.

use sqlx::{any::AnyRow, AnyConnection};
use vellum_domain::{Id, Timestamp};

use crate::{
    model::User,
    row,
    users::{self, USER_COLS},
    Result,
};

/// What the directory keeps of an account besides the account itself.
#[derive(Debug, Clone)]
pub struct DirectoryUserRow {
    pub user_id: Id,
    pub user_name: String,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const DIR_USER_COLS: &str =
    "d.user_id, d.user_name, d.external_id, d.given_name, d.family_name, d.created_at AS d_created, d.updated_at AS d_updated";

fn dir_user(r: &AnyRow) -> Result<(DirectoryUserRow, User)> {
    Ok((
        DirectoryUserRow {
            user_id: row::id(r, "user_id")?,
            user_name: row::text(r, "user_name")?,
            external_id: row::opt_text(r, "external_id")?,
            given_name: row::opt_text(r, "given_name")?,
            family_name: row::opt_text(r, "family_name")?,
            created_at: row::ts(r, "d_created")?,
            updated_at: row::ts(r, "d_updated")?,
        },
        users::user(r)?,
    ))
}

/// Inserts or replaces the directory's record of an account.
pub async fn put_user(c: &mut AnyConnection, d: &DirectoryUserRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO directory_users (user_id, user_name, external_id, given_name, family_name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO UPDATE SET user_name = excluded.user_name, \
         external_id = excluded.external_id, given_name = excluded.given_name, family_name = excluded.family_name, \
         updated_at = excluded.updated_at",
    )
    .bind(d.user_id.to_string())
    .bind(&d.user_name)
    .bind(&d.external_id)
    .bind(&d.given_name)
    .bind(&d.family_name)
    .bind(d.created_at.to_string())
    .bind(d.updated_at.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn user(c: &mut AnyConnection, id: Id) -> Result<Option<(DirectoryUserRow, User)>> {
    let sql = format!("SELECT {DIR_USER_COLS}, {USER_COLS} FROM directory_users d JOIN users u ON u.id = d.user_id WHERE d.user_id = $1");
    sqlx::query(&sql).bind(id.to_string()).fetch_optional(c).await?.as_ref().map(dir_user).transpose()
}

/// The provisioned account with this userName (lower-cased), if any.
pub async fn user_named(c: &mut AnyConnection, user_name: &str) -> Result<Option<Id>> {
    sqlx::query("SELECT user_id FROM directory_users WHERE user_name = $1")
        .bind(user_name)
        .fetch_optional(c)
        .await?
        .map(|r| row::id(&r, "user_id"))
        .transpose()
}

/// What a list is narrowed to.
#[derive(Debug, Clone, Copy)]
pub enum UserFilter<'a> {
    All,
    UserName(&'a str),
    ExternalId(&'a str),
}

/// A page of provisioned accounts (oldest first) and how many match in all.
pub async fn users(
    c: &mut AnyConnection,
    filter: UserFilter<'_>,
    offset: usize,
    count: usize,
) -> Result<(Vec<(DirectoryUserRow, User)>, usize)> {
    let (clause, value) = match filter {
        UserFilter::All => ("", None),
        UserFilter::UserName(v) => (" WHERE d.user_name = $1", Some(v.to_lowercase())),
        UserFilter::ExternalId(v) => (" WHERE d.external_id = $1", Some(v.to_string())),
    };
    let total_sql = format!("SELECT COUNT(*) AS n FROM directory_users d{clause}");
    let page_sql = format!(
        "SELECT {DIR_USER_COLS}, {USER_COLS} FROM directory_users d JOIN users u ON u.id = d.user_id{clause} \
         ORDER BY d.created_at, d.user_id LIMIT {count} OFFSET {offset}"
    );
    let mut total = sqlx::query(&total_sql);
    let mut page = sqlx::query(&page_sql);
    if let Some(v) = &value {
        total = total.bind(v.clone());
        page = page.bind(v.clone());
    }
    let n = row::int(&total.fetch_one(&mut *c).await?, "n")?;
    let rows = page.fetch_all(c).await?.iter().map(dir_user).collect::<Result<Vec<_>>>()?;
    Ok((rows, usize::try_from(n).unwrap_or(0)))
}

/// Forgets the directory's record of an account and its group memberships.
pub async fn delete_user(c: &mut AnyConnection, id: Id) -> Result<()> {
    sqlx::query("DELETE FROM directory_group_members WHERE user_id = $1").bind(id.to_string()).execute(&mut *c).await?;
    sqlx::query("DELETE FROM directory_users WHERE user_id = $1").bind(id.to_string()).execute(c).await?;
    Ok(())
}

/// A directory group.
#[derive(Debug, Clone)]
pub struct DirectoryGroupRow {
    pub id: Id,
    pub display_name: String,
    pub external_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Members with their names, by name.
    pub members: Vec<(Id, String)>,
}

async fn members_of(c: &mut AnyConnection, group: Id) -> Result<Vec<(Id, String)>> {
    sqlx::query(
        "SELECT u.id, u.name FROM directory_group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 \
         ORDER BY u.name, u.id",
    )
    .bind(group.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| Ok((row::id(r, "id")?, row::text(r, "name")?)))
    .collect()
}

async fn group_row(c: &mut AnyConnection, r: &AnyRow) -> Result<DirectoryGroupRow> {
    let id = row::id(r, "id")?;
    Ok(DirectoryGroupRow {
        id,
        display_name: row::text(r, "display_name")?,
        external_id: row::opt_text(r, "external_id")?,
        created_at: row::ts(r, "created_at")?,
        updated_at: row::ts(r, "updated_at")?,
        members: members_of(c, id).await?,
    })
}

const GROUP_COLS: &str = "id, display_name, external_id, created_at, updated_at";

pub async fn put_group(
    c: &mut AnyConnection,
    id: Id,
    name: &str,
    external_id: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO directory_groups (id, display_name, external_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, external_id = excluded.external_id, \
         updated_at = excluded.updated_at",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(external_id)
    .bind(now.to_string())
    .execute(c)
    .await?;
    Ok(())
}

pub async fn group(c: &mut AnyConnection, id: Id) -> Result<Option<DirectoryGroupRow>> {
    let r = sqlx::query(&format!("SELECT {GROUP_COLS} FROM directory_groups WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    match r {
        Some(r) => Ok(Some(group_row(c, &r).await?)),
        None => Ok(None),
    }
}

/// A page of groups (by name), optionally only the one with this display name, and the total.
pub async fn groups(
    c: &mut AnyConnection,
    display_name: Option<&str>,
    offset: usize,
    count: usize,
) -> Result<(Vec<DirectoryGroupRow>, usize)> {
    let clause = if display_name.is_some() { " WHERE display_name = $1" } else { "" };
    let total_sql = format!("SELECT COUNT(*) AS n FROM directory_groups{clause}");
    let page_sql = format!(
        "SELECT {GROUP_COLS} FROM directory_groups{clause} ORDER BY display_name, id LIMIT {count} OFFSET {offset}"
    );
    let mut total = sqlx::query(&total_sql);
    let mut page = sqlx::query(&page_sql);
    if let Some(v) = display_name {
        total = total.bind(v.to_string());
        page = page.bind(v.to_string());
    }
    let n = row::int(&total.fetch_one(&mut *c).await?, "n")?;
    let found = page.fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        out.push(group_row(&mut *c, r).await?);
    }
    Ok((out, usize::try_from(n).unwrap_or(0)))
}

/// Makes a group's members exactly `members`.
pub async fn set_members(c: &mut AnyConnection, group: Id, members: &[Id]) -> Result<()> {
    sqlx::query("DELETE FROM directory_group_members WHERE group_id = $1")
        .bind(group.to_string())
        .execute(&mut *c)
        .await?;
    for m in members {
        sqlx::query("INSERT INTO directory_group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group.to_string())
            .bind(m.to_string())
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

pub async fn delete_group(c: &mut AnyConnection, id: Id) -> Result<()> {
    sqlx::query("UPDATE user_groups SET directory_group_id = NULL WHERE directory_group_id = $1")
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM directory_group_members WHERE group_id = $1")
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM directory_groups WHERE id = $1").bind(id.to_string()).execute(c).await?;
    Ok(())
}

/// The directory groups a user is in (id and name), by name.
pub async fn groups_of_user(c: &mut AnyConnection, user: Id) -> Result<Vec<(Id, String)>> {
    sqlx::query(
        "SELECT g.id, g.display_name FROM directory_group_members m JOIN directory_groups g ON g.id = m.group_id \
         WHERE m.user_id = $1 ORDER BY g.display_name",
    )
    .bind(user.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|r| Ok((row::id(r, "id")?, row::text(r, "display_name")?)))
    .collect()
}

/// Links a workspace group to a directory group (None: unlinks it).
pub async fn link_group(c: &mut AnyConnection, group: Id, directory_group: Option<Id>) -> Result<()> {
    sqlx::query("UPDATE user_groups SET directory_group_id = $1 WHERE id = $2")
        .bind(directory_group.map(|d| d.to_string()))
        .bind(group.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// The directory group a workspace group follows.
pub async fn linked_group(c: &mut AnyConnection, group: Id) -> Result<Option<Id>> {
    let r = sqlx::query("SELECT directory_group_id FROM user_groups WHERE id = $1")
        .bind(group.to_string())
        .fetch_optional(c)
        .await?;
    Ok(match r {
        Some(r) => row::opt_text(&r, "directory_group_id")?.and_then(|s| s.parse().ok()),
        None => None,
    })
}

/// Brings every linked workspace group in line with its directory group: the directory
/// group's members who are members of the workspace, and nobody else.
pub async fn sync_linked_groups(c: &mut AnyConnection) -> Result<()> {
    sqlx::query(
        "INSERT INTO group_members (group_id, user_id) \
         SELECT g.id, dm.user_id FROM user_groups g \
         JOIN directory_group_members dm ON dm.group_id = g.directory_group_id \
         JOIN memberships m ON m.workspace_id = g.workspace_id AND m.user_id = dm.user_id \
         WHERE g.directory_group_id IS NOT NULL \
         ON CONFLICT (group_id, user_id) DO NOTHING",
    )
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "DELETE FROM group_members WHERE group_id IN (SELECT id FROM user_groups WHERE directory_group_id IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM user_groups g JOIN directory_group_members dm ON dm.group_id = g.directory_group_id \
         WHERE g.id = group_members.group_id AND dm.user_id = group_members.user_id)",
    )
    .execute(c)
    .await?;
    Ok(())
}
