//! An asset's custom metadata as name/value rows in a form, and back into the JSON object the
//! core stores. A value that was not text (a number, a list) keeps its type while it still
//! reads as that type.

use maud::{html, Markup};
use serde_json::{Map, Value};

use super::session::fields;

/// The repeated inputs of a row, in order; each row has all three, so they pair by position.
pub const NAMES: [&str; 3] = ["custom_key", "custom_value", "custom_kind"];

/// Blank rows offered below the filled ones (the script adds more on demand).
const BLANK_ROWS: usize = 2;

/// One row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub key: String,
    pub value: String,
    /// `json` when the stored value was not text, so it is read back as JSON.
    pub json: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomRows(pub Vec<Row>);

impl CustomRows {
    pub fn from_pairs(pairs: &[(String, String)]) -> CustomRows {
        let keys = fields(pairs, "custom_key");
        let mut values = fields(pairs, "custom_value");
        let mut kinds = fields(pairs, "custom_kind");
        CustomRows(
            keys.map(|k| Row {
                key: k.to_string(),
                value: values.next().unwrap_or("").to_string(),
                json: kinds.next() == Some("json"),
            })
            .collect(),
        )
    }

    pub fn from_map(custom: &Map<String, Value>) -> CustomRows {
        CustomRows(
            custom
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Row { key: k.clone(), value: s.clone(), json: false },
                    other => Row { key: k.clone(), value: other.to_string(), json: true },
                })
                .collect(),
        )
    }

    /// The JSON object, or what to fix: a value without a name, or a name used twice.
    pub fn to_map(&self) -> Result<Map<String, Value>, String> {
        let mut m = Map::new();
        for r in &self.0 {
            let (key, value) = (r.key.trim(), r.value.trim());
            if key.is_empty() && value.is_empty() {
                continue;
            }
            if key.is_empty() {
                return Err(format!("Give the custom field holding “{value}” a name."));
            }
            if m.contains_key(key) {
                return Err(format!("The custom field “{key}” is listed twice; keep one."));
            }
            // A number stays a number while it reads as one; typed text is text.
            let parsed = if r.json { serde_json::from_str::<Value>(value).ok() } else { None };
            m.insert(key.to_string(), parsed.unwrap_or_else(|| Value::String(value.to_string())));
        }
        Ok(m)
    }

    /// The rows and a few blank ones, ids prefixed by `id`.
    pub fn inputs(&self, id: &str) -> Markup {
        let blank = Row::default();
        let rows = self.0.iter().chain(std::iter::repeat_n(&blank, BLANK_ROWS));
        html! {
            fieldset.custom-fields data-rows {
                legend { "Custom fields" }
                p.hint #{ (id) "-custom-hint" } { "A name and a value per row, such as campaign · spring-2026. Leave a row empty to remove it." }
                div.kv-rows {
                    @for (i, r) in rows.enumerate() {
                        div.kv-row {
                            input id={ (id) "-ck-" (i) } name="custom_key" value=(r.key) maxlength="100"
                                aria-label={ "Name of custom field " (i + 1) } placeholder="Name";
                            input id={ (id) "-cv-" (i) } name="custom_value" value=(r.value) maxlength="2000"
                                aria-label={ "Value of custom field " (i + 1) } placeholder="Value";
                            input type="hidden" name="custom_kind" value=(if r.json { "json" } else { "text" });
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(rows: &[(&str, &str, &str)]) -> Vec<(String, String)> {
        rows.iter()
            .flat_map(|(k, v, t)| {
                [("custom_key", *k), ("custom_value", *v), ("custom_kind", *t)].map(|(a, b)| (a.into(), b.into()))
            })
            .collect()
    }

    #[test]
    fn rows_become_an_object_keeping_types() {
        let stored = json!({"campaign": "spring", "budget": 1200, "tags": ["a"]});
        let rows = CustomRows::from_map(stored.as_object().unwrap());
        assert_eq!(rows.to_map().unwrap(), *stored.as_object().unwrap(), "unchanged rows round-trip");
        let typed = pairs(&[
            ("campaign", " summer ", "text"),
            ("budget", "soon", "json"),
            ("", "", "text"),
            ("n", "7", "text"),
        ]);
        assert_eq!(
            Value::Object(CustomRows::from_pairs(&typed).to_map().unwrap()),
            json!({"campaign": "summer", "budget": "soon", "n": "7"})
        );
    }

    #[test]
    fn nameless_values_and_twice_named_fields_are_refused() {
        let nameless = CustomRows::from_pairs(&pairs(&[("", "orphan", "text")])).to_map().unwrap_err();
        assert!(nameless.contains("“orphan”"), "{nameless}");
        let twice = CustomRows::from_pairs(&pairs(&[("a", "1", "text"), ("a", "2", "text")])).to_map().unwrap_err();
        assert!(twice.contains("“a”"), "{twice}");
    }
}
