use serde_json::json;

use super::*;
use crate::review::ReviewStatus;

fn template(sections: Value) -> Result<TemplateSpec, Vec<FieldError>> {
    serde_json::from_value::<TemplateSpec>(json!({
        "name": "Social brief", "kind": "brief", "sections": sections,
        "mandatories": ["Risk warning"], "deliverables": ["1080×1080 social tile"]
    }))
    .unwrap()
    .check()
}

fn social() -> TemplateSpec {
    template(json!([
        {"title": "Audience", "fields": [
            {"key": "audience", "label": "Audience", "type": "text", "required": true},
            {"key": "story", "label": "Story", "type": "long_text"},
            {"key": "channel", "label": "Channel", "type": "enum", "values": ["social", "print"], "required": true},
            {"key": "budget", "label": "Budget", "type": "money"},
            {"key": "due", "label": "Due", "type": "date"},
            {"key": "refs", "label": "References", "type": "asset_refs"},
            {"key": "landing", "label": "Landing page", "type": "url"}
        ]}
    ]))
    .unwrap()
}

fn keys(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.key.as_str()).collect()
}

#[test]
fn a_template_names_every_problem_by_key() {
    let errors = template(json!([
        {"title": "One", "fields": [
            {"key": "Bad Key", "label": "x", "type": "text"},
            {"key": "pick", "label": "Pick", "type": "enum"},
            {"key": "dup", "label": "A", "type": "text"},
            {"key": "dup", "label": "B", "type": "url", "values": ["x"]}
        ]},
        {"title": " ", "fields": []}
    ]))
    .unwrap_err();
    assert_eq!(keys(&errors), ["Bad Key", "pick", "dup", "dup", "sections/1/title", "sections/1/fields"]);
    assert!(template(json!([])).is_err());
}

#[test]
fn every_missing_mandatory_answer_is_one_error() {
    let t = social();
    let errors = t.read_answers(json!({"audience": " ", "story": "x"}).as_object().unwrap()).unwrap_err();
    assert_eq!(keys(&errors), ["audience", "channel"]);
    assert!(errors[0].message.contains("Audience is required"));
}

#[test]
fn answers_are_read_by_their_type() {
    let t = social();
    let bad = json!({
        "audience": 3, "channel": "radio", "budget": {"amount": 1.5, "currency": "AUD"},
        "due": "2026-02-30", "refs": ["not-an-id"], "landing": "javascript:alert(1)", "extra": 1
    });
    let errors = t.read_answers(bad.as_object().unwrap()).unwrap_err();
    assert_eq!(keys(&errors), ["audience", "channel", "budget", "due", "refs", "landing", "extra"]);
    let id = crate::id::new_id().to_string();
    let good = json!({
        "audience": "Young savers", "channel": "social", "budget": {"amount": 500000, "currency": "AUD"},
        "due": "2026-03-02", "refs": [id, id], "landing": "https://example.com/x", "story": "A\nB"
    });
    let read = t.read_answers(good.as_object().unwrap()).unwrap();
    assert_eq!(read["refs"], json!([id]), "a reference listed twice is kept once");
    assert_eq!(t.asset_refs(&read).len(), 1);
}

#[test]
fn the_status_follows_the_latest_review_and_the_deliverables() {
    assert_eq!(derive_status(None, false), BriefStatus::Draft);
    assert_eq!(derive_status(Some(ReviewStatus::Superseded), false), BriefStatus::Draft);
    assert_eq!(derive_status(Some(ReviewStatus::InProgress), false), BriefStatus::InApproval);
    assert_eq!(derive_status(Some(ReviewStatus::ChangesRequested), false), BriefStatus::ChangesRequested);
    assert_eq!(derive_status(Some(ReviewStatus::Rejected), true), BriefStatus::Rejected);
    assert_eq!(derive_status(Some(ReviewStatus::Approved), false), BriefStatus::Approved);
    assert_eq!(derive_status(Some(ReviewStatus::Approved), true), BriefStatus::Done);
    assert!(BriefStatus::Approved.receives_work() && BriefStatus::Done.receives_work());
    assert!(!BriefStatus::InApproval.receives_work());
}
