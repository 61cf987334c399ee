//! Throttled actions without an audit window (password-reset requests, share-link passwords):
//! refuse while any of the keys is blocked, and count a failure on each key.

use vellum_domain::{
    throttle::{self, Policy},
    Timestamp,
};
use vellum_store::{
    throttle::{self as rows, AttemptRow},
    Conn,
};

use crate::{Error, Result};

/// `Throttled` with the longest wait while any key is blocked.
pub(crate) async fn check(c: &mut Conn, keys: &[(String, Policy)], now: Timestamp) -> Result<()> {
    let mut wait = 0;
    for (key, _) in keys {
        if let Some(row) = rows::get(&mut *c, key).await? {
            wait = wait.max(throttle::retry_after(&row.attempts, now).unwrap_or(0));
        }
    }
    if wait > 0 {
        return Err(Error::Throttled { retry_after_secs: wait as u64 });
    }
    Ok(())
}

/// Counts one failure on every key (inside the caller's write transaction).
pub(crate) async fn failed(c: &mut Conn, keys: &[(String, Policy)], now: Timestamp) -> Result<()> {
    for (key, policy) in keys {
        let before = rows::get(&mut *c, key).await?;
        let (after, _) = throttle::after_failure(before.map(|r| r.attempts), *policy, now);
        let after = throttle::Attempts { unaudited: 0, ..after };
        rows::put(&mut *c, &AttemptRow { key: key.clone(), attempts: after, email: None, ip: None }).await?;
    }
    Ok(())
}
