//! Budgets for the routes anyone may call without signing in — always-current links (`/p/`),
//! share pages (`/s/`), calendar feeds (`/ical/`) — per client address and per link, so
//! nobody can hammer a link or sweep tokens. Kept in this process's memory; each node counts
//! its own.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
};
use vellum_domain::{
    rate::{Bucket, Budget},
    ErrorCode,
};

use crate::{download::public_answer, error::ApiError};

/// Past this many keys, those whose buckets are full again are forgotten (at most once a
/// minute, so a flood of new keys does not make every request walk them all).
const FORGET_AFTER_KEYS: usize = 50_000;
const SWEEP_EVERY_SECS: f64 = 60.0;

/// The budgets and the buckets.
pub struct PublicLimits {
    per_address: Budget,
    per_link: Budget,
    start: Instant,
    buckets: Mutex<Buckets>,
}

#[derive(Default)]
struct Buckets {
    by_key: HashMap<String, Bucket>,
    swept_at: f64,
}

impl PublicLimits {
    pub fn new(per_address: Budget, per_link: Budget) -> Arc<PublicLimits> {
        Arc::new(PublicLimits { per_address, per_link, start: Instant::now(), buckets: Mutex::new(Buckets::default()) })
    }

    /// Spends one request of each key, or the longest wait.
    fn take(&self, keys: &[(String, Budget)]) -> Result<(), u64> {
        let now = self.start.elapsed().as_secs_f64();
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.by_key.len() > FORGET_AFTER_KEYS && now - buckets.swept_at >= SWEEP_EVERY_SECS {
            let (a, l) = (self.per_address, self.per_link);
            buckets.by_key.retain(|k, b| !b.is_full(if k.starts_with("link:") { l } else { a }, now));
            buckets.swept_at = now;
        }
        let mut wait = 0;
        for (key, budget) in keys {
            let b = buckets.by_key.entry(key.clone()).or_insert_with(|| Bucket::full(*budget, now));
            if let Err(w) = b.take(*budget, now) {
                wait = wait.max(w);
            }
        }
        if wait > 0 {
            Err(wait)
        } else {
            Ok(())
        }
    }
}

/// The link a public path names: its token segment.
fn link_of(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/p/")
        .or_else(|| path.strip_prefix("/s/"))
        .or_else(|| path.strip_prefix("/ical/"))
        .or_else(|| path.strip_prefix("/api/v1/links/"))?;
    Some(rest.split('/').next().unwrap_or(rest).trim_end_matches(".ics"))
}

/// Refuses a public request over budget with `429 rate_limited` and `Retry-After`.
pub async fn limit(State(limits): State<Arc<PublicLimits>>, req: Request, next: Next) -> Response {
    let Some(link) = link_of(req.uri().path()).map(|l| l.chars().take(128).collect::<String>()) else {
        return next.run(req).await;
    };
    let address = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    let keys = [(format!("address:{address}"), limits.per_address), (format!("link:{link}"), limits.per_link)];
    match limits.take(&keys) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let mut r =
                ApiError::new(ErrorCode::RateLimited, format!("too many requests; try again in {wait} seconds"))
                    .into_response();
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            public_answer(r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_is_the_token_segment() {
        assert_eq!(link_of("/p/vpl_abc/original.jpg"), Some("vpl_abc"));
        assert_eq!(link_of("/s/vsl_x"), Some("vsl_x"));
        assert_eq!(link_of("/s/vsl_x/preview"), Some("vsl_x"));
        assert_eq!(link_of("/ical/vcf_y.ics"), Some("vcf_y"));
        assert_eq!(link_of("/api/v1/links/vgl_z"), Some("vgl_z"));
        assert_eq!(link_of("/a/123"), None);
    }

    #[test]
    fn an_address_and_a_link_each_have_a_budget() {
        let one = Budget { per_second: 0.001, burst: 2.0 };
        let many = Budget { per_second: 1000.0, burst: 1000.0 };
        let l = PublicLimits::new(one, many);
        let keys = |a: &str| [(format!("address:{a}"), one), ("link:t".to_string(), many)];
        assert!(l.take(&keys("1.1.1.1")).is_ok() && l.take(&keys("1.1.1.1")).is_ok());
        assert!(l.take(&keys("1.1.1.1")).is_err(), "the address spent its burst");
        assert!(l.take(&keys("2.2.2.2")).is_ok(), "another address has its own");
    }
}
