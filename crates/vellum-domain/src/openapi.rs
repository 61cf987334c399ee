//! The domain's text rules as schemas for the generated API document, built from the same
//! constants the parsers use so the document cannot drift from what the server accepts.

use utoipa::openapi::schema::{Array, ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

use crate::{
    folder::{FOLDER_PATTERN, MAX_FOLDER_CHARS},
    metadata::{CHANNEL_MAX_CHARS, LANGUAGE_PATTERN, LOCALE_PATTERN},
    validate::{
        NAME_MAX_CHARS, NOTE_MAX_CHARS, NO_CONTROL_PATTERN, RESTORE_NOTE_MAX_CHARS, SLUG_PATTERN, TEXT_PATTERN,
    },
};

fn text(max: usize, nullable: bool) -> ObjectBuilder {
    string(nullable).min_length(Some(1)).max_length(Some(max)).pattern(Some(TEXT_PATTERN))
}

fn string(nullable: bool) -> ObjectBuilder {
    let kind: SchemaType =
        if nullable { [Type::String, Type::Null].into_iter().collect() } else { Type::String.into() };
    ObjectBuilder::new().schema_type(kind)
}

/// A name or title: 1–200 characters, not blank, no control characters.
pub fn name() -> Object {
    text(NAME_MAX_CHARS, false).build()
}

/// A name that may be left out or null.
pub fn optional_name() -> Object {
    text(NAME_MAX_CHARS, true).build()
}

/// A change note: 1–4000 characters, not blank, no control characters.
pub fn note() -> Object {
    text(NOTE_MAX_CHARS, false).build()
}

/// A note that may be left out or null.
pub fn optional_note() -> Object {
    text(NOTE_MAX_CHARS, true).build()
}

/// A workspace slug.
pub fn slug() -> Object {
    string(false).min_length(Some(2)).max_length(Some(48)).pattern(Some(SLUG_PATTERN)).build()
}

/// An ISO 639 language code, or null.
pub fn language() -> Object {
    string(true).pattern(Some(LANGUAGE_PATTERN)).build()
}

/// A locale such as `en-GB`, or null.
pub fn locale() -> Object {
    string(true).pattern(Some(LOCALE_PATTERN)).build()
}

/// Distribution channel names.
pub fn channels() -> Array {
    ArrayBuilder::new().items(text(CHANNEL_MAX_CHARS, false)).build()
}

fn blank_allowed(max: usize, nullable: bool) -> Object {
    string(nullable).max_length(Some(max)).pattern(Some(NO_CONTROL_PATTERN)).build()
}

/// A form's title field: blank means the default (the file's name).
pub fn title_field() -> Object {
    blank_allowed(NAME_MAX_CHARS, false)
}

/// A form's note field: blank means the default.
pub fn note_field() -> Object {
    blank_allowed(NOTE_MAX_CHARS, false)
}

/// What a restore adds to its note; blank or null adds nothing.
pub fn restore_note() -> Object {
    blank_allowed(RESTORE_NOTE_MAX_CHARS, true)
}

/// A folder field: blank (none) or a relative `/`-separated path.
pub fn folder_field() -> Object {
    string(false).max_length(Some(MAX_FOLDER_CHARS)).pattern(Some(FOLDER_PATTERN)).build()
}

/// A word, or a one-key object holding a count 1..=`max`: `"all"` or `{"quorum": 2}`.
pub fn word_or_count(words: &[&str], key: &str, max: u32) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AdditionalProperties, OneOfBuilder};
    let count = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(max));
    let object = ObjectBuilder::new()
        .property(key, count)
        .required(key)
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    let word = ObjectBuilder::new().schema_type(Type::String).enum_values(Some(words.to_vec()));
    OneOfBuilder::new().item(word).item(object).into()
}

/// One of some words, or a one-key object naming an id: `"supervisor"` or `{"user": id}`.
pub fn word_or_id(words: &[&str], keys: &[&str]) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AdditionalProperties, KnownFormat, OneOfBuilder, SchemaFormat};
    let mut one_of = OneOfBuilder::new();
    if !words.is_empty() {
        one_of = one_of.item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(words.to_vec())));
    }
    for key in keys {
        let id =
            ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
        one_of = one_of.item(
            ObjectBuilder::new()
                .property(*key, id)
                .required(*key)
                .additional_properties(Some(AdditionalProperties::FreeForm(false))),
        );
    }
    one_of.into()
}
