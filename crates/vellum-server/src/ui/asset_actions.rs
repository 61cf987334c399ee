//! The asset page's forms: edit details, new version, restore, start a review, decide.
//! Each checks the CSRF secret, makes one core call, and redirects back — or shows the asset
//! page again with the core's message.

use axum::{
    extract::{multipart::MultipartRejection, Multipart, Path, State},
    http::{HeaderMap, StatusCode},
};
use serde::Deserialize;
use vellum_core::assets::AssetPatch;
use vellum_domain::{id::parse_id, Id};

use super::{
    asset::{render, Shown},
    metadata_form::MetaForm,
    page::{see_other, UiError, UiResult},
    review::{choice_label, DecisionDraft, CHOICES},
    session::{field, Signed, UiForm},
};
use crate::{
    extract::{path_id, path_version},
    upload, AppState,
};

/// Back to the asset page on success; the page with the error message otherwise.
async fn finish<T>(s: &AppState, who: &Signed, id: Id, done: &str, outcome: Result<T, UiError>) -> UiResult {
    match outcome {
        Ok(_) => Ok(see_other(&format!("/a/{id}?done={done}"))),
        Err(e) => render(s, who, id, Shown::error(&e)).await,
    }
}

/// `POST /a/{id}/edit`: title and metadata.
pub async fn edit(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    let id = path_id(&id, "asset")?;
    who.check_pairs(&f)?;
    let outcome = match MetaForm::from_pairs(&f).to_json() {
        Ok(metadata) => {
            let patch = AssetPatch { title: Some(field(&f, "title").to_string()), metadata: Some(metadata) };
            s.core.update_asset(&who.actor, id, patch).await.map_err(UiError::from)
        }
        Err(m) => Err(UiError::invalid(m)),
    };
    finish(&s, &who, id, "saved", outcome).await
}

/// `POST /a/{id}/versions` (multipart, `csrf` first): file and note.
pub async fn new_version(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> UiResult {
    let id = path_id(&id, "asset")?;
    let form = form.map_err(|e| {
        UiError::new(StatusCode::BAD_REQUEST, format!("The upload could not be read: {}", e.body_text()))
    })?;
    let outcome = async {
        upload::check_declared_length(&headers, s.core.limits.max_upload_bytes)?;
        s.core.version_upload_access(&who.actor, id).await?;
        let (fields, blob) = upload::receive(&s.core, form, Some(&who.csrf)).await?;
        Ok::<_, crate::error::ApiError>(s.core.add_version(&who.actor, id, fields, blob).await?)
    }
    .await
    .map_err(UiError::from);
    finish(&s, &who, id, "version_added", outcome).await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /a/{id}/versions/{n}/restore`.
pub async fn restore(
    State(s): State<AppState>,
    who: Signed,
    Path((id, n)): Path<(String, String)>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult {
    let id = path_id(&id, "asset")?;
    let n = path_version(&n)?;
    who.check(&f.csrf)?;
    let outcome = s.core.restore_version(&who.actor, id, n, None).await.map_err(UiError::from);
    finish(&s, &who, id, "restored", outcome).await
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    workflow_id: String,
}

/// `POST /a/{id}/reviews`: start a review of the current version.
pub async fn start_review(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<StartForm>,
) -> UiResult {
    let id = path_id(&id, "asset")?;
    who.check(&f.csrf)?;
    let outcome = match parse_id(&f.workflow_id) {
        Some(wf) => s.core.start_review(&who.actor, id, Some(wf)).await.map_err(UiError::from),
        None => Err(UiError::invalid("Choose a workflow.")),
    };
    finish(&s, &who, id, "review_started", outcome).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /a/{id}/reviews/{review}/decision`.
pub async fn decide(
    State(s): State<AppState>,
    who: Signed,
    Path((id, review)): Path<(String, String)>,
    UiForm(f): UiForm<DecisionForm>,
) -> UiResult {
    let id = path_id(&id, "asset")?;
    let review = path_id(&review, "review")?;
    who.check(&f.csrf)?;
    let reason = Some(f.reason.trim()).filter(|r| !r.is_empty());
    let outcome = match (f.version.parse::<u32>(), choice_label(&f.decision)) {
        (Err(_), _) => Err(UiError::invalid("The form names no version; reload the page and decide again.")),
        (_, None) => Err(UiError::invalid(format!("Choose {}.", choices_text()))),
        (Ok(v), Some(label)) => {
            s.core.decide(&who.actor, review, v, &f.decision, reason).await.map_err(|e| decision_error(e, label))
        }
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/a/{id}?done=decided"))),
        Err(e) => {
            // The form comes back as it was sent, so fixing it is one step, not a re-choice.
            let draft = DecisionDraft { decision: f.decision, reason: f.reason };
            render(&s, &who, id, Shown { draft: Some(&draft), ..Shown::error(&e) }).await
        }
    }
}

/// "Approve, Approve with changes, Request changes or Reject", as the buttons say it.
fn choices_text() -> String {
    let labels: Vec<String> = CHOICES.iter().map(|(_, l)| format!("“{l}”")).collect();
    match labels.split_last() {
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The core's refusal in the words of the form (the core names decisions by their codes).
fn decision_error(e: vellum_core::Error, label: &str) -> UiError {
    match e.code() {
        vellum_domain::ErrorCode::ReasonRequired => {
            UiError::invalid(format!("Write a reason: it is required when you choose “{label}”."))
        }
        vellum_domain::ErrorCode::ReviewClosed => UiError::new(
            StatusCode::CONFLICT,
            "This review is already closed, so no decision can be added. Reload the page to see how it ended.",
        ),
        _ => UiError::from(e),
    }
}
