//! An audit event's `before` and `after` as a field-by-field change list a person can read:
//! nested objects flattened to paths, ids shown as names, only the fields that changed.

use std::collections::BTreeMap;

use serde_json::Value;

/// One field's change; `None` on a side where the field was absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Display names by id (users, assets, workflows, groups).
pub type Names = BTreeMap<String, String>;

/// A field name as words: `approved_version` → `approved version`, paths joined with `›`.
fn words(path: &[String]) -> String {
    path.iter().map(|p| p.replace('_', " ")).collect::<Vec<_>>().join(" › ")
}

/// Fields whose values are codes (`in_progress`, `after_previous`), shown as words.
const CODED: [&str; 6] = ["status", "review_status", "role", "rule", "start", "kind"];

/// A leaf value as text: names for ids, the button words for decisions, codes as words,
/// "none" for null.
fn scalar(key: &str, v: &Value, names: &Names) -> Option<String> {
    Some(match v {
        Value::Null => "none".to_string(),
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if key == "decision" || key == "verdict" => {
            super::review::choice_label(s).map_or_else(|| s.replace('_', " "), str::to_string)
        }
        Value::String(s) if CODED.contains(&key) => s.replace('_', " "),
        Value::String(s) => names.get(s).cloned().unwrap_or_else(|| s.clone()),
        // `{"user": id}` and `{"group": id}` are one person or group (workflow approvers).
        Value::Object(o) if o.len() == 1 => {
            let (kind, id) = o.iter().next()?;
            let id = id.as_str()?;
            match kind.as_str() {
                "user" => names.get(id).cloned().unwrap_or_else(|| format!("user {id}")),
                "group" => format!("group {}", names.get(id).map_or(id, String::as_str)),
                _ => return None,
            }
        }
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(|i| scalar(key, i, names)).collect();
            let parts = parts?;
            if parts.is_empty() {
                "none".to_string()
            } else {
                parts.join(", ")
            }
        }
        Value::Object(_) => return None,
    })
}

/// Every leaf of `v` under `path`, in document order.
fn flatten(path: &mut Vec<String>, v: &Value, names: &Names, out: &mut Vec<(String, String)>) {
    let key = path.last().cloned().unwrap_or_default();
    if let Some(text) = scalar(&key, v, names) {
        out.push((words(path), text));
        return;
    }
    match v {
        Value::Object(o) if o.is_empty() => out.push((words(path), "none".to_string())),
        Value::Object(o) => {
            for (k, child) in o {
                path.push(k.clone());
                flatten(path, child, names, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            // Arrays of objects (workflow stages) are numbered from 1, as the pages number them.
            for (i, child) in items.iter().enumerate() {
                path.push((i + 1).to_string());
                flatten(path, child, names, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn leaves(v: Option<&Value>, names: &Names) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(v) = v {
        // A bare value (not an object) is the whole record, shown under "value".
        let mut path = if v.is_object() { Vec::new() } else { vec!["value".to_string()] };
        flatten(&mut path, v, names, &mut out);
    }
    out
}

/// The fields that differ between `before` and `after`: those of `after` (fields of an object
/// in name order, array items in order), then those only `before` had (removals).
pub fn changes(before: Option<&Value>, after: Option<&Value>, names: &Names) -> Vec<Change> {
    let (b, mut a) = (leaves(before, names), leaves(after, names));
    if before.is_none() {
        // Something new: its empty fields say nothing.
        a.retain(|(_, v)| v != "none");
    }
    let old: BTreeMap<&str, &str> = b.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let new: BTreeMap<&str, &str> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut out: Vec<Change> = a
        .iter()
        .filter(|(k, v)| old.get(k.as_str()) != Some(&v.as_str()))
        .map(|(k, v)| Change {
            field: k.clone(),
            before: old.get(k.as_str()).map(|s| s.to_string()),
            after: Some(v.clone()),
        })
        .collect();
    out.extend(b.iter().filter(|(k, _)| !new.contains_key(k.as_str())).map(|(k, v)| Change {
        field: k.clone(),
        before: Some(v.clone()),
        after: None,
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> Names {
        [("u1".to_string(), "Ann Lee".to_string()), ("g1".to_string(), "Legal".to_string())].into_iter().collect()
    }

    fn change(field: &str, before: Option<&str>, after: Option<&str>) -> Change {
        Change { field: field.into(), before: before.map(Into::into), after: after.map(Into::into) }
    }

    #[test]
    fn only_changed_fields_are_listed_with_names_and_words() {
        let before =
            json!({"title": "Banner", "metadata": {"channels": ["web"], "language": "en"}, "role": "in_review"});
        let after = json!({"title": "Spring banner", "metadata": {"channels": ["web", "social"], "language": "en"},
                           "approved_version": null, "owner": "u1"});
        assert_eq!(
            changes(Some(&before), Some(&after), &names()),
            vec![
                change("approved version", None, Some("none")),
                change("metadata › channels", Some("web"), Some("web, social")),
                change("owner", None, Some("Ann Lee")),
                change("title", Some("Banner"), Some("Spring banner")),
                change("role", Some("in review"), None),
            ]
        );
    }

    #[test]
    fn decisions_read_as_buttons_and_approvers_as_people() {
        let after = json!({"decision": "changes_requested", "custom": {}, "reason": null, "stages": [{"name": "Brand",
            "approvers": [{"user": "u1"}, {"group": "g1"}]}]});
        assert_eq!(
            changes(None, Some(&after), &names()),
            vec![
                change("decision", None, Some("Request changes")),
                change("stages › 1 › approvers", None, Some("Ann Lee, group Legal")),
                change("stages › 1 › name", None, Some("Brand")),
            ]
        );
        assert_eq!(changes(None, Some(&json!([1, 2])), &names()), vec![change("value", None, Some("1, 2"))]);
        assert!(changes(Some(&json!({"a": 1})), Some(&json!({"a": 1})), &names()).is_empty());
    }
}
