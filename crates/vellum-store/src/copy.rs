//! Copying every row of one database into another of the same schema, SQLite or PostgreSQL
//! either side (`vellum migrate-store`, `backup`, `restore`). Values keep their exact text and
//! integers, so ids, audit hashes and tags are the same on the target. Tables go parents
//! first; rows the target already holds are skipped, so a copy that stopped half way is
//! finished by running it again.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use sqlx::{any::AnyRow, Row};

use crate::{values, Backend, Conn, Error, Result, Store};

/// Each side keeps its own record of applied migrations.
const OWN_TABLES: [&str; 1] = ["schema_migrations"];

/// A table as the copy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    /// Column names with what each holds, in name order.
    columns: Vec<(String, Kind)>,
    /// Nullable columns pointing at the same table (a comment's parent): written in a
    /// second pass, once every row they may point at is there.
    self_refs: Vec<String>,
}

/// What a column holds: the schema uses only these three types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Int,
    Float,
    Text,
}

/// The tables of a database, parents before the tables that point at them.
pub async fn tables(c: &mut Conn, backend: Backend) -> Result<Vec<Table>> {
    let names: Vec<String> = match backend {
        Backend::Sqlite => {
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .fetch_all(&mut *c)
                .await?
        }
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE'",
            )
            .fetch_all(&mut *c)
            .await?
        }
    };
    let mut tables = BTreeMap::new();
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in names.into_iter().filter(|n| !OWN_TABLES.contains(&n.as_str())) {
        let columns = columns(c, backend, &name).await?;
        let refs = foreign_keys(c, backend, &name).await?;
        let self_refs = refs.iter().filter(|(_, to)| *to == name).map(|(col, _)| col.clone()).collect();
        parents.insert(name.clone(), refs.into_iter().map(|(_, to)| to).filter(|to| *to != name).collect());
        tables.insert(name.clone(), Table { name, columns, self_refs });
    }
    let mut ordered = Vec::with_capacity(tables.len());
    let mut placed = BTreeSet::new();
    while placed.len() < tables.len() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(t, ps)| !placed.contains(*t) && ps.iter().all(|p| placed.contains(p) || !tables.contains_key(p)))
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            return Err(Error::Corrupt("the tables' foreign keys form a cycle".into()));
        }
        for t in ready {
            placed.insert(t.clone());
            ordered.extend(tables.get(&t).cloned());
        }
    }
    Ok(ordered)
}

async fn columns(c: &mut Conn, backend: Backend, table: &str) -> Result<Vec<(String, Kind)>> {
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query("SELECT name, type AS kind FROM pragma_table_info($1)").bind(table).fetch_all(&mut *c).await?
        }
        Backend::Postgres => {
            sqlx::query(
                "SELECT column_name::TEXT AS name, data_type::TEXT AS kind FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table)
            .fetch_all(&mut *c)
            .await?
        }
    };
    let mut columns = Vec::with_capacity(rows.len());
    for r in rows {
        let name: String = r.try_get("name")?;
        let kind: String = r.try_get("kind")?;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "bigint" | "integer" | "int" => Kind::Int,
            "double precision" | "real" | "double" => Kind::Float,
            "text" => Kind::Text,
            other => return Err(Error::Corrupt(format!("{table}.{name} has type {other}, which a copy cannot carry"))),
        };
        columns.push((name, kind));
    }
    columns.sort();
    Ok(columns)
}

/// (column, referenced table) of each foreign key of `table`.
async fn foreign_keys(c: &mut Conn, backend: Backend, table: &str) -> Result<Vec<(String, String)>> {
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query("SELECT \"from\" AS col, \"table\" AS target FROM pragma_foreign_key_list($1)")
                .bind(table)
                .fetch_all(&mut *c)
                .await?
        }
        Backend::Postgres => {
            sqlx::query(
                "SELECT a.attname::TEXT AS col, r.relname::TEXT AS target FROM pg_constraint k \
             JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) \
             WHERE k.contype = 'f' AND n.nspname = current_schema() AND t.relname = $1",
            )
            .bind(table)
            .fetch_all(&mut *c)
            .await?
        }
    };
    rows.iter().map(|r| Ok((r.try_get("col")?, r.try_get("target")?))).collect()
}

/// Checks that both sides have the same tables with the same columns, naming the first
/// difference (different versions of Vellum, or a database that is not Vellum's).
pub fn same_schema(from: &[Table], to: &[Table]) -> Result<()> {
    let index: BTreeMap<&str, &Table> = to.iter().map(|t| (t.name.as_str(), t)).collect();
    for t in from {
        match index.get(t.name.as_str()) {
            None => return Err(Error::Corrupt(format!("the target has no table {}", t.name))),
            Some(other) if other.columns != t.columns => {
                return Err(Error::Corrupt(format!("table {} has other columns on the target", t.name)))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = to.iter().find(|t| !from.iter().any(|f| f.name == t.name)) {
        return Err(Error::Corrupt(format!("the source has no table {}", extra.name)));
    }
    Ok(())
}

/// How many rows `table` holds.
pub async fn count(c: &mut Conn, table: &Table) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", table.name)).fetch_one(&mut *c).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A value as both databases store it.
enum Value {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
}

impl Value {
    fn null(kind: Kind) -> Value {
        match kind {
            Kind::Int => Value::Int(None),
            Kind::Float => Value::Float(None),
            Kind::Text => Value::Text(None),
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Value::Int(None) | Value::Float(None) | Value::Text(None))
    }
}

/// Copies the rows of `table` that `to` lacks, read from `from` (a snapshot, so the copy is
/// of one moment), in one transaction on `to`; returns how many were inserted.
pub async fn copy_table(from: &mut Conn, to: &Store, table: &Table) -> Result<u64> {
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| n.as_str()).collect();
    let list = names.join(", ");
    let per_statement = values::rows_per_statement(names.len());
    let template = format!("({})", vec!["?"; names.len()].join(", "));
    let mut tx = to.write().await?;
    let mut inserted = 0;
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_statement);
    let mut deferred: Vec<(String, Vec<Value>)> = Vec::new();
    {
        let select = format!("SELECT {list} FROM {}", table.name);
        let mut rows = sqlx::query(&select).fetch(&mut *from);
        while let Some(row) = rows.try_next().await? {
            let mut values = read_row(&row, &table.columns)?;
            if !table.self_refs.is_empty() {
                let (id, refs) = split_self_refs(table, &mut values, &row)?;
                if refs.iter().any(|v| !v.is_null()) {
                    deferred.push((id, refs));
                }
            }
            batch.push(values);
            if batch.len() == per_statement {
                inserted += insert(&mut tx, &table.name, &list, &template, std::mem::take(&mut batch)).await?;
            }
        }
    }
    if !batch.is_empty() {
        inserted += insert(&mut tx, &table.name, &list, &template, batch).await?;
    }
    for (id, refs) in deferred {
        set_self_refs(&mut tx, table, id, refs).await?;
    }
    tx.commit().await?;
    Ok(inserted)
}

fn read_row(row: &AnyRow, columns: &[(String, Kind)]) -> Result<Vec<Value>> {
    columns
        .iter()
        .map(|(name, kind)| {
            let name = name.as_str();
            Ok(match kind {
                Kind::Int => Value::Int(row.try_get(name)?),
                Kind::Float => Value::Float(row.try_get(name)?),
                Kind::Text => Value::Text(row.try_get(name)?),
            })
        })
        .collect()
}

/// Takes the self-referencing values out of `values` (leaving NULL), returning the row's id
/// and the references, to be set once every row is in.
fn split_self_refs(table: &Table, values: &mut [Value], row: &AnyRow) -> Result<(String, Vec<Value>)> {
    let mut refs = Vec::with_capacity(table.self_refs.len());
    for (i, (name, kind)) in table.columns.iter().enumerate() {
        if table.self_refs.contains(name) {
            refs.push(std::mem::replace(&mut values[i], Value::null(*kind)));
        }
    }
    let id = row
        .try_get::<String, _>("id")
        .map_err(|_| Error::Corrupt(format!("{} points at itself but has no text id", table.name)))?;
    Ok((id, refs))
}

async fn set_self_refs(tx: &mut Conn, table: &Table, id: String, refs: Vec<Value>) -> Result<()> {
    let sets: Vec<String> = table.self_refs.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let sql = format!("UPDATE {} SET {} WHERE id = ${}", table.name, sets.join(", "), refs.len() + 1);
    let mut q = sqlx::query(&sql);
    for v in refs {
        q = bind(q, v);
    }
    q.bind(id).execute(&mut *tx).await?;
    Ok(())
}

async fn insert(tx: &mut Conn, table: &str, list: &str, template: &str, rows: Vec<Vec<Value>>) -> Result<u64> {
    let sql = format!(
        "INSERT INTO {table} ({list}) VALUES {} ON CONFLICT DO NOTHING",
        values::numbered(template, rows.len())
    );
    let mut q = sqlx::query(&sql);
    for v in rows.into_iter().flatten() {
        q = bind(q, v);
    }
    Ok(q.execute(&mut *tx).await?.rows_affected())
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    v: Value,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match v {
        Value::Int(i) => q.bind(i),
        Value::Float(f) => q.bind(f),
        Value::Text(s) => q.bind(s),
    }
}
