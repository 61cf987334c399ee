//! The fields of a workspace's index and the tokenizer that reads its text.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::Index;
use vellum_domain::search_language::SearchLanguage;

/// The tokenizer of the text fields: words, lower case, accents folded, stemmed.
pub const TOKENIZER: &str = "vellum";

/// The index's fields by name.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `{asset_id}/{audience}`: what an update replaces.
    pub key: Field,
    pub audience: Field,
    pub title: Field,
    pub filename: Field,
    /// Everything else worth finding by a word: description, metadata, extracted text,
    /// campaign and brief names, comments.
    pub body: Field,
    /// `field=value`, lower case: what `field:value` matches.
    pub terms: Field,
    /// `field=Value` as shown: what facets count (a fast column).
    pub facets: Field,
    /// `field#sortable`: what ranges compare.
    pub ranges: Field,
    pub created: Field,
    pub due: Field,
    /// The rights window in days since 1970-01-01 (open ends at the extremes).
    pub rights_from: Field,
    pub rights_until: Field,
    pub title_sort: Field,
    /// The asset id as two halves, so ties break the same way in every segment.
    pub id_hi: Field,
    pub id_lo: Field,
    /// What a hit shows, as JSON.
    pub hit: Field,
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let number = NumericOptions::default().set_fast().set_indexed();
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        audience: b.add_text_field("audience", STRING),
        title: b.add_text_field("title", text.clone()),
        filename: b.add_text_field("filename", text.clone()),
        body: b.add_text_field("body", text),
        terms: b.add_text_field("terms", STRING),
        facets: b.add_text_field("facets", STRING | FAST),
        ranges: b.add_text_field("ranges", STRING),
        created: b.add_i64_field("created", number.clone()),
        due: b.add_i64_field("due", number.clone()),
        rights_from: b.add_i64_field("rights_from", number.clone()),
        rights_until: b.add_i64_field("rights_until", number),
        title_sort: b.add_text_field("title_sort", FAST),
        id_hi: b.add_u64_field("id_hi", FAST),
        id_lo: b.add_u64_field("id_lo", FAST),
        hit: b.add_text_field("hit", STORED),
    };
    (b.build(), fields)
}

/// The stemmer of a workspace's main language.
pub fn stemmer(l: SearchLanguage) -> Language {
    match l {
        SearchLanguage::Arabic => Language::Arabic,
        SearchLanguage::Danish => Language::Danish,
        SearchLanguage::Dutch => Language::Dutch,
        SearchLanguage::English => Language::English,
        SearchLanguage::Finnish => Language::Finnish,
        SearchLanguage::French => Language::French,
        SearchLanguage::German => Language::German,
        SearchLanguage::Greek => Language::Greek,
        SearchLanguage::Hungarian => Language::Hungarian,
        SearchLanguage::Italian => Language::Italian,
        SearchLanguage::Norwegian => Language::Norwegian,
        SearchLanguage::Portuguese => Language::Portuguese,
        SearchLanguage::Romanian => Language::Romanian,
        SearchLanguage::Russian => Language::Russian,
        SearchLanguage::Spanish => Language::Spanish,
        SearchLanguage::Swedish => Language::Swedish,
        SearchLanguage::Tamil => Language::Tamil,
        SearchLanguage::Turkish => Language::Turkish,
    }
}

/// The analyzer of text fields: also what query words go through, so both agree.
pub fn analyzer(lang: SearchLanguage) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(stemmer(lang)))
        .build()
}

/// The analyzer of prefixes typed so far: not stemmed, since a stem of half a word is
/// not the stem of the word.
pub fn prefix_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub fn register(index: &Index, lang: SearchLanguage) {
    index.tokenizers().register(TOKENIZER, analyzer(lang));
}
