//! Brief templates and briefs: admins write templates; members who upload write briefs on
//! them, submit them for approval (the review engine decides on the brief's revision) and
//! read their reviews, deliverables and time-to-market facts.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use vellum_core::briefs::{BriefInput, BriefView, Template};
use vellum_domain::{
    brief::{BriefStatus, Section, TemplateKind, TemplateSpec},
    Timestamp,
};

use super::{
    paging::{page_of, PageQuery},
    reviews::newest_first_key,
    views::{ReviewPage, ReviewView},
};
use crate::{
    auth::Authed,
    error::ApiResult,
    extract::{path_id, AppJson, AppQuery},
    AppState,
};

/// A brief template at its latest revision.
#[derive(Serialize, ToSchema)]
pub struct TemplateItem {
    id: Uuid,
    workspace_id: Uuid,
    /// Each change makes a new revision; a brief keeps the one it was written on.
    revision: u32,
    name: String,
    kind: TemplateKind,
    sections: Vec<Section>,
    mandatories: Vec<String>,
    deliverables: Vec<String>,
    channels: Vec<String>,
    workflow_id: Option<Uuid>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Template> for TemplateItem {
    fn from(t: Template) -> Self {
        TemplateItem {
            id: t.id,
            workspace_id: t.workspace_id,
            revision: t.revision,
            name: t.spec.name,
            kind: t.spec.kind,
            sections: t.spec.sections,
            mandatories: t.spec.mandatories,
            deliverables: t.spec.deliverables,
            channels: t.spec.channels,
            workflow_id: t.spec.workflow_id,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    templates: Vec<TemplateItem>,
}

/// Creates a brief template (admins).
#[utoipa::path(post, path = "/workspaces/{ws}/brief-templates", tag = "briefs", operation_id = "create_brief_template",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = TemplateSpec,
    responses((status = 201, description = "Created", body = TemplateItem)))]
pub async fn create_template(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(spec): AppJson<TemplateSpec>,
) -> ApiResult<(StatusCode, Json<TemplateItem>)> {
    Ok((StatusCode::CREATED, Json(s.core.create_brief_template(&a.actor, &ws, spec).await?.into())))
}

/// The workspace's brief templates.
#[utoipa::path(get, path = "/workspaces/{ws}/brief-templates", tag = "briefs", operation_id = "list_brief_templates",
    params(("ws" = String, Path, description = "Workspace id or slug")),
    responses((status = 200, description = "The templates", body = TemplateList)))]
pub async fn templates(State(s): State<AppState>, a: Authed, Path(ws): Path<String>) -> ApiResult<Json<TemplateList>> {
    let templates = s.core.brief_templates(&a.actor, &ws).await?;
    Ok(Json(TemplateList { templates: templates.into_iter().map(Into::into).collect() }))
}

/// One template at its latest revision.
#[utoipa::path(get, path = "/brief-templates/{id}", tag = "briefs", operation_id = "get_brief_template",
    params(("id" = Uuid, Path, description = "The template")),
    responses((status = 200, description = "The template", body = TemplateItem)))]
pub async fn template(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<TemplateItem>> {
    Ok(Json(s.core.brief_template(&a.actor, path_id(&id, "brief template")?).await?.into()))
}

/// Saves a new revision of a template (admins); briefs keep theirs.
#[utoipa::path(put, path = "/brief-templates/{id}", tag = "briefs", operation_id = "revise_brief_template",
    params(("id" = Uuid, Path, description = "The template")), request_body = TemplateSpec,
    responses((status = 200, description = "The new revision", body = TemplateItem)))]
pub async fn revise_template(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(spec): AppJson<TemplateSpec>,
) -> ApiResult<Json<TemplateItem>> {
    Ok(Json(s.core.revise_brief_template(&a.actor, path_id(&id, "brief template")?, spec).await?.into()))
}

/// A new brief.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBrief {
    template_id: Uuid,
    #[schema(min_length = 1, max_length = 200)]
    title: String,
    campaign_id: Option<Uuid>,
    /// The answers, by the template's field keys.
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: Map<String, Value>,
    /// Library assets the brief points to for reference.
    #[schema(max_items = 50)]
    reference_asset_ids: Option<Vec<Uuid>>,
}

/// A change to a brief. Answers are merged by key (null removes one); `campaign_id: null`
/// takes the brief out of its campaign.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BriefPatch {
    #[schema(min_length = 1, max_length = 200)]
    title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    campaign_id: Option<Option<Uuid>>,
    #[schema(value_type = Option<Object>)]
    fields: Option<Map<String, Value>>,
    #[schema(max_items = 50)]
    reference_asset_ids: Option<Vec<Uuid>>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

#[derive(Serialize, ToSchema)]
pub struct DeliverableItem {
    name: String,
    /// The assets linked to this deliverable.
    asset_ids: Vec<Uuid>,
    /// Whether one of them is approved.
    approved: bool,
}

/// When the brief reached each step towards market.
#[derive(Serialize, ToSchema)]
pub struct TimelineItem {
    submitted_at: Option<Timestamp>,
    approved_at: Option<Timestamp>,
    first_asset_at: Option<Timestamp>,
    /// When every deliverable had approved work.
    done_at: Option<Timestamp>,
}

#[derive(Serialize, ToSchema)]
pub struct BriefItem {
    id: Uuid,
    workspace_id: Uuid,
    template_id: Uuid,
    template_revision: u32,
    template_name: String,
    kind: TemplateKind,
    title: String,
    campaign_id: Option<Uuid>,
    #[schema(value_type = Object)]
    fields: Map<String, Value>,
    reference_asset_ids: Vec<Uuid>,
    status: BriefStatus,
    /// The brief's revision: a submitted revision never changes; an edit makes the next.
    revision: u32,
    deliverables: Vec<DeliverableItem>,
    /// Linked assets that name no deliverable of the brief.
    other_asset_ids: Vec<Uuid>,
    /// The regulatory mandatories its template asks it to cover.
    mandatories: Vec<String>,
    /// Its open or latest review.
    review_id: Option<Uuid>,
    timeline: TimelineItem,
    created_by: Uuid,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<BriefView> for BriefItem {
    fn from(v: BriefView) -> Self {
        let b = v.brief;
        BriefItem {
            id: b.id,
            workspace_id: b.workspace_id,
            template_id: b.template_id,
            template_revision: b.template_revision,
            template_name: v.template.name,
            kind: v.template.kind,
            title: b.title,
            campaign_id: b.campaign_id,
            fields: b.fields,
            reference_asset_ids: b.reference_asset_ids,
            status: b.status,
            revision: b.revision,
            deliverables: v
                .deliverables
                .into_iter()
                .map(|d| DeliverableItem { name: d.name, asset_ids: d.asset_ids, approved: d.approved })
                .collect(),
            other_asset_ids: v.other_asset_ids,
            mandatories: v.template.mandatories,
            review_id: v.review_id,
            timeline: TimelineItem {
                submitted_at: b.timeline.submitted_at,
                approved_at: b.timeline.approved_at,
                first_asset_at: b.timeline.first_asset_at,
                done_at: b.timeline.done_at,
            },
            created_by: b.created_by,
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BriefList {
    briefs: Vec<BriefItem>,
}

/// Writes a brief; every missing mandatory answer is one error in `422 invalid_brief`.
#[utoipa::path(post, path = "/workspaces/{ws}/briefs", tag = "briefs", operation_id = "create_brief",
    params(("ws" = String, Path, description = "Workspace id or slug")), request_body = NewBrief,
    responses((status = 201, description = "Created, as a draft", body = BriefItem)))]
pub async fn create(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppJson(b): AppJson<NewBrief>,
) -> ApiResult<(StatusCode, Json<BriefItem>)> {
    let input = BriefInput {
        template_id: Some(b.template_id),
        title: Some(b.title),
        campaign_id: Some(b.campaign_id),
        fields: Some(b.fields),
        reference_asset_ids: b.reference_asset_ids,
    };
    Ok((StatusCode::CREATED, Json(s.core.create_brief(&a.actor, &ws, input).await?.into())))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BriefQuery {
    #[param(value_type = Option<BriefStatus>)]
    status: Option<String>,
    /// A campaign's id.
    #[param(value_type = Option<Uuid>)]
    campaign: Option<String>,
}

/// The workspace's briefs, newest first (members who see work in progress).
#[utoipa::path(get, path = "/workspaces/{ws}/briefs", tag = "briefs", operation_id = "list_briefs",
    params(("ws" = String, Path, description = "Workspace id or slug"), BriefQuery),
    responses((status = 200, description = "The briefs", body = BriefList)))]
pub async fn list(
    State(s): State<AppState>,
    a: Authed,
    Path(ws): Path<String>,
    AppQuery(q): AppQuery<BriefQuery>,
) -> ApiResult<Json<BriefList>> {
    let status = match q.status.as_deref() {
        None => None,
        Some(v) => Some(BriefStatus::parse(v).ok_or_else(|| {
            crate::error::ApiError::new(
                vellum_domain::ErrorCode::InvalidStatus,
                format!("'{v}' is not a brief status: use draft, in_approval, changes_requested, approved, rejected or done"),
            )
        })?),
    };
    let campaign = match q.campaign.as_deref() {
        None => None,
        Some(c) => Some(vellum_domain::id::parse_id(c).ok_or_else(|| {
            crate::error::ApiError::new(vellum_domain::ErrorCode::InvalidBody, format!("campaign: '{c}' is not an id"))
        })?),
    };
    let briefs = s.core.briefs(&a.actor, &ws, status, campaign).await?;
    Ok(Json(BriefList { briefs: briefs.into_iter().map(Into::into).collect() }))
}

/// One brief, with its deliverables, review and time-to-market facts.
#[utoipa::path(get, path = "/briefs/{id}", tag = "briefs", operation_id = "get_brief",
    params(("id" = Uuid, Path, description = "The brief")),
    responses((status = 200, description = "The brief", body = BriefItem)))]
pub async fn get(State(s): State<AppState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<BriefItem>> {
    Ok(Json(s.core.brief(&a.actor, path_id(&id, "brief")?).await?.into()))
}

/// Changes a brief. A submitted revision never changes: the edit is the next revision, and
/// an open review is superseded by a fresh one on it.
#[utoipa::path(patch, path = "/briefs/{id}", tag = "briefs", operation_id = "update_brief",
    params(("id" = Uuid, Path, description = "The brief")), request_body = BriefPatch,
    responses((status = 200, description = "Changed", body = BriefItem)))]
pub async fn patch(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppJson(b): AppJson<BriefPatch>,
) -> ApiResult<Json<BriefItem>> {
    let input = BriefInput {
        template_id: None,
        title: b.title,
        campaign_id: b.campaign_id,
        fields: b.fields,
        reference_asset_ids: b.reference_asset_ids,
    };
    Ok(Json(s.core.update_brief(&a.actor, path_id(&id, "brief")?, input).await?.into()))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// Absent: the template's workflow, else the one the routing rules choose.
    workflow_id: Option<Uuid>,
}

/// The brief after submitting, with the review that started.
#[derive(Serialize, ToSchema)]
pub struct Submitted {
    #[serde(flatten)]
    brief: BriefItem,
    review: ReviewView,
}

/// Submits a brief for approval: its revision is kept as sent and a review starts on it.
#[utoipa::path(post, path = "/briefs/{id}/submit", tag = "briefs", operation_id = "submit_brief",
    params(("id" = Uuid, Path, description = "The brief")),
    request_body(content = Option<SubmitBody>, content_type = "application/json"),
    responses((status = 200, description = "In approval", body = Submitted)))]
pub async fn submit(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Submitted>> {
    // The body is optional: empty, or `null`, lets the template or the routing rules choose.
    let text = body.trim_ascii();
    let b = if text.is_empty() || text == b"null" {
        SubmitBody::default()
    } else {
        crate::extract::parse_json::<SubmitBody>(&body)?
    };
    let (brief, review) = s.core.submit_brief(&a.actor, path_id(&id, "brief")?, b.workflow_id).await?;
    Ok(Json(Submitted { brief: brief.into(), review: review.into() }))
}

/// The reviews of a brief, newest first.
#[utoipa::path(get, path = "/briefs/{id}/reviews", tag = "briefs", operation_id = "list_brief_reviews",
    params(("id" = Uuid, Path, description = "The brief"), PageQuery),
    responses((status = 200, description = "A page of reviews", body = ReviewPage)))]
pub async fn reviews(
    State(s): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<ReviewPage>> {
    let page = q.request()?;
    let reviews = s.core.brief_reviews(&a.actor, path_id(&id, "brief")?).await?;
    Ok(Json(page_of(reviews, &page, |r| newest_first_key(r.id)).into()))
}
