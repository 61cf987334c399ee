//! Request budgets for public routes: a token bucket per key (a client address, a link). A
//! bucket holds up to `burst` requests and refills at `per_second`; an empty one says how long
//! to wait.

/// How much a key may ask.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub per_second: f64,
    pub burst: f64,
}

/// What a key has left, as of `at` (seconds on any steady clock).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    tokens: f64,
    at: f64,
}

impl Bucket {
    pub fn full(budget: Budget, now: f64) -> Bucket {
        Bucket { tokens: budget.burst, at: now }
    }

    /// Spends one request, or says in whole seconds (at least 1) when one is available again.
    pub fn take(&mut self, budget: Budget, now: f64) -> Result<(), u64> {
        let elapsed = (now - self.at).max(0.0);
        self.tokens = (self.tokens + elapsed * budget.per_second).min(budget.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - self.tokens) / budget.per_second.max(f64::MIN_POSITIVE);
        Err(wait.ceil().max(1.0) as u64)
    }

    /// Whether the bucket is full again by `now` (a key that can be forgotten).
    pub fn is_full(&self, budget: Budget, now: f64) -> bool {
        self.tokens + (now - self.at).max(0.0) * budget.per_second >= budget.burst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Budget = Budget { per_second: 2.0, burst: 3.0 };

    #[test]
    fn a_burst_then_the_steady_rate() {
        let mut b = Bucket::full(B, 0.0);
        assert!((0..3).all(|_| b.take(B, 0.0).is_ok()));
        assert_eq!(b.take(B, 0.0), Err(1));
        assert_eq!(b.take(B, 0.25), Err(1), "half a request refilled");
        assert!(b.take(B, 0.5).is_ok());
        assert!(!b.is_full(B, 0.5));
        assert!(b.is_full(B, 10.0));
        let slow = Budget { per_second: 0.1, burst: 1.0 };
        let mut s = Bucket::full(slow, 0.0);
        assert!(s.take(slow, 0.0).is_ok());
        assert_eq!(s.take(slow, 0.0), Err(10));
    }
}
