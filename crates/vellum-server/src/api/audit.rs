//! Audit export (JSON or CSV) and chain verification.

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use utoipa::IntoParams;
use vellum_core::audit::{AuditEventView, AuditQuery};
use vellum_domain::ErrorCode;

use super::{
    paging::page_request,
    views::{AuditEventPage, CheckpointView, VerificationView},
};
use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::AppQuery,
    AppState,
};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only events about objects of this type (`asset`, `review`, `member`…).
    object_type: Option<String>,
    /// Only events about this object.
    object_id: Option<String>,
    /// Every event about this asset: its versions, reviews, decisions and downloads.
    #[param(value_type = Option<Uuid>)]
    asset_id: Option<String>,
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9-]*$")]
    cursor: Option<String>,
}

fn csv_field(s: &str) -> String {
    // Quote everything, and defuse spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn to_csv(events: &[AuditEventView]) -> String {
    let mut out = String::from(
        "seq,id,at,actor_id,action,object_type,object_id,asset_id,version,before,after,ip,request_id,token_id,prev_hash,hash\n",
    );
    let text = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    for e in events {
        let version = e.version.map(|v| v.to_string()).unwrap_or_default();
        let seq = e.seq.to_string();
        let (before, after) = (text(&e.before), text(&e.after));
        let fields: [&str; 16] = [
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
            e.token_id.as_deref().unwrap_or(""),
            &e.prev_hash,
            &e.hash,
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// The workspace's audit events in chain order (owners, admins, managers), as JSON pages or
/// CSV (the next page's cursor in `X-Next-Cursor`).
#[utoipa::path(get, path = "/workspaces/{ws}/audit", tag = "audit", operation_id = "list_audit_events",
    params(("ws" = String, Path, description = "Workspace id or slug"), ExportQuery),
    responses((status = 200, description = "A page of events",
        content((AuditEventPage = "application/json"), (String = "text/csv")))))]
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
        return Ok(Json(AuditEventPage::from(events)).into_response());
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

/// Re-walks the workspace's chain against its tags and the signed checkpoints, in one snapshot.
#[utoipa::path(get, path = "/workspaces/{ws}/audit/verify", tag = "audit", operation_id = "verify_audit",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The verdict", body = VerificationView)))]
pub async fn verify(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<VerificationView>> {
    Ok(Json(s.core.verify_audit(&a.actor, &ws).await?.into()))
}

/// Signs a checkpoint of every chain now (server admins).
#[utoipa::path(post, path = "/admin/audit/checkpoint", tag = "audit", operation_id = "audit_checkpoint",
    responses((status = 201, description = "Signed", body = CheckpointView)))]
pub async fn checkpoint(State(s): State<AppState>, a: Authed) -> ApiResult<Response> {
    Ok((StatusCode::CREATED, Json(CheckpointView::from(s.core.checkpoint_by(&a.actor).await?))).into_response())
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
