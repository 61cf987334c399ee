//! The page shell: head, the signed-in header (workspace switcher, section links, user,
//! sign-out) and the main area with its notice.

use maud::{html, Markup, DOCTYPE};
use vellum_core::workspaces::WorkspaceView;
use vellum_domain::role::Capability;

use super::{
    page::{csrf_field, head, Notice, UiError},
    session::Signed,
};
use crate::AppState;

/// Which section of a workspace a page belongs to, for the header's current link.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    None,
    Library,
    Briefs,
    Campaigns,
    Board,
    Calendar,
    Glossary,
    Workflows,
    Members,
    Audit,
    Jobs,
    Settings,
    Account,
    Users,
    Inbox,
    Work,
    Requests,
    Proposals,
    Search,
    Collections,
}

/// What the header of a signed-in page shows.
pub struct Chrome {
    pub name: String,
    /// Whether the user is a server admin (the header links to user administration).
    pub admin: bool,
    pub csrf: String,
    pub workspaces: Vec<WorkspaceView>,
    /// The workspace the page is about, if the user belongs to it.
    pub current: Option<WorkspaceView>,
    pub section: Section,
    /// Unread notifications (the bell).
    pub unread: i64,
}

impl Chrome {
    /// Loads the user's workspaces; `current` is the page's workspace by id or slug.
    pub async fn load(
        state: &AppState,
        who: &Signed,
        current: Option<&str>,
        section: Section,
    ) -> Result<Chrome, UiError> {
        let workspaces = state.core.my_workspaces(&who.actor).await?;
        let current = current.and_then(|r| {
            workspaces.iter().find(|w| w.workspace.slug == r || w.workspace.id.to_string() == r).cloned()
        });
        let unread = state.core.unread_count(&who.actor).await?;
        Ok(Chrome {
            name: who.actor.user.name.clone(),
            admin: who.actor.user.is_admin,
            csrf: who.csrf.clone(),
            workspaces,
            current,
            section,
            unread,
        })
    }

    /// Whether the user's role in the current workspace allows `cap`.
    pub fn can(&self, cap: Capability) -> bool {
        self.current.as_ref().is_some_and(|w| w.role.can(cap))
    }

    fn header(&self) -> Markup {
        let link = |section: Section, href: String, label: &str| {
            html! {
                @if self.section == section {
                    a href=(href) aria-current="page" { (label) }
                } @else {
                    a href=(href) { (label) }
                }
            }
        };
        html! {
            header.top {
                a.brand href="/" { "Vellum" }
                details.switcher {
                    summary { @if let Some(w) = &self.current { (w.workspace.name) } @else { "Workspaces" } }
                    ul {
                        @for w in &self.workspaces {
                            li { a href={ "/w/" (w.workspace.slug) } { (w.workspace.name) " " small { "(" (w.role.as_str()) ")" } } }
                        }
                        li.all { a href="/workspaces" { "All workspaces · new workspace" } }
                    }
                }
                @if let Some(w) = &self.current {
                    nav.sections aria-label="Workspace" {
                        @let base = format!("/w/{}", w.workspace.slug);
                        (link(Section::Library, base.clone(), "Library"))
                        @if w.role.can(Capability::SeeWorkInProgress) {
                            (link(Section::Briefs, format!("{base}/briefs"), "Briefs"))
                        }
                        (link(Section::Campaigns, format!("{base}/campaigns"), "Campaigns"))
                        (link(Section::Board, format!("{base}/board"), "Board"))
                        (link(Section::Calendar, format!("{base}/calendar"), "Calendar"))
                        (link(Section::Glossary, format!("{base}/glossary"), "Glossary"))
                        (link(Section::Requests, format!("{base}/download-requests"), "Requests"))
                        (link(Section::Collections, format!("{base}/collections"), "Collections"))
                        @if w.role.can(Capability::SeeWorkInProgress) {
                            (link(Section::Proposals, format!("{base}/proposals"), "Proposals"))
                            (link(Section::Workflows, format!("{base}/workflows"), "Workflows"))
                            (link(Section::Members, format!("{base}/members"), "Members"))
                        }
                        @if w.role.can(Capability::ReadAudit) {
                            (link(Section::Audit, format!("{base}/audit"), "Audit"))
                        }
                        @if w.role.can(Capability::Administer) {
                            (link(Section::Jobs, format!("{base}/jobs"), "Jobs"))
                            (link(Section::Settings, format!("{base}/settings"), "Settings"))
                        }
                    }
                }
                @if let Some(w) = &self.current {
                    form.header-search role="search" method="get" action={ "/w/" (w.workspace.slug) "/search" }
                        data-suggest={ "/api/v1/workspaces/" (w.workspace.slug) "/search/suggest" } {
                        label.visually-hidden for="header-q" { "Search this workspace" }
                        input #header-q type="search" name="q" placeholder="Search assets" maxlength="1000"
                            autocomplete="off" list="header-suggestions" aria-keyshortcuts="/";
                        datalist #header-suggestions {}
                    }
                }
                div.me {
                    (link(Section::Work, "/work".to_string(), "My work"))
                    a.bell href="/inbox" aria-current=[(self.section == Section::Inbox).then_some("page")]
                        aria-label=(format!("Notifications, {} unread", self.unread)) {
                        "Inbox"
                        @if self.unread > 0 { " " span.count data-unread=(self.unread) { (self.unread) } }
                    }
                    @if self.admin { (link(Section::Users, "/admin/users".to_string(), "Users")) }
                    (link(Section::Account, "/account".to_string(), &self.name))
                    form.inline method="post" action="/logout" {
                        (csrf_field(&self.csrf))
                        button.link type="submit" { "Sign out" }
                    }
                }
            }
        }
    }
}

/// A whole page; `chrome` is None for the pages before sign-in.
pub fn page(title: &str, chrome: Option<&Chrome>, notice: Option<&Notice>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { (head(title)) }
            body {
                a.skip href="#main" { "Skip to content" }
                @if let Some(c) = chrome { (c.header()) }
                main #main class=[chrome.is_none().then_some("narrow")] {
                    @if let Some(n) = notice { (n.render()) }
                    (body)
                }
            }
        }
    }
}
