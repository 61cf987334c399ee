//! An asset's search documents, made from what the database holds: one for members (the
//! current version, work in progress, comments) and, once a version is approved, one for
//! viewers with the approved version's file only. Archived assets have none.

use jiff::civil::Date;
use vellum_domain::fields::{FieldType, MetadataSchema};
use vellum_domain::rights::Rights;
use vellum_search::{Audience, Document, Shown};
use vellum_store::model::Version;
use vellum_store::search::Source;

/// How much of a version's extracted text is searchable.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// Days since 1970-01-01.
pub fn day_number(d: Date) -> i64 {
    i64::from((d - Date::constant(1970, 1, 1)).get_days())
}

fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Landscape, portrait or square, as the picture is shown (EXIF orientations 5–8 turn it).
pub fn orientation(width: u64, height: u64, exif: Option<u16>) -> &'static str {
    let (w, h) = if matches!(exif, Some(5..=8)) { (height, width) } else { (width, height) };
    match w.cmp(&h) {
        std::cmp::Ordering::Greater => "landscape",
        std::cmp::Ordering::Less => "portrait",
        std::cmp::Ordering::Equal => "square",
    }
}

/// The file type as people name it: the file name's extension, in lower case.
pub fn file_type(filename: &str) -> Option<String> {
    let (_, ext) = filename.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 10 && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| ext.to_ascii_lowercase())
}

/// Text values of a JSON value (strings, and strings in arrays), for the body.
fn texts(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        _ => {}
    }
}

/// The documents of one asset (none when archived).
pub fn documents(s: &Source, schema: &MetadataSchema) -> Vec<Document> {
    if s.archived {
        return Vec::new();
    }
    let a = &s.asset;
    let version = |n: u32| s.versions.iter().find(|v| v.number == n);
    let mut out = Vec::new();
    if let Some(v) = version(a.current_version) {
        out.push(document(s, schema, v, Audience::Members));
    }
    if let Some(v) = a.approved_version.and_then(version) {
        out.push(document(s, schema, v, Audience::Viewers));
    }
    out
}

fn document(s: &Source, schema: &MetadataSchema, v: &Version, audience: Audience) -> Document {
    let a = &s.asset;
    let m = &a.metadata;
    let mut facets: Vec<(String, String)> = vec![
        ("kind".into(), a.kind.as_str().into()),
        ("status".into(), if audience == Audience::Viewers { "approved".into() } else { a.status.as_str().into() }),
        ("uploader".into(), a.created_by.to_string()),
        ("created".into(), a.created_at.to_string().get(..7).unwrap_or("").to_string()),
    ];
    facets.extend(m.channels.iter().map(|c| ("channels".to_string(), c.clone())));
    if let Some(l) = &m.locale {
        facets.push(("locale".into(), l.clone()));
    }
    if let Some(l) = &m.language {
        facets.push(("language".into(), l.clone()));
    }
    if let Some((code, _, _)) = &s.campaign {
        facets.push(("campaign".into(), code.clone()));
    }
    if let Some(t) = file_type(&v.filename) {
        facets.push(("file_type".into(), t));
    }
    let info = v.media.as_ref().map(|m| &m.info);
    if let Some(i) = info {
        if let (Some(w), Some(h)) = (i.width, i.height) {
            facets.push(("orientation".into(), orientation(w, h, i.orientation).into()));
        }
    }
    let mut terms: Vec<(String, String)> = Vec::new();
    if let Some(f) = &a.folder {
        terms.push(("folder".into(), f.as_str().to_string()));
    }
    if let Some(b) = &s.brief {
        terms.push(("brief".into(), b.clone()));
    }
    let mut body: Vec<String> = Vec::new();
    let mut numbers = Vec::new();
    let mut dates = vec![("created".to_string(), a.created_at.to_string().get(..10).unwrap_or("").to_string())];
    for (key, value) in &m.custom {
        let name = format!("custom.{key}");
        let def = schema.fields.iter().find(|f| &f.key == key).map(|f| f.field_type);
        match (def, value) {
            (Some(FieldType::Enum | FieldType::MultiEnum | FieldType::Boolean), _) => {
                let mut vs = Vec::new();
                match value {
                    serde_json::Value::Bool(b) => vs.push(b.to_string()),
                    other => texts(other, &mut vs),
                }
                facets.extend(vs.iter().map(|x| (name.clone(), x.clone())));
                body.extend(vs);
            }
            (Some(FieldType::Number), serde_json::Value::Number(n)) => {
                if let Some(i) = n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)) {
                    numbers.push((name.clone(), i));
                }
            }
            (Some(FieldType::Money), serde_json::Value::Object(o)) => {
                if let Some(i) = o.get("amount").and_then(serde_json::Value::as_i64) {
                    numbers.push((name.clone(), i));
                }
            }
            (Some(FieldType::Date), serde_json::Value::String(d)) => dates.push((name.clone(), d.clone())),
            (_, other) => {
                let mut vs = Vec::new();
                texts(other, &mut vs);
                for x in vs {
                    if x.len() <= 200 {
                        terms.push((name.clone(), x.clone()));
                    }
                    body.push(x);
                }
            }
        }
    }
    if let Some(i) = info {
        body.extend(i.title.iter().cloned());
        body.extend(i.author.iter().cloned());
        for map in [&i.iptc, &i.xmp].into_iter().flatten() {
            for (k, v) in map {
                let wanted = ["Keywords", "Caption-Abstract", "Headline", "ObjectName", "By-line", "Credit"]
                    .contains(&k.as_str())
                    || k.starts_with("dc:")
                    || k.starts_with("photoshop:");
                if wanted {
                    texts(v, &mut body);
                }
            }
        }
        if let Some(t) = &i.text {
            body.push(cut(t, MAX_TEXT_BYTES).to_string());
        }
    }
    if let Some((code, name, _)) = &s.campaign {
        body.push(format!("{name} {code}"));
    }
    body.extend(s.brief.iter().cloned());
    if !v.note.is_empty() {
        body.push(v.note.clone());
    }
    if audience == Audience::Members {
        let mut left = MAX_TEXT_BYTES;
        for c in &s.comments {
            let part = cut(c, left);
            left -= part.len();
            body.push(part.to_string());
            if left == 0 {
                break;
            }
        }
    }
    let rights: Option<Rights> = s.rights.clone().and_then(|r| serde_json::from_value(r).ok());
    let due = s.campaign.as_ref().and_then(|(_, _, ends)| vellum_domain::campaign::parse_date(ends)).map(day_number);
    Document {
        asset_id: a.id,
        audience,
        title: a.title.clone(),
        filename: v.filename.clone(),
        body,
        facets,
        terms,
        numbers,
        dates,
        created: a.created_at.unix_micros(),
        due,
        rights_from: rights.as_ref().and_then(Rights::first_day).map(day_number),
        rights_until: rights.as_ref().and_then(Rights::last_day).map(day_number),
        shown: Shown {
            title: a.title.clone(),
            kind: a.kind.as_str().into(),
            status: if audience == Audience::Viewers { "approved".into() } else { a.status.as_str().into() },
            version: v.number,
            thumbnail: s.thumbnails.contains(&v.number),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_follows_how_the_picture_is_shown() {
        assert_eq!(orientation(4000, 3000, None), "landscape");
        assert_eq!(orientation(4000, 3000, Some(6)), "portrait");
        assert_eq!(orientation(10, 10, Some(8)), "square");
        assert_eq!(orientation(3000, 4000, Some(1)), "portrait");
    }

    #[test]
    fn file_types_are_lower_case_extensions() {
        assert_eq!(file_type("Hero.JPG").as_deref(), Some("jpg"));
        assert_eq!(file_type("a.b.pdf").as_deref(), Some("pdf"));
        assert_eq!(file_type("README"), None);
        assert_eq!(file_type("x."), None);
        assert_eq!(file_type("x.tar gz"), None);
    }

    #[test]
    fn days_count_from_1970() {
        assert_eq!(day_number(Date::constant(1970, 1, 1)), 0);
        assert_eq!(day_number(Date::constant(1970, 2, 1)), 31);
        assert_eq!(day_number(Date::constant(1969, 12, 31)), -1);
    }

    #[test]
    fn text_is_cut_on_a_character_boundary() {
        assert_eq!(cut("ééé", 3), "é");
        assert_eq!(cut("abc", 10), "abc");
    }
}
