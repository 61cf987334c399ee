//! What an operator watches: the node's figures for `/metrics` (job queues, database
//! connections, search lag) and whether it is ready to serve (database reachable, blob store
//! reachable, schema current). Nothing here names a workspace or a user.

use vellum_blob::BlobKey;

use crate::search::SearchMetrics;
use crate::{Core, Result};

/// One job queue's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueFigures {
    pub queue: String,
    /// Jobs waiting to run (due or not yet).
    pub queued: u64,
    /// How long the oldest due job has waited, in seconds (0 when none is due).
    pub oldest_age_secs: f64,
}

/// The node's figures at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub queues: Vec<QueueFigures>,
    /// Database connections: open and idle.
    pub connections: (u32, usize),
    pub search: SearchMetrics,
}

/// What readiness checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    pub database: bool,
    pub blobs: bool,
    pub schema_current: bool,
}

impl Readiness {
    pub fn ready(self) -> bool {
        self.database && self.blobs && self.schema_current
    }
}

impl Core {
    pub async fn figures(&self) -> Result<Figures> {
        let now = self.now();
        let rows = vellum_store::jobs::queue_figures(&mut *self.store.conn().await?, now).await?;
        let queues = rows
            .into_iter()
            .map(|(queue, queued, oldest)| QueueFigures {
                queue,
                queued,
                oldest_age_secs: oldest.map_or(0.0, |at| ((now.unix_micros() - at.unix_micros()).max(0)) as f64 / 1e6),
            })
            .collect();
        Ok(Figures { queues, connections: self.store.pool_connections(), search: self.search_metrics().await? })
    }

    /// Checks the database (a query answers), the blob store (a lookup answers, found or not)
    /// and the schema (no migration missing); never fails, it says what is wrong.
    pub async fn readiness(&self) -> Readiness {
        let schema = self.store.schema_current().await;
        let database = schema.is_ok();
        let schema_current = schema.unwrap_or(false);
        let blobs = match BlobKey::parse(&"0".repeat(64)) {
            Ok(probe) => self.blobs.size(&probe).await.is_ok(),
            Err(_) => false,
        };
        Readiness { database, blobs, schema_current }
    }
}
