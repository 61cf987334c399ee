//! The server-rendered web UI: plain HTML forms over the same use cases as the API, a small
//! stylesheet and one small ES module, all served by the app itself.
//!
//! Every form that changes something carries the session's CSRF secret in a hidden `csrf`
//! field (the sign-in form uses a double-submit cookie instead); uploads put it first so it
//! is checked before the file is read.

mod account;
mod account_settings;
mod asset;
mod asset_actions;
mod audit;
mod audit_changes;
mod board;
mod brief_templates;
mod briefs;
mod calendar_page;
mod campaigns;
mod collections_page;
mod custom_fields;
mod distribution_panel;
mod download_requests;
mod glossary;
mod groups;
mod home;
mod inbox;
mod jobs;
pub(crate) mod layout;
mod library;
pub(crate) mod login;
mod media_panel;
mod media_text;
mod members;
mod metadata_form;
pub(crate) mod page;
mod proof;
mod proposals_page;
mod reset;
mod review;
mod search_page;
mod self_service;
mod session;
mod settings;
mod settings_calendar;
mod settings_distribution;
mod settings_dry_run;
mod settings_fields;
mod settings_naming;
mod settings_routing;
mod settings_rule_builder;
mod settings_rules_form;
mod settings_webhooks;
mod share;
mod sign_in_settings;
mod users;
mod work;
mod workflow_chase;
mod workflow_form;
mod workflows;

use axum::{
    http::{header, StatusCode},
    response::IntoResponse,
    routing::{get, post},
    Router,
};

use crate::AppState;

const CSS: &str = include_str!("static/vellum.css");
const JS: &str = include_str!("static/vellum.js");
const ICON: &str = include_str!("static/icon.svg");
const PROOF: &str = include_str!("static/proof.js");
const BOARD: &str = include_str!("static/board.js");
/// Versioned URLs, so browsers may cache the files for a long time.
const CSS_URL: &str = concat!("/static/vellum.css?v=", env!("CARGO_PKG_VERSION"));
const JS_URL: &str = concat!("/static/vellum.js?v=", env!("CARGO_PKG_VERSION"));
const ICON_URL: &str = concat!("/static/icon.svg?v=", env!("CARGO_PKG_VERSION"));

fn asset_file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
}

use crate::unlimited;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::start))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/setup", get(login::setup).post(login::complete_setup))
        .route("/workspaces", get(home::list).post(home::create))
        .route("/w/{ws}", get(library::library))
        .route("/w/{ws}/search", get(search_page::search))
        .route("/w/{ws}/saved-searches", get(search_page::saved).post(search_page::save))
        .route("/w/{ws}/saved-searches/{id}/delete", post(search_page::delete_saved))
        .route("/w/{ws}/collections", get(collections_page::list).post(collections_page::create))
        .route("/c/{id}", get(collections_page::show))
        .route("/c/{id}/move", post(collections_page::move_up))
        .route("/c/{id}/remove", post(collections_page::remove))
        .route("/c/{id}/share", post(collections_page::share))
        .route("/a/{id}/collect", post(collections_page::collect))
        .route("/a/{id}/similar", get(collections_page::similar))
        .route("/w/{ws}/upload", get(library::upload_form_page).post(library::upload).layer(unlimited()))
        .route("/w/{ws}/workflows", get(workflows::show).post(workflows::create))
        .route("/w/{ws}/workflows/{id}", post(workflows::update))
        .route("/w/{ws}/members", get(members::show).post(members::set_role))
        .route("/w/{ws}/glossary", get(glossary::show).post(glossary::save))
        .route("/w/{ws}/briefs", get(briefs::list).post(briefs::create))
        .route("/w/{ws}/briefs/new", get(briefs::new))
        .route("/w/{ws}/brief-templates", get(brief_templates::show).post(brief_templates::save))
        .route("/b/{id}", get(briefs::show))
        .route("/b/{id}/edit", post(briefs::edit))
        .route("/b/{id}/submit", post(briefs::submit))
        .route("/b/{id}/reviews/{review}/decision", post(briefs::decide))
        .route("/w/{ws}/board", get(board::show))
        .route("/w/{ws}/board/move", post(board::r#move))
        .route("/w/{ws}/calendar", get(calendar_page::show))
        .route("/w/{ws}/calendar/feeds", post(calendar_page::create_feed))
        .route("/w/{ws}/calendar/feeds/{id}/revoke", post(calendar_page::revoke_feed))
        .route("/w/{ws}/campaigns", get(campaigns::list).post(campaigns::create))
        .route("/w/{ws}/campaigns/{id}", get(campaigns::show))
        .route("/w/{ws}/campaigns/{id}/milestones", post(campaigns::add_milestone))
        .route("/w/{ws}/campaigns/{id}/milestones/{m}", post(campaigns::move_milestone))
        .route("/w/{ws}/groups", post(members::create_group))
        .route("/w/{ws}/groups/{id}", post(groups::update))
        .route("/w/{ws}/groups/{id}/delete", post(groups::delete))
        .route("/w/{ws}/members/{user}/remove", post(members::remove))
        .route("/w/{ws}/invitations", post(members::invite))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route("/account/tokens", post(account::create_token))
        .route("/account/totp", post(account::begin_totp))
        .route("/account/totp/confirm", post(account::confirm_totp))
        .route("/account/totp/disable", post(account::disable_totp))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/sign-out-everywhere", post(account::sign_out_everywhere))
        .route("/account/notifications", post(account::save_notifications))
        .route("/account/out-of-office", post(account::set_away))
        .route("/account/out-of-office/end", post(account::end_away))
        .route("/inbox", get(inbox::show))
        .route("/inbox/read-all", post(inbox::read_all))
        .route("/inbox/{id}", get(inbox::open))
        .route("/work", get(work::show))
        .route("/forgot-password", get(self_service::forgot).post(self_service::request_reset))
        .route("/invitations/{token}", get(self_service::invitation).post(self_service::accept))
        .route("/admin/users", get(users::show).post(users::create))
        .route("/admin/sign-in", get(sign_in_settings::show))
        .route("/admin/sign-in/sso", post(sign_in_settings::save_sso))
        .route("/admin/sign-in/scim-token", post(sign_in_settings::scim_token))
        .route("/admin/users/{id}/reset-link", post(users::reset_link))
        .route("/admin/users/{id}/{action}", post(users::set_enabled))
        .route("/reset-password", get(reset::show).post(reset::submit))
        .route("/w/{ws}/audit", get(audit::show))
        .route("/w/{ws}/jobs", get(jobs::show))
        .route("/w/{ws}/jobs/{id}/retry", post(jobs::retry))
        .route("/w/{ws}/settings", get(settings::index))
        .route("/w/{ws}/settings/search-language", post(settings::save_language))
        .route("/w/{ws}/settings/fields", get(settings_fields::show).post(settings_fields::save))
        .route("/w/{ws}/settings/routing", get(settings_routing::show).post(settings_routing::save))
        .route("/w/{ws}/settings/routing/explain", post(settings_routing::explain))
        .route("/w/{ws}/settings/calendar", get(settings_calendar::show).post(settings_calendar::save))
        .route("/w/{ws}/settings/naming", get(settings_naming::show).post(settings_naming::save))
        .route("/w/{ws}/proposals", get(proposals_page::show))
        .route("/w/{ws}/proposals/{id}/accept", post(proposals_page::accept))
        .route("/w/{ws}/proposals/{id}/reject", post(proposals_page::reject))
        .route("/w/{ws}/download-requests", get(download_requests::show))
        .route("/w/{ws}/download-requests/{id}/grant", post(download_requests::grant))
        .route("/w/{ws}/download-requests/{id}/deny", post(download_requests::deny))
        .route("/w/{ws}/settings/distribution", get(settings_distribution::show))
        .route("/w/{ws}/settings/distribution/{what}", post(settings_distribution::save))
        .route("/w/{ws}/settings/distribution/holds/{id}/lift", post(settings_distribution::lift_hold))
        .route("/w/{ws}/settings/webhooks", get(settings_webhooks::show).post(settings_webhooks::create))
        .route("/w/{ws}/settings/webhooks/{id}", get(settings_webhooks::log))
        .route("/w/{ws}/settings/webhooks/{id}/test", post(settings_webhooks::test))
        .route("/w/{ws}/settings/webhooks/{id}/rotate", post(settings_webhooks::rotate))
        .route("/w/{ws}/settings/webhooks/{id}/delete", post(settings_webhooks::delete))
        .route("/a/{id}", get(asset::show))
        .route("/a/{id}/v/{n}", get(proof::show))
        .route("/g/{token}", get(proof::guest))
        .route("/ical/{file}", get(crate::api::schedule::ical))
        .route("/p/{token}/{file}", get(crate::api::public_links::serve))
        .route("/s/{token}", get(share::show).post(share::unlock))
        .route("/s/{token}/preview", get(share::preview))
        .route("/s/{token}/file", get(share::file))
        .route("/s/{token}/items/{link}/preview", get(share::item_preview))
        .route("/s/{token}/items/{link}/file", get(share::item_file))
        .route("/a/{id}/edit", post(asset_actions::edit))
        .route("/a/{id}/rights", post(distribution_panel::save_rights))
        .route("/a/{id}/archive", post(distribution_panel::archive))
        .route("/a/{id}/unarchive", post(distribution_panel::unarchive))
        .route("/a/{id}/public-links", post(distribution_panel::make_public_link))
        .route("/a/{id}/public-links/{link}/revoke", post(distribution_panel::revoke_public_link))
        .route("/a/{id}/share-links", post(distribution_panel::make_share_link))
        .route("/a/{id}/download-requests", post(distribution_panel::request_download))
        .route("/a/{id}/share-links/{link}/revoke", post(distribution_panel::revoke_share_link))
        .route("/a/{id}/versions", post(asset_actions::new_version).layer(unlimited()))
        .route("/a/{id}/versions/{n}/restore", post(asset_actions::restore))
        .route("/a/{id}/reviews", post(asset_actions::start_review))
        .route("/a/{id}/reviews/{review}/decision", post(asset_actions::decide))
        .route("/static/vellum.css", get(|| async { asset_file("text/css; charset=utf-8", CSS) }))
        .route("/static/vellum.js", get(|| async { asset_file("text/javascript; charset=utf-8", JS) }))
        .route("/static/proof.js", get(|| async { asset_file("text/javascript; charset=utf-8", PROOF) }))
        .route("/static/board.js", get(|| async { asset_file("text/javascript; charset=utf-8", BOARD) }))
        .route("/static/icon.svg", get(|| async { asset_file("image/svg+xml", ICON) }))
        .fallback(|| async { page::UiError::new(StatusCode::NOT_FOUND, "There is no page at this address.") })
}
