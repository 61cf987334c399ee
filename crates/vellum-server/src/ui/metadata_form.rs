//! Asset metadata as form fields (language, locale, channels, distribution dates, custom
//! name/value rows) and back into the JSON the core validates.

use maud::{html, Markup};
use serde_json::{Map, Value};
use vellum_domain::metadata::AssetMetadata;

use super::{custom_fields::CustomRows, session::field};

/// The names of the metadata inputs, for reading them out of a multipart upload.
pub const NAMES: [&str; 10] = [
    "language",
    "locale",
    "channels",
    "distribution_start",
    "distribution_end",
    "distribution_start_was",
    "distribution_end_was",
    super::custom_fields::NAMES[0],
    super::custom_fields::NAMES[1],
    super::custom_fields::NAMES[2],
];

/// The metadata inputs as typed. Dates are `YYYY-MM-DD`; `*_was` hold the stored instant so
/// an unchanged date keeps its exact time.
#[derive(Default)]
pub struct MetaForm {
    pub language: String,
    pub locale: String,
    pub channels: String,
    pub distribution_start: String,
    pub distribution_end: String,
    pub distribution_start_was: String,
    pub distribution_end_was: String,
    pub custom: CustomRows,
}

fn date_of(instant: &str) -> &str {
    instant.get(..10).unwrap_or(instant)
}

/// A date input's value as an instant: the stored one if the date did not change, else the
/// start (or end) of that day in UTC.
fn instant(date: &str, was: &str, end_of_day: bool) -> Option<String> {
    let date = date.trim();
    if date.is_empty() {
        return None;
    }
    if !was.is_empty() && date_of(was) == date {
        return Some(was.to_string());
    }
    Some(if end_of_day { format!("{date}T23:59:59Z") } else { format!("{date}T00:00:00Z") })
}

impl MetaForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> MetaForm {
        let f = |n| field(pairs, n).to_string();
        MetaForm {
            language: f("language"),
            locale: f("locale"),
            channels: f("channels"),
            distribution_start: f("distribution_start"),
            distribution_end: f("distribution_end"),
            distribution_start_was: f("distribution_start_was"),
            distribution_end_was: f("distribution_end_was"),
            custom: CustomRows::from_pairs(pairs),
        }
    }

    pub fn from_metadata(m: &AssetMetadata) -> MetaForm {
        let start = m.distribution_start.map(|t| t.to_string()).unwrap_or_default();
        let end = m.distribution_end.map(|t| t.to_string()).unwrap_or_default();
        MetaForm {
            language: m.language.clone().unwrap_or_default(),
            locale: m.locale.clone().unwrap_or_default(),
            channels: m.channels.join(", "),
            distribution_start: date_of(&start).to_string(),
            distribution_end: date_of(&end).to_string(),
            custom: CustomRows::from_map(&m.custom),
            distribution_start_was: start,
            distribution_end_was: end,
        }
    }

    /// The metadata JSON; the core checks codes, dates and sizes and explains what is wrong.
    pub fn to_json(&self) -> Result<Value, String> {
        let mut m = Map::new();
        let mut put = |k: &str, v: &str| {
            if !v.trim().is_empty() {
                m.insert(k.into(), Value::String(v.trim().to_string()));
            }
        };
        put("language", &self.language);
        put("locale", &self.locale);
        if let Some(s) = instant(&self.distribution_start, &self.distribution_start_was, false) {
            put("distribution_start", &s);
        }
        if let Some(e) = instant(&self.distribution_end, &self.distribution_end_was, true) {
            put("distribution_end", &e);
        }
        let channels: Vec<Value> = self
            .channels
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| Value::String(c.into()))
            .collect();
        if !channels.is_empty() {
            m.insert("channels".into(), Value::Array(channels));
        }
        let custom = self.custom.to_map()?;
        if !custom.is_empty() {
            m.insert("custom".into(), Value::Object(custom));
        }
        Ok(Value::Object(m))
    }

    /// The inputs, with ids prefixed by `id` so two forms can share a page.
    pub fn inputs(&self, id: &str) -> Markup {
        html! {
            fieldset.meta {
                legend { "Metadata" }
                div.grid2 {
                    div {
                        label for={ (id) "-language" } { "Language" }
                        input id={ (id) "-language" } name="language" value=(self.language) placeholder="en"
                            pattern="[A-Za-z]{2,3}" title="An ISO 639 code such as en or fra";
                    }
                    div {
                        label for={ (id) "-locale" } { "Locale" }
                        input id={ (id) "-locale" } name="locale" value=(self.locale) placeholder="en-GB"
                            pattern="[A-Za-z]{2,3}[\\-_]([A-Za-z]{2}|[0-9]{3})" title="A locale such as en-GB or es-419";
                    }
                    div.wide {
                        label for={ (id) "-channels" } { "Channels" }
                        input id={ (id) "-channels" } name="channels" value=(self.channels) placeholder="web, social, print";
                        p.hint { "Separate channels with commas." }
                    }
                    div {
                        label for={ (id) "-start" } { "Distribution start" }
                        input id={ (id) "-start" } type="date" name="distribution_start" value=(self.distribution_start);
                        input type="hidden" name="distribution_start_was" value=(self.distribution_start_was);
                    }
                    div {
                        label for={ (id) "-end" } { "Distribution end" }
                        input id={ (id) "-end" } type="date" name="distribution_end" value=(self.distribution_end);
                        input type="hidden" name="distribution_end_was" value=(self.distribution_end_was);
                    }
                }
                (self.custom.inputs(id))
            }
        }
    }
}

/// Metadata as a read-only table.
pub fn table(m: &AssetMetadata) -> Markup {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    html! {
        table.kv {
            tbody {
                tr { th scope="row" { "Language" } td { (opt(&m.language)) } }
                tr { th scope="row" { "Locale" } td { (opt(&m.locale)) } }
                tr { th scope="row" { "Channels" } td { @if m.channels.is_empty() { "—" } @else { (m.channels.join(", ")) } } }
                tr { th scope="row" { "Distribution" } td {
                    @match (m.distribution_start, m.distribution_end) {
                        (None, None) => "—",
                        (s, e) => {
                            @if let Some(s) = s { "from " (super::page::when(s)) " " }
                            @if let Some(e) = e { "until " (super::page::when(e)) }
                        }
                    }
                } }
                @for (k, v) in &m.custom {
                    tr { th scope="row" { (k) } td { @match v { Value::String(s) => (s), other => code { (other.to_string()) } } } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn form_fields_become_metadata_json() {
        let f = MetaForm {
            language: " en ".into(),
            channels: "web, , social".into(),
            distribution_start: "2026-05-01".into(),
            distribution_end: "2026-05-31".into(),
            custom: CustomRows::from_map(json!({"a": 1}).as_object().unwrap()),
            ..MetaForm::default()
        };
        assert_eq!(
            f.to_json().unwrap(),
            json!({"language": "en", "channels": ["web", "social"], "distribution_start": "2026-05-01T00:00:00Z",
                   "distribution_end": "2026-05-31T23:59:59Z", "custom": {"a": 1}})
        );
        assert_eq!(MetaForm::default().to_json().unwrap(), json!({}));
    }

    #[test]
    fn an_unchanged_date_keeps_its_time() {
        let m = AssetMetadata::from_json(json!({"distribution_start": "2026-05-01T12:30:00Z"})).unwrap();
        let f = MetaForm::from_metadata(&m);
        assert_eq!(f.distribution_start, "2026-05-01");
        let again = AssetMetadata::from_json(f.to_json().unwrap()).unwrap();
        assert_eq!(again, m);
    }
}
