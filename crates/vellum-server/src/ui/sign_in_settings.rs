//! Server admins' sign-in and directory settings: single sign-on (issuer, client, claim rules,
//! whether passwords still work, the URIs to register at the provider) and SCIM provisioning
//! (its address, a new token shown once, the directory's groups).

use axum::{extract::Query, extract::State, http::StatusCode, response::IntoResponse};
use maud::html;
use vellum_core::sso::SsoPatch;
use vellum_domain::claim_rules::ClaimRule;

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::AppState;

const HELP: &str = r#"[{"when": {"claim": "groups", "contains": "marketing"}, "workspace": "brand", "role": "creator"},
 {"when": {"claim": "email", "domain": "bank.example"}, "workspace": "brand", "role": "viewer"},
 {"when": {"claim": "directory_group", "contains": "Legal"}, "workspace": "legal", "role": "reviewer"}]"#;

async fn render(
    s: &AppState,
    who: &Signed,
    notice: Option<Notice>,
    token: Option<String>,
    status: StatusCode,
) -> UiResult {
    let chrome = Chrome::load(s, who, None, Section::Users).await?;
    let sso = s.core.sso_settings_for(&who.actor).await?;
    let groups = s.core.directory_groups(&who.actor).await?;
    let rules = serde_json::to_string_pretty(&sso.claim_rules).unwrap_or_else(|_| "[]".into());
    let public = s.core.notify.public_url.trim_end_matches('/').to_string();
    let body = html! {
        h1 { "Sign-in and directory" }
        p { a href="/admin/users" { "← Users" } }
        h2 { "Single sign-on (OpenID Connect)" }
        dl.summary {
            dt { "Redirect URI to register" } dd { code { (s.core.sso_redirect_uri()) } }
            dt { "Post-logout redirect URI" } dd { code { (public) "/login" } }
            dt { "Client secret" } dd {
                @if s.core.sso.has_client_secret() { "set (VELLUM_OIDC_CLIENT_SECRET)" }
                @else { "not set: Vellum signs in as a public client (PKCE only)" }
            }
        }
        form.card method="post" action="/admin/sign-in/sso" {
            (csrf_field(&chrome.csrf))
            label for="sso-issuer" { "Issuer" }
            input #sso-issuer name="issuer" value=(sso.issuer.clone().unwrap_or_default()) placeholder="https://login.example.com/realms/acme" aria-describedby="sso-issuer-hint";
            p.hint #sso-issuer-hint { "https (plain http only on this machine, for development). Empty turns single sign-on off." }
            label for="sso-client" { "Client id" }
            input #sso-client name="client_id" value=(sso.client_id.clone().unwrap_or_default()) maxlength="255";
            label for="sso-rules" { "Claim rules (JSON)" }
            textarea #sso-rules name="claim_rules" rows="10" spellcheck="false" aria-describedby="sso-rules-hint" { (rules) }
            p.hint #sso-rules-hint {
                "Each rule gives a role in a workspace (id or slug) when a claim matches: " code { "equals" } ", "
                code { "contains" } " (a list claim such as groups) or " code { "domain" } " (an email's domain). The "
                "directory's groups are the " code { "directory_group" } " claim. The strongest match per workspace wins; "
                "rule-made memberships follow the claims, hand-made ones are left alone. For example:"
            }
            pre.hint { (HELP) }
            label.check { input type="checkbox" name="allow_passwords" value="yes" checked[sso.allow_passwords]; " Local passwords still sign in" }
            button.primary type="submit" { "Save single sign-on" }
        }
        h2 { "Directory provisioning (SCIM 2.0)" }
        dl.summary {
            dt { "SCIM base URL" } dd { code { (s.core.scim_base()) } }
        }
        @if let Some(t) = &token {
            div.notice.info role="status" {
                p { "The directory's token. Copy it into the directory now: it is shown only once, and the previous token no longer works." }
                p { code.secret { (t) } }
            }
        }
        form.inline method="post" action="/admin/sign-in/scim-token" {
            (csrf_field(&chrome.csrf))
            button type="submit" { "Make a new SCIM token" }
        }
        h3 { "Directory groups" }
        @if groups.is_empty() {
            p.muted { "The directory has sent no groups yet." }
        } @else {
            div.scroll { table {
                thead { tr { th scope="col" { "Group" } th scope="col" { "Members" } } }
                tbody {
                    @for g in &groups {
                        tr {
                            td { (g.display_name) }
                            td { (g.members.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")) }
                        }
                    }
                }
            } }
        }
    };
    Ok(Page::with_status(status, page("Sign-in and directory", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /admin/sign-in` (server admins).
pub async fn show(State(s): State<AppState>, who: Signed, Query(q): Query<DoneQuery>) -> UiResult {
    render(&s, &who, Notice::done(q.done.as_deref()), None, StatusCode::OK).await
}

/// `POST /admin/sign-in/sso`.
pub async fn save_sso(State(s): State<AppState>, who: Signed, UiForm(f): UiForm<Vec<(String, String)>>) -> UiResult {
    who.check_pairs(&f)?;
    let rules: Result<Vec<ClaimRule>, _> = match field(&f, "claim_rules").trim() {
        "" => Ok(Vec::new()),
        text => serde_json::from_str(text),
    };
    let rules = match rules {
        Ok(r) => r,
        Err(e) => {
            let notice = Notice::Error(format!("The claim rules are not a JSON list of rules: {e}"));
            return render(&s, &who, Some(notice), None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let patch = SsoPatch {
        issuer: Some(field(&f, "issuer").to_string()),
        client_id: Some(field(&f, "client_id").to_string()),
        claim_rules: Some(rules),
        allow_passwords: Some(field(&f, "allow_passwords") == "yes"),
    };
    match s.core.put_sso_settings(&who.actor, patch).await {
        Ok(_) => Ok(see_other("/admin/sign-in?done=saved")),
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, Some(e.notice()), None, e.status).await
        }
    }
}

/// `POST /admin/sign-in/scim-token`: shows the new token once, on the page itself.
pub async fn scim_token(State(s): State<AppState>, who: Signed, UiForm(f): UiForm<Vec<(String, String)>>) -> UiResult {
    who.check_pairs(&f)?;
    let token = s.core.new_scim_token(&who.actor).await?;
    render(&s, &who, None, Some(token), StatusCode::CREATED).await
}
