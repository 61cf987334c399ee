//! Where the use cases get the time: the system clock in production, a hand-moved clock in
//! tests, so expiries, throttling windows and schedules are tested without waiting.

use std::sync::{Arc, Mutex};

use vellum_domain::Timestamp;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The real time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    pub fn starting_at(t: Timestamp) -> Self {
        ManualClock(Arc::new(Mutex::new(t)))
    }

    /// Moves the clock to `t`.
    pub fn set(&self, t: Timestamp) {
        if let Ok(mut now) = self.0.lock() {
            *now = t;
        }
    }

    pub fn advance_secs(&self, secs: i64) {
        if let Ok(mut t) = self.0.lock() {
            *t = t.plus_secs(secs);
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|t| *t).unwrap_or_else(|e| *e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = Timestamp::from_unix(1_700_000_000).unwrap();
        let c = ManualClock::starting_at(start);
        assert_eq!(c.now(), start);
        c.advance_secs(90);
        assert_eq!(c.now().unix_seconds(), 1_700_000_090);
    }
}
