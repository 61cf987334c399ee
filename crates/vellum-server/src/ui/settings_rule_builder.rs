//! The one-test condition builder of the routing-rule editor: the fields a condition can
//! test, how each one's values are written, and the builder's text turned into typed JSON
//! (the static module does the same in the browser; the domain checks either on save).

use serde_json::{json, Value};
use vellum_domain::{
    condition::Op,
    fields::{FieldType, MetadataSchema},
};

/// How a field's values are written, for the builder (the domain checks them on save).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Text,
    Number,
    Money,
    Boolean,
    /// A list of texts (channels, multi-enum fields).
    Set,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Text => "text",
            Shape::Number => "number",
            Shape::Money => "money",
            Shape::Boolean => "boolean",
            Shape::Set => "set",
        }
    }
}

/// The fields a condition can test, with their labels and shapes.
pub fn condition_fields(schema: &MetadataSchema) -> Vec<(String, String, Shape)> {
    let mut out: Vec<(String, String, Shape)> = vec![
        ("kind".into(), "kind".into(), Shape::Text),
        ("title".into(), "title".into(), Shape::Text),
        ("metadata.language".into(), "language".into(), Shape::Text),
        ("metadata.locale".into(), "locale".into(), Shape::Text),
        ("metadata.channels".into(), "channels".into(), Shape::Set),
    ];
    for f in &schema.fields {
        let shape = match f.field_type {
            FieldType::Number => Shape::Number,
            FieldType::Money => Shape::Money,
            FieldType::Boolean => Shape::Boolean,
            FieldType::MultiEnum => Shape::Set,
            FieldType::Text | FieldType::Enum | FieldType::User | FieldType::Date => Shape::Text,
        };
        out.push((format!("metadata.custom.{}", f.key), format!("{} (custom)", f.label), shape));
    }
    out
}

fn scalar(shape: Shape, text: &str) -> Result<Value, String> {
    match shape {
        Shape::Text | Shape::Set => Ok(Value::String(text.to_string())),
        Shape::Number => match text.parse::<i64>() {
            Ok(n) => Ok(json!(n)),
            Err(_) => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("'{text}' is not a number")),
        },
        Shape::Boolean => match text {
            "true" | "yes" => Ok(Value::Bool(true)),
            "false" | "no" => Ok(Value::Bool(false)),
            _ => Err(format!("'{text}' is not true or false")),
        },
        Shape::Money => serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| "give money as {\"amount\": 500000, \"currency\": \"AUD\"} (the amount in cents)".into()),
    }
}

/// The builder's value typed as JSON for its field and operator (None: no value).
pub fn builder_value(shape: Shape, op: Op, text: &str) -> Result<Option<Value>, String> {
    let text = text.trim();
    let list = matches!(op, Op::In | Op::NotIn) || (shape == Shape::Set && matches!(op, Op::Eq | Op::Ne));
    match op {
        Op::Exists => match text {
            "" => Ok(None),
            t => scalar(Shape::Boolean, t).map(Some),
        },
        _ if list => {
            if text.starts_with('[') {
                return serde_json::from_str(text).map(Some).map_err(|e| format!("the list is not JSON: {e}"));
            }
            let items: Result<Vec<Value>, String> =
                text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| scalar(shape, t)).collect();
            items.map(|v| Some(Value::Array(v)))
        }
        _ => scalar(shape, text).map(Some),
    }
}

/// A value as the builder's text input shows it.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_values_take_their_field_type() {
        assert_eq!(builder_value(Shape::Number, Op::In, "1, 2.5").unwrap(), Some(json!([1, 2.5])));
        assert_eq!(builder_value(Shape::Text, Op::Exists, "").unwrap(), None);
        assert_eq!(builder_value(Shape::Text, Op::Exists, "false").unwrap(), Some(json!(false)));
        assert_eq!(builder_value(Shape::Text, Op::NotIn, "[\"a\"]").unwrap(), Some(json!(["a"])));
        assert!(builder_value(Shape::Number, Op::Gt, "lots").is_err());
        assert!(builder_value(Shape::Money, Op::Gte, "50").is_err());
    }
}
