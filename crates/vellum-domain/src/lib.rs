//! Vellum's domain: the rules of workspaces, assets, versions, workflows, reviews and the
//! audit trail, as pure functions and types. No IO, no async; most of the tests live here.

pub mod audit;
pub mod board;
pub mod brief;
pub mod calendar;
pub mod campaign;
pub mod comment;
pub mod compare;
pub mod condition;
pub mod cron;
pub mod distribution;
pub mod download_policy;
pub mod error;
pub mod error_code;
pub mod event;
pub mod facets;
pub mod fields;
pub mod folder;
pub mod glossary;
pub mod ical;
pub mod id;
pub mod mail;
pub mod markdown;
pub mod media;
pub mod metadata;
pub mod metrics;
pub mod naming;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod page;
pub mod proxy;
pub mod rate;
pub mod reminders;
pub mod retention;
pub mod review;
pub mod rights;
pub mod role;
pub mod routing;
pub mod scope;
pub mod search_language;
pub mod search_query;
pub mod similar;
pub mod status;
pub mod text_diff;
pub mod throttle;
pub mod time;
pub mod timecode;
pub mod validate;
pub mod webhook;
pub mod workflow;
pub mod zip;

pub use error::{DomainError, Result};
pub use error_code::ErrorCode;
pub use id::Id;
pub use time::Timestamp;
