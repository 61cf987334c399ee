//! What the index holds of an asset, as one audience sees it, and how it is written.

use serde::{Deserialize, Serialize};
use tantivy::{doc, TantivyDocument};
use uuid::Uuid;

use crate::schema::Fields;

/// Who a document is for: members who see work in progress, or viewers, who see the
/// approved version only. An asset has one document per audience that may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    Members,
    Viewers,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Members => "members",
            Audience::Viewers => "viewers",
        }
    }
}

/// What a hit shows without a trip to the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    pub title: String,
    pub kind: String,
    pub status: String,
    pub version: u32,
    /// Whether a thumbnail exists for that version.
    pub thumbnail: bool,
}

/// An asset as one audience sees it.
#[derive(Debug, Clone)]
pub struct Document {
    pub asset_id: Uuid,
    pub audience: Audience,
    pub title: String,
    pub filename: String,
    /// Further text found by words (description, metadata, extracted text, comments…).
    pub body: Vec<String>,
    /// Facet values: `(field, value)` counted and matched by `field:value`.
    pub facets: Vec<(String, String)>,
    /// Other values matched by `field:value` but not counted (folder, free text fields).
    pub terms: Vec<(String, String)>,
    /// Numbers compared by ranges (custom numbers, money in minor units).
    pub numbers: Vec<(String, i64)>,
    /// Days (`YYYY-MM-DD`) compared by ranges and matched by prefix (`created:2026-03`).
    pub dates: Vec<(String, String)>,
    /// Creation time, microseconds since 1970.
    pub created: i64,
    pub due: Option<i64>,
    /// The rights window in days since 1970-01-01; None where it is open.
    pub rights_from: Option<i64>,
    pub rights_until: Option<i64>,
    pub shown: Shown,
}

pub fn key(asset: Uuid, audience: Audience) -> String {
    format!("{asset}/{}", audience.as_str())
}

/// The term a numeric value is ranged by: the sign bit flipped so that byte order is number
/// order.
pub fn number_term(field: &str, n: i64) -> String {
    format!("{field}#{:016x}", (n as u64) ^ (1 << 63))
}

pub fn date_term(field: &str, day: &str) -> String {
    format!("{field}@{day}")
}

pub fn term(field: &str, value: &str) -> String {
    format!("{field}={}", value.to_lowercase())
}

impl Document {
    pub fn to_tantivy(&self, f: &Fields) -> TantivyDocument {
        let id = self.asset_id.as_u128();
        let mut d = doc!(
            f.key => key(self.asset_id, self.audience),
            f.audience => self.audience.as_str(),
            f.title => self.title.as_str(),
            f.filename => self.filename.as_str(),
            f.created => self.created,
            f.due => self.due.unwrap_or(i64::MAX),
            f.rights_from => self.rights_from.unwrap_or(i64::MIN),
            f.rights_until => self.rights_until.unwrap_or(i64::MAX),
            f.title_sort => self.title.to_lowercase(),
            f.id_hi => (id >> 64) as u64,
            f.id_lo => id as u64,
            f.hit => serde_json::to_string(&self.shown).unwrap_or_default(),
        );
        for b in &self.body {
            d.add_text(f.body, b);
        }
        for (k, v) in &self.facets {
            d.add_text(f.facets, format!("{k}={v}"));
            d.add_text(f.terms, term(k, v));
        }
        for (k, v) in &self.terms {
            d.add_text(f.terms, term(k, v));
        }
        for (k, n) in &self.numbers {
            d.add_text(f.ranges, number_term(k, *n));
        }
        for (k, day) in &self.dates {
            d.add_text(f.ranges, date_term(k, day));
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_terms_sort_as_numbers() {
        let mut ns = [i64::MIN, -5_000_000, -1, 0, 1, 42, 5_000_000, i64::MAX];
        let terms: Vec<String> = ns.iter().map(|&n| number_term("custom.budget", n)).collect();
        let mut sorted = terms.clone();
        sorted.sort();
        assert_eq!(terms, sorted);
        ns.reverse();
        assert_ne!(ns.iter().map(|&n| number_term("x", n)).collect::<Vec<_>>()[0], number_term("x", i64::MIN));
    }
}
