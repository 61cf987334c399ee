//! The JSON API, `/api/v1`. Handlers are thin: extract, call one use case, map the result.

mod accounts;
mod assets;
mod audit;
mod groups;
mod jobs;
mod openapi;
mod paging;
mod presets;
mod renditions;
mod reviews;
mod session;
mod workflows;
mod workspaces;

use axum::{
    routing::{delete, get, patch, post, put},
    Router,
};

use vellum_domain::ErrorCode;

use crate::{error::ApiError, unlimited, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/session", post(session::sign_in).delete(session::sign_out))
        .route("/sessions", delete(session::sign_out_everywhere))
        .route("/me", get(session::me))
        .route("/me/password", put(session::change_password))
        .route("/password-reset", post(session::reset_password))
        .route("/tokens", post(accounts::create_token).get(accounts::list_tokens))
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .route("/users", post(accounts::create_user).get(accounts::list_users))
        .route("/users/{id}/disable", post(accounts::disable_user))
        .route("/users/{id}/enable", post(accounts::enable_user))
        .route("/users/{id}/password-reset", post(accounts::password_reset_link))
        .route("/groups/{id}", patch(groups::update).delete(groups::delete))
        .route("/workspaces", post(workspaces::create).get(workspaces::list))
        .route("/workspaces/{ws}", get(workspaces::get).patch(workspaces::patch))
        .route("/workspaces/{ws}/members", get(workspaces::members))
        .route("/workspaces/{ws}/members/{user_id}", put(workspaces::set_member).delete(workspaces::remove_member))
        .route("/workspaces/{ws}/groups", post(workspaces::create_group).get(workspaces::groups))
        .route("/workspaces/{ws}/assets", post(assets::upload).layer(unlimited()).get(assets::list))
        .route("/workspaces/{ws}/workflows", post(workflows::create).get(workflows::list))
        .route("/workspaces/{ws}/audit", get(audit::export))
        .route("/workspaces/{ws}/audit/verify", get(audit::verify))
        .route("/admin/audit/checkpoint", post(audit::checkpoint))
        .route("/assets/{id}", get(assets::get).patch(assets::patch))
        .route("/assets/{id}/versions", post(assets::new_version).layer(unlimited()).get(assets::versions))
        .route("/assets/{id}/versions/{n}", get(assets::version))
        .route("/assets/{id}/versions/{n}/file", get(assets::download))
        .route("/assets/{id}/versions/{n}/restore", post(assets::restore))
        .route("/assets/{id}/versions/{n}/renditions/{name}", get(renditions::get))
        .route("/assets/{id}/versions/{n}/pages/{k}", get(renditions::page))
        .route("/workspaces/{ws}/jobs", get(jobs::list))
        .route("/workspaces/{ws}/presets", get(presets::list))
        .route("/workspaces/{ws}/presets/{name}", get(presets::get).put(presets::put))
        .route("/assets/{id}/versions/{n}/focal-point", put(presets::focal_point))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route("/assets/{id}/reviews", post(reviews::start).get(reviews::list))
        .route("/workflows/{id}", get(workflows::get).put(workflows::update))
        .route("/reviews/{id}", get(reviews::get))
        .route("/reviews/{id}/decisions", post(reviews::decide))
        .fallback(|| async { ApiError::not_found("endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(ErrorCode::MethodNotAllowed, "this path does not take that method; see /api/v1/openapi.json")
        })
}
