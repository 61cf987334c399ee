//! SCIM 2.0 (RFC 7643/7644), the pure parts: reading a User or Group resource as a directory
//! sends it, the `attr eq "value"` filters we answer, list paging, and PATCH operations applied
//! to a resource's JSON form (so a PATCH is a replace of what the operations produce).

use serde_json::{Map, Value};

use crate::{DomainError, ErrorCode};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The most resources one page lists.
pub const MAX_PAGE: usize = 200;

fn fault(code: ErrorCode, message: impl Into<String>) -> DomainError {
    DomainError::invalid(code, message)
}

fn bad_value(message: impl Into<String>) -> DomainError {
    fault(ErrorCode::InvalidScimResource, message)
}

/// A User as the directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// Lower-cased.
    pub user_name: String,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: String,
    /// Lower-cased: the Vellum account's address.
    pub email: String,
    pub active: bool,
    pub password: Option<String>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn short(value: Option<&str>, what: &str, max: usize) -> Result<Option<String>, DomainError> {
    match value {
        Some(v) if v.chars().count() > max || v.chars().any(char::is_control) => {
            Err(bad_value(format!("{what} is at most {max} characters, on one line")))
        }
        v => Ok(v.map(str::to_string)),
    }
}

/// `active` as directories send it: a boolean, or (Azure) the strings "True"/"False".
fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn plausible_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.')) && !s.contains(' ')
}

/// Reads a User resource (RFC 7643, section 4.1). The account's email is the primary (or first)
/// of `emails`, else `userName` when it is an address.
pub fn read_user(v: &Value) -> Result<DirectoryUser, DomainError> {
    if !v.is_object() {
        return Err(bad_value("a User is a JSON object"));
    }
    let user_name =
        short(text(v, "userName"), "userName", 254)?.ok_or_else(|| bad_value("userName is required"))?.to_lowercase();
    let emails = v.get("emails").and_then(Value::as_array).cloned().unwrap_or_default();
    let primary = emails
        .iter()
        .find(|e| e.get("primary").and_then(boolean) == Some(true))
        .or_else(|| emails.first())
        .and_then(|e| text(e, "value"));
    let email = match primary {
        Some(e) => e.to_lowercase(),
        None if plausible_email(&user_name) => user_name.clone(),
        None => return Err(bad_value("the User needs an email address (emails, or a userName that is one)")),
    };
    if !plausible_email(&email) || email.len() > 254 {
        return Err(bad_value(format!("'{email}' is not an email address")));
    }
    let name = v.get("name").cloned().unwrap_or(Value::Null);
    let given_name = short(text(&name, "givenName"), "name.givenName", 100)?;
    let family_name = short(text(&name, "familyName"), "name.familyName", 100)?;
    let joined = [given_name.as_deref(), family_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let display_name = text(v, "displayName")
        .or_else(|| text(&name, "formatted"))
        .map(str::to_string)
        .or_else(|| (!joined.is_empty()).then_some(joined))
        .unwrap_or_else(|| user_name.clone());
    let display_name = short(Some(&display_name), "displayName", 200)?.unwrap_or_default();
    let active = match v.get("active") {
        None | Some(Value::Null) => true,
        Some(a) => boolean(a).ok_or_else(|| bad_value("active is true or false"))?,
    };
    Ok(DirectoryUser {
        user_name,
        external_id: short(text(v, "externalId"), "externalId", 255)?,
        given_name,
        family_name,
        display_name,
        email,
        active,
        password: v.get("password").and_then(Value::as_str).map(str::to_string),
    })
}

/// A Group as the directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryGroup {
    pub display_name: String,
    pub external_id: Option<String>,
    /// Member ids as sent (`members[].value`).
    pub members: Vec<String>,
}

/// Reads a Group resource (RFC 7643, section 4.2).
pub fn read_group(v: &Value) -> Result<DirectoryGroup, DomainError> {
    if !v.is_object() {
        return Err(bad_value("a Group is a JSON object"));
    }
    let display_name =
        short(text(v, "displayName"), "displayName", 200)?.ok_or_else(|| bad_value("displayName is required"))?;
    let mut members: Vec<String> = Vec::new();
    for m in v.get("members").and_then(Value::as_array).into_iter().flatten() {
        let id = text(m, "value").ok_or_else(|| bad_value("each member needs a value (a User id)"))?;
        if !members.iter().any(|x| x == id) {
            members.push(id.to_string());
        }
    }
    Ok(DirectoryGroup { display_name, external_id: short(text(v, "externalId"), "externalId", 255)?, members })
}

/// One `attribute eq "value"` filter (RFC 7644, section 3.4.2.2), the only form directories
/// need to find a resource before creating it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// As allowed by the caller, in its canonical spelling.
    pub attribute: &'static str,
    pub value: String,
}

/// Reads a filter over one of `allowed` attributes (compared case-insensitively).
pub fn read_filter(filter: &str, allowed: &[&'static str]) -> Result<Filter, DomainError> {
    let invalid = |why: &str| fault(ErrorCode::InvalidScimFilter, format!("the filter {filter:?} {why}"));
    let trimmed = filter.trim();
    let (attribute, rest) =
        trimmed.split_once(char::is_whitespace).ok_or_else(|| invalid("is not `attribute eq \"value\"`"))?;
    let rest = rest.trim_start();
    let (op, value) = rest.split_once(char::is_whitespace).ok_or_else(|| invalid("is not `attribute eq \"value\"`"))?;
    if !op.eq_ignore_ascii_case("eq") {
        return Err(invalid("uses an operator other than eq, which is all this server answers"));
    }
    let value = value.trim();
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(|| invalid("compares with something other than a quoted string"))?;
    let value: String =
        serde_json::from_str(&format!("\"{inner}\"")).map_err(|_| invalid("has a badly escaped string"))?;
    let attribute = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(attribute))
        .ok_or_else(|| invalid(&format!("filters on {attribute}; this server filters on {}", allowed.join(", "))))?;
    Ok(Filter { attribute, value })
}

/// A page of a list: 1-based `startIndex` and `count` as RFC 7644, section 3.4.2.4 reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 0-based offset.
    pub offset: usize,
    pub count: usize,
}

pub fn paging(start_index: Option<i64>, count: Option<i64>) -> Paging {
    let start = start_index.unwrap_or(1).max(1);
    let count = count.unwrap_or(100).clamp(0, MAX_PAGE as i64);
    Paging { offset: usize::try_from(start - 1).unwrap_or(0), count: usize::try_from(count).unwrap_or(0) }
}

/// The list response envelope.
pub fn list(resources: Vec<Value>, total: usize, paging: Paging) -> Value {
    serde_json::json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": paging.offset + 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

fn patch_fault(message: impl Into<String>) -> DomainError {
    fault(ErrorCode::InvalidScimPatch, message)
}

/// A path: `attr`, `attr.sub`, `attr[sub eq "v"]` or `attr[sub eq "v"].field`.
struct Path {
    attr: String,
    sub: Option<String>,
    select: Option<(String, String)>,
}

fn read_path(path: &str) -> Result<Path, DomainError> {
    let path = path.trim();
    // A schema-qualified path names the attribute after the last ':'.
    let path = match path.rfind(':') {
        Some(i) if path.starts_with("urn:") && !path[..i].contains('[') => &path[i + 1..],
        _ => path,
    };
    if let Some(open) = path.find('[') {
        let close = path.rfind(']').ok_or_else(|| patch_fault(format!("the path {path:?} has no closing ]")))?;
        let filter = read_filter(&path[open + 1..close], &["value", "type", "display", "primary"])
            .map_err(|_| patch_fault(format!("the path {path:?} selects with something other than `x eq \"v\"`")))?;
        let field = path[close + 1..].strip_prefix('.').map(str::to_string);
        return Ok(Path {
            attr: path[..open].to_string(),
            sub: field,
            select: Some((filter.attribute.into(), filter.value)),
        });
    }
    match path.split_once('.') {
        Some((a, s)) => Ok(Path { attr: a.to_string(), sub: Some(s.to_string()), select: None }),
        None => Ok(Path { attr: path.to_string(), sub: None, select: None }),
    }
}

/// The key of `object` that is `name` case-insensitively (SCIM attribute names are), or `name`.
fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_string())
}

fn add_values(target: &mut Value, value: Value) {
    match (target, value) {
        (Value::Array(list), Value::Array(more)) => {
            for v in more {
                if !list.contains(&v) {
                    list.push(v);
                }
            }
        }
        (t, v) => *t = v,
    }
}

/// Applies the operations of a PATCH request body (RFC 7644, section 3.5.2) to a resource's
/// JSON form. Operation names are case-insensitive (Azure sends `Replace`).
pub fn apply_patch(resource: &mut Value, body: &Value) -> Result<(), DomainError> {
    let ops = body
        .get("Operations")
        .or_else(|| body.get("operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| patch_fault("a PATCH body carries Operations, a list"))?;
    let Some(object) = resource.as_object_mut() else { return Err(patch_fault("the resource is not an object")) };
    for (i, op) in ops.iter().enumerate() {
        let name = op.get("op").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        let value = op.get("value").cloned();
        let path = op.get("path").and_then(Value::as_str);
        let at = |why: &str| patch_fault(format!("operation {}: {why}", i + 1));
        match (name.as_str(), path) {
            ("add" | "replace", None) => {
                let Some(Value::Object(fields)) = value else { return Err(at("without a path, value is an object")) };
                for (k, v) in fields {
                    let p = read_path(&k)?;
                    set(object, &p, v, name == "add").map_err(|e| at(&e))?;
                }
            }
            ("add" | "replace", Some(p)) => {
                let v = value.ok_or_else(|| at("needs a value"))?;
                set(object, &read_path(p)?, v, name == "add").map_err(|e| at(&e))?;
            }
            ("remove", Some(p)) => remove(object, &read_path(p)?, value).map_err(|e| at(&e))?,
            ("remove", None) => return Err(at("remove needs a path")),
            _ => return Err(at("op is add, replace or remove")),
        }
    }
    Ok(())
}

fn matches_select(item: &Value, select: &(String, String)) -> bool {
    item.as_object().is_some_and(|o| {
        o.get(&key_of(o, &select.0)).is_some_and(|v| match v {
            Value::String(s) => s == &select.1,
            Value::Bool(b) => select.1.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
            _ => false,
        })
    })
}

fn set(object: &mut Map<String, Value>, p: &Path, value: Value, add: bool) -> Result<(), String> {
    let key = key_of(object, &p.attr);
    match (&p.select, &p.sub) {
        (None, None) => match object.get_mut(&key) {
            Some(t) if add => add_values(t, value),
            _ => {
                object.insert(key, value);
            }
        },
        (None, Some(sub)) => {
            let inner = object.entry(key).or_insert_with(|| Value::Object(Map::new()));
            let Some(inner) = inner.as_object_mut() else { return Err(format!("{} is not an object", p.attr)) };
            let k = key_of(inner, sub);
            inner.insert(k, value);
        }
        (Some(select), sub) => {
            let list = object.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            let Some(list) = list.as_array_mut() else { return Err(format!("{} is not a list", p.attr)) };
            let mut found = false;
            for item in list.iter_mut().filter(|item| matches_select(item, select)) {
                found = true;
                match (sub, item.as_object_mut()) {
                    (Some(sub), Some(o)) => {
                        let k = key_of(o, sub);
                        o.insert(k, value.clone());
                    }
                    _ => *item = value.clone(),
                }
            }
            if !found {
                // RFC 7644, section 3.5.2.1: adding through a filter that matches nothing makes
                // the element; a replace with no match is an error (noTarget).
                let mut made = Map::new();
                made.insert(select.0.clone(), Value::String(select.1.clone()));
                match sub {
                    Some(sub) => {
                        made.insert(sub.clone(), value);
                    }
                    None => return Err("the filter selects no value to replace".into()),
                }
                list.push(Value::Object(made));
            }
        }
    }
    Ok(())
}

fn remove(object: &mut Map<String, Value>, p: &Path, value: Option<Value>) -> Result<(), String> {
    let key = key_of(object, &p.attr);
    match (&p.select, &p.sub) {
        (None, None) => {
            // Removing listed values from a multi-valued attribute (Azure's member removal).
            match (object.get_mut(&key), value) {
                (Some(Value::Array(list)), Some(Value::Array(gone))) => {
                    list.retain(|item| {
                        !gone.iter().any(|g| g.get("value").is_some_and(|v| item.get("value") == Some(v)))
                    });
                }
                _ => {
                    object.remove(&key);
                }
            }
        }
        (None, Some(sub)) => {
            if let Some(inner) = object.get_mut(&key).and_then(Value::as_object_mut) {
                let k = key_of(inner, sub);
                inner.remove(&k);
            }
        }
        (Some(select), sub) => {
            if let Some(list) = object.get_mut(&key).and_then(Value::as_array_mut) {
                match sub {
                    None => list.retain(|item| !matches_select(item, select)),
                    Some(sub) => {
                        for item in list.iter_mut().filter(|i| matches_select(i, select)) {
                            if let Some(o) = item.as_object_mut() {
                                let k = key_of(o, sub);
                                o.remove(&k);
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 7643, section 8.2 (abridged): the full User representation.
    fn rfc_user() -> Value {
        json!({
            "schemas": [USER_SCHEMA],
            "externalId": "701984",
            "userName": "bjensen@example.com",
            "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara"},
            "displayName": "Babs Jensen",
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "active": true
        })
    }

    #[test]
    fn the_rfc_user_reads_with_its_primary_email() {
        let u = read_user(&rfc_user()).unwrap();
        assert_eq!(u.user_name, "bjensen@example.com");
        assert_eq!(u.email, "bjensen@example.com");
        assert_eq!(u.display_name, "Babs Jensen");
        assert_eq!((u.given_name.as_deref(), u.family_name.as_deref()), (Some("Barbara"), Some("Jensen")));
        assert_eq!(u.external_id.as_deref(), Some("701984"));
        assert!(u.active);
    }

    #[test]
    fn a_minimal_user_needs_an_address_somewhere() {
        let u = read_user(&json!({"userName": "Ana@Bank.example"})).unwrap();
        assert_eq!(
            (u.email.as_str(), u.display_name.as_str(), u.active),
            ("ana@bank.example", "ana@bank.example", true)
        );
        assert!(read_user(&json!({"userName": "ana"})).is_err());
        assert!(read_user(&json!({"emails": [{"value": "a@b.example"}]})).is_err(), "userName is required");
        let azure =
            read_user(&json!({"userName": "ana", "emails": [{"value": "a@b.example"}], "active": "False"})).unwrap();
        assert!(!azure.active);
        assert!(read_user(&json!({"userName": "a@b.example", "active": "maybe"})).is_err());
    }

    #[test]
    fn groups_read_their_members_once() {
        let g = read_group(
            &json!({"displayName": "Marketing", "members": [{"value": "1"}, {"value": "2"}, {"value": "1"}]}),
        )
        .unwrap();
        assert_eq!((g.display_name.as_str(), g.members), ("Marketing", vec!["1".to_string(), "2".to_string()]));
        assert!(read_group(&json!({"members": []})).is_err());
    }

    #[test]
    fn filters_are_eq_on_allowed_attributes() {
        let f = read_filter(r#"userName eq "bjensen@example.com""#, &["userName", "externalId"]).unwrap();
        assert_eq!((f.attribute, f.value.as_str()), ("userName", "bjensen@example.com"));
        assert_eq!(read_filter(r#"USERNAME Eq "a\"b""#, &["userName"]).unwrap().value, "a\"b");
        for bad in [
            r#"userName sw "b""#,
            r#"title eq "x""#,
            "userName eq b",
            "userName",
            r#"userName eq "x" and active eq true"#,
        ] {
            let e = read_filter(bad, &["userName"]).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidScimFilter, "{bad}");
        }
    }

    #[test]
    fn paging_is_one_based_and_capped() {
        assert_eq!(paging(None, None), Paging { offset: 0, count: 100 });
        assert_eq!(paging(Some(0), Some(-5)), Paging { offset: 0, count: 0 });
        assert_eq!(paging(Some(11), Some(10_000)), Paging { offset: 10, count: MAX_PAGE });
        let l = list(vec![json!({})], 7, paging(Some(3), Some(1)));
        assert_eq!(
            (l["totalResults"].clone(), l["startIndex"].clone(), l["itemsPerPage"].clone()),
            (json!(7), json!(3), json!(1))
        );
    }

    #[test]
    fn rfc_patch_examples_apply() {
        // RFC 7644, section 3.5.2.1: add members.
        let mut group = json!({"displayName": "Tour Guides", "members": [{"value": "a"}]});
        apply_patch(
            &mut group,
            &json!({"schemas": [PATCH_SCHEMA], "Operations": [
                {"op": "add", "path": "members", "value": [{"display": "Babs Jensen", "value": "2819c223"}]}
            ]}),
        )
        .unwrap();
        assert_eq!(group["members"], json!([{"value": "a"}, {"display": "Babs Jensen", "value": "2819c223"}]));
        // Section 3.5.2.2: remove one member by filter.
        apply_patch(&mut group, &json!({"Operations": [{"op": "remove", "path": "members[value eq \"2819c223\"]"}]}))
            .unwrap();
        assert_eq!(group["members"], json!([{"value": "a"}]));
        // Section 3.5.2.3: replace all members.
        apply_patch(
            &mut group,
            &json!({"Operations": [{"op": "replace", "path": "members", "value": [{"value": "b"}]}]}),
        )
        .unwrap();
        assert_eq!(group["members"], json!([{"value": "b"}]));
        // Azure's removal of listed members, and a capitalised op.
        apply_patch(
            &mut group,
            &json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": "b"}]}]}),
        )
        .unwrap();
        assert_eq!(group["members"], json!([]));
    }

    #[test]
    fn user_patches_replace_attributes_with_or_without_a_path() {
        let mut user = rfc_user();
        apply_patch(
            &mut user,
            &json!({"Operations": [{"op": "replace", "value": {"active": false, "name.givenName": "Babs"}}]}),
        )
        .unwrap();
        assert_eq!((user["active"].clone(), user["name"]["givenName"].clone()), (json!(false), json!("Babs")));
        apply_patch(
            &mut user,
            &json!({"Operations": [
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com"},
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:displayName", "value": "Barbara"}
            ]}),
        )
        .unwrap();
        let u = read_user(&user).unwrap();
        assert_eq!((u.email.as_str(), u.display_name.as_str(), u.active), ("barbara@example.com", "Barbara", false));
        apply_patch(&mut user, &json!({"Operations": [{"op": "remove", "path": "externalId"}]})).unwrap();
        assert!(user.get("externalId").is_none());
        for bad in [
            json!({}),
            json!({"Operations": [{"op": "move", "path": "active"}]}),
            json!({"Operations": [{"op": "remove"}]}),
            json!({"Operations": [{"op": "replace", "value": 3}]}),
            json!({"Operations": [{"op": "replace", "path": "emails[type eq \"other\"]", "value": "x"}]}),
        ] {
            let e = apply_patch(&mut user, &bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidScimPatch, "{bad}");
        }
    }
}
