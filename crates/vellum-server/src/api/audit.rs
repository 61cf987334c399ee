//! Audit export (JSON or CSV) and chain verification.

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;
use vellum_core::model::AuditEvent;

use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    AppState,
};

#[derive(Deserialize)]
pub struct ExportQuery {
    object_type: Option<String>,
    object_id: Option<String>,
    format: Option<String>,
}

fn csv_field(s: &str) -> String {
    // Quote everything, and defuse spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn to_csv(events: &[AuditEvent]) -> String {
    let mut out = String::from(
        "seq,id,at,actor_id,action,object_type,object_id,version,before,after,ip,request_id,prev_hash,hash\n",
    );
    for e in events {
        let version = e.fields.version.map(|v| v.to_string()).unwrap_or_default();
        let seq = e.fields.seq.to_string();
        let fields: [&str; 14] = [
            &seq,
            &e.fields.id,
            &e.fields.at,
            e.fields.actor_id.as_deref().unwrap_or(""),
            &e.fields.action,
            &e.fields.object_type,
            e.fields.object_id.as_deref().unwrap_or(""),
            &version,
            e.fields.before.as_deref().unwrap_or(""),
            e.fields.after.as_deref().unwrap_or(""),
            e.fields.ip.as_deref().unwrap_or(""),
            e.fields.request_id.as_deref().unwrap_or(""),
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
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let events = s.core.audit(&a.actor, &ws, q.object_type, q.object_id).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(json!({"events": events})).into_response()),
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
            ],
            to_csv(&events),
        )
            .into_response()),
        other => Err(ApiError::invalid("invalid_format", format!("'{other}' is not a format; use json or csv"))),
    }
}

pub async fn verify(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Response> {
    let v = s.core.verify_audit(&a.actor, &ws).await?;
    let body = if v.ok {
        json!({"ok": true, "events": v.events, "head": v.head})
    } else {
        json!({"ok": false, "first_bad_seq": v.first_bad_seq, "reason": v.reason})
    };
    Ok(Json(body).into_response())
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
