//! Briefs and their templates: the kinds of field a template may ask for (the metadata field
//! kinds plus long text, links to library assets and URLs), the checks on a template, the
//! reading of a brief's answers against the revision it was written on (one error per field),
//! and a brief's status.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    fields::{valid_key, FieldDef, FieldError, FieldType, HELP_MAX, KEY_MAX, LABEL_MAX, MAX_VALUES, VALUE_MAX},
    id::parse_id,
    Id,
};

/// What a template is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// New work: audience, channels, mandatories, deliverables.
    Brief,
    /// Changes to existing work: what to change, where, why, by when.
    RevisionRequest,
}

/// What a template field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BriefFieldType {
    Text,
    Number,
    Money,
    Date,
    Enum,
    MultiEnum,
    Boolean,
    User,
    /// Several paragraphs.
    LongText,
    /// Library assets, by id.
    AssetRefs,
    /// An `http` or `https` address.
    Url,
}

impl BriefFieldType {
    /// The metadata field kind this is, when it is one.
    fn as_field_type(self) -> Option<FieldType> {
        Some(match self {
            BriefFieldType::Text => FieldType::Text,
            BriefFieldType::Number => FieldType::Number,
            BriefFieldType::Money => FieldType::Money,
            BriefFieldType::Date => FieldType::Date,
            BriefFieldType::Enum => FieldType::Enum,
            BriefFieldType::MultiEnum => FieldType::MultiEnum,
            BriefFieldType::Boolean => FieldType::Boolean,
            BriefFieldType::User => FieldType::User,
            BriefFieldType::LongText | BriefFieldType::AssetRefs | BriefFieldType::Url => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self.as_field_type() {
            Some(t) => t.as_str(),
            None => match self {
                BriefFieldType::LongText => "long_text",
                BriefFieldType::AssetRefs => "asset_refs",
                _ => "url",
            },
        }
    }
}

/// One question of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: BriefFieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub title: String,
    pub fields: Vec<TemplateField>,
}

/// One revision of a template, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    pub name: String,
    pub kind: TemplateKind,
    pub sections: Vec<Section>,
    /// The regulatory mandatories a brief of this kind must cover, as a checklist.
    #[serde(default)]
    pub mandatories: Vec<String>,
    /// What a brief of this kind normally asks for ("1080×1080 social tile").
    #[serde(default)]
    pub deliverables: Vec<String>,
    /// The channels a new brief starts with.
    #[serde(default)]
    pub channels: Vec<String>,
    /// The workflow that approves briefs of this template (absent: the routing rules choose).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub workflow_id: Option<Id>,
}

pub const NAME_MAX: usize = 120;
pub const MAX_SECTIONS: usize = 20;
pub const MAX_TEMPLATE_FIELDS: usize = 100;
pub const MAX_ITEMS: usize = 50;
pub const ITEM_MAX: usize = 200;
const LONG_TEXT_MAX: usize = 20_000;
const URL_MAX: usize = 2000;
pub const MAX_ASSET_REFS: usize = 50;

fn plain(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

impl TemplateField {
    fn problems(&self, out: &mut Vec<FieldError>) {
        let key = self.key.as_str();
        let mut bad = |m: String| out.push(FieldError { key: key.to_string(), message: m });
        if !valid_key(key) {
            bad(format!(
                "'{key}' is not a field key: use 1–{KEY_MAX} lower-case letters, digits or '_', starting with a letter"
            ));
        }
        if !plain(&self.label, LABEL_MAX) {
            bad(format!("the label must be 1–{LABEL_MAX} characters of plain text"));
        }
        if self.help.as_deref().is_some_and(|h| h.chars().count() > HELP_MAX || h.chars().any(char::is_control)) {
            bad(format!("the help text must be at most {HELP_MAX} characters of plain text"));
        }
        let listed = matches!(self.field_type, BriefFieldType::Enum | BriefFieldType::MultiEnum);
        if listed {
            if self.values.is_empty() || self.values.len() > MAX_VALUES {
                bad(format!("a {} field needs 1–{MAX_VALUES} values", self.field_type.as_str()));
            }
            for (i, v) in self.values.iter().enumerate() {
                if !plain(v, VALUE_MAX) {
                    bad(format!("value {} must be 1–{VALUE_MAX} characters of plain text", i + 1));
                } else if self.values[..i].contains(v) {
                    bad(format!("'{v}' is listed twice"));
                }
            }
        } else if !self.values.is_empty() {
            bad(format!("only enum and multi_enum fields have values, not {}", self.field_type.as_str()));
        }
    }

    /// The metadata definition that reads this field's values, when it is a metadata kind.
    fn as_def(&self) -> Option<FieldDef> {
        Some(FieldDef {
            key: self.key.clone(),
            label: self.label.clone(),
            field_type: self.field_type.as_field_type()?,
            required_for: Vec::new(),
            values: self.values.clone(),
            currency: None,
            help: None,
        })
    }

    /// Reads one answer; the message says what was expected.
    fn read(&self, value: &Value) -> Result<Value, String> {
        if let Some(def) = self.as_def() {
            def.read(value)?;
            return Ok(value.clone());
        }
        match (self.field_type, value) {
            (BriefFieldType::LongText, Value::String(s))
                if s.chars().count() <= LONG_TEXT_MAX
                    && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') =>
            {
                Ok(value.clone())
            }
            (BriefFieldType::LongText, _) => Err(format!("must be at most {LONG_TEXT_MAX} characters of text")),
            (BriefFieldType::Url, Value::String(s)) if valid_url(s) => Ok(value.clone()),
            (BriefFieldType::Url, _) => Err("must be an http:// or https:// address".into()),
            (BriefFieldType::AssetRefs, Value::Array(items)) if items.len() <= MAX_ASSET_REFS => {
                let mut ids: Vec<Id> = Vec::new();
                for item in items {
                    let id = item.as_str().and_then(parse_id).ok_or("must be a list of asset ids")?;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                Ok(Value::from(ids.iter().map(ToString::to_string).collect::<Vec<_>>()))
            }
            (BriefFieldType::AssetRefs, _) => Err(format!("must be a list of at most {MAX_ASSET_REFS} asset ids")),
            _ => Err("is not a value this field can have".into()),
        }
    }
}

fn valid_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && s.len() <= URL_MAX
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The place of an error about the template itself, keyed like a form would name it.
fn at(key: &str, message: impl Into<String>) -> FieldError {
    FieldError { key: key.to_string(), message: message.into() }
}

impl TemplateSpec {
    /// Checks a template whole; every problem is named by the key it is about.
    pub fn check(self) -> Result<Self, Vec<FieldError>> {
        let mut out = Vec::new();
        if !plain(&self.name, NAME_MAX) {
            out.push(at("name", format!("the name must be 1–{NAME_MAX} characters of plain text")));
        }
        if self.sections.is_empty() || self.sections.len() > MAX_SECTIONS {
            out.push(at("sections", format!("a template has 1–{MAX_SECTIONS} sections")));
        }
        let mut keys: Vec<&str> = Vec::new();
        for (i, s) in self.sections.iter().enumerate() {
            if !plain(&s.title, NAME_MAX) {
                out.push(at(&format!("sections/{i}/title"), "a section needs a title of plain text"));
            }
            if s.fields.is_empty() {
                out.push(at(&format!("sections/{i}/fields"), "a section asks at least one question"));
            }
            for f in &s.fields {
                f.problems(&mut out);
                if keys.contains(&f.key.as_str()) {
                    out.push(at(&f.key, "two fields have this key"));
                }
                keys.push(&f.key);
            }
        }
        if keys.len() > MAX_TEMPLATE_FIELDS {
            out.push(at("sections", format!("a template asks at most {MAX_TEMPLATE_FIELDS} questions")));
        }
        for (name, items) in [("mandatories", &self.mandatories), ("deliverables", &self.deliverables)] {
            if items.len() > MAX_ITEMS {
                out.push(at(name, format!("at most {MAX_ITEMS} {name}")));
            }
            for (i, item) in items.iter().enumerate() {
                if !plain(item, ITEM_MAX) {
                    out.push(at(&format!("{name}/{i}"), format!("each must be 1–{ITEM_MAX} characters of plain text")));
                } else if items[..i].contains(item) {
                    out.push(at(&format!("{name}/{i}"), format!("'{item}' is listed twice")));
                }
            }
        }
        if self.channels.len() > MAX_ITEMS || self.channels.iter().any(|c| !plain(c, VALUE_MAX)) {
            out.push(at("channels", format!("at most {MAX_ITEMS} channels of 1–{VALUE_MAX} characters")));
        }
        if out.is_empty() {
            Ok(self)
        } else {
            Err(out)
        }
    }

    pub fn fields(&self) -> impl Iterator<Item = &TemplateField> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }

    /// Reads a brief's answers: every missing mandatory field and every wrong value is one
    /// error, named by its key; a key the template does not ask is refused too, so a typo is
    /// not silently dropped. Empty answers (null, "", []) count as missing.
    pub fn read_answers(&self, answers: &Map<String, Value>) -> Result<Map<String, Value>, Vec<FieldError>> {
        let mut out = Map::new();
        let mut errors = Vec::new();
        for f in self.fields() {
            match answers.get(&f.key).filter(|v| !is_empty(v)) {
                None if f.required => errors.push(at(&f.key, format!("{} is required", f.label))),
                None => {}
                Some(v) => match f.read(v) {
                    Ok(v) => {
                        out.insert(f.key.clone(), v);
                    }
                    Err(m) => errors.push(at(&f.key, format!("{} {m}", f.label))),
                },
            }
        }
        for key in answers.keys() {
            if !self.fields().any(|f| f.key == *key) {
                errors.push(at(key, format!("this template does not ask for '{key}'")));
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// The library assets the answers link to (the `asset_refs` fields).
    pub fn asset_refs(&self, answers: &Map<String, Value>) -> Vec<Id> {
        let mut out: Vec<Id> = Vec::new();
        for f in self.fields().filter(|f| f.field_type == BriefFieldType::AssetRefs) {
            let ids = answers.get(&f.key).and_then(Value::as_array).into_iter().flatten();
            for id in ids.filter_map(Value::as_str).filter_map(parse_id) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Where a brief stands. Derived from its latest review and its deliverables, never typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BriefStatus {
    Draft,
    InApproval,
    ChangesRequested,
    Approved,
    Rejected,
    /// Approved, and every deliverable has an approved asset.
    Done,
}

impl BriefStatus {
    pub const ALL: [BriefStatus; 6] = [
        BriefStatus::Draft,
        BriefStatus::InApproval,
        BriefStatus::ChangesRequested,
        BriefStatus::Approved,
        BriefStatus::Rejected,
        BriefStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BriefStatus::Draft => "draft",
            BriefStatus::InApproval => "in_approval",
            BriefStatus::ChangesRequested => "changes_requested",
            BriefStatus::Approved => "approved",
            BriefStatus::Rejected => "rejected",
            BriefStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether work may be linked to a brief in this state.
    pub fn receives_work(self) -> bool {
        matches!(self, BriefStatus::Approved | BriefStatus::Done)
    }
}

/// The status that follows from the brief's latest review (None: never submitted) and
/// whether all its deliverables have approved work.
pub fn derive_status(latest_review: Option<crate::review::ReviewStatus>, all_delivered: bool) -> BriefStatus {
    use crate::review::ReviewStatus as R;
    match latest_review {
        None | Some(R::Superseded) => BriefStatus::Draft,
        Some(R::InProgress) => BriefStatus::InApproval,
        Some(R::ChangesRequested) => BriefStatus::ChangesRequested,
        Some(R::Rejected) => BriefStatus::Rejected,
        Some(R::Approved) if all_delivered => BriefStatus::Done,
        Some(R::Approved) => BriefStatus::Approved,
    }
}

#[cfg(test)]
mod tests;
