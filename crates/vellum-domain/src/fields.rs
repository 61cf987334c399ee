//! Typed custom fields: the kinds of field a workspace's metadata schema is made of (brief
//! templates and search facets reuse them), their definitions, and values read against them.
//!
//! A schema only types the keys it names: other keys under `custom` stay free-form, so assets
//! filed before a schema existed keep their values.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{validate::AssetKind, Id};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    /// `{amount: <integer minor units>, currency: "AUD"}`.
    Money,
    /// A calendar date, `2026-05-01`.
    Date,
    /// One of the field's `values`.
    Enum,
    /// Any of the field's `values`, each once.
    MultiEnum,
    Boolean,
    /// A member of the workspace, by user id.
    User,
}

impl FieldType {
    pub const ALL: [FieldType; 8] = [
        FieldType::Text,
        FieldType::Number,
        FieldType::Money,
        FieldType::Date,
        FieldType::Enum,
        FieldType::MultiEnum,
        FieldType::Boolean,
        FieldType::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Date => "date",
            FieldType::Enum => "enum",
            FieldType::MultiEnum => "multi_enum",
            FieldType::Boolean => "boolean",
            FieldType::User => "user",
        }
    }

    /// Whether values of this type are picked from a list.
    pub fn has_values(self) -> bool {
        matches!(self, FieldType::Enum | FieldType::MultiEnum)
    }
}

/// One custom field of a schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Where the value sits under `metadata.custom`: `risk`, `budget_aud`.
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// The asset kinds that must have a value.
    #[serde(default)]
    pub required_for: Vec<AssetKind>,
    /// The allowed values of an `enum` or `multi_enum`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The one currency a `money` field takes (ISO 4217); absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// What was wrong with one field (a definition or a value), named by its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub key: String,
    pub message: String,
}

impl FieldError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        FieldError { key: key.to_string(), message: message.into() }
    }
}

/// An amount of money in a currency's minor units (cents), never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    pub amount: i64,
    pub currency: String,
}

/// A value read against its field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(String),
    Number(f64),
    Money(Money),
    Date(time::Date),
    Enum(String),
    MultiEnum(Vec<String>),
    Boolean(bool),
    User(Id),
}

/// The most fields a schema may define.
pub const MAX_FIELDS: usize = 100;
/// The most values an `enum` may offer.
pub const MAX_VALUES: usize = 200;
pub const KEY_MAX: usize = 48;
/// What a field key may be, as a regular expression for the API document.
pub const KEY_PATTERN: &str = "^[a-z][a-z0-9_]{0,47}$";
/// What a currency code may be.
pub const CURRENCY_PATTERN: &str = "^[A-Z]{3}$";
pub const LABEL_MAX: usize = 100;
pub const HELP_MAX: usize = 500;
pub const VALUE_MAX: usize = 100;
const TEXT_MAX: usize = 2000;

/// `risk`, `budget_aud`: lower case, digits and `_`, starting with a letter.
pub fn valid_key(key: &str) -> bool {
    (1..=KEY_MAX).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn valid_currency(c: &str) -> bool {
    c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase())
}

fn plain_text(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl FieldDef {
    /// What is wrong with this definition, if anything.
    fn problems(&self) -> Vec<FieldError> {
        let key = self.key.as_str();
        let mut out = Vec::new();
        let mut bad = |m: String| out.push(FieldError::new(key, m));
        if !valid_key(key) {
            bad(format!(
                "'{key}' is not a field key: use 1–{KEY_MAX} lower-case letters, digits or '_', starting with a letter"
            ));
        }
        if !plain_text(&self.label, LABEL_MAX) {
            bad(format!("the label must be 1–{LABEL_MAX} characters of plain text"));
        }
        if self.help.as_deref().is_some_and(|h| h.chars().count() > HELP_MAX || h.chars().any(char::is_control)) {
            bad(format!("the help text must be at most {HELP_MAX} characters of plain text"));
        }
        if self.field_type.has_values() {
            if self.values.is_empty() || self.values.len() > MAX_VALUES {
                bad(format!("a {} field needs 1–{MAX_VALUES} values", self.field_type.as_str()));
            }
            for (i, v) in self.values.iter().enumerate() {
                if !plain_text(v, VALUE_MAX) {
                    bad(format!("value {} must be 1–{VALUE_MAX} characters of plain text", i + 1));
                } else if self.values[..i].contains(v) {
                    bad(format!("'{v}' is listed twice"));
                }
            }
        } else if !self.values.is_empty() {
            bad(format!("only enum and multi_enum fields have values, not {}", self.field_type.as_str()));
        }
        match (&self.currency, self.field_type) {
            (Some(c), FieldType::Money) if !valid_currency(c) => {
                bad(format!("'{c}' is not a currency code such as AUD or EUR"));
            }
            (Some(_), FieldType::Money) | (None, _) => {}
            (Some(_), other) => bad(format!("only money fields have a currency, not {}", other.as_str())),
        }
        let kinds = &self.required_for;
        if kinds.iter().enumerate().any(|(i, k)| kinds[..i].contains(k)) {
            bad("required_for names a kind twice".to_string());
        }
        out
    }

    /// Reads `value` as this field's type; the message says what was expected.
    pub fn read(&self, value: &Value) -> Result<FieldValue, String> {
        let listed = |s: &str| {
            if self.values.iter().any(|v| v == s) {
                Ok(s.to_string())
            } else {
                Err(format!("'{s}' is not one of {}", self.values.join(", ")))
            }
        };
        match (self.field_type, value) {
            (FieldType::Text, Value::String(s))
                if s.chars().count() <= TEXT_MAX && !s.chars().any(|c| c.is_control() && c != '\n') =>
            {
                Ok(FieldValue::Text(s.clone()))
            }
            (FieldType::Text, Value::String(_)) => Err(format!("must be at most {TEXT_MAX} characters of text")),
            (FieldType::Number, Value::Number(n)) => {
                n.as_f64().map(FieldValue::Number).ok_or_else(|| "must be a number".into())
            }
            (FieldType::Money, Value::Object(_)) => {
                let money: Money = serde_json::from_value(value.clone())
                    .map_err(|_| "must be {\"amount\": <integer minor units>, \"currency\": \"AUD\"}".to_string())?;
                if !valid_currency(&money.currency) {
                    return Err(format!("'{}' is not a currency code such as AUD", money.currency));
                }
                match &self.currency {
                    Some(c) if *c != money.currency => Err(format!("must be in {c}, not {}", money.currency)),
                    _ => Ok(FieldValue::Money(money)),
                }
            }
            (FieldType::Date, Value::String(s)) => time::Date::parse(s, DATE)
                .map(FieldValue::Date)
                .map_err(|_| format!("'{s}' is not a date such as 2026-05-01")),
            (FieldType::Enum, Value::String(s)) => listed(s).map(FieldValue::Enum),
            (FieldType::MultiEnum, Value::Array(items)) => {
                let mut picked: Vec<String> = Vec::new();
                for item in items {
                    let s = item.as_str().ok_or("must be a list of texts")?;
                    let s = listed(s)?;
                    if !picked.contains(&s) {
                        picked.push(s);
                    }
                }
                Ok(FieldValue::MultiEnum(picked))
            }
            (FieldType::Boolean, Value::Bool(b)) => Ok(FieldValue::Boolean(*b)),
            (FieldType::User, Value::String(s)) => {
                crate::id::parse_id(s).map(FieldValue::User).ok_or_else(|| format!("'{s}' is not a user id"))
            }
            (t, _) => Err(format!("must be {}", expected(t))),
        }
    }
}

fn expected(t: FieldType) -> &'static str {
    match t {
        FieldType::Text => "text",
        FieldType::Number => "a number",
        FieldType::Money => "an amount of money",
        FieldType::Date => "a date such as 2026-05-01",
        FieldType::Enum => "one of the listed values",
        FieldType::MultiEnum => "a list of the listed values",
        FieldType::Boolean => "true or false",
        FieldType::User => "a user id",
    }
}

/// A workspace's custom fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataSchema {
    pub fields: Vec<FieldDef>,
}

impl MetadataSchema {
    /// Checks every definition; an invalid schema is refused whole, each problem by key.
    pub fn check(self) -> Result<Self, Vec<FieldError>> {
        let mut problems = Vec::new();
        if self.fields.len() > MAX_FIELDS {
            problems.push(FieldError::new("fields", format!("a schema has at most {MAX_FIELDS} fields")));
        }
        for (i, f) in self.fields.iter().enumerate() {
            problems.extend(f.problems());
            if self.fields[..i].iter().any(|g| g.key == f.key) {
                problems.push(FieldError::new(&f.key, "two fields have this key"));
            }
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// What is wrong with an asset's custom values for its kind: a missing required field, or
    /// a value of the wrong type; a `user` must be a member (`is_member`). Keys the schema does
    /// not name are free-form and pass.
    pub fn check_values(
        &self,
        kind: AssetKind,
        custom: &Map<String, Value>,
        is_member: &dyn Fn(Id) -> bool,
    ) -> Vec<FieldError> {
        let mut out = Vec::new();
        for f in &self.fields {
            match custom.get(&f.key).filter(|v| !v.is_null()) {
                None if f.required_for.contains(&kind) => {
                    out.push(FieldError::new(&f.key, format!("{} is required for {} assets", f.label, kind.as_str())));
                }
                None => {}
                Some(v) => match f.read(v) {
                    Ok(FieldValue::User(id)) if !is_member(id) => {
                        out.push(FieldError::new(
                            &f.key,
                            format!("{}: that user is not a member of this workspace", f.label),
                        ));
                    }
                    Ok(_) => {}
                    Err(m) => out.push(FieldError::new(&f.key, format!("{} {m}", f.label))),
                },
            }
        }
        out
    }

    /// Whether stored values (typed, not required-ness) would be refused by this schema: a
    /// schema change that does so is refused with the number of assets it would break.
    pub fn breaks(&self, custom: &Map<String, Value>) -> bool {
        self.fields.iter().any(|f| custom.get(&f.key).filter(|v| !v.is_null()).is_some_and(|v| f.read(v).is_err()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(fields: Value) -> Result<MetadataSchema, Vec<FieldError>> {
        serde_json::from_value::<MetadataSchema>(json!({ "fields": fields })).unwrap().check()
    }

    fn sample() -> MetadataSchema {
        schema(json!([
            {"key": "risk", "label": "Risk", "type": "enum", "values": ["low", "high"], "required_for": ["visual"]},
            {"key": "budget", "label": "Budget", "type": "money", "currency": "AUD"},
            {"key": "markets", "label": "Markets", "type": "multi_enum", "values": ["AU", "NZ"]},
            {"key": "launch", "label": "Launch", "type": "date"},
            {"key": "regulated", "label": "Regulated", "type": "boolean"},
            {"key": "owner", "label": "Owner", "type": "user"},
            {"key": "reach", "label": "Reach", "type": "number"},
            {"key": "notes", "label": "Notes", "type": "text", "help": "Anything reviewers should know"}
        ]))
        .unwrap()
    }

    #[test]
    fn every_type_reads_its_own_values_and_refuses_others() {
        let s = sample();
        let member = crate::id::new_id();
        let ok = json!({
            "risk": "high", "budget": {"amount": 5_000_000, "currency": "AUD"}, "markets": ["AU", "AU", "NZ"],
            "launch": "2026-05-01", "regulated": true, "owner": member.to_string(), "reach": 1.5e6, "notes": "x",
            "free": {"anything": 1}
        });
        let ok = ok.as_object().unwrap();
        assert_eq!(s.check_values(AssetKind::Visual, ok, &|id| id == member), vec![]);
        assert_eq!(
            s.field("markets").unwrap().read(&ok["markets"]).unwrap(),
            FieldValue::MultiEnum(vec!["AU".into(), "NZ".into()])
        );
        let bad = json!({
            "risk": "medium", "budget": {"amount": 1.5, "currency": "AUD"}, "markets": ["UK"], "launch": "01/05/2026",
            "regulated": "yes", "owner": crate::id::new_id().to_string(), "reach": "many", "notes": 3
        });
        let errors = s.check_values(AssetKind::Visual, bad.as_object().unwrap(), &|id| id == member);
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["risk", "budget", "markets", "launch", "regulated", "owner", "reach", "notes"]);
        assert!(errors[0].message.contains("not one of low, high"), "{errors:?}");
        let euros = json!({"budget": {"amount": 100, "currency": "EUR"}});
        let e = s.check_values(AssetKind::Video, euros.as_object().unwrap(), &|_| true);
        assert_eq!(e[0].message, "Budget must be in AUD, not EUR");
    }

    #[test]
    fn required_fields_depend_on_the_kind() {
        let s = sample();
        let none = Map::new();
        let e = s.check_values(AssetKind::Visual, &none, &|_| true);
        assert_eq!(e, vec![FieldError::new("risk", "Risk is required for visual assets")]);
        assert!(s.check_values(AssetKind::Video, &none, &|_| true).is_empty());
        let null = json!({"risk": null});
        assert_eq!(s.check_values(AssetKind::Visual, null.as_object().unwrap(), &|_| true).len(), 1);
    }

    #[test]
    fn bad_definitions_are_named_by_key() {
        let e = schema(json!([
            {"key": "Risk", "label": "Risk", "type": "text"},
            {"key": "tier", "label": "Tier", "type": "enum", "values": []},
            {"key": "tier2", "label": "Tier", "type": "enum", "values": ["a", "a"]},
            {"key": "cost", "label": "Cost", "type": "money", "currency": "dollars"},
            {"key": "note", "label": "", "type": "text", "values": ["x"]},
            {"key": "dup", "label": "One", "type": "text"},
            {"key": "dup", "label": "Two", "type": "number", "currency": "AUD"}
        ]))
        .unwrap_err();
        let keys: Vec<&str> = e.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["Risk", "tier", "tier2", "cost", "note", "note", "dup", "dup"], "{e:?}");
        let unknown =
            serde_json::from_value::<MetadataSchema>(json!({"fields": [{"key": "a", "label": "A", "type": "colour"}]}));
        assert!(unknown.is_err());
    }

    #[test]
    fn a_schema_change_knows_which_stored_values_it_breaks() {
        let s = sample();
        let stored = json!({"risk": "high", "free": 1});
        let stored = stored.as_object().unwrap();
        assert!(!s.breaks(stored));
        let narrower = schema(json!([{"key": "risk", "label": "Risk", "type": "enum", "values": ["low"]}])).unwrap();
        assert!(narrower.breaks(stored));
        let retyped = schema(json!([{"key": "free", "label": "Free", "type": "boolean"}])).unwrap();
        assert!(retyped.breaks(stored));
    }
}
