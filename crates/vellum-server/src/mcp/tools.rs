//! The MCP tools: their names, descriptions and input schemas (precise enough for a model to use
//! without trial and error), the scope each needs, and how each calls the use case the API
//! calls. Results are JSON (`structuredContent`, mirrored as text); failures are tool errors
//! whose text names our error code.

use std::sync::Arc;

use rmcp::model::{CallToolResult, Tool, ToolAnnotations};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Map, Value};
use vellum_core::{
    comments::{CommentFilter, NewComment},
    proposals::ProposedChange,
    search::SearchParams,
    Actor, Error,
};
use vellum_domain::{review::ReviewSubject, scope::Scope, ErrorCode, Id};

use crate::{
    api::{
        assets::full_view, briefs::BriefItem, campaigns::CampaignItem, comments::CommentItem, downloads::RequestItem,
        my_work, proposals::ProposalView, views::AssetView, views::ReviewView,
    },
    error::ApiError,
    AppState,
};

/// The most search hits one call answers.
const MAX_HITS: u32 = 50;

/// One tool: what it is called, the scope it needs, what it says about itself.
struct Spec {
    name: &'static str,
    title: &'static str,
    scope: Scope,
    description: &'static str,
    schema: fn() -> Value,
}

const ASSET_ID: &str = "The asset's id (a UUID, as search_assets returns it).";

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

const SPECS: &[Spec] = &[
    Spec {
        name: "search_assets",
        title: "Search the library",
        scope: Scope::Read,
        description: "Full-text search of the asset library, returning only what the person may see (viewers: \
            approved assets whose rights are in force today). Use filters to narrow, e.g. \
            [\"status:approved\", \"kind:visual\", \"market:DE\", \"channel:social\"]. Without a workspace, \
            every workspace of the person is searched.",
        schema: || {
            object(
                json!({
                    "query": {"type": "string", "maxLength": 500, "description": "Words to find; phrases in double quotes. Empty: everything."},
                    "workspace": {"type": "string", "description": "A workspace id or slug to search in (optional)."},
                    "filters": {"oneOf": [
                            {"type": "array", "maxItems": 20, "items": {"type": "string", "pattern": "^[a-z_.]+:.+$"}},
                            {"type": "object", "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}
                        ],
                        "description": "field:value filters, as in the library's search (status, kind, language, market, channel, campaign, folder, tag, or a custom field): [\"status:approved\"] or {\"status\": \"approved\"}."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_HITS, "default": 10}
                }),
                &[],
            )
        },
    },
    Spec {
        name: "get_asset",
        title: "Open an asset",
        scope: Scope::Read,
        description: "One asset: title, kind, metadata, status, current and approved version, rights status and \
            window, archive state, and the renditions available of the version you may see (also readable as \
            resources vellum://assets/{asset_id}/versions/{version}/renditions/{name}).",
        schema: || {
            object(json!({"asset_id": {"type": "string", "format": "uuid", "description": ASSET_ID}}), &["asset_id"])
        },
    },
    Spec {
        name: "get_governed_link",
        title: "Get a governed link",
        scope: Scope::Read,
        description: "A link to hand out for the asset's approved version, through the distribution gate. \
            kind \"download\" (default) makes a short-lived download URL (15 minutes) for the original or a \
            rendition; kind \"public\" returns the asset's existing always-current public link, and never creates \
            one. Refused with the reason when rights have expired (rights_expired), the asset is archived \
            (archived), or the download policy needs a request first (download_request_required: use \
            request_download).",
        schema: || {
            object(
                json!({
                    "asset_id": {"type": "string", "format": "uuid", "description": ASSET_ID},
                    "rendition": {"type": "string", "default": "original", "description": "\"original\", or a rendition name such as \"preview\" or \"thumbnail\"."},
                    "kind": {"type": "string", "enum": ["download", "public"], "default": "download"}
                }),
                &["asset_id"],
            )
        },
    },
    Spec {
        name: "request_download",
        title: "Ask for a download",
        scope: Scope::Read,
        description: "Asks the asset's rights managers to grant a download the policy does not allow outright, \
            with the purpose they decide on. The person is notified of the decision.",
        schema: || {
            object(
                json!({
                    "asset_id": {"type": "string", "format": "uuid", "description": ASSET_ID},
                    "purpose": {"type": "string", "minLength": 1, "maxLength": 4000, "description": "What the file is for, for the person who decides."},
                    "version": {"type": "integer", "minimum": 1, "description": "The version (default: the approved one)."},
                    "rendition": {"type": "string", "description": "A rendition instead of the original."}
                }),
                &["asset_id", "purpose"],
            )
        },
    },
    Spec {
        name: "list_my_work",
        title: "My work",
        scope: Scope::Read,
        description: "What waits on the person: review decisions due (soonest first, overdue marked) and unread \
            mentions.",
        schema: || object(json!({}), &[]),
    },
    Spec {
        name: "get_review",
        title: "Open a review",
        scope: Scope::Read,
        description: "A review: its stages, approvers, decisions and status, with the open comments of the version \
            under review.",
        schema: || {
            object(
                json!({"review_id": {"type": "string", "format": "uuid", "description": "The review's id."}}),
                &["review_id"],
            )
        },
    },
    Spec {
        name: "get_brief",
        title: "Open a brief",
        scope: Scope::Read,
        description: "A brief: its answers, deliverables (with the assets linked to each), status and timeline.",
        schema: || {
            object(
                json!({"brief_id": {"type": "string", "format": "uuid", "description": "The brief's id."}}),
                &["brief_id"],
            )
        },
    },
    Spec {
        name: "list_campaign_assets",
        title: "A campaign's assets",
        scope: Scope::Read,
        description: "The campaign and the assets filed under it through its briefs, newest first (viewers: \
            approved ones only).",
        schema: || {
            object(
                json!({
                    "campaign_id": {"type": "string", "format": "uuid", "description": "The campaign's id."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
                }),
                &["campaign_id"],
            )
        },
    },
    Spec {
        name: "add_comment",
        title: "Comment on a version",
        scope: Scope::Comment,
        description: "Writes a comment on a version of an asset, as the person, marked as written via an agent. \
            Mention members with @their-email. Reply in a thread with parent_id.",
        schema: || {
            object(
                json!({
                    "asset_id": {"type": "string", "format": "uuid", "description": ASSET_ID},
                    "version": {"type": "integer", "minimum": 1, "description": "The version the comment is on."},
                    "body": {"type": "string", "minLength": 1, "maxLength": 10000, "description": "The comment (Markdown)."},
                    "parent_id": {"type": "string", "format": "uuid", "description": "The comment this replies to."}
                }),
                &["asset_id", "version", "body"],
            )
        },
    },
    Spec {
        name: "propose_metadata_change",
        title: "Propose a metadata change",
        scope: Scope::Propose,
        description: "Proposes setting some metadata fields of an asset; a member who may edit the asset accepts \
            or rejects it in Vellum. Give the version you looked at: the proposal is refused (proposal_stale) \
            if the asset moved on. Fields not named stay as they are; custom fields are merged key by key.",
        schema: || {
            object(
                json!({
                    "asset_id": {"type": "string", "format": "uuid", "description": ASSET_ID},
                    "version": {"type": "integer", "minimum": 1, "description": "The asset's current version, as get_asset shows it."},
                    "metadata": {"type": "object", "minProperties": 1, "description": "The fields to set, e.g. {\"language\": \"de\", \"custom\": {\"market\": \"DE\"}}."},
                    "rationale": {"type": "string", "minLength": 1, "maxLength": 4000, "description": "Why, for the person who decides."}
                }),
                &["asset_id", "version", "metadata", "rationale"],
            )
        },
    },
    Spec {
        name: "propose_review_start",
        title: "Propose starting a review",
        scope: Scope::Propose,
        description: "Proposes starting the approval review of an asset's current version; a member who may start \
            reviews accepts or rejects it. Without workflow_id the workspace's routing rules choose the chain.",
        schema: || {
            object(
                json!({
                    "asset_id": {"type": "string", "format": "uuid", "description": ASSET_ID},
                    "version": {"type": "integer", "minimum": 1, "description": "The asset's current version."},
                    "workflow_id": {"type": "string", "format": "uuid", "description": "A workflow of the workspace (optional)."},
                    "rationale": {"type": "string", "minLength": 1, "maxLength": 4000}
                }),
                &["asset_id", "version", "rationale"],
            )
        },
    },
    Spec {
        name: "propose_brief",
        title: "Propose a brief",
        scope: Scope::Propose,
        description: "Proposes a draft brief from one of the workspace's brief templates; a member who may create \
            briefs accepts (it is created as theirs) or rejects it.",
        schema: || {
            object(
                json!({
                    "workspace": {"type": "string", "description": "The workspace id or slug."},
                    "template_id": {"type": "string", "format": "uuid", "description": "A brief template of the workspace."},
                    "title": {"type": "string", "minLength": 1, "maxLength": 200},
                    "fields": {"type": "object", "description": "Answers to the template's fields, by key."},
                    "campaign_id": {"type": "string", "format": "uuid", "description": "The campaign the brief belongs to (optional)."},
                    "rationale": {"type": "string", "minLength": 1, "maxLength": 4000}
                }),
                &["workspace", "template_id", "title", "rationale"],
            )
        },
    },
];

/// The tools a caller with this scope is offered: a `read` token does not even see write tools.
pub fn offered(scope: Scope) -> Vec<Tool> {
    SPECS
        .iter()
        .filter(|s| scope.covers(s.scope))
        .map(|s| {
            let schema = match (s.schema)() {
                Value::Object(o) => o,
                _ => Map::new(),
            };
            let mut tool = Tool::new(s.name, s.description, Arc::new(schema));
            tool.title = Some(s.title.to_string());
            let mut notes = ToolAnnotations::with_title(s.title);
            notes.read_only_hint = Some(s.scope == Scope::Read && s.name != "request_download");
            notes.destructive_hint = Some(false);
            tool.annotations = Some(notes);
            tool
        })
        .collect()
}

/// A tool's failure: our error code and message, as text and as structured content.
fn failure(code: ErrorCode, message: &str) -> CallToolResult {
    CallToolResult::structured_error(json!({"error": {"code": code.as_str(), "message": message}}))
}

fn from_error(e: ApiError) -> CallToolResult {
    failure(e.code, &e.message)
}

fn args<T: DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(ErrorCode::InvalidBody, format!("the arguments do not fit the tool's input schema: {e}"))
    })
}

fn to_json(v: impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::from(Error::new(ErrorCode::Internal, e.to_string())))
}

/// Runs a tool for the actor; every outcome is a tool result, never a protocol error.
pub async fn call(s: &AppState, actor: &Actor, name: &str, arguments: Value) -> CallToolResult {
    let Some(spec) = SPECS.iter().find(|t| t.name == name) else {
        return failure(ErrorCode::NotFound, &format!("there is no tool named '{name}'; list the tools to see them"));
    };
    if let Err(e) = actor.require_scope(spec.scope) {
        return from_error(e.into());
    }
    match run(s, actor, name, arguments).await {
        Ok(v) => CallToolResult::structured(v),
        Err(e) => from_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchArgs {
    #[serde(default)]
    query: String,
    workspace: Option<String>,
    #[serde(default)]
    filters: Filters,
    limit: Option<u32>,
}

/// Filters as the library's search writes them (`["status:approved"]`), or as an object
/// (`{"status": "approved", "channel": ["web", "social"]}`), which models often send.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Filters {
    #[default]
    None,
    List(Vec<String>),
    Object(Map<String, Value>),
}

impl Filters {
    fn into_list(self) -> Vec<String> {
        match self {
            Filters::None => Vec::new(),
            Filters::List(l) => l,
            Filters::Object(o) => o
                .into_iter()
                .flat_map(|(k, v)| {
                    let values = match v {
                        Value::Array(a) => a,
                        other => vec![other],
                    };
                    values.into_iter().map(move |v| match v {
                        Value::String(s) => format!("{k}:{s}"),
                        other => format!("{k}:{other}"),
                    })
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssetArgs {
    asset_id: Id,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkArgs {
    asset_id: Id,
    rendition: Option<String>,
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestArgs {
    asset_id: Id,
    purpose: String,
    version: Option<u32>,
    rendition: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewArgs {
    review_id: Id,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BriefArgs {
    brief_id: Id,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignArgs {
    campaign_id: Id,
    limit: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentArgs {
    asset_id: Id,
    version: u32,
    body: String,
    parent_id: Option<Id>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataArgs {
    asset_id: Id,
    version: u32,
    metadata: Map<String, Value>,
    rationale: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewStartArgs {
    asset_id: Id,
    version: u32,
    workflow_id: Option<Id>,
    rationale: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BriefProposalArgs {
    workspace: String,
    template_id: Id,
    title: String,
    #[serde(default)]
    fields: Map<String, Value>,
    campaign_id: Option<Id>,
    rationale: String,
}

async fn run(s: &AppState, actor: &Actor, name: &str, a: Value) -> Result<Value, ApiError> {
    let core = &s.core;
    match name {
        "search_assets" => search(s, actor, args(a)?).await,
        "get_asset" => {
            let a: AssetArgs = args(a)?;
            let (asset, access) = core.asset(actor, a.asset_id).await?;
            let shown = asset.approved_version.or(access.sees_work_in_progress().then_some(asset.current_version));
            let renditions = match shown {
                Some(n) => core.rendition_names(actor, asset.id, n).await?,
                None => Vec::new(),
            };
            let view: AssetView = full_view(s, asset).await?;
            let renditions: Vec<Value> = renditions
                .into_iter()
                .map(|(name, content_type)| {
                    let uri = shown.map(|n| format!("vellum://assets/{}/versions/{n}/renditions/{name}", view.id));
                    json!({"name": name, "content_type": content_type, "resource": uri})
                })
                .collect();
            Ok(json!({"asset": to_json(&view)?, "version_shown": shown, "renditions": renditions}))
        }
        "get_governed_link" => {
            let a: LinkArgs = args(a)?;
            match a.kind.as_deref().unwrap_or("download") {
                "download" => {
                    let l = core.governed_link(actor, a.asset_id, a.rendition.as_deref()).await?;
                    let base = core.notify.public_url.trim_end_matches('/');
                    Ok(json!({"kind": "download", "url": format!("{base}{}", l.path), "asset_id": l.asset_id,
                        "version": l.version, "rendition": l.rendition, "expires_at": l.expires_at}))
                }
                "public" => {
                    let rendition = a.rendition.as_deref().unwrap_or("original");
                    let links = core.public_links(actor, a.asset_id).await?;
                    let link = links.into_iter().find(|l| l.link.rendition == rendition).ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::NotFound,
                            format!(
                                "the asset has no public link for '{rendition}'; only a person makes public links \
                                 (use kind \"download\" for a short-lived one)"
                            ),
                        )
                    })?;
                    let base = core.notify.public_url.trim_end_matches('/');
                    Ok(json!({"kind": "public", "url": format!("{base}{}", link.path), "asset_id": a.asset_id,
                        "rendition": rendition}))
                }
                other => {
                    Err(ApiError::new(ErrorCode::InvalidBody, format!("kind '{other}' is not download or public")))
                }
            }
        }
        "request_download" => {
            let a: RequestArgs = args(a)?;
            let r = core.request_download(actor, a.asset_id, a.version, a.rendition, &a.purpose).await?;
            to_json(RequestItem::from(r))
        }
        "list_my_work" => {
            let _: NoArgs = args(a)?;
            to_json(my_work::view(s, actor).await?)
        }
        "get_review" => {
            let a: ReviewArgs = args(a)?;
            let review = core.review(actor, a.review_id).await?;
            let comments = match review.subject {
                ReviewSubject::Asset(asset) => {
                    let filter = CommentFilter {
                        status: Some(vellum_domain::comment::CommentStatus::Open),
                        ..CommentFilter::default()
                    };
                    core.comments(actor, asset, review.version, &filter).await?
                }
                ReviewSubject::Brief(_) => Vec::new(),
            };
            let comments: Vec<CommentItem> = comments.into_iter().map(Into::into).collect();
            Ok(json!({"review": to_json(ReviewView::from(review))?, "open_comments": to_json(comments)?}))
        }
        "get_brief" => {
            let a: BriefArgs = args(a)?;
            to_json(BriefItem::from(core.brief(actor, a.brief_id).await?))
        }
        "list_campaign_assets" => {
            let a: CampaignArgs = args(a)?;
            let (campaign, assets) =
                core.campaign_assets(actor, a.campaign_id, a.limit.unwrap_or(50).clamp(1, 200)).await?;
            let assets: Vec<AssetView> = assets.into_iter().map(AssetView::from).collect();
            Ok(json!({"campaign": to_json(CampaignItem::from(campaign))?, "assets": to_json(assets)?}))
        }
        "add_comment" => {
            let a: CommentArgs = args(a)?;
            let new = NewComment { body: a.body, parent_id: a.parent_id, anchor: None };
            to_json(CommentItem::from(core.create_comment(actor, a.asset_id, a.version, new).await?))
        }
        "propose_metadata_change" => {
            let a: MetadataArgs = args(a)?;
            let change = ProposedChange::Metadata { asset_id: a.asset_id, version: a.version, metadata: a.metadata };
            to_json(ProposalView::from(core.propose(actor, change, &a.rationale).await?))
        }
        "propose_review_start" => {
            let a: ReviewStartArgs = args(a)?;
            let change =
                ProposedChange::ReviewStart { asset_id: a.asset_id, version: a.version, workflow_id: a.workflow_id };
            to_json(ProposalView::from(core.propose(actor, change, &a.rationale).await?))
        }
        "propose_brief" => {
            let a: BriefProposalArgs = args(a)?;
            let change = ProposedChange::Brief {
                workspace: a.workspace,
                template_id: a.template_id,
                title: a.title,
                fields: a.fields,
                campaign_id: a.campaign_id,
            };
            to_json(ProposalView::from(core.propose(actor, change, &a.rationale).await?))
        }
        _ => Err(ApiError::not_found("tool")),
    }
}

/// Searches one workspace, or each of the person's in turn until the limit is reached.
async fn search(s: &AppState, actor: &Actor, a: SearchArgs) -> Result<Value, ApiError> {
    let limit = a.limit.unwrap_or(10).clamp(1, MAX_HITS);
    let filters = a.filters.into_list();
    let workspaces: Vec<(String, String)> = match &a.workspace {
        Some(w) => vec![(w.clone(), w.clone())],
        None => s
            .core
            .my_workspaces(actor)
            .await?
            .into_iter()
            .map(|v| (v.workspace.id.to_string(), v.workspace.slug))
            .collect(),
    };
    let (mut hits, mut total) = (Vec::new(), 0u64);
    for (ws, slug) in workspaces {
        let params = SearchParams {
            q: a.query.clone(),
            filters: filters.clone(),
            limit: Some(limit),
            ..SearchParams::default()
        };
        let found = s.core.search(actor, &ws, &params).await?;
        total += found.total;
        for h in found.hits {
            if hits.len() < limit as usize {
                hits.push(json!({
                    "asset_id": h.asset_id,
                    "workspace": slug,
                    "title": h.title,
                    "kind": h.kind,
                    "status": h.status,
                    "version": h.version,
                    "thumbnail": h.thumbnail.then(|| format!("vellum://assets/{}/versions/{}/renditions/thumbnail", h.asset_id, h.version)),
                    "highlights": h.highlights,
                }));
            }
        }
    }
    Ok(json!({"total": total, "hits": hits}))
}
