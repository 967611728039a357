//! Per-client token bucket for the public verify page.
//!
//! Kept in process memory, so this layer is **per instance**: it refuses a burst
//! without a database write. The limit that holds across instances is the one-minute
//! window in the database that `workflow::verify_limit` adds behind it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// More clients than this and idle full buckets are dropped (bounded memory).
const MAX_CLIENTS: usize = 100_000;

impl RateLimiter {
    /// A burst of `capacity` requests, refilled at `per_minute`.
    pub fn new(capacity: u32, per_minute: u32) -> RateLimiter {
        RateLimiter {
            capacity: f64::from(capacity),
            per_second: f64::from(per_minute) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip`; false when the client must wait.
    pub fn allow(&self, ip: IpAddr) -> bool {
        self.allow_at(ip, Instant::now())
    }

    fn allow_at(&self, ip: IpAddr, now: Instant) -> bool {
        let mut map = match self.buckets.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() >= MAX_CLIENTS && !map.contains_key(&ip) {
            let (cap, rate) = (self.capacity, self.per_second);
            map.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < cap
            });
        }
        let (tokens, at) = map.entry(ip).or_insert((self.capacity, now));
        let refill = now.duration_since(*at).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills_per_client() {
        let rl = RateLimiter::new(3, 60);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        assert!((0..3).all(|_| rl.allow_at(a, t0)));
        assert!(!rl.allow_at(a, t0));
        assert!(rl.allow_at(b, t0), "another client has its own bucket");
        assert!(rl.allow_at(a, t0 + Duration::from_millis(1100)));
        assert!(!rl.allow_at(a, t0 + Duration::from_millis(1100)));
    }
}
