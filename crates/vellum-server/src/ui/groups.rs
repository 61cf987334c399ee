//! Editing a workspace's groups from the members page: rename, choose members, delete.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use maud::{html, Markup};
use vellum_core::{
    members::GroupPatch,
    model::{Group, Member},
};
use vellum_domain::{id::parse_id, Id};

use super::{
    page::{csrf_field, see_other, UiError, UiResult},
    session::{field, fields, Signed, UiForm},
};
use crate::AppState;

/// The edit form of one group (inside a disclosure on the members page).
pub fn edit_form(csrf: &str, base: &str, g: &Group, members: &[Member]) -> Markup {
    let id = format!("g-{}", g.id);
    html! {
        details.edit {
            summary { "Edit" span.visually-hidden { " " (g.name) } }
            form.card method="post" action={ (base) "/groups/" (g.id) } {
                (csrf_field(csrf))
                label for={ (id) "-name" } { "Name" }
                input id={ (id) "-name" } name="name" value=(g.name) required maxlength="200";
                fieldset {
                    legend { "Members" }
                    @for m in members {
                        label.check {
                            input type="checkbox" name="members" value=(m.user_id) checked[g.members.contains(&m.user_id)];
                            " " (m.name)
                        }
                    }
                }
                button.primary type="submit" { "Save group" }
            }
            form.inline method="post" action={ (base) "/groups/" (g.id) "/delete" } {
                (csrf_field(csrf))
                button.danger type="submit" { "Delete group" }
            }
        }
    }
}

fn group_id(id: &str) -> Result<Id, UiError> {
    parse_id(id).ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "That group does not exist."))
}

/// `POST /w/{ws}/groups/{id}`: the checked members are the group's members.
pub async fn update(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let id = group_id(&id)?;
    let chosen: Option<Vec<Id>> = fields(&f, "members").map(parse_id).collect();
    let chosen = chosen.ok_or_else(|| UiError::invalid("A chosen member could not be read; reload the page."))?;
    let current = s.core.groups(&who.actor, &ws).await?.into_iter().find(|g| g.id == id);
    let current = current.ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "That group does not exist."))?;
    let patch = GroupPatch {
        name: Some(field(&f, "name").to_string()),
        add: chosen.iter().copied().filter(|u| !current.members.contains(u)).collect(),
        remove: current.members.iter().copied().filter(|u| !chosen.contains(u)).collect(),
    };
    match s.core.update_group(&who.actor, id, patch).await {
        Ok(_) => Ok(see_other(&format!("/w/{ws}/members?done=group_saved"))),
        Err(e) => super::members::render_error(&s, &who, &ws, e.into()).await,
    }
}

/// `POST /w/{ws}/groups/{id}/delete`.
pub async fn delete(
    State(s): State<AppState>,
    who: Signed,
    Path((ws, id)): Path<(String, String)>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    match s.core.delete_group(&who.actor, group_id(&id)?).await {
        Ok(()) => Ok(see_other(&format!("/w/{ws}/members?done=group_deleted"))),
        Err(e) => super::members::render_error(&s, &who, &ws, e.into()).await,
    }
}
