//! The kanban board page (`/w/{ws}/board`): briefs and assets in the column their real state
//! puts them, filtered by campaign, channel, assignee and due date, and the one move a card
//! allows — a button under it, or a drag (`board.js`) that posts the same form.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::IntoResponse,
};
use maud::{html, Markup};
use serde::Deserialize;
use vellum_core::board::{BoardFilter, Card, Due};
use vellum_domain::{
    board::{transition, CardType, Column, Move},
    id::parse_id,
    role::Capability,
    Id, Timestamp,
};

use super::{
    layout::{page, Chrome, Section},
    page::{csrf_field, enc, see_other, when, Notice, Page, UiError, UiResult},
    session::{field, Signed, UiForm},
};
use crate::AppState;

/// Versioned, so browsers may cache the script as long as the other static files.
const BOARD_JS: &str = concat!("/static/board.js?v=", env!("CARGO_PKG_VERSION"));

/// The board's filters, as the query string carries them; the move forms carry them too, so
/// the board comes back filtered as it was.
#[derive(Deserialize, Default)]
pub struct BoardQuery {
    campaign: Option<String>,
    channel: Option<String>,
    assignee: Option<String>,
    due: Option<String>,
    done: Option<String>,
}

/// A filter field with something in it ("Any" options send an empty value).
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl BoardQuery {
    const KEYS: [&'static str; 4] = ["campaign", "channel", "assignee", "due"];

    fn of_form(f: &[(String, String)]) -> BoardQuery {
        let value = |k: &str| Some(field(f, k).to_string());
        BoardQuery {
            campaign: value("campaign"),
            channel: value("channel"),
            assignee: value("assignee"),
            due: value("due"),
            done: None,
        }
    }

    fn value(&self, key: &str) -> Option<&str> {
        given(match key {
            "campaign" => &self.campaign,
            "channel" => &self.channel,
            "assignee" => &self.assignee,
            "due" => &self.due,
            _ => &None,
        })
    }

    /// What core filters by; a blank field filters nothing, an unreadable one is refused.
    fn filter(&self) -> Result<BoardFilter, UiError> {
        let id = |key: &str| match self.value(key) {
            None => Ok(None),
            Some(v) => parse_id(v)
                .map(Some)
                .ok_or_else(|| UiError::invalid(format!("The {key} filter could not be read; choose it again."))),
        };
        let due = match self.value("due") {
            None => None,
            Some("this_week") => Some(Due::ThisWeek),
            Some("overdue") => Some(Due::Overdue),
            Some(_) => return Err(UiError::invalid("Filter by a due date of this week or overdue.")),
        };
        Ok(BoardFilter {
            campaign: id("campaign")?,
            channel: self.value("channel").map(str::to_string),
            assignee: id("assignee")?,
            due,
        })
    }

    /// The board's address with these filters (and a `done` code after a move).
    fn url(&self, ws: &str, done: Option<&str>) -> String {
        let pairs: Vec<String> = Self::KEYS
            .iter()
            .filter_map(|k| self.value(k).map(|v| format!("{k}={}", enc(v))))
            .chain(done.map(|d| format!("done={d}")))
            .collect();
        if pairs.is_empty() {
            format!("/w/{ws}/board")
        } else {
            format!("/w/{ws}/board?{}", pairs.join("&"))
        }
    }

    fn hidden(&self) -> Markup {
        html! {
            @for k in Self::KEYS {
                @if let Some(v) = self.value(k) { input type="hidden" name=(k) value=(v); }
            }
        }
    }
}

/// The message a redirect after a move names; fixed texts only, so a link cannot inject one.
fn done(code: Option<&str>) -> Option<Notice> {
    match code? {
        "brief_submitted" => Some(Notice::Info("The brief was submitted for approval.")),
        "review_started" => Some(Notice::Info("The review has started.")),
        _ => None,
    }
}

/// The one move a card allows, with its button's words: whatever the domain's transition
/// table accepts, so the buttons never offer a move core would refuse for its column.
fn next_move(card: &Card) -> Option<(Column, &'static str)> {
    [Column::BriefInApproval, Column::InReview].into_iter().find_map(|to| {
        match transition(card.card_type, card.column, to) {
            Ok(Move::SubmitBrief) => Some((to, "Submit for approval")),
            Ok(Move::StartReview) => Some((to, "Start review")),
            Err(_) => None,
        }
    })
}

/// What every card on one rendering of the board shares.
struct Ctx<'a> {
    ws: &'a str,
    csrf: &'a str,
    q: &'a BoardQuery,
    names: HashMap<Id, &'a str>,
    codes: HashMap<Id, &'a str>,
    now: Timestamp,
    /// Whether the user's role may submit briefs and start reviews (core checks again).
    may_submit: bool,
    may_review: bool,
}

fn card(c: &Card, x: &Ctx) -> Markup {
    let href = match c.card_type {
        CardType::Brief => format!("/b/{}", c.id),
        CardType::Asset => format!("/a/{}", c.id),
    };
    let allowed = match c.card_type {
        CardType::Brief => x.may_submit,
        CardType::Asset => x.may_review,
    };
    html! {
        article.card draggable="true" data-type=(c.card_type.as_str()) data-id=(c.id) data-column=(c.column.as_str()) {
            a.title href=(href) { (c.title) }
            p {
                span.tag { @match c.card_type { CardType::Brief => "Brief", CardType::Asset => "Asset" } }
                @if let Some(code) = c.campaign_id.and_then(|k| x.codes.get(&k)) { " " span.tag { (code) } }
                @for ch in &c.channels { " " span.tag { (ch) } }
            }
            @if let Some(d) = c.due_at {
                p class=[(d < x.now).then_some("overdue")] { "Due " (when(d)) }
            }
            @if let Some(name) = c.assignee_id.and_then(|a| x.names.get(&a)) {
                p.muted { "Next: " (name) }
            }
            @if let Some((to, label)) = next_move(c).filter(|_| allowed) {
                form.move-card method="post" action={ "/w/" (x.ws) "/board/move" } {
                    (csrf_field(x.csrf))
                    input type="hidden" name="type" value=(c.card_type.as_str());
                    input type="hidden" name="id" value=(c.id);
                    input type="hidden" name="to" value=(to.as_str());
                    (x.q.hidden())
                    button type="submit" { (label) }
                }
            }
        }
    }
}

fn filters(ws: &str, q: &BoardQuery, campaigns: &[(Id, String)], members: &[(Id, &str)]) -> Markup {
    let picked = |key: &str, id: &Id| q.value(key) == Some(id.to_string().as_str());
    html! {
        // An explicit action: after a refused move this page answers at `/board/move`.
        form.filters method="get" action={ "/w/" (ws) "/board" } role="search" {
            div {
                label for="b-campaign" { "Campaign" }
                select #b-campaign name="campaign" {
                    option value="" { "Any campaign" }
                    @for (id, name) in campaigns { option value=(id) selected[picked("campaign", id)] { (name) } }
                }
            }
            div {
                label for="b-channel" { "Channel" }
                input #b-channel type="text" name="channel" value=[q.value("channel")] maxlength="64";
            }
            @if !members.is_empty() {
                div {
                    label for="b-assignee" { "Next to act" }
                    select #b-assignee name="assignee" {
                        option value="" { "Anyone" }
                        @for (id, name) in members { option value=(id) selected[picked("assignee", id)] { (name) } }
                    }
                }
            }
            div {
                label for="b-due" { "Due" }
                select #b-due name="due" {
                    option value="" { "Any time" }
                    option value="this_week" selected[q.value("due") == Some("this_week")] { "This week" }
                    option value="overdue" selected[q.value("due") == Some("overdue")] { "Overdue" }
                }
            }
            div.filter-actions {
                button type="submit" { "Filter" }
                a href={ "/w/" (ws) "/board" } { "Clear" }
            }
        }
    }
}

async fn render(
    s: &AppState,
    who: &Signed,
    ws: &str,
    q: &BoardQuery,
    notice: Option<Notice>,
    status: StatusCode,
) -> UiResult {
    let chrome = Chrome::load(s, who, Some(ws), Section::Board).await?;
    let columns = s.core.board(&who.actor, ws, &q.filter()?).await?;
    let campaigns = s.core.campaigns(&who.actor, ws).await?;
    // Viewers may not list members: their cards and filters go without names.
    let members =
        if chrome.can(Capability::SeeWorkInProgress) { s.core.members(&who.actor, ws).await? } else { Vec::new() };
    let ctx = Ctx {
        ws,
        csrf: &who.csrf,
        q,
        names: members.iter().map(|m| (m.user_id, m.name.as_str())).collect(),
        codes: campaigns.iter().map(|k| (k.id, k.code.as_str())).collect(),
        now: s.core.now(),
        may_submit: chrome.can(Capability::Upload),
        may_review: chrome.can(Capability::StartReview),
    };
    let campaign_names: Vec<(Id, String)> =
        campaigns.iter().map(|k| (k.id, format!("{} ({})", k.name, k.code))).collect();
    let member_names: Vec<(Id, &str)> = members.iter().map(|m| (m.user_id, m.name.as_str())).collect();
    let body = html! {
        h1 { "Board" }
        p.muted { "Every brief and asset where its state puts it. A card moves when its state does: submit a brief, or start an asset's review." }
        (filters(ws, q, &campaign_names, &member_names))
        div.board {
            @for col in &columns {
                @let key = col.column.as_str();
                section.board-column data-column=(key) aria-labelledby={ "col-" (key) } {
                    h2 #{ "col-" (key) } { (col.column.label()) " " span.count { (col.total) } }
                    @if col.total > col.cards.len() {
                        p.hint { "The first " (col.cards.len()) " of " (col.total) "; filter to see the others." }
                    }
                    @for c in &col.cards { (card(c, &ctx)) }
                    @if col.cards.is_empty() { p.empty { "No cards." } }
                }
            }
        }
        // What the drag fills in and sends; the buttons under the cards do the same without it.
        form #board-move method="post" action={ "/w/" (ws) "/board/move" } hidden {
            (csrf_field(&who.csrf))
            input type="hidden" name="type";
            input type="hidden" name="id";
            input type="hidden" name="to";
            (q.hidden())
        }
        script type="module" src=(BOARD_JS) {}
    };
    Ok(Page::with_status(status, page("Board", Some(&chrome), notice.as_ref(), body)).into_response())
}

/// `GET /w/{ws}/board`.
pub async fn show(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    Query(q): Query<BoardQuery>,
) -> UiResult {
    render(&s, &who, &ws, &q, done(q.done.as_deref()), StatusCode::OK).await
}

/// `POST /w/{ws}/board/move`: a card's button or a drag. A refused move shows the board again
/// with the reason (409 when no transition leads there).
pub async fn r#move(
    State(s): State<AppState>,
    who: Signed,
    Path(ws): Path<String>,
    UiForm(f): UiForm<Vec<(String, String)>>,
) -> UiResult {
    who.check_pairs(&f)?;
    let q = BoardQuery::of_form(&f);
    let card_type = [CardType::Brief, CardType::Asset]
        .into_iter()
        .find(|t| t.as_str() == field(&f, "type"))
        .ok_or_else(|| UiError::invalid("The card could not be read; reload the board."))?;
    let id =
        parse_id(field(&f, "id")).ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "That card does not exist."))?;
    let to = Column::parse(field(&f, "to")).ok_or_else(|| UiError::invalid("That column does not exist."))?;
    match s.core.board_move(&who.actor, card_type, id, to).await {
        Ok(m) => {
            let code = match m.card_type {
                CardType::Brief => "brief_submitted",
                CardType::Asset => "review_started",
            };
            Ok(see_other(&q.url(&ws, Some(code))))
        }
        Err(e) => {
            let e = UiError::from(e);
            render(&s, &who, &ws, &q, Some(e.notice()), e.status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card_in(card_type: CardType, column: Column) -> Card {
        Card {
            card_type,
            id: Id::nil(),
            title: "t".into(),
            column,
            due_at: None,
            assignee_id: None,
            campaign_id: None,
            channels: Vec::new(),
        }
    }

    #[test]
    fn only_real_transitions_get_a_button() {
        let to = |t, c| next_move(&card_in(t, c)).map(|(to, _)| to);
        assert_eq!(to(CardType::Brief, Column::BriefDraft), Some(Column::BriefInApproval));
        assert_eq!(to(CardType::Brief, Column::ChangesRequested), Some(Column::BriefInApproval));
        assert_eq!(to(CardType::Asset, Column::InProduction), Some(Column::InReview));
        assert_eq!(to(CardType::Asset, Column::ChangesRequested), Some(Column::InReview));
        assert_eq!(to(CardType::Brief, Column::InProduction), None);
        assert_eq!(to(CardType::Asset, Column::InReview), None);
        assert_eq!(to(CardType::Asset, Column::Approved), None);
    }

    #[test]
    fn filters_survive_the_redirect_and_blank_ones_filter_nothing() {
        let q = BoardQuery {
            channel: Some("social media".into()),
            due: Some("overdue".into()),
            campaign: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(
            q.url("acme", Some("review_started")),
            "/w/acme/board?channel=social%20media&due=overdue&done=review_started"
        );
        let f = q.filter().map_err(|e| e.message);
        assert!(matches!(f, Ok(BoardFilter { campaign: None, due: Some(Due::Overdue), .. })));
        let bad = BoardQuery { assignee: Some("nobody".into()), ..Default::default() };
        assert!(bad.filter().is_err());
        assert_eq!(BoardQuery::default().url("acme", None), "/w/acme/board");
    }
}
