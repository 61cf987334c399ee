//! The custom-field editor of a workspace's settings: the schema as a table, and one form
//! holding every field (key, label, type, values, currency, help, required kinds) that saves
//! the whole schema at once, with the core's objections shown beside the field they name.

use std::collections::BTreeMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use vellum_domain::{
    fields::{FieldDef, FieldError, FieldType, MetadataSchema, MAX_FIELDS},
    validate::AssetKind,
};

use super::{
    layout::page,
    page::{csrf_field, see_other, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
    settings::{admin_chrome, done},
};
use crate::AppState;

/// A few rows more than a schema may hold, so an over-long schema reaches the core's message.
const MAX_ROWS: usize = MAX_FIELDS + 10;

/// A field as typed in the form.
#[derive(Clone, Default)]
struct DraftField {
    key: String,
    label: String,
    field_type: String,
    /// Comma separated.
    values: String,
    currency: String,
    help: String,
    required: Vec<String>,
    remove: bool,
}

impl DraftField {
    fn from_def(f: &FieldDef) -> DraftField {
        DraftField {
            key: f.key.clone(),
            label: f.label.clone(),
            field_type: f.field_type.as_str().to_string(),
            values: f.values.join(", "),
            currency: f.currency.clone().unwrap_or_default(),
            help: f.help.clone().unwrap_or_default(),
            required: f.required_for.iter().map(|k| k.as_str().to_string()).collect(),
            remove: false,
        }
    }

    fn is_blank(&self) -> bool {
        self.key.trim().is_empty() && self.label.trim().is_empty()
    }

    /// The definition to submit, or what could not be read (the core checks the rest).
    fn to_def(&self) -> Result<FieldDef, FieldError> {
        let key = self.key.trim().to_string();
        let problem = |message: String| FieldError { key: key.clone(), message };
        let field_type = FieldType::ALL
            .into_iter()
            .find(|t| t.as_str() == self.field_type)
            .ok_or_else(|| problem(format!("'{}' is not a field type", self.field_type)))?;
        let required_for = self
            .required
            .iter()
            .map(|k| AssetKind::parse(k).map_err(|_| problem(format!("'{k}' is not a kind of asset"))))
            .collect::<Result<Vec<_>, _>>()?;
        // Values and a currency only mean something for their types; a type changed in the
        // form leaves them behind rather than making the person clear them first.
        let values = if field_type.has_values() {
            self.values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect()
        } else {
            Vec::new()
        };
        let currency =
            Some(self.currency.trim().to_ascii_uppercase()).filter(|c| !c.is_empty() && field_type == FieldType::Money);
        let help = Some(self.help.trim().to_string()).filter(|h| !h.is_empty());
        Ok(FieldDef { key, label: self.label.trim().to_string(), field_type, required_for, values, currency, help })
    }
}

/// The schema as typed.
#[derive(Clone, Default)]
struct Draft {
    rows: Vec<DraftField>,
}

impl Draft {
    fn from_schema(schema: &MetadataSchema) -> Draft {
        Draft { rows: schema.fields.iter().map(DraftField::from_def).collect() }
    }

    /// Reads `f{i}_{part}` pairs in index order; blank rows are dropped.
    fn from_pairs(pairs: &[(String, String)]) -> Result<Draft, UiError> {
        let mut rows: BTreeMap<usize, DraftField> = BTreeMap::new();
        for (k, v) in pairs {
            let Some((i, part)) = k.strip_prefix('f').and_then(|r| r.split_once('_')) else { continue };
            let Ok(i) = i.parse::<usize>() else { continue };
            if !rows.contains_key(&i) && rows.len() >= MAX_ROWS {
                return Err(UiError::invalid(format!("A schema has at most {MAX_FIELDS} fields.")));
            }
            let row = rows.entry(i).or_default();
            match part {
                "key" => row.key = v.clone(),
                "label" => row.label = v.clone(),
                "type" => row.field_type = v.clone(),
                "values" => row.values = v.clone(),
                "currency" => row.currency = v.clone(),
                "help" => row.help = v.clone(),
                "required" => row.required.push(v.clone()),
                "remove" => row.remove = !v.is_empty(),
                _ => {}
            }
        }
        Ok(Draft { rows: rows.into_values().filter(|r| !r.is_blank()).collect() })
    }

    /// The schema to submit; rows marked for removal are left out.
    fn to_schema(&self) -> Result<MetadataSchema, Vec<FieldError>> {
        let mut fields = Vec::new();
        let mut problems = Vec::new();
        for r in self.rows.iter().filter(|r| !r.remove) {
            match r.to_def() {
                Ok(f) => fields.push(f),
                Err(e) => problems.push(e),
            }
        }
        if problems.is_empty() {
            Ok(MetadataSchema { fields })
        } else {
            Err(problems)
        }
    }
}

/// What a render shows besides the saved schema.
struct View {
    notice: Option<Notice>,
    status: StatusCode,
    /// The form as typed when it failed, with blank rows to add.
    draft: Option<Draft>,
    blanks: usize,
    errors: Vec<FieldError>,
}

impl View {
    fn fresh(notice: Option<Notice>) -> View {
        View { notice, status: StatusCode::OK, draft: None, blanks: 1, errors: Vec::new() }
    }
}

fn overview(schema: &MetadataSchema) -> Markup {
    html! {
        @if schema.fields.is_empty() {
            p.empty { "No custom fields yet. Add the first one below; assets keep any values they already hold." }
        } @else {
            div.scroll { table.stack #fields-table {
                thead { tr {
                    th scope="col" { "Key" } th scope="col" { "Label" } th scope="col" { "Type" }
                    th scope="col" { "Values" } th scope="col" { "Required for" } th scope="col" { "Help" }
                } }
                tbody {
                    @for f in &schema.fields {
                        tr {
                            td data-label="Key" { code { (f.key) } }
                            td data-label="Label" { (f.label) }
                            td data-label="Type" { (f.field_type.as_str().replace('_', " ")) }
                            td data-label="Values" {
                                @if !f.values.is_empty() { (f.values.join(", ")) }
                                @else if let Some(c) = &f.currency { "in " (c) }
                                @else { "—" }
                            }
                            td data-label="Required for" {
                                @if f.required_for.is_empty() { "—" }
                                @else { (f.required_for.iter().map(|k| k.as_str().replace('_', " ")).collect::<Vec<_>>().join(", ")) }
                            }
                            td data-label="Help" { @if let Some(h) = &f.help { (h) } @else { "—" } }
                        }
                    }
                }
            } }
        }
    }
}

fn row(i: usize, r: &DraftField, errors: &[&FieldError]) -> Markup {
    let id = |part: &str| format!("fd-{i}-{part}");
    let name = |part: &str| format!("f{i}_{part}");
    let err_id = id("errors");
    let described = (!errors.is_empty()).then_some(err_id.as_str());
    let legend = if r.key.is_empty() { "New field".to_string() } else { format!("Field “{}”", r.key) };
    let field_type = if r.field_type.is_empty() { "text" } else { r.field_type.as_str() };
    html! {
        fieldset.field-def id=(id("row")) {
            legend { (legend) }
            @if !errors.is_empty() {
                ul.field-error id=(err_id) role="alert" {
                    @for e in errors { li { (super::page::sentence(&e.message)) } }
                }
            }
            div.grid3 {
                div {
                    label for=(id("key")) { "Key" }
                    input id=(id("key")) name=(name("key")) value=(r.key) maxlength="48" autocomplete="off"
                        pattern="[a-z][a-z0-9_]{0,47}" title="Lower-case letters, digits and _, starting with a letter"
                        aria-invalid=[described.map(|_| "true")] aria-describedby=[described];
                }
                div {
                    label for=(id("label")) { "Label" }
                    input id=(id("label")) name=(name("label")) value=(r.label) maxlength="100";
                }
                div {
                    label for=(id("type")) { "Type" }
                    select id=(id("type")) name=(name("type")) {
                        @for t in FieldType::ALL {
                            option value=(t.as_str()) selected[t.as_str() == field_type] { (t.as_str().replace('_', " ")) }
                        }
                    }
                }
                div {
                    label for=(id("values")) { "Values (enum, multi enum)" }
                    input id=(id("values")) name=(name("values")) value=(r.values) placeholder="low, medium, high"
                        aria-describedby=(id("values-hint"));
                    p.hint id=(id("values-hint")) { "Separate the allowed values with commas." }
                }
                div {
                    label for=(id("currency")) { "Currency (money)" }
                    input id=(id("currency")) name=(name("currency")) value=(r.currency) maxlength="3" placeholder="AUD"
                        autocapitalize="characters" aria-describedby=(id("currency-hint"));
                    p.hint id=(id("currency-hint")) { "An ISO 4217 code; leave empty to accept any currency." }
                }
                div {
                    label for=(id("help")) { "Help text" }
                    input id=(id("help")) name=(name("help")) value=(r.help) maxlength="500";
                }
            }
            fieldset.kinds {
                legend { "Required for" }
                @for k in AssetKind::ALL {
                    label.check {
                        input type="checkbox" name=(name("required")) value=(k.as_str())
                            checked[r.required.iter().any(|x| x == k.as_str())];
                        (k.as_str().replace('_', " "))
                    }
                }
            }
            @if !r.is_blank() {
                label.check {
                    input type="checkbox" name=(name("remove")) value="1" checked[r.remove];
                    "Remove this field"
                }
            }
        }
    }
}

async fn render(s: &AppState, who: &Signed, ws: &str, view: View) -> UiResult {
    let (chrome, slug) = admin_chrome(s, who, ws).await?;
    let saved = s.core.metadata_schema(&who.actor, ws).await?;
    let draft = view.draft.clone().unwrap_or_else(|| Draft::from_schema(&saved.schema));
    let blank = DraftField::default();
    let rows = draft.rows.iter().chain(std::iter::repeat_n(&blank, view.blanks));
    // Problems named by a key go beside the row with that key; the rest go above the form.
    let of_row = |r: &DraftField| -> Vec<&FieldError> {
        view.errors.iter().filter(|e| !r.is_blank() && e.key == r.key.trim()).collect()
    };
    let unplaced: Vec<&FieldError> =
        view.errors.iter().filter(|e| !draft.rows.iter().any(|r| !r.is_blank() && e.key == r.key.trim())).collect();
    let action = format!("/w/{slug}/settings/fields");
    let body = html! {
        p.crumbs { a href={ "/w/" (slug) "/settings" } { "Settings" } }
        h1 { "Custom fields" }
        p.muted {
            "Values live under each asset's custom metadata; keys the schema does not name stay free-form. "
            @if saved.revision > 0 { "Revision " (saved.revision) "." }
        }
        (overview(&saved.schema))
        h2 #h-edit { "Edit the fields" }
        form.card.fields-editor method="post" action=(action) aria-labelledby="h-edit" {
            (csrf_field(&who.csrf))
            @if !unplaced.is_empty() {
                ul.field-error role="alert" { @for e in &unplaced { li { (e.key) ": " (super::page::sentence(&e.message)) } } }
            }
            @for (i, r) in rows.enumerate() { (row(i, r, &of_row(r))) }
            p.hint { "A change that would refuse values assets already hold is not made: change those values first." }
            div.actions {
                // Save first: Enter in a text input presses the form's first button.
                button.primary type="submit" { "Save fields" }
                button type="submit" name="add" value="1" formnovalidate { "Add another field" }
            }
        }
    };
    let markup = page("Custom fields", Some(&chrome), view.notice.as_ref(), body);
    Ok(Page::with_status(view.status, markup).into_response())
}

/// `GET /w/{ws}/settings/fields`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render(&s, &who, &ws, View::fresh(done(q.done.as_deref()))).await
}

/// `POST /w/{ws}/settings/fields`: saves the whole schema, or (the "Add another field"
/// button) shows the form again with one more blank row.
pub async fn save(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let draft = Draft::from_pairs(&f)?;
    if field(&f, "add") == "1" {
        let view = View { draft: Some(draft), blanks: 2, ..View::fresh(None) };
        return render(&s, &who, &ws, view).await;
    }
    let outcome = match draft.to_schema() {
        Ok(schema) => s.core.put_metadata_schema(&who.actor, &ws, schema).await.map_err(|e| {
            let fields = e.fields().to_vec();
            (UiError::from(e), fields)
        }),
        Err(fields) => Err((UiError::invalid("Some fields could not be read; see below."), fields)),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/settings/fields?done=fields_saved"))),
        Err((e, errors)) => {
            let view = View { notice: Some(e.notice()), status: e.status, draft: Some(draft), blanks: 1, errors };
            render(&s, &who, &ws, view).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn rows_become_a_schema_keeping_only_what_each_type_uses() {
        let form = pairs(&[
            ("f0_key", "risk"),
            ("f0_label", "Risk"),
            ("f0_type", "enum"),
            ("f0_values", "low, , high"),
            ("f0_currency", "aud"),
            ("f0_required", "visual"),
            ("f0_required", "video"),
            ("f1_key", ""),
            ("f1_label", ""),
            ("f1_type", "text"),
            ("f2_key", "budget"),
            ("f2_label", "Budget"),
            ("f2_type", "money"),
            ("f2_values", "ignored"),
            ("f2_currency", "aud"),
            ("f3_key", "old"),
            ("f3_label", "Old"),
            ("f3_type", "text"),
            ("f3_remove", "1"),
        ]);
        let draft = Draft::from_pairs(&form).unwrap();
        assert_eq!(draft.rows.len(), 3, "the blank row is dropped");
        let schema = draft.to_schema().unwrap().check().unwrap();
        assert_eq!(schema.fields.len(), 2, "the removed row is left out");
        assert_eq!(schema.fields[0].values, ["low", "high"]);
        assert_eq!(schema.fields[0].currency, None);
        assert_eq!(schema.fields[0].required_for, [AssetKind::Visual, AssetKind::Video]);
        assert_eq!(schema.fields[1].values, Vec::<String>::new());
        assert_eq!(schema.fields[1].currency.as_deref(), Some("AUD"));
        let again = Draft::from_schema(&schema).to_schema().unwrap();
        assert_eq!(again, schema);
    }

    #[test]
    fn an_unknown_type_is_named_by_its_key() {
        let form = pairs(&[("f0_key", "tone"), ("f0_label", "Tone"), ("f0_type", "colour")]);
        let e = Draft::from_pairs(&form).unwrap().to_schema().unwrap_err();
        assert_eq!(e[0].key, "tone");
    }
}
