//! The parts of "Your account" about being told and being away: email choices per event
//! kind with the digest hour, and out-of-office periods with a delegate.

use axum::response::Response;
use maud::{html, Markup};
use vellum_core::delegation::{AwayRequest, OutOfOffice};
use vellum_domain::{
    calendar::local_instant,
    event::{EmailChoice, EventKind, Preferences, PreferencesChange},
    id::parse_id,
};

use super::{
    layout::Chrome,
    page::{csrf_field, see_other, when, UiError},
    session::{field, Signed},
};
use crate::AppState;

/// A delegate one may name: a member who may approve, in one of your workspaces.
pub struct DelegateChoice {
    pub workspace_slug: String,
    pub workspace_name: String,
    pub user_id: vellum_domain::Id,
    pub name: String,
}

/// Everyone who may stand in for the signed-in person, workspace by workspace.
pub async fn delegate_choices(s: &AppState, who: &Signed, chrome: &Chrome) -> Result<Vec<DelegateChoice>, UiError> {
    let mut out = Vec::new();
    for w in &chrome.workspaces {
        for m in s.core.members(&who.actor, &w.workspace.slug).await? {
            if m.user_id != who.actor.user.id && m.role.may_approve() {
                out.push(DelegateChoice {
                    workspace_slug: w.workspace.slug.clone(),
                    workspace_name: w.workspace.name.clone(),
                    user_id: m.user_id,
                    name: m.name,
                });
            }
        }
    }
    Ok(out)
}

pub fn notifications_section(csrf: &str, prefs: &Preferences, mail_on: bool) -> Markup {
    html! {
        h2 #notifications { "Notifications" }
        p.hint {
            "Everything also appears in your " a href="/inbox" { "inbox" } ". "
            @if !mail_on { "This server sends no email yet (no SMTP server is configured); your choices apply once it does." }
        }
        form.card method="post" action="/account/notifications" {
            (csrf_field(csrf))
            div.scroll { table {
                thead { tr { th scope="col" { "When" } th scope="col" { "Email" } } }
                tbody {
                    @for k in EventKind::ALL {
                        @let id = format!("n-{}", k.as_str().replace('.', "-"));
                        tr {
                            td { label for=(id) { (k.label()) } }
                            td {
                                select #(id) name={ "email." (k.as_str()) } {
                                    @for (c, label) in [(EmailChoice::Immediate, "Right away"), (EmailChoice::DailyDigest, "In a daily digest"), (EmailChoice::Off, "No email")] {
                                        option value=(c.as_str()) selected[prefs.choice(k) == c] { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
            div.grid2 {
                div {
                    label for="n-hour" { "Daily digest at" }
                    select #n-hour name="digest_hour" {
                        @for h in 0u8..24 { option value=(h) selected[prefs.digest_hour == h] { (format!("{h:02}:00")) } }
                    }
                }
                div {
                    label for="n-tz" { "Your time zone" }
                    input #n-tz name="time_zone" value=(prefs.time_zone) required maxlength="64" list="time-zones" placeholder="Europe/London";
                    datalist #time-zones {
                        @for z in ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney"] {
                            option value=(z) {}
                        }
                    }
                }
            }
            button.primary type="submit" { "Save notification settings" }
        }
    }
}

pub fn away_section(csrf: &str, tz: &str, periods: &[OutOfOffice], choices: &[DelegateChoice]) -> Markup {
    let name = |id: vellum_domain::Id| {
        choices.iter().find(|c| c.user_id == id).map_or_else(|| id.to_string(), |c| c.name.clone())
    };
    html! {
        h2 #out-of-office { "Out of office" }
        p.hint { "While you are away, the delegate you name may decide in your place in that workspace; their decisions are recorded as made on your behalf." }
        @for p in periods {
            div.card {
                p { "Away from " (when(p.from)) " until " (when(p.until)) ", " (name(p.delegate_id)) " decides for you." }
                form.inline method="post" action="/account/out-of-office/end" {
                    (csrf_field(csrf))
                    input type="hidden" name="workspace" value=(p.workspace_id);
                    button.danger type="submit" { "End this period" }
                }
            }
        }
        @if choices.is_empty() {
            p.empty { "None of your workspaces has another member who may approve, so there is nobody to name as a delegate yet." }
        } @else {
            form.card method="post" action="/account/out-of-office" {
                (csrf_field(csrf))
                label for="o-delegate" { "Delegate" }
                select #o-delegate name="delegate" required {
                    @for c in choices {
                        option value={ (c.workspace_slug) "|" (c.user_id) } { (c.name) " — " (c.workspace_name) }
                    }
                }
                div.grid2 {
                    div { label for="o-from" { "Away from" } input #o-from type="datetime-local" name="from" required; }
                    div { label for="o-until" { "Back on" } input #o-until type="datetime-local" name="until" required; }
                }
                p.hint { "Times are in your time zone (" (tz) "), set under Notifications." }
                button.primary type="submit" { "Set out of office" }
            }
        }
    }
}

/// `POST /account/notifications`.
pub async fn save_notifications(s: &AppState, who: &Signed, f: &[(String, String)]) -> Result<Response, UiError> {
    let email =
        f.iter().filter_map(|(k, v)| k.strip_prefix("email.").map(|kind| (kind.to_string(), v.clone()))).collect();
    let hour = field(f, "digest_hour");
    let digest_hour = if hour.is_empty() {
        None
    } else {
        Some(hour.parse::<i64>().map_err(|_| UiError::invalid("Choose the hour of your daily digest."))?)
    };
    let tz = field(f, "time_zone").trim();
    let change = PreferencesChange { email, digest_hour, time_zone: (!tz.is_empty()).then(|| tz.to_string()) };
    s.core.set_notification_preferences(&who.actor, &change).await?;
    Ok(see_other("/account?done=preferences_saved#notifications"))
}

/// `POST /account/out-of-office`: times are read in the person's own time zone.
pub async fn set_away(s: &AppState, who: &Signed, f: &[(String, String)]) -> Result<Response, UiError> {
    let tz = s.core.notification_preferences(&who.actor).await?.time_zone;
    let (ws, delegate) = field(f, "delegate").split_once('|').unwrap_or(("", ""));
    let delegate = parse_id(delegate).ok_or_else(|| UiError::invalid("Choose a delegate."))?;
    let instant = |name: &str, label: &str| {
        local_instant(&tz, field(f, name))
            .ok_or_else(|| UiError::invalid(format!("{label} could not be read; use the date and time picker.")))
    };
    let away = AwayRequest {
        workspace: ws,
        from: instant("from", "The start")?,
        until: instant("until", "The end")?,
        delegate,
    };
    s.core.set_out_of_office(&who.actor, away).await?;
    Ok(see_other("/account?done=away_set#out-of-office"))
}

/// `POST /account/out-of-office/end`.
pub async fn end_away(s: &AppState, who: &Signed, f: &[(String, String)]) -> Result<Response, UiError> {
    let ws = field(f, "workspace");
    s.core.end_out_of_office(&who.actor, (!ws.is_empty()).then_some(ws)).await?;
    Ok(see_other("/account?done=away_ended#out-of-office"))
}
