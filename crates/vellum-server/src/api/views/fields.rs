//! A workspace's custom-field schema as the API shows and accepts it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vellum_core::metadata_schema::SchemaRevision;
use vellum_domain::{
    fields::{FieldDef, FieldType},
    validate::AssetKind,
};

/// One custom field.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDefView {
    /// Where the value sits under `metadata.custom`.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,47}$", min_length = 1, max_length = 48)]
    pub key: String,
    #[schema(
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$",
        min_length = 1,
        max_length = 100
    )]
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// The asset kinds that must have a value.
    #[serde(default)]
    pub required_for: Vec<AssetKind>,
    /// The allowed values (`enum` and `multi_enum` only, and required for them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 200)]
    pub values: Vec<String>,
    /// The one currency a `money` field takes (ISO 4217); absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$", max_length = 500)]
    pub help: Option<String>,
}

/// The custom fields of a workspace and the revision they are at (0: never set).
#[derive(Debug, Serialize, ToSchema)]
pub struct MetadataSchemaView {
    pub fields: Vec<FieldDefView>,
    pub revision: u64,
}

/// New custom fields, replacing the old ones whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
#[schema(as = MetadataSchemaBody)]
pub struct MetadataSchemaBodyDoc {
    #[schema(max_items = 100)]
    fields: Vec<FieldDefView>,
}

impl From<FieldDef> for FieldDefView {
    fn from(f: FieldDef) -> Self {
        FieldDefView {
            key: f.key,
            label: f.label,
            field_type: f.field_type,
            required_for: f.required_for,
            values: f.values,
            currency: f.currency,
            help: f.help,
        }
    }
}

impl From<SchemaRevision> for MetadataSchemaView {
    fn from(s: SchemaRevision) -> Self {
        MetadataSchemaView {
            fields: s.schema.fields.into_iter().map(FieldDefView::from).collect(),
            revision: s.revision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vellum_domain::{
        fields::{CURRENCY_PATTERN, KEY_PATTERN},
        validate::{NO_CONTROL_PATTERN, TEXT_PATTERN},
    };

    /// The document's patterns are the parsers' own.
    #[test]
    fn documented_patterns_match_the_rules() {
        let doc = serde_json::to_value(<FieldDefView as utoipa::PartialSchema>::schema()).unwrap();
        let props = &doc["properties"];
        assert_eq!(props["key"]["pattern"], KEY_PATTERN);
        assert_eq!(props["currency"]["pattern"], CURRENCY_PATTERN);
        assert_eq!(props["label"]["pattern"], TEXT_PATTERN);
        assert_eq!(props["help"]["pattern"], NO_CONTROL_PATTERN);
    }
}
