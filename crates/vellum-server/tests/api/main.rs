//! HTTP stories through the public API, each run on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit_stories;
mod blob_stories;
mod brief_stories;
mod calendar_stories;
mod campaign_stories;
mod collection_stories;
mod comment_stories;
mod compare_stories;
mod contract_stories;
mod download_stories;
mod errors_and_isolation;
mod hardening_stories;
mod harness;
mod library_stories;
mod media_files;
mod media_stories;
mod metadata_schema_stories;
mod notification_stories;
mod pagination_stories;
mod peers;
mod planning_stories;
mod retention_stories;
mod review_stories;
mod rights_notice_stories;
mod rights_stories;
mod routing_stories;
mod search_stories;
mod session_stories;
mod stamp_stories;
mod ui_audit_stories;
mod ui_home_stories;
mod ui_notification_stories;
mod ui_settings_stories;
mod ui_stories;
mod watermark_stories;
