//! Audit export (JSON or CSV) and chain verification.

use crate::extract::AppQuery;
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use vellum_core::audit::{AuditEventView, AuditQuery};
use vellum_domain::ErrorCode;

use super::paging::{listed, page_request};
use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    AppState,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    object_type: Option<String>,
    object_id: Option<String>,
    asset_id: Option<String>,
    format: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn csv_field(s: &str) -> String {
    // Quote everything, and defuse spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn to_csv(events: &[AuditEventView]) -> String {
    let mut out = String::from(
        "seq,id,at,actor_id,action,object_type,object_id,asset_id,version,before,after,ip,request_id,prev_hash,hash\n",
    );
    let text = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    for e in events {
        let version = e.version.map(|v| v.to_string()).unwrap_or_default();
        let seq = e.seq.to_string();
        let (before, after) = (text(&e.before), text(&e.after));
        let fields: [&str; 15] = [
            &seq,
            &e.id,
            &e.at,
            e.actor_id.as_deref().unwrap_or(""),
            &e.action,
            &e.object_type,
            e.object_id.as_deref().unwrap_or(""),
            e.asset_id.as_deref().unwrap_or(""),
            &version,
            &before,
            &after,
            e.ip.as_deref().unwrap_or(""),
            e.request_id.as_deref().unwrap_or(""),
            &e.prev_hash,
            &e.hash,
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

pub async fn export(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<ExportQuery>,
) -> ApiResult<Response> {
    // An id that cannot exist matches nothing, like any other filter value.
    let asset_id = match q.asset_id.as_deref() {
        Some(a) => Some(
            vellum_domain::id::parse_id(a)
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidAssetId, format!("'{a}' is not an asset id")))?,
        ),
        None => None,
    };
    let query = AuditQuery { object_type: q.object_type, object_id: q.object_id, asset_id };
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(ApiError::new(ErrorCode::InvalidFormat, format!("'{format}' is not a format; use json or csv")));
    }
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let events = s.core.audit(&a.actor, &ws, query, &page).await?;
    if format == "json" {
        return Ok(listed("events", events).into_response());
    }
    // A CSV page names the next one in a header, so a script can fetch them all.
    let mut res = (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
        ],
        to_csv(&events.items),
    )
        .into_response();
    if let Some(next) = events.next_cursor.and_then(|c| axum::http::HeaderValue::from_str(&c).ok()) {
        res.headers_mut().insert("x-next-cursor", next);
    }
    Ok(res)
}

pub async fn verify(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Response> {
    Ok(Json(s.core.verify_audit(&a.actor, &ws).await?).into_response())
}

/// `POST /admin/audit/checkpoint`: signs a checkpoint of every chain now (server admins).
pub async fn checkpoint(State(s): State<AppState>, a: Authed) -> ApiResult<Response> {
    Ok((StatusCode::CREATED, Json(s.core.checkpoint_by(&a.actor).await?)).into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK()"), "\"'=HYPERLINK()\"");
    }
}
