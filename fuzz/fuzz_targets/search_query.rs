//! The search box's parser and the index query built from it, on arbitrary input: neither
//! may panic, a fault's position lies within the input, and the built query always keeps the
//! audience (and, for viewers, the rights window) it was built for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vellum_domain::search_query::parse;
use vellum_search::query::{Builder, Vocabulary};
use vellum_search::{schema, Audience, Language};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse(text) {
        Err(e) => assert!(e.position <= text.chars().count(), "{e:?} for {text:?}"),
        Ok(q) => {
            let (_, fields) = schema::schema();
            let mut vocabulary = Vocabulary::default();
            vocabulary.custom.insert("budget".into(), vellum_search::FieldType::Number);
            for (audience, today) in [(Audience::Members, None), (Audience::Viewers, Some(20_000))] {
                let mut b = Builder {
                    fields: &fields,
                    vocabulary: &vocabulary,
                    analyzer: schema::analyzer(Language::English),
                    prefix_analyzer: schema::prefix_analyzer(),
                };
                if let Ok(built) = b.build(&q.clauses, audience, today) {
                    let shown = format!("{:?}", built.query);
                    assert!(shown.contains(audience.as_str()), "the audience is always required: {shown}");
                }
            }
        }
    }
});
