//! Server administration: the server's own status.

use axum::{extract::State, Json};

use super::views::ServerStatusView;
use crate::{auth::Authed, error::ApiResult, AppState};

/// The version, the database and which external media tools this machine has (server admins).
#[utoipa::path(get, path = "/admin/status", tag = "admin", operation_id = "server_status",
    responses((status = 200, description = "The server's status", body = ServerStatusView)))]
pub async fn status(State(s): State<AppState>, a: Authed) -> ApiResult<Json<ServerStatusView>> {
    Ok(Json(s.core.status_by(&a.actor)?.into()))
}
