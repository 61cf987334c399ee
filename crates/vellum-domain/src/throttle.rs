//! Sign-in throttling: failures counted per client address, per account and per account at
//! an address, with delays that grow after a few free tries and are capped, so guessing is
//! slow but nobody can lock an account's owner out for long. The same records aggregate
//! failures into one audit event per account and address per window.

use crate::Timestamp;

/// How long failures of one account at one address are gathered into one audit event.
pub const AUDIT_WINDOW_SECS: i64 = 15 * 60;

/// What one key has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempts {
    /// Failures since the key was last quiet for `forget_after_secs` (or succeeded).
    pub failures: u32,
    /// Until when another try is refused.
    pub blocked_until: Option<Timestamp>,
    pub last_at: Timestamp,
    /// Start of the current audit window, and failures in it not yet recorded.
    pub window_start: Timestamp,
    pub unaudited: u32,
}

/// A finished audit window: `count` failures from `first_at` to `last_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    pub count: u32,
}

/// How a kind of key is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before any delay.
    pub free: u32,
    /// The longest delay (the first is one second, then it doubles).
    pub max_delay_secs: i64,
    /// Quiet time after which failures are forgotten.
    pub forget_after_secs: i64,
}

impl Policy {
    /// One client address, whatever accounts it tries.
    pub const ADDRESS: Policy = Policy { free: 10, max_delay_secs: 15 * 60, forget_after_secs: 15 * 60 };
    /// One account from one address: the usual shape of someone guessing a password.
    pub const ACCOUNT_AT_ADDRESS: Policy = Policy { free: 5, max_delay_secs: 15 * 60, forget_after_secs: 15 * 60 };
    /// One account from anywhere: a distributed guess. Capped at a minute, so an attacker can
    /// slow the owner down but never lock them out.
    pub const ACCOUNT: Policy = Policy { free: 20, max_delay_secs: 60, forget_after_secs: 15 * 60 };

    /// The delay after the `failures`-th failure: none while free, then 1, 2, 4 … seconds,
    /// capped.
    pub fn delay_after(&self, failures: u32) -> i64 {
        if failures <= self.free {
            return 0;
        }
        let doublings = (failures - self.free - 1).min(30);
        (1i64 << doublings).min(self.max_delay_secs)
    }
}

/// Seconds until `a` allows another try, if it is blocked now.
pub fn retry_after(a: &Attempts, now: Timestamp) -> Option<i64> {
    a.blocked_until.filter(|until| *until > now).map(|until| (until.unix_seconds() - now.unix_seconds()).max(1))
}

/// The key's state after one more failure at `now`, and the audit window this failure closed
/// (if the previous window had ended with failures not yet recorded).
pub fn after_failure(before: Option<Attempts>, policy: Policy, now: Timestamp) -> (Attempts, Option<Window>) {
    let mut a =
        before.unwrap_or(Attempts { failures: 0, blocked_until: None, last_at: now, window_start: now, unaudited: 0 });
    if now.unix_seconds() - a.last_at.unix_seconds() >= policy.forget_after_secs {
        a.failures = 0;
        a.blocked_until = None;
    }
    let mut closed = None;
    if now.unix_seconds() - a.window_start.unix_seconds() >= AUDIT_WINDOW_SECS {
        if let Some(w) = close_window(&mut a) {
            closed = Some(w);
        }
        a.window_start = now;
    }
    a.failures = a.failures.saturating_add(1);
    a.unaudited = a.unaudited.saturating_add(1);
    a.last_at = now;
    let delay = policy.delay_after(a.failures);
    a.blocked_until = (delay > 0).then(|| now.plus_secs(delay));
    (a, closed)
}

/// Takes the failures not yet recorded out of `a` as a window to record.
pub fn close_window(a: &mut Attempts) -> Option<Window> {
    if a.unaudited == 0 {
        return None;
    }
    let w = Window { first_at: a.window_start, last_at: a.last_at, count: a.unaudited };
    a.unaudited = 0;
    Some(w)
}

/// Whether the audit window of `a` has ended by `now`.
pub fn window_ended(a: &Attempts, now: Timestamp) -> bool {
    now.unix_seconds() - a.window_start.unix_seconds() >= AUDIT_WINDOW_SECS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_unix(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn delays_start_after_the_free_tries_grow_and_are_capped() {
        let p = Policy::ACCOUNT_AT_ADDRESS;
        assert_eq!((1..=5).map(|n| p.delay_after(n)).collect::<Vec<_>>(), vec![0; 5]);
        assert_eq!((6..=10).map(|n| p.delay_after(n)).collect::<Vec<_>>(), vec![1, 2, 4, 8, 16]);
        assert_eq!(p.delay_after(100), 900);
        assert_eq!(Policy::ACCOUNT.delay_after(1000), 60, "an account is never locked for long");
    }

    #[test]
    fn failures_block_then_are_forgotten_after_quiet() {
        let p = Policy::ACCOUNT_AT_ADDRESS;
        let mut a = None;
        for i in 0..6 {
            a = Some(after_failure(a, p, t(i)).0);
        }
        let a6 = a.clone().unwrap();
        assert_eq!(a6.failures, 6);
        assert_eq!(retry_after(&a6, t(5)), Some(1));
        assert_eq!(retry_after(&a6, t(6)), None);
        let (later, _) = after_failure(a, p, t(5 + 900));
        assert_eq!(later.failures, 1, "forgotten after fifteen quiet minutes");
        assert_eq!(later.blocked_until, None);
    }

    #[test]
    fn one_window_of_failures_becomes_one_record() {
        let p = Policy::ACCOUNT_AT_ADDRESS;
        let mut a = None;
        let mut closed = Vec::new();
        for i in 0..50 {
            let (next, w) = after_failure(a, p, t(i * 10));
            closed.extend(w);
            a = Some(next);
        }
        assert_eq!(closed.len(), 0, "500 s of failures stay in the first window");
        let (next, w) = after_failure(a, p, t(AUDIT_WINDOW_SECS + 1));
        assert_eq!(w, Some(Window { first_at: t(0), last_at: t(490), count: 50 }));
        assert_eq!(next.unaudited, 1);
        let mut next = next;
        assert!(!window_ended(&next, t(AUDIT_WINDOW_SECS + 2)));
        assert!(window_ended(&next, t(2 * AUDIT_WINDOW_SECS + 1)));
        assert_eq!(close_window(&mut next).map(|w| w.count), Some(1));
        assert_eq!(close_window(&mut next), None);
    }
}
