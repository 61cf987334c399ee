//! Identifiers: UUIDv7, so ids sort by creation time and index well.

pub type Id = uuid::Uuid;

/// A new time-ordered id.
pub fn new_id() -> Id {
    uuid::Uuid::now_v7()
}

/// Parses an id from text, as found in a path or a database row.
pub fn parse_id(s: &str) -> Option<Id> {
    uuid::Uuid::parse_str(s).ok()
}
