//! Decoding text and integer columns into domain values, with a clear error when a stored
//! value does not parse.

use serde::de::DeserializeOwned;
use sqlx::{any::AnyRow, Row};
use vellum_domain::{id::parse_id, Id, Timestamp};

use crate::{Error, Result};

pub fn text(r: &AnyRow, col: &str) -> Result<String> {
    Ok(r.try_get::<String, _>(col)?)
}

pub fn opt_text(r: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(r.try_get::<Option<String>, _>(col)?)
}

pub fn int(r: &AnyRow, col: &str) -> Result<i64> {
    Ok(r.try_get::<i64, _>(col)?)
}

pub fn opt_int(r: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(r.try_get::<Option<i64>, _>(col)?)
}

pub fn uint(r: &AnyRow, col: &str) -> Result<u32> {
    u32::try_from(int(r, col)?).map_err(|_| Error::Corrupt(format!("{col} out of range")))
}

pub fn opt_uint(r: &AnyRow, col: &str) -> Result<Option<u32>> {
    opt_int(r, col)?.map(|v| u32::try_from(v).map_err(|_| Error::Corrupt(format!("{col} out of range")))).transpose()
}

pub fn id(r: &AnyRow, col: &str) -> Result<Id> {
    let s = text(r, col)?;
    parse_id(&s).ok_or_else(|| Error::Corrupt(format!("{col} '{s}' is not an id")))
}

pub fn opt_id(r: &AnyRow, col: &str) -> Result<Option<Id>> {
    opt_text(r, col)?
        .map(|s| vellum_domain::id::parse_id(&s).ok_or_else(|| Error::Corrupt(format!("{col}: '{s}' is not an id"))))
        .transpose()
}

pub fn ts(r: &AnyRow, col: &str) -> Result<Timestamp> {
    let s = text(r, col)?;
    Timestamp::parse(&s).ok_or_else(|| Error::Corrupt(format!("{col} '{s}' is not a timestamp")))
}

pub fn opt_ts(r: &AnyRow, col: &str) -> Result<Option<Timestamp>> {
    opt_text(r, col)?
        .map(|s| Timestamp::parse(&s).ok_or_else(|| Error::Corrupt(format!("{col} '{s}' is not a timestamp"))))
        .transpose()
}

pub fn json<T: DeserializeOwned>(r: &AnyRow, col: &str) -> Result<T> {
    let s = text(r, col)?;
    serde_json::from_str(&s).map_err(|e| Error::Corrupt(format!("{col}: {e}")))
}

/// Parses a stored enum text with the domain's parser.
pub fn parsed<T>(r: &AnyRow, col: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    let s = text(r, col)?;
    parse(&s).ok_or_else(|| Error::Corrupt(format!("{col} '{s}' is not a known value")))
}

/// Encodes a value as JSON text for a column.
pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))
}
