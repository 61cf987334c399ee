//! The asset page's rights and sharing panel: where the rights stand (with an expiry badge),
//! the rights form, archive, the always-current links to copy, and the share links with their
//! use — each form posting to a thin handler here.

use axum::extract::{Path, State};
use maud::{html, Markup};
use vellum_core::{
    public_links::LinkView,
    rights::RightsView,
    share_links::{Link, NewShare, Shared},
};
use vellum_domain::{
    rights::{Release, ReleaseKind, Rights, RightsStatus},
    Id, Timestamp,
};

use super::{
    asset::{render, Shown},
    page::{badge, csrf_field, see_other, Notice, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::{extract::path_id, AppState};

type Form = Vec<(String, String)>;

/// What the panel shows.
pub struct Panel<'a> {
    pub asset: Id,
    pub rights: &'a RightsView,
    pub public_links: &'a [LinkView],
    pub share_links: &'a [Link],
    pub can_edit: bool,
    pub approved: bool,
    pub base_url: &'a str,
    pub csrf: &'a str,
    /// The approved version, and whether the viewer may take it (None) or why not.
    pub download: Option<(u32, Option<(vellum_domain::ErrorCode, String)>)>,
    /// Live legal holds on the asset, by name.
    pub holds: &'a [String],
}

fn status_badge(s: RightsStatus) -> Markup {
    badge(match s {
        RightsStatus::Ok => "rights ok",
        RightsStatus::Expiring => "rights expiring",
        RightsStatus::Expired => "rights expired",
    })
}

fn releases_text(r: &[Release]) -> String {
    r.iter()
        .map(|r| {
            let kind =
                serde_json::to_value(r.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            format!("{} | {kind} | {} | {}", r.name, r.expires_on, if r.required { "required" } else { "optional" })
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Panel<'_> {
    pub fn render(&self) -> Markup {
        let r = self.rights.rights.as_ref();
        let a = self.asset;
        html! {
            p { (status_badge(self.rights.status)) @if self.rights.archived_at.is_some() { " " (badge("archived")) }
                @for h in self.holds { " " (badge(&format!("legal hold: {h}"))) } }
            @if let Some((n, verdict)) = &self.download {
                @match verdict {
                    None => p {
                        a.button.primary href={ "/api/v1/assets/" (a) "/versions/" (n) "/download" } { "Download v" (n) }
                        " " span.muted { "stamped with its rights and approval" }
                    },
                    Some((vellum_domain::ErrorCode::DownloadRequestRequired, why)) => details.card open {
                        summary { "Request download" }
                        p.muted { (why) }
                        form method="post" action={ "/a/" (a) "/download-requests" } {
                            (csrf_field(self.csrf))
                            input type="hidden" name="version" value=(n);
                            label for="dr-purpose" { "What is it for?" }
                            textarea #dr-purpose name="purpose" rows="2" required maxlength="1000" {}
                            button.primary type="submit" { "Send request" }
                        }
                    },
                    Some((_, why)) => p.muted { "No download: " (why) },
                }
            }
            @match r {
                None => p.muted { "No rights recorded: nothing limits where this asset may run." },
                Some(r) => dl.rights {
                    dt { "Licence" } dd { (r.licence) @if let Some(l) = &r.licensor { " from " (l) } }
                    @if let Some(t) = &r.usage_terms { dt { "Usage" } dd { (t) } }
                    dt { "Window" } dd { (r.valid_from.as_deref().unwrap_or("—")) " to " (r.valid_until.as_deref().unwrap_or("—")) }
                    @if !r.territories.is_empty() { dt { "Territories" } dd { (r.territories.join(", ")) } }
                    @if !r.channels.is_empty() { dt { "Channels" } dd { (r.channels.join(", ")) } }
                    @for rel in &r.releases {
                        dt { "Release" } dd { (rel.name) " — until " (rel.expires_on) @if rel.required { " (required)" } }
                    }
                },
            }
            @if self.can_edit {
                details.card {
                    summary { "Edit rights" }
                    form method="post" action={ "/a/" (a) "/rights" } {
                        (csrf_field(self.csrf))
                        label for="r-licence" { "Licence" }
                        input #r-licence name="licence" required value=(r.map_or("", |r| r.licence.as_str()));
                        label for="r-licensor" { "Licensor" }
                        input #r-licensor name="licensor" value=(r.and_then(|r| r.licensor.as_deref()).unwrap_or(""));
                        label for="r-usage" { "Usage terms" }
                        textarea #r-usage name="usage_terms" rows="2" { (r.and_then(|r| r.usage_terms.as_deref()).unwrap_or("")) }
                        label for="r-territories" { "Territories (ISO codes, comma-separated)" }
                        input #r-territories name="territories" value=(r.map_or(String::new(), |r| r.territories.join(", ")));
                        label for="r-channels" { "Channels (comma-separated)" }
                        input #r-channels name="channels" value=(r.map_or(String::new(), |r| r.channels.join(", ")));
                        label for="r-from" { "Valid from" }
                        input #r-from type="date" name="valid_from" value=(r.and_then(|r| r.valid_from.as_deref()).unwrap_or(""));
                        label for="r-until" { "Valid until" }
                        input #r-until type="date" name="valid_until" value=(r.and_then(|r| r.valid_until.as_deref()).unwrap_or(""));
                        label for="r-releases" { "Releases (name | talent, model, property or music | YYYY-MM-DD | required or optional)" }
                        textarea #r-releases name="releases" rows="3" { (r.map_or(String::new(), |r| releases_text(&r.releases))) }
                        button.primary type="submit" { "Save rights" }
                    }
                }
                form.inline method="post" action={ "/a/" (a) @if self.rights.archived_at.is_some() { "/unarchive" } @else { "/archive" } } {
                    (csrf_field(self.csrf))
                    button type="submit" { @if self.rights.archived_at.is_some() { "Bring back from the archive" } @else { "Archive" } }
                }
            }
            h3 { "Always-current links" }
            @if self.public_links.is_empty() { p.muted { "None yet." } }
            ul.links {
                @for l in self.public_links {
                    li {
                        label { (l.link.rendition) " · " (l.hits) " hits"
                            input readonly data-copy value={ (self.base_url) (l.path) };
                        }
                        @if self.can_edit {
                            form.inline method="post" action={ "/a/" (a) "/public-links/" (l.link.id) "/revoke" } {
                                (csrf_field(self.csrf)) button type="submit" { "Revoke" }
                            }
                        }
                    }
                }
            }
            @if self.can_edit && self.approved {
                form.inline method="post" action={ "/a/" (a) "/public-links" } {
                    (csrf_field(self.csrf))
                    label for="pl-rendition" { "Link to" }
                    select #pl-rendition name="rendition" {
                        @for n in ["original", "preview", "thumbnail", "poster", "proxy"] { option value=(n) { (n) } }
                    }
                    button type="submit" { "Make link" }
                }
            }
            h3 { "Share links" }
            @if self.share_links.is_empty() { p.muted { "None yet." } }
            ul.links {
                @for l in self.share_links {
                    li {
                        @if let Some(e) = &l.recipient_email { (e) " · " }
                        "until " (l.expires_at.to_string().get(..10).unwrap_or(""))
                        " · " @if l.allow_download { "download" } @else { "view only" }
                        @if l.watermark { " · watermarked" }
                        @if l.password_hash.is_some() { " · password" }
                        " · opened " (l.access_count) " times"
                        @if l.revoked_at.is_some() { " · revoked" }
                        @else if self.can_edit {
                            form.inline method="post" action={ "/a/" (a) "/share-links/" (l.id) "/revoke" } {
                                (csrf_field(self.csrf)) button type="submit" { "Revoke" }
                            }
                        }
                    }
                }
            }
            @if self.can_edit && self.approved {
                details.card {
                    summary { "Share the approved version" }
                    form method="post" action={ "/a/" (a) "/share-links" } {
                        (csrf_field(self.csrf))
                        label for="sl-until" { "Available until" }
                        input #sl-until type="date" name="expires_on" required;
                        label for="sl-email" { "Recipient email" }
                        input #sl-email type="email" name="recipient_email";
                        label for="sl-password" { "Password (optional, 8 characters or more)" }
                        input #sl-password type="password" name="password" autocomplete="new-password";
                        div.choice { input #sl-download type="checkbox" name="allow_download" value="true" checked; label for="sl-download" { "Allow download" } }
                        div.choice { input #sl-watermark type="checkbox" name="watermark" value="true"; label for="sl-watermark" { "Watermark the preview with the recipient and the date" } }
                        button.primary type="submit" { "Create share link" }
                    }
                }
            }
        }
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn opt(f: &Form, key: &str) -> Option<String> {
    Some(field(f, key).trim().to_string()).filter(|v| !v.is_empty())
}

fn releases_of(text: &str) -> Result<Vec<Release>, UiError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let kind = match cells.get(1).copied() {
            Some("talent") => ReleaseKind::Talent,
            Some("model") => ReleaseKind::Model,
            Some("property") => ReleaseKind::Property,
            Some("music") => ReleaseKind::Music,
            _ => {
                return Err(UiError::invalid(format!(
                    "Release line {}: the kind is talent, model, property or music.",
                    i + 1
                )))
            }
        };
        out.push(Release {
            name: cells.first().copied().unwrap_or("").to_string(),
            kind,
            expires_on: cells.get(2).copied().unwrap_or("").to_string(),
            required: cells.get(3).copied() != Some("optional"),
        });
    }
    Ok(out)
}

async fn back(s: &AppState, who: &Signed, id: Id, outcome: Result<(), UiError>, done: &str) -> UiResult {
    match outcome {
        Ok(()) => Ok(see_other(&format!("/a/{id}?done={done}#h-rights"))),
        Err(e) => render(s, who, id, Shown::error(&e)).await,
    }
}

/// `POST /a/{id}/rights`.
pub async fn save_rights(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "asset")?;
    let outcome = async {
        let rights = Rights {
            licence: field(&f, "licence").trim().to_string(),
            licensor: opt(&f, "licensor"),
            usage_terms: opt(&f, "usage_terms"),
            territories: list(&field(&f, "territories").to_uppercase()),
            channels: list(field(&f, "channels")),
            valid_from: opt(&f, "valid_from"),
            valid_until: opt(&f, "valid_until"),
            releases: releases_of(field(&f, "releases"))?,
        };
        s.core.put_rights(&who.actor, id, rights).await.map(|_| ()).map_err(UiError::from)
    }
    .await;
    back(&s, &who, id, outcome, "saved").await
}

/// `POST /a/{id}/archive` and `/unarchive`.
pub async fn archive(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    set_archived(s, who, id, f, true).await
}

pub async fn unarchive(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    set_archived(s, who, id, f, false).await
}

async fn set_archived(s: AppState, who: Signed, id: String, f: Form, archived: bool) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "asset")?;
    let outcome = s.core.set_archived(&who.actor, id, archived).await.map(|_| ()).map_err(UiError::from);
    back(&s, &who, id, outcome, "saved").await
}

/// `POST /a/{id}/public-links`.
pub async fn make_public_link(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "asset")?;
    let outcome =
        s.core.create_public_link(&who.actor, id, field(&f, "rendition")).await.map(|_| ()).map_err(UiError::from);
    back(&s, &who, id, outcome, "saved").await
}

/// `POST /a/{id}/public-links/{link}/revoke`.
pub async fn revoke_public_link(
    State(s): State<AppState>,
    who: Signed,
    Path((id, link)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "asset")?;
    let outcome = s.core.revoke_public_link(&who.actor, path_id(&link, "link")?).await.map_err(UiError::from);
    back(&s, &who, id, outcome, "saved").await
}

/// `POST /a/{id}/share-links`: the new link's address is shown this once.
pub async fn make_share_link(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "asset")?;
    let expires_at = Timestamp::parse(&format!("{}T23:59:59Z", field(&f, "expires_on").trim()));
    let made = match expires_at {
        None => Err(UiError::invalid("Choose the day the link stops working.")),
        Some(expires_at) => {
            let new = NewShare {
                version: Shared::Approved,
                rendition: None,
                expires_at,
                password: opt(&f, "password"),
                allow_download: field(&f, "allow_download") == "true",
                watermark: field(&f, "watermark") == "true",
                recipient_email: opt(&f, "recipient_email"),
            };
            s.core.create_share_link(&who.actor, id, new).await.map_err(UiError::from)
        }
    };
    match made {
        Ok((_, token)) => {
            let url = format!("{}/s/{token}", s.core.notify.public_url.trim_end_matches('/'));
            let notice = Notice::Message(format!("Send this link (it is shown only now): {url}"));
            let shown = Shown { notice: Some(notice), status: axum::http::StatusCode::OK, page_no: 1, draft: None };
            render(&s, &who, id, shown).await
        }
        Err(e) => render(&s, &who, id, Shown::error(&e)).await,
    }
}

/// `POST /a/{id}/share-links/{link}/revoke`.
pub async fn revoke_share_link(
    State(s): State<AppState>,
    who: Signed,
    Path((id, link)): Path<(String, String)>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "asset")?;
    let outcome = s.core.revoke_share_link(&who.actor, path_id(&link, "link")?).await.map_err(UiError::from);
    back(&s, &who, id, outcome, "saved").await
}

/// `POST /a/{id}/download-requests`: asks for the approved version with a purpose.
pub async fn request_download(
    State(s): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    UiForm(f): UiForm<Form>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = path_id(&id, "asset")?;
    let version = field(&f, "version").trim().parse::<u32>().ok();
    let outcome = s
        .core
        .request_download(&who.actor, id, version, None, field(&f, "purpose"))
        .await
        .map(|_| ())
        .map_err(UiError::from);
    back(&s, &who, id, outcome, "download_requested").await
}
