//! The server's status as a server admin reads it.

use serde::Serialize;
use utoipa::ToSchema;
use vellum_core::status::{Backend, ServerStatus};
use vellum_media::tool::inventory::ToolStatus;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServerStatusView {
    /// The server's version.
    pub version: String,
    pub database: DatabaseKind,
    /// Every external program the media pipeline runs, found or not.
    pub tools: Vec<ToolView>,
    /// What is not processed on this machine, one line per missing program.
    pub unprocessed: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ToolView {
    pub program: String,
    pub available: bool,
    /// The Debian package that provides it.
    pub package: String,
    /// What is not processed without it.
    pub needed_for: String,
}

impl From<ServerStatus> for ServerStatusView {
    fn from(s: ServerStatus) -> Self {
        let unprocessed = s
            .tools
            .iter()
            .filter(|t| !t.available())
            .map(|t| {
                format!(
                    "{} ({} is missing; install {})",
                    t.requirement.needed_for, t.requirement.program, t.requirement.package
                )
            })
            .collect();
        ServerStatusView {
            version: s.version.to_string(),
            database: match s.database {
                Backend::Sqlite => DatabaseKind::Sqlite,
                Backend::Postgres => DatabaseKind::Postgres,
            },
            tools: s.tools.iter().map(ToolView::from).collect(),
            unprocessed,
        }
    }
}

impl From<&ToolStatus> for ToolView {
    fn from(t: &ToolStatus) -> Self {
        ToolView {
            program: t.requirement.program.to_string(),
            available: t.available(),
            package: t.requirement.package.to_string(),
            needed_for: t.requirement.needed_for.to_string(),
        }
    }
}
