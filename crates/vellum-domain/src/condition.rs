//! The one condition language over asset fields (routing rules now; download and retention
//! policies later): conditions are data, checked against the workspace's field types when
//! saved (naming the path of a faulty node) and explained when evaluated.
//!
//! `{"field": F, "op": OP, "value": V}` with ops `eq, ne, in, not_in, lt, lte, gt, gte,
//! contains, exists`, combined by `{"all": [...]}`, `{"any": [...]}` and `{"not": C}`.
//! A field without a value satisfies only `ne`, `not_in` and `exists: false`.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{
    fields::{FieldDef, FieldType, MetadataSchema, Money},
    metadata::AssetMetadata,
    validate::AssetKind,
};

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Lt,
    Lte,
    Gt,
    Gte,
    Contains,
    Exists,
}

impl Op {
    pub const ALL: [Op; 10] =
        [Op::Eq, Op::Ne, Op::In, Op::NotIn, Op::Lt, Op::Lte, Op::Gt, Op::Gte, Op::Contains, Op::Exists];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::In => "in",
            Op::NotIn => "not_in",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Contains => "contains",
            Op::Exists => "exists",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.as_str() == s)
    }

    fn ordering(self) -> bool {
        matches!(self, Op::Lt | Op::Lte | Op::Gt | Op::Gte)
    }
}

/// What a condition can look at, with the type its values have.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Kind,
    Title,
    Language,
    Locale,
    Channels,
    /// `metadata.custom.<key>`, typed by the workspace's schema.
    Custom(FieldDef),
    /// `brief.template`: the id of the template a brief was written on.
    BriefTemplate,
    /// `brief.<key>`: a brief's answer. Templates differ, so the values compare the way the
    /// rule's own value is written (a number as a number, a list as a set, money as money).
    Brief(String, Shape),
}

/// How a field's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Text,
    Number,
    Money,
    Date,
    Boolean,
    /// A set of texts: `in` and `contains` test membership, `eq` the whole set.
    Set,
}

impl Field {
    /// Resolves a field name against the schema.
    pub fn resolve(name: &str, schema: &MetadataSchema) -> Option<Field> {
        Some(match name {
            "kind" => Field::Kind,
            "title" => Field::Title,
            "metadata.language" => Field::Language,
            "metadata.locale" => Field::Locale,
            "metadata.channels" => Field::Channels,
            "brief.template" => Field::BriefTemplate,
            _ => match name.strip_prefix("brief.") {
                Some(key) if crate::fields::valid_key(key) => Field::Brief(key.to_string(), Shape::Text),
                Some(_) => return None,
                None => Field::Custom(schema.field(name.strip_prefix("metadata.custom.")?)?.clone()),
            },
        })
    }

    /// A brief answer's field, shaped by the value the rule compares it with.
    fn shaped_by(self, op: Op, value: &Value) -> Field {
        let Field::Brief(key, _) = self else { return self };
        let sample = match (op, value) {
            (Op::In | Op::NotIn, Value::Array(items)) => items.first().unwrap_or(&Value::Null),
            _ => value,
        };
        let shape = match sample {
            Value::Number(_) => Shape::Number,
            Value::Bool(_) => Shape::Boolean,
            Value::Array(_) => Shape::Set,
            Value::Object(_) => Shape::Money,
            Value::String(s) if op.ordering() && date(s).is_some() => Shape::Date,
            _ => Shape::Text,
        };
        Field::Brief(key, shape)
    }

    fn shape(&self) -> Shape {
        match self {
            Field::Kind | Field::Title | Field::Language | Field::Locale | Field::BriefTemplate => Shape::Text,
            Field::Brief(_, shape) => *shape,
            Field::Channels => Shape::Set,
            Field::Custom(f) => match f.field_type {
                FieldType::Text | FieldType::Enum | FieldType::User => Shape::Text,
                FieldType::Number => Shape::Number,
                FieldType::Money => Shape::Money,
                FieldType::Date => Shape::Date,
                FieldType::Boolean => Shape::Boolean,
                FieldType::MultiEnum => Shape::Set,
            },
        }
    }

    /// The field's value on a subject, as JSON (None: no value).
    fn actual(&self, s: &Subject) -> Option<Value> {
        match self {
            Field::Kind => s.kind.map(|k| Value::from(k.as_str())),
            Field::Title => Some(Value::from(s.title)),
            Field::Language => s.metadata.language.clone().map(Value::from),
            Field::Locale => s.metadata.locale.clone().map(Value::from),
            Field::Channels => Some(json!(s.metadata.channels)),
            Field::Custom(f) => s.metadata.custom.get(&f.key).filter(|v| !v.is_null()).cloned(),
            Field::BriefTemplate => s.brief.as_ref().map(|b| Value::from(b.template_id.clone())),
            Field::Brief(key, _) => s.brief.as_ref()?.fields.get(key).filter(|v| !v.is_null()).cloned(),
        }
    }
}

/// A checked condition tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test { name: String, field: Field, op: Op, value: Value },
}

/// Where a condition is wrong: a JSON-pointer-like path (`/rules/2/when/all/0/op`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub path: String,
    pub message: String,
}

fn err<T>(path: &str, message: impl Into<String>) -> Result<T, ConditionError> {
    Err(ConditionError { path: path.to_string(), message: message.into() })
}

/// How deep conditions may nest: deeper trees are refused before they cost anything.
const MAX_DEPTH: usize = 16;

impl Condition {
    /// Checks `v` (found at `path`) against the schema's fields and types.
    pub fn parse(v: &Value, path: &str, schema: &MetadataSchema) -> Result<Condition, ConditionError> {
        Self::parse_at(v, path, schema, 0)
    }

    fn parse_at(v: &Value, path: &str, schema: &MetadataSchema, depth: usize) -> Result<Condition, ConditionError> {
        if depth > MAX_DEPTH {
            return err(path, format!("conditions nest at most {MAX_DEPTH} deep"));
        }
        let Some(obj) = v.as_object() else {
            return err(path, "a condition is an object: {field, op, value}, {all: […]}, {any: […]} or {not: …}");
        };
        let list = |key: &str, items: &Value| -> Result<Vec<Condition>, ConditionError> {
            let Some(items) = items.as_array().filter(|a| !a.is_empty()) else {
                return err(&format!("{path}/{key}"), format!("'{key}' takes a non-empty list of conditions"));
            };
            items
                .iter()
                .enumerate()
                .map(|(i, c)| Self::parse_at(c, &format!("{path}/{key}/{i}"), schema, depth + 1))
                .collect()
        };
        if obj.len() == 1 {
            if let Some(items) = obj.get("all") {
                return list("all", items).map(Condition::All);
            }
            if let Some(items) = obj.get("any") {
                return list("any", items).map(Condition::Any);
            }
            if let Some(inner) = obj.get("not") {
                return Ok(Condition::Not(Box::new(Self::parse_at(inner, &format!("{path}/not"), schema, depth + 1)?)));
            }
        }
        if let Some(extra) = obj.keys().find(|k| !["field", "op", "value"].contains(&k.as_str())) {
            return err(&format!("{path}/{extra}"), format!("'{extra}' is not part of a condition"));
        }
        let Some(name) = obj.get("field").and_then(Value::as_str) else {
            return err(&format!("{path}/field"), "a test names its field");
        };
        let Some(field) = Field::resolve(name, schema) else {
            return err(
                &format!("{path}/field"),
                format!("'{name}' is not a field: use kind, title, metadata.language, metadata.locale, metadata.channels, metadata.custom.<a key of the schema>, brief.template or brief.<a field key>"),
            );
        };
        let Some(op) = obj.get("op").and_then(Value::as_str).and_then(Op::parse) else {
            return err(
                &format!("{path}/op"),
                "op must be one of eq, ne, in, not_in, lt, lte, gt, gte, contains, exists",
            );
        };
        let value = obj.get("value").cloned().unwrap_or(Value::Null);
        let field = field.shaped_by(op, &value);
        check_value(&field, op, &value, &format!("{path}/value"))?;
        Ok(Condition::Test { name: name.to_string(), field, op, value })
    }
}

/// Whether `value` suits `op` on `field`.
fn check_value(field: &Field, op: Op, value: &Value, path: &str) -> Result<(), ConditionError> {
    let shape = field.shape();
    match op {
        Op::Exists => {
            return match value {
                Value::Null | Value::Bool(_) => Ok(()),
                _ => err(path, "exists takes true, false or nothing"),
            }
        }
        Op::In | Op::NotIn => {
            let Some(items) = value.as_array().filter(|a| !a.is_empty()) else {
                return err(path, format!("{} takes a non-empty list", op.as_str()));
            };
            for (i, item) in items.iter().enumerate() {
                check_scalar(field, item, &format!("{path}/{i}"))?;
            }
            return Ok(());
        }
        Op::Contains if shape == Shape::Set || shape == Shape::Text => {}
        Op::Contains => return err(path, "contains applies to text and lists"),
        o if o.ordering() && !matches!(shape, Shape::Number | Shape::Money | Shape::Date) => {
            return err(path, format!("{} compares numbers, money and dates", o.as_str()));
        }
        _ => {}
    }
    if shape == Shape::Set && matches!(op, Op::Eq | Op::Ne) {
        let Some(items) = value.as_array() else { return err(path, "a list field compares with a list") };
        for (i, item) in items.iter().enumerate() {
            check_scalar(field, item, &format!("{path}/{i}"))?;
        }
        return Ok(());
    }
    check_scalar(field, value, path)
}

/// Whether `v` is one value of the field's type (one member, for a list field).
fn check_scalar(field: &Field, v: &Value, path: &str) -> Result<(), ConditionError> {
    let ok = match (field.shape(), v) {
        (Shape::Text | Shape::Set, Value::String(s)) => match field {
            Field::Kind => AssetKind::parse(s).is_ok(),
            Field::Custom(f) if f.field_type.has_values() => f.values.contains(s),
            _ => true,
        },
        (Shape::Number, Value::Number(_)) | (Shape::Boolean, Value::Bool(_)) => true,
        (Shape::Money, Value::Object(_)) => serde_json::from_value::<Money>(v.clone()).is_ok(),
        (Shape::Date, Value::String(s)) => date(s).is_some(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        err(path, format!("{v} is not a value this field can have"))
    }
}

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, DATE).ok()
}

/// What conditions are evaluated against: an asset, one described for a dry run, or a brief
/// (which has no kind and no metadata, but its answers and template).
pub struct Subject<'a> {
    pub kind: Option<AssetKind>,
    pub title: &'a str,
    pub metadata: &'a AssetMetadata,
    pub brief: Option<BriefFacts<'a>>,
}

/// What routing sees of a brief: `brief.template` and `brief.<key>`.
pub struct BriefFacts<'a> {
    pub template_id: String,
    pub fields: &'a serde_json::Map<String, Value>,
}

impl<'a> Subject<'a> {
    pub fn asset(kind: AssetKind, title: &'a str, metadata: &'a AssetMetadata) -> Self {
        Subject { kind: Some(kind), title, metadata, brief: None }
    }
}

/// One test as evaluated: what was compared and how it came out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestTrace {
    pub field: String,
    pub op: Op,
    pub value: Value,
    /// The subject's value (null: none).
    pub actual: Value,
    pub result: bool,
}

impl Condition {
    /// Evaluates the tree, recording every test it evaluated (in order; `all` and `any` stop
    /// at the first test that decides them, as a reader would).
    pub fn evaluate(&self, s: &Subject, trace: &mut Vec<TestTrace>) -> bool {
        match self {
            Condition::All(items) => items.iter().all(|c| c.evaluate(s, trace)),
            Condition::Any(items) => items.iter().any(|c| c.evaluate(s, trace)),
            Condition::Not(inner) => !inner.evaluate(s, trace),
            Condition::Test { name, field, op, value } => {
                let actual = field.actual(s);
                let result = test(field.shape(), *op, value, actual.as_ref());
                trace.push(TestTrace {
                    field: name.clone(),
                    op: *op,
                    value: value.clone(),
                    actual: actual.unwrap_or(Value::Null),
                    result,
                });
                result
            }
        }
    }
}

fn test(shape: Shape, op: Op, value: &Value, actual: Option<&Value>) -> bool {
    let Some(actual) = actual else {
        return match op {
            Op::Ne | Op::NotIn => true,
            Op::Exists => value == &Value::Bool(false),
            _ => false,
        };
    };
    match op {
        Op::Exists => value != &Value::Bool(false),
        Op::Eq => equal(shape, actual, value),
        Op::Ne => !equal(shape, actual, value),
        Op::In | Op::NotIn => {
            let hit = value.as_array().is_some_and(|items| match shape {
                Shape::Set => items.iter().any(|i| members(actual).contains(&i)),
                _ => items.iter().any(|i| equal(shape, actual, i)),
            });
            hit == (op == Op::In)
        }
        Op::Contains => match (shape, actual, value) {
            (Shape::Set, _, v) => members(actual).contains(&v),
            (_, Value::String(a), Value::String(v)) => a.to_lowercase().contains(&v.to_lowercase()),
            _ => false,
        },
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => match compare(shape, actual, value) {
            Some(o) => match op {
                Op::Lt => o == Ordering::Less,
                Op::Lte => o != Ordering::Greater,
                Op::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            },
            None => false,
        },
    }
}

fn members(v: &Value) -> Vec<&Value> {
    v.as_array().map(|a| a.iter().collect()).unwrap_or_default()
}

fn equal(shape: Shape, actual: &Value, value: &Value) -> bool {
    match shape {
        Shape::Set => {
            let (a, v) = (members(actual), members(value));
            a.iter().all(|x| v.contains(x)) && v.iter().all(|x| a.contains(x))
        }
        Shape::Number | Shape::Money | Shape::Date => compare(shape, actual, value) == Some(Ordering::Equal),
        Shape::Text | Shape::Boolean => actual == value,
    }
}

/// Orders two values of a comparable field; money only within one currency.
fn compare(shape: Shape, actual: &Value, value: &Value) -> Option<Ordering> {
    match shape {
        Shape::Number => actual.as_f64()?.partial_cmp(&value.as_f64()?),
        Shape::Money => {
            let (a, v): (Money, Money) =
                (serde_json::from_value(actual.clone()).ok()?, serde_json::from_value(value.clone()).ok()?);
            (a.currency == v.currency).then(|| a.amount.cmp(&v.amount))
        }
        Shape::Date => Some(date(actual.as_str()?)?.cmp(&date(value.as_str()?)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> MetadataSchema {
        serde_json::from_value::<MetadataSchema>(json!({"fields": [
            {"key": "risk", "label": "Risk", "type": "enum", "values": ["low", "high"]},
            {"key": "budget", "label": "Budget", "type": "money"},
            {"key": "markets", "label": "Markets", "type": "multi_enum", "values": ["AU", "NZ", "UK"]},
            {"key": "launch", "label": "Launch", "type": "date"},
            {"key": "regulated", "label": "Regulated", "type": "boolean"},
            {"key": "reach", "label": "Reach", "type": "number"},
            {"key": "notes", "label": "Notes", "type": "text"}
        ]}))
        .unwrap()
        .check()
        .unwrap()
    }

    fn meta() -> AssetMetadata {
        AssetMetadata::from_json(json!({
            "language": "en", "channels": ["social", "web"],
            "custom": {"risk": "high", "budget": {"amount": 6_000_000, "currency": "AUD"}, "markets": ["AU", "NZ"],
                       "launch": "2026-03-01", "regulated": true, "reach": 1500, "notes": "Product Launch ad"}
        }))
        .unwrap()
    }

    fn eval(c: Value) -> bool {
        let cond = Condition::parse(&c, "", &schema()).unwrap();
        let m = meta();
        cond.evaluate(&Subject::asset(AssetKind::Visual, "Spring ad", &m), &mut Vec::new())
    }

    fn t(field: &str, op: &str, value: Value) -> Value {
        json!({"field": field, "op": op, "value": value})
    }

    #[test]
    fn every_op_on_every_shape() {
        let cases = [
            (t("kind", "eq", json!("visual")), true),
            (t("kind", "ne", json!("video")), true),
            (t("kind", "in", json!(["video", "visual"])), true),
            (t("kind", "not_in", json!(["visual"])), false),
            (t("title", "contains", json!("SPRING")), true),
            (t("metadata.language", "eq", json!("en")), true),
            (t("metadata.channels", "contains", json!("social")), true),
            (t("metadata.channels", "in", json!(["print", "web"])), true),
            (t("metadata.channels", "not_in", json!(["print"])), true),
            (t("metadata.channels", "eq", json!(["web", "social"])), true),
            (t("metadata.custom.risk", "eq", json!("high")), true),
            (t("metadata.custom.budget", "gt", json!({"amount": 5_000_000, "currency": "AUD"})), true),
            (t("metadata.custom.budget", "lte", json!({"amount": 5_000_000, "currency": "AUD"})), false),
            (t("metadata.custom.budget", "gte", json!({"amount": 6_000_000, "currency": "AUD"})), true),
            // Another currency never compares: neither greater nor smaller.
            (t("metadata.custom.budget", "gt", json!({"amount": 1, "currency": "EUR"})), false),
            (t("metadata.custom.budget", "lt", json!({"amount": 1, "currency": "EUR"})), false),
            (t("metadata.custom.markets", "contains", json!("NZ")), true),
            (t("metadata.custom.markets", "in", json!(["UK"])), false),
            (t("metadata.custom.launch", "lt", json!("2026-03-02")), true),
            (t("metadata.custom.launch", "eq", json!("2026-03-01")), true),
            (t("metadata.custom.regulated", "eq", json!(true)), true),
            (t("metadata.custom.reach", "gte", json!(1500)), true),
            (t("metadata.custom.reach", "lt", json!(1500.5)), true),
            (t("metadata.custom.notes", "contains", json!("launch")), true),
            (t("metadata.custom.notes", "exists", json!(true)), true),
        ];
        for (c, want) in cases {
            assert_eq!(eval(c.clone()), want, "{c}");
        }
    }

    #[test]
    fn a_missing_value_only_satisfies_ne_not_in_and_exists_false() {
        for (c, want) in [
            (t("metadata.locale", "eq", json!("en-AU")), false),
            (t("metadata.locale", "ne", json!("en-AU")), true),
            (t("metadata.locale", "in", json!(["en-AU"])), false),
            (t("metadata.locale", "not_in", json!(["en-AU"])), true),
            (t("metadata.locale", "contains", json!("en")), false),
            (t("metadata.locale", "exists", json!(null)), false),
            (t("metadata.locale", "exists", json!(false)), true),
        ] {
            assert_eq!(eval(c.clone()), want, "{c}");
        }
    }

    #[test]
    fn nesting_and_the_trace_of_what_was_checked() {
        let c = json!({"all": [
            t("kind", "eq", json!("visual")),
            {"any": [t("metadata.custom.risk", "eq", json!("low")), {"not": t("metadata.custom.regulated", "eq", json!(false))}]}
        ]});
        let cond = Condition::parse(&c, "/when", &schema()).unwrap();
        let m = meta();
        let mut trace = Vec::new();
        assert!(cond.evaluate(&Subject::asset(AssetKind::Visual, "x", &m), &mut trace));
        let seen: Vec<(&str, bool)> = trace.iter().map(|t| (t.field.as_str(), t.result)).collect();
        assert_eq!(seen, [("kind", true), ("metadata.custom.risk", false), ("metadata.custom.regulated", false)]);
        assert_eq!(trace[1].actual, json!("high"));
    }

    #[test]
    fn bad_conditions_name_the_faulty_node() {
        let s = schema();
        let cases = [
            (json!({"all": [t("kind", "eq", json!("visual")), t("colour", "eq", json!("red"))]}), "/when/all/1/field"),
            (json!({"any": []}), "/when/any"),
            (t("kind", "eq", json!("poster")), "/when/value"),
            (t("metadata.custom.risk", "eq", json!("medium")), "/when/value"),
            (t("metadata.custom.unknown", "eq", json!(1)), "/when/field"),
            (t("title", "gt", json!("a")), "/when/value"),
            (t("metadata.custom.reach", "contains", json!(1)), "/when/value"),
            (t("metadata.custom.reach", "eq", json!("many")), "/when/value"),
            (t("metadata.custom.budget", "gt", json!(5)), "/when/value"),
            (t("metadata.custom.launch", "lt", json!("March")), "/when/value"),
            (t("metadata.channels", "in", json!("web")), "/when/value"),
            (json!({"field": "kind", "op": "like", "value": "v"}), "/when/op"),
            (json!({"field": "kind", "op": "eq", "value": "visual", "also": 1}), "/when/also"),
            (json!({"not": [1]}), "/when/not"),
            (json!("kind = visual"), "/when"),
        ];
        for (c, path) in cases {
            let e = Condition::parse(&c, "/when", &s).unwrap_err();
            assert_eq!(e.path, path, "{c}: {}", e.message);
        }
        let mut deep = t("kind", "eq", json!("visual"));
        for _ in 0..40 {
            deep = json!({"not": deep});
        }
        assert!(Condition::parse(&deep, "", &s).unwrap_err().message.contains("nest"));
    }
}
