//! Throttled actions without an audit window (password-reset requests, share-link passwords):
//! refuse while any of the keys is blocked, and count a failure on each key. Also the one
//! place password tries on a key wait their turn ([`Turns`]).

use vellum_domain::{
    throttle::{self, Policy},
    Timestamp,
};
use vellum_store::{
    throttle::{self as rows, AttemptRow},
    Conn,
};

use crate::{Error, Result};

/// Password tries on the same key (an account, an address, a link) take turns within this
/// process: check, verify and count as one step, so a burst of parallel guesses cannot all
/// pass the check before the first failure is counted. Keys share a fixed set of locks by
/// hash; several are taken in one order, so two tries never wait on each other in a circle.
pub struct Turns {
    locks: Vec<tokio::sync::Mutex<()>>,
}

impl Default for Turns {
    fn default() -> Self {
        Turns { locks: (0..64).map(|_| tokio::sync::Mutex::new(())).collect() }
    }
}

impl Turns {
    /// Waits for the turn of every key; the turn lasts as long as the guards.
    pub(crate) async fn take(&self, keys: &[&str]) -> Vec<tokio::sync::MutexGuard<'_, ()>> {
        use std::hash::{Hash, Hasher};
        let mut slots: Vec<usize> = keys
            .iter()
            .map(|k| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut h);
                (h.finish() % self.locks.len() as u64) as usize
            })
            .collect();
        slots.sort_unstable();
        slots.dedup();
        let mut guards = Vec::with_capacity(slots.len());
        for i in slots {
            guards.push(self.locks[i].lock().await);
        }
        guards
    }
}

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
