//! Search over a workspace's assets: the index's fields, how a parsed query becomes an index
//! query, the one-pass collector of hits and facet counts, and the indexes on disk.

pub mod collect;
pub mod document;
pub mod engine;
pub mod query;
pub mod schema;
pub mod stats;
pub mod synthetic;

pub use collect::{After, Key, Sort};
pub use document::{Audience, Document, Shown};
pub use engine::{Cursor, Engine, Error, Hit, Request, Results};
pub use query::{FieldType, Vocabulary};
pub use stats::Stats;
pub use vellum_domain::search_language::SearchLanguage as Language;
