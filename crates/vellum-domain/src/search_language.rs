//! The language a workspace's search stems words in: its main language, by ISO 639-1 code.

use serde::{Deserialize, Serialize};

/// A language the search stems words of (those with a Snowball stemmer), by ISO 639-1 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SearchLanguage {
    #[serde(rename = "ar")]
    Arabic,
    #[serde(rename = "da")]
    Danish,
    #[serde(rename = "nl")]
    Dutch,
    #[default]
    #[serde(rename = "en")]
    English,
    #[serde(rename = "fi")]
    Finnish,
    #[serde(rename = "fr")]
    French,
    #[serde(rename = "de")]
    German,
    #[serde(rename = "el")]
    Greek,
    #[serde(rename = "hu")]
    Hungarian,
    #[serde(rename = "it")]
    Italian,
    #[serde(rename = "no")]
    Norwegian,
    #[serde(rename = "pt")]
    Portuguese,
    #[serde(rename = "ro")]
    Romanian,
    #[serde(rename = "ru")]
    Russian,
    #[serde(rename = "es")]
    Spanish,
    #[serde(rename = "sv")]
    Swedish,
    #[serde(rename = "ta")]
    Tamil,
    #[serde(rename = "tr")]
    Turkish,
}

impl SearchLanguage {
    pub const ALL: [SearchLanguage; 18] = [
        SearchLanguage::Arabic,
        SearchLanguage::Danish,
        SearchLanguage::Dutch,
        SearchLanguage::English,
        SearchLanguage::Finnish,
        SearchLanguage::French,
        SearchLanguage::German,
        SearchLanguage::Greek,
        SearchLanguage::Hungarian,
        SearchLanguage::Italian,
        SearchLanguage::Norwegian,
        SearchLanguage::Portuguese,
        SearchLanguage::Romanian,
        SearchLanguage::Russian,
        SearchLanguage::Spanish,
        SearchLanguage::Swedish,
        SearchLanguage::Tamil,
        SearchLanguage::Turkish,
    ];

    /// The ISO 639-1 code, as stored and as the API takes it.
    pub fn code(self) -> &'static str {
        match self {
            SearchLanguage::Arabic => "ar",
            SearchLanguage::Danish => "da",
            SearchLanguage::Dutch => "nl",
            SearchLanguage::English => "en",
            SearchLanguage::Finnish => "fi",
            SearchLanguage::French => "fr",
            SearchLanguage::German => "de",
            SearchLanguage::Greek => "el",
            SearchLanguage::Hungarian => "hu",
            SearchLanguage::Italian => "it",
            SearchLanguage::Norwegian => "no",
            SearchLanguage::Portuguese => "pt",
            SearchLanguage::Romanian => "ro",
            SearchLanguage::Russian => "ru",
            SearchLanguage::Spanish => "es",
            SearchLanguage::Swedish => "sv",
            SearchLanguage::Tamil => "ta",
            SearchLanguage::Turkish => "tr",
        }
    }

    /// The language's name in English, for settings pages.
    pub fn name(self) -> &'static str {
        match self {
            SearchLanguage::Arabic => "Arabic",
            SearchLanguage::Danish => "Danish",
            SearchLanguage::Dutch => "Dutch",
            SearchLanguage::English => "English",
            SearchLanguage::Finnish => "Finnish",
            SearchLanguage::French => "French",
            SearchLanguage::German => "German",
            SearchLanguage::Greek => "Greek",
            SearchLanguage::Hungarian => "Hungarian",
            SearchLanguage::Italian => "Italian",
            SearchLanguage::Norwegian => "Norwegian",
            SearchLanguage::Portuguese => "Portuguese",
            SearchLanguage::Romanian => "Romanian",
            SearchLanguage::Russian => "Russian",
            SearchLanguage::Spanish => "Spanish",
            SearchLanguage::Swedish => "Swedish",
            SearchLanguage::Tamil => "Tamil",
            SearchLanguage::Turkish => "Turkish",
        }
    }

    /// A language by its code, or by a locale that starts with one (`de-CH`); Norwegian
    /// Bokmål and Nynorsk (`nb`, `nn`) stem as Norwegian.
    pub fn parse(code: &str) -> Option<SearchLanguage> {
        let primary = code.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        let primary = match primary.as_str() {
            "nb" | "nn" => "no",
            p => p,
        };
        SearchLanguage::ALL.into_iter().find(|l| l.code() == primary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_locales_name_their_language() {
        for l in SearchLanguage::ALL {
            assert_eq!(SearchLanguage::parse(l.code()), Some(l));
        }
        assert_eq!(SearchLanguage::parse("de-CH"), Some(SearchLanguage::German));
        assert_eq!(SearchLanguage::parse("PT_br"), Some(SearchLanguage::Portuguese));
        assert_eq!(SearchLanguage::parse("nb"), Some(SearchLanguage::Norwegian));
        assert_eq!(SearchLanguage::parse("ja"), None);
        assert_eq!(SearchLanguage::parse(""), None);
        assert_eq!(SearchLanguage::default().code(), "en");
        for l in SearchLanguage::ALL {
            assert_eq!(serde_json::to_value(l).unwrap(), serde_json::json!(l.code()));
        }
    }
}
