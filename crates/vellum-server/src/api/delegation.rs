//! The signed-in member's out-of-office periods and delegates.

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::delegation::{AwayRequest, OutOfOffice};
use vellum_domain::{ErrorCode, Timestamp};

use crate::{
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{AppJson, AppQuery},
    AppState,
};

/// A period away, with who decides meanwhile.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutOfOfficeBody {
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime)]
    from: String,
    /// RFC 3339, after `from`.
    #[schema(value_type = String, format = DateTime)]
    until: String,
    /// A member of the workspace who may approve.
    delegate_id: Uuid,
    /// The workspace's id or slug.
    #[schema(min_length = 1, max_length = 64)]
    workspace: String,
}

#[derive(Serialize, ToSchema)]
pub struct OutOfOfficeView {
    workspace_id: Uuid,
    from: Timestamp,
    until: Timestamp,
    delegate_id: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct OutOfOfficeList {
    periods: Vec<OutOfOfficeView>,
}

impl From<OutOfOffice> for OutOfOfficeView {
    fn from(o: OutOfOffice) -> Self {
        OutOfOfficeView { workspace_id: o.workspace_id, from: o.from, until: o.until, delegate_id: o.delegate_id }
    }
}

fn instant(field: &str, s: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse(s).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidOutOfOffice, format!("{field} '{s}' is not an RFC 3339 date-time"))
    })
}

/// Sets the period you are away in a workspace and who decides in your place meanwhile
/// (replacing any period you set there before).
#[utoipa::path(put, path = "/me/out-of-office", tag = "session", operation_id = "set_out_of_office",
    request_body = OutOfOfficeBody,
    responses((status = 200, description = "The period", body = OutOfOfficeView)))]
pub async fn put(
    State(s): State<AppState>,
    a: Authed,
    AppJson(b): AppJson<OutOfOfficeBody>,
) -> ApiResult<Json<OutOfOfficeView>> {
    let away = AwayRequest {
        workspace: &b.workspace,
        from: instant("from", &b.from)?,
        until: instant("until", &b.until)?,
        delegate: b.delegate_id,
    };
    Ok(Json(s.core.set_out_of_office(&a.actor, away).await?.into()))
}

/// Your out-of-office periods.
#[utoipa::path(get, path = "/me/out-of-office", tag = "session", operation_id = "list_out_of_office",
    responses((status = 200, description = "Your periods", body = OutOfOfficeList)))]
pub async fn list(State(s): State<AppState>, a: Authed) -> ApiResult<Json<OutOfOfficeList>> {
    let periods = s.core.out_of_office(&a.actor).await?;
    Ok(Json(OutOfOfficeList { periods: periods.into_iter().map(Into::into).collect() }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EndQuery {
    /// Only in this workspace (id or slug); absent: everywhere.
    workspace: Option<String>,
}

/// Ends your out-of-office periods (in one workspace, or all): you decide yourself again.
#[utoipa::path(delete, path = "/me/out-of-office", tag = "session", operation_id = "end_out_of_office",
    params(EndQuery), responses((status = 204, description = "Ended")))]
pub async fn end(State(s): State<AppState>, a: Authed, AppQuery(q): AppQuery<EndQuery>) -> ApiResult<StatusCode> {
    s.core.end_out_of_office(&a.actor, q.workspace.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
