//! A workspace's members and groups; admins set roles and create groups here.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use vellum_core::{
    members::Supervisor,
    model::{Group, Member, User},
};
use vellum_domain::{
    id::parse_id,
    role::{Capability, Role},
    Id,
};

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, see_other, when, DoneQuery, Notice, Page, UiError, UiResult},
    session::{field, fields, Signed, UiForm},
};
use crate::{error::ApiError, AppState};

fn name_of(members: &[Member], id: Id) -> String {
    members.iter().find(|m| m.user_id == id).map_or_else(|| id.to_string(), |m| m.name.clone())
}

fn role_form(chrome: &Chrome, action: &str, members: &[Member], users: Option<&[User]>) -> Markup {
    html! {
        form.card method="post" action=(action) {
            (csrf_field(&chrome.csrf))
            div.grid2 {
                div {
                    label for="m-user" { "Person" }
                    select #m-user name="user" {
                        @if let Some(users) = users {
                            option value="" { "Choose…" }
                            @for u in users {
                                option value=(u.id) { (u.name) " <" (u.email) ">"
                                    @if members.iter().any(|m| m.user_id == u.id) { " — member" } }
                            }
                        } @else {
                            option value="" { "Choose a member…" }
                            @for m in members { option value=(m.user_id) { (m.name) " <" (m.email) ">" } }
                        }
                    }
                    @if users.is_none() {
                        label for="m-user-id" { "…or add someone by user id" }
                        input #m-user-id name="user_id" placeholder="0190…" autocomplete="off";
                    }
                }
                div {
                    label for="m-role" { "Role" }
                    select #m-role name="role" {
                        @for r in Role::ALL { option value=(r.as_str()) selected[r == Role::Creator] { (r.as_str()) } }
                    }
                    label for="m-supervisor" { "Supervisor" }
                    select #m-supervisor name="supervisor" aria-describedby="m-sup-hint" {
                        option value="keep" { "Keep as it is" }
                        option value="" { "None" }
                        @for m in members { option value=(m.user_id) { (m.name) } }
                    }
                    p.hint #m-sup-hint { "Overdue decisions of this member can escalate to their supervisor." }
                }
            }
            button.primary type="submit" { "Save role" }
        }
    }
}

fn invite_form(chrome: &Chrome, action: &str) -> Markup {
    html! {
        form.card method="post" action=(action) {
            (csrf_field(&chrome.csrf))
            div.grid2 {
                div {
                    label for="i-email" { "Email" }
                    input #i-email type="email" name="email" required maxlength="254" autocomplete="off";
                }
                div {
                    label for="i-role" { "Role" }
                    select #i-role name="role" {
                        @for r in Role::ALL { option value=(r.as_str()) selected[r == Role::Creator] { (r.as_str()) } }
                    }
                }
            }
            p.hint { "They get a link to make their account (or join with the one they have); it works once, for 7 days." }
            button.primary type="submit" { "Send invitation" }
        }
    }
}

fn group_form(chrome: &Chrome, action: &str, members: &[Member]) -> Markup {
    html! {
        form.card method="post" action=(action) {
            (csrf_field(&chrome.csrf))
            label for="g-name" { "Group name" }
            input #g-name name="name" required maxlength="200";
            label for="g-members" { "Members" }
            select #g-members name="members" multiple size=(members.len().clamp(3, 8)) aria-describedby="g-hint" {
                @for m in members { option value=(m.user_id) { (m.name) " <" (m.email) ">" } }
            }
            p.hint #g-hint { "Hold Ctrl (⌘ on a Mac) to choose several." }
            button.primary type="submit" { "Create group" }
        }
    }
}

async fn render(s: &AppState, who: &Signed, ws: &str, notice: Option<Notice>, status: StatusCode) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Members).await?;
    let Some(current) = &chrome.current else {
        return Err(ApiError::not_found("workspace").into());
    };
    let members = s.core.members(&who.actor, ws).await?;
    let groups: Vec<Group> = s.core.groups(&who.actor, ws).await?;
    let admin = chrome.can(Capability::Administer);
    let users = if admin && who.actor.user.is_admin { Some(s.core.users(&who.actor).await?) } else { None };
    let invitations = if admin { s.core.invitations(&who.actor, ws).await? } else { Vec::new() };
    let base = format!("/w/{}", current.workspace.slug);
    let body = html! {
        h1 { "Members" }
        div.scroll { table {
            thead { tr {
                th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Role" } th scope="col" { "Supervisor" } th scope="col" { "Since" } th scope="col" { "User id" }
                @if admin { th scope="col" { span.visually-hidden { "Remove" } } }
            } }
            tbody {
                @for m in &members {
                    tr {
                        td { (m.name) } td { (m.email) } td { (m.role.as_str()) }
                        td { @if let Some(sup) = m.supervisor_id { (name_of(&members, sup)) } }
                        td { (when(m.since)) }
                        td { code { (m.user_id) } }
                        @if admin {
                            td {
                                form.inline method="post" action={ (base) "/members/" (m.user_id) "/remove" } {
                                    (csrf_field(&chrome.csrf))
                                    button.danger type="submit" aria-label={ "Remove " (m.name) } { "Remove" }
                                }
                            }
                        }
                    }
                }
            }
        } }
        @if admin {
            h2 { "Add a member or change a role" }
            (role_form(&chrome, &format!("{base}/members"), &members, users.as_deref()))
            h2 { "Invite by email" }
            (invite_form(&chrome, &format!("{base}/invitations")))
            @if !invitations.is_empty() {
                div.scroll { table {
                    thead { tr { th scope="col" { "Invited" } th scope="col" { "Role" } th scope="col" { "State" } } }
                    tbody {
                        @for i in &invitations {
                            tr {
                                td { (i.email) }
                                td { (i.role.as_str()) }
                                td {
                                    @if let Some(t) = i.accepted_at { "joined " (when(t)) }
                                    @else if i.expires_at <= s.core.now() { "expired " (when(i.expires_at)) }
                                    @else { "open until " (when(i.expires_at)) }
                                }
                            }
                        }
                    }
                } }
            }
        }
        h2 { "Groups" }
        @if groups.is_empty() {
            p.empty {
                "No groups yet. A group (such as Legal) can approve a workflow stage as one."
                @if admin { " Create one below." }
            }
        }
        @else {
            div.scroll { table {
                thead { tr { th scope="col" { "Group" } th scope="col" { "Members" } @if admin { th scope="col" { span.visually-hidden { "Edit" } } } } }
                tbody {
                    @for g in &groups {
                        tr {
                            td { (g.name) }
                            td { (g.members.iter().map(|&u| name_of(&members, u)).collect::<Vec<_>>().join(", ")) }
                            @if admin { td { (super::groups::edit_form(&chrome.csrf, &base, g, &members)) } }
                        }
                    }
                }
            } }
        }
        @if admin {
            h2 { "New group" }
            (group_form(&chrome, &format!("{base}/groups"), &members))
        }
    };
    Ok(Page::with_status(status, page("Members", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// The members page again with an error from one of its forms.
pub async fn render_error(s: &AppState, who: &Signed, ws: &str, e: UiError) -> UiResult {
    render(s, who, ws, Some(e.notice()), e.status).await
}

/// `POST /w/{ws}/members/{user}/remove`.
pub async fn remove(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, user)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let user = parse_id(&user).ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "That member does not exist."))?;
    match s.core.remove_member(&who.actor, &ws, user).await {
        Ok(()) => Ok(see_other(&format!("/w/{ws}/members?done=member_removed"))),
        Err(e) => render_error(&s, &who, &ws, e.into()).await,
    }
}

/// `GET /w/{ws}/members`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<DoneQuery>,
) -> UiResult {
    render(&s, &who, &ws, Notice::done(q.done.as_deref()), StatusCode::OK).await
}

/// `POST /w/{ws}/members`: set a role (adding the user if needed).
pub async fn set_role(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let typed = field(&f, "user_id").trim();
    let user = if typed.is_empty() { field(&f, "user") } else { typed };
    let supervisor = match field(&f, "supervisor") {
        "keep" => Supervisor::Keep,
        "" if f.iter().any(|(k, _)| k == "supervisor") => Supervisor::Set(None),
        "" => Supervisor::Keep,
        id => {
            Supervisor::Set(Some(parse_id(id).ok_or_else(|| UiError::invalid("Choose a supervisor from the list."))?))
        }
    };
    let outcome = match parse_id(user) {
        Some(id) => s.core.set_member(&who.actor, &ws, id, field(&f, "role"), supervisor).await.map_err(UiError::from),
        None if user.is_empty() => Err(UiError::invalid("Choose a person.")),
        None => Err(UiError::invalid(format!("'{user}' is not a user id."))),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/members?done=member_saved"))),
        Err(e) => render(&s, &who, &ws, Some(e.notice()), e.status).await,
    }
}

/// `POST /w/{ws}/groups`.
pub async fn create_group(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let ids: Option<Vec<Id>> = fields(&f, "members").map(parse_id).collect();
    let outcome = match ids {
        Some(ids) => s.core.create_group(&who.actor, &ws, field(&f, "name"), &ids).await.map_err(UiError::from),
        None => Err(UiError::invalid("A chosen member could not be read; reload the page.")),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/members?done=group_created"))),
        Err(e) => render(&s, &who, &ws, Some(e.notice()), e.status).await,
    }
}

/// `POST /w/{ws}/invitations`: emails the link, or shows it when the server sends no email.
pub async fn invite(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    match s.core.invite(&who.actor, &ws, field(&f, "email"), field(&f, "role")).await {
        Ok(i) => {
            let text = match &i.link {
                None => format!("The invitation was emailed to {}.", i.email),
                Some(link) => format!(
                    "This server sends no email: pass this link to {} yourself — {}{link}",
                    i.email, s.core.notify.public_url
                ),
            };
            render(&s, &who, &ws, Some(Notice::Message(text)), StatusCode::CREATED).await
        }
        Err(e) => render(&s, &who, &ws, Some(UiError::from(e).notice()), StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}
