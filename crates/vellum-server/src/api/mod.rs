//! The JSON API, `/api/v1`. Handlers are thin: extract, call one use case, map the result.
//! Every route is registered together with its `#[utoipa::path]` description, so the
//! OpenAPI document is generated from the same list the router is built from.

mod accounts;
mod admin;
pub(crate) mod assets;
mod audit;
mod board;
pub(crate) mod briefs;
mod bulk;
mod calendar;
pub(crate) mod campaigns;
mod collections;
pub(crate) mod comments;
mod compare;
mod delegation;
mod directory;
pub(crate) mod downloads;
mod glossary;
mod groups;
mod guests;
mod invitations;
mod jobs;
mod links;
mod metadata_schema;
pub(crate) mod my_work;
mod naming;
mod notifications;
mod oauth_clients;
pub mod openapi;
mod paging;
mod presets;
pub(crate) mod proposals;
pub(crate) mod public_links;
mod renditions;
mod retention;
pub(crate) mod reviews;
mod rights;
mod routing;
pub(crate) mod schedule;
mod search;
mod second_factor;
mod session;
mod share_links;
mod sso;
pub(crate) mod views;
mod watermark;
mod webhooks;
mod workflows;
mod workspaces;

use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};
use vellum_domain::ErrorCode;

use crate::{error::ApiError, unlimited, AppState};

/// The routes of `/api/v1`, among them `GET /openapi.json`: the document generated from them
/// and from `protocols`, the routes beside `/api/v1`.
pub fn routes(protocols: utoipa::openapi::OpenApi) -> Router<AppState> {
    let (schemas, paths, uploads) = routes!(assets::upload, assets::list);
    let (v_schemas, v_paths, version_uploads) = routes!(assets::new_version, assets::versions);
    let (router, doc) = OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(session::sign_out_everywhere))
        .routes(routes!(session::me))
        .routes(routes!(session::change_password))
        .routes(routes!(session::reset_password))
        .routes(routes!(accounts::create_token, accounts::list_tokens))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(accounts::list_all_tokens))
        .routes(routes!(second_factor::begin, second_factor::status))
        .routes(routes!(second_factor::confirm))
        .routes(routes!(second_factor::disable))
        .routes(routes!(second_factor::policy, second_factor::put_policy))
        .routes(routes!(sso::get, sso::put))
        .routes(routes!(directory::create_token))
        .routes(routes!(directory::groups))
        .routes(routes!(directory::link))
        .routes(routes!(oauth_clients::create, oauth_clients::list))
        .routes(routes!(oauth_clients::revoke))
        .routes(routes!(accounts::create_user, accounts::list_users))
        .routes(routes!(accounts::disable_user))
        .routes(routes!(accounts::enable_user))
        .routes(routes!(accounts::password_reset_link))
        .routes(routes!(groups::update, groups::delete))
        .routes(routes!(workspaces::create, workspaces::list))
        .routes(routes!(workspaces::get, workspaces::patch))
        .routes(routes!(workspaces::members))
        .routes(routes!(workspaces::set_member, workspaces::remove_member))
        .routes(routes!(workspaces::create_group, workspaces::groups))
        // Uploads stream to storage under their own limit.
        .routes((schemas, paths, uploads.layer(unlimited())))
        .routes(routes!(workflows::create, workflows::list))
        .routes(routes!(audit::export))
        .routes(routes!(audit::verify))
        .routes(routes!(audit::checkpoint))
        .routes(routes!(admin::status))
        .routes(routes!(assets::get, assets::patch, retention::delete_asset))
        .routes((v_schemas, v_paths, version_uploads.layer(unlimited())))
        .routes(routes!(assets::version))
        .routes(routes!(assets::download))
        .routes(routes!(assets::download_stamped))
        .routes(routes!(assets::restore))
        .routes(routes!(renditions::get))
        .routes(routes!(renditions::page))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::retry))
        .routes(routes!(presets::list))
        .routes(routes!(presets::get, presets::put))
        .routes(routes!(presets::focal_point))
        .routes(routes!(metadata_schema::get, metadata_schema::put))
        .routes(routes!(routing::get, routing::put))
        .routes(routes!(routing::revision))
        .routes(routes!(routing::explain))
        .routes(routes!(calendar::get, calendar::put))
        .routes(routes!(bulk::metadata))
        .routes(routes!(reviews::reassign))
        .routes(routes!(delegation::put, delegation::list, delegation::end))
        .routes(routes!(my_work::get))
        .routes(routes!(links::open))
        .routes(routes!(proposals::list))
        .routes(routes!(proposals::accept))
        .routes(routes!(proposals::reject))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::read))
        .routes(routes!(notifications::read_all))
        .routes(routes!(notifications::preferences, notifications::set_preferences))
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::rotate))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(invitations::create, invitations::list))
        .routes(routes!(invitations::accept))
        .routes(routes!(reviews::start, reviews::list))
        .routes(routes!(workflows::get, workflows::update))
        .routes(routes!(comments::create, comments::list))
        .routes(routes!(comments::edit))
        .routes(routes!(comments::history))
        .routes(routes!(comments::resolve))
        .routes(routes!(comments::reopen))
        .routes(routes!(comments::retract))
        .routes(routes!(campaigns::create, campaigns::list))
        .routes(routes!(campaigns::get, campaigns::patch))
        .routes(routes!(campaigns::add_milestone, campaigns::milestones))
        .routes(routes!(campaigns::patch_milestone))
        .routes(routes!(briefs::create_template, briefs::templates))
        .routes(routes!(briefs::template, briefs::revise_template))
        .routes(routes!(briefs::create, briefs::list))
        .routes(routes!(briefs::get, briefs::patch))
        .routes(routes!(briefs::submit))
        .routes(routes!(briefs::reviews))
        .routes(routes!(rights::put))
        .routes(routes!(public_links::create, public_links::list))
        .routes(routes!(public_links::revoke))
        .routes(routes!(share_links::create, share_links::list))
        .routes(routes!(share_links::revoke))
        .routes(routes!(downloads::policies, downloads::put_policies))
        .routes(routes!(downloads::request))
        .routes(routes!(downloads::requests))
        .routes(routes!(downloads::grant))
        .routes(routes!(downloads::deny))
        .routes(routes!(downloads::my_grants))
        .routes(routes!(downloads::revoke))
        .routes(routes!(rights::archive_asset))
        .routes(routes!(rights::unarchive_asset))
        .routes(routes!(retention::get, retention::put))
        .routes(routes!(retention::preview))
        .routes(routes!(retention::create_hold, retention::holds))
        .routes(routes!(retention::lift))
        .routes(routes!(watermark::get, watermark::put))
        .routes(routes!(board::get))
        .routes(routes!(search::search))
        .routes(routes!(search::suggest))
        .routes(routes!(search::status))
        .routes(routes!(search::similar))
        .routes(routes!(collections::create, collections::list))
        .routes(routes!(collections::get, collections::delete))
        .routes(routes!(collections::set_items, collections::add_item))
        .routes(routes!(collections::remove_item))
        .routes(routes!(collections::zip))
        .routes(routes!(collections::share))
        .routes(routes!(collections::create_saved, collections::list_saved))
        .routes(routes!(collections::delete_saved))
        .routes(routes!(board::r#move))
        .routes(routes!(schedule::events))
        .routes(routes!(schedule::create_feed, schedule::feeds))
        .routes(routes!(schedule::revoke_feed))
        .routes(routes!(glossary::get, glossary::put))
        .routes(routes!(naming::get, naming::put))
        .routes(routes!(compare::get))
        .routes(routes!(compare::heatmap))
        .routes(routes!(guests::invite, guests::list))
        .routes(routes!(guests::revoke))
        .routes(routes!(guests::review))
        .routes(routes!(guests::comment))
        .routes(routes!(guests::rendition))
        .routes(routes!(reviews::add_collaborator, reviews::remove_collaborator))
        .routes(routes!(reviews::get))
        .routes(routes!(reviews::decide))
        .split_for_parts();
    let doc = std::sync::Arc::new(openapi::document(doc, protocols));
    router
        .route("/openapi.json", axum::routing::get(openapi::serve(doc)))
        .fallback(|| async { ApiError::not_found("endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(ErrorCode::MethodNotAllowed, "this path does not take that method; see /api/v1/openapi.json")
        })
}
