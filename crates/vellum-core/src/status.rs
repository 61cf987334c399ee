//! What a server admin sees of the server itself: its version, its database and which of
//! the external media tools this machine has.

use vellum_media::tool::inventory::{self, ToolStatus};
pub use vellum_store::Backend;

use crate::{Actor, Core, Error, Result};

/// The server as its operator needs to know it.
#[derive(Debug, Clone)]
pub struct ServerStatus {
    pub version: &'static str,
    pub database: Backend,
    pub tools: Vec<ToolStatus>,
}

impl Core {
    /// The server's status (server admins). Tools are looked up afresh, so installing a
    /// missing one shows without a restart.
    pub fn status_by(&self, actor: &Actor) -> Result<ServerStatus> {
        if !actor.user.is_admin {
            return Err(Error::forbidden("only server admins may see the server's status"));
        }
        Ok(ServerStatus {
            version: env!("CARGO_PKG_VERSION"),
            database: self.store.backend(),
            tools: inventory::check(),
        })
    }
}
