//! Asset metadata: language, locale, channels, a distribution window and free custom fields.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{DomainError, Timestamp};

/// Validated asset metadata. Unknown top-level keys are refused so typos surface;
/// anything free-form goes under `custom`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssetMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::language))]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::locale))]
    pub locale: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::channels))]
    pub channels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_start: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_end: Option<Timestamp>,
    #[serde(default)]
    pub custom: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    language: Option<String>,
    locale: Option<String>,
    #[serde(default)]
    channels: Vec<String>,
    distribution_start: Option<String>,
    distribution_end: Option<String>,
    #[serde(default)]
    custom: Map<String, Value>,
}

const MAX_CUSTOM_BYTES: usize = 16 * 1024;

/// The longest channel name, in characters.
pub const CHANNEL_MAX_CHARS: usize = 64;

/// What a language may be, as a regular expression for the API document.
pub const LANGUAGE_PATTERN: &str = "^[A-Za-z]{2,3}$";

/// What a locale may be, as a regular expression for the API document.
pub const LOCALE_PATTERN: &str = "^[A-Za-z]{2,3}[-_]([A-Za-z]{2}|[0-9]{3})$";

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::invalid(ErrorCode::InvalidMetadata, message)
}

fn is_alpha(s: &str, lens: std::ops::RangeInclusive<usize>) -> bool {
    lens.contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphabetic())
}

/// `en`, `fra`: an ISO 639 language code.
fn check_language(s: &str) -> Result<String, DomainError> {
    if is_alpha(s, 2..=3) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(invalid(format!("language '{s}' is not an ISO 639 code such as 'en' or 'fra'")))
    }
}

/// `en-GB`, `pt-BR`, `es-419`: language plus region, normalised to BCP 47 casing.
fn check_locale(s: &str) -> Result<String, DomainError> {
    let ok = s.split_once(['-', '_']).and_then(|(lang, region)| {
        let region_ok = is_alpha(region, 2..=2) || (region.len() == 3 && region.chars().all(|c| c.is_ascii_digit()));
        (is_alpha(lang, 2..=3) && region_ok)
            .then(|| format!("{}-{}", lang.to_ascii_lowercase(), region.to_ascii_uppercase()))
    });
    ok.ok_or_else(|| invalid(format!("locale '{s}' is not a locale such as 'en-GB' or 'es-419'")))
}

fn parse_time(field: &str, s: Option<String>) -> Result<Option<Timestamp>, DomainError> {
    s.map(|s| {
        Timestamp::parse(&s)
            .ok_or_else(|| invalid(format!("{field} '{s}' is not an RFC 3339 date-time such as 2026-05-01T00:00:00Z")))
    })
    .transpose()
}

impl AssetMetadata {
    /// Validates metadata given as JSON (`null` means none).
    pub fn from_json(value: Value) -> Result<Self, DomainError> {
        if value.is_null() {
            return Ok(Self::default());
        }
        let raw: Raw = serde_json::from_value(value).map_err(|e| invalid(format!("metadata: {e}")))?;
        let mut channels = Vec::new();
        for c in raw.channels {
            let c = crate::validate::bounded(ErrorCode::InvalidMetadata, "each channel", &c, CHANNEL_MAX_CHARS)?;
            if !channels.contains(&c) {
                channels.push(c);
            }
        }
        let meta = AssetMetadata {
            language: raw.language.as_deref().map(check_language).transpose()?,
            locale: raw.locale.as_deref().map(check_locale).transpose()?,
            channels,
            distribution_start: parse_time("distribution_start", raw.distribution_start)?,
            distribution_end: parse_time("distribution_end", raw.distribution_end)?,
            custom: raw.custom,
        };
        if let (Some(start), Some(end)) = (meta.distribution_start, meta.distribution_end) {
            if end <= start {
                return Err(invalid("distribution_end must be after distribution_start"));
            }
        }
        if serde_json::to_string(&meta.custom).map_or(0, |s| s.len()) > MAX_CUSTOM_BYTES {
            return Err(invalid("custom fields must be at most 16 KiB of JSON"));
        }
        Ok(meta)
    }

    /// Parses metadata given as a JSON string (multipart forms); empty means none.
    pub fn from_json_text(text: &str) -> Result<Self, DomainError> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let value = serde_json::from_str(text).map_err(|e| invalid(format!("metadata is not valid JSON: {e}")))?;
        Self::from_json(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_metadata_is_normalised() {
        let m = AssetMetadata::from_json(json!({
            "language": "EN", "locale": "en_gb", "channels": ["email", "email", "web"],
            "distribution_start": "2026-05-01T00:00:00Z", "distribution_end": "2026-06-01T00:00:00+01:00",
            "custom": {"campaign": "spring", "budget": 1200}
        }))
        .unwrap();
        assert_eq!(m.language.as_deref(), Some("en"));
        assert_eq!(m.locale.as_deref(), Some("en-GB"));
        assert_eq!(m.channels, vec!["email", "web"]);
        assert_eq!(m.custom["budget"], 1200);
    }

    #[test]
    fn bad_metadata_is_refused_with_a_reason() {
        for bad in [
            json!({"locale": "english"}),
            json!({"language": "english"}),
            json!({"colour": "red"}),
            json!({"distribution_start": "2026-06-01T00:00:00Z", "distribution_end": "2026-05-01T00:00:00Z"}),
            json!({"distribution_start": "tomorrow"}),
            json!({"channels": [""]}),
            json!([1, 2]),
        ] {
            assert_eq!(AssetMetadata::from_json(bad.clone()).unwrap_err().code(), "invalid_metadata", "{bad}");
        }
        assert!(AssetMetadata::from_json_text("{not json").is_err());
        assert_eq!(AssetMetadata::from_json_text("").unwrap(), AssetMetadata::default());
    }
}
