//! Retry delays: exponential in the attempt number, capped, with jitter so failed
//! jobs of one outage do not all come back at the same instant.

use std::time::Duration;

use rand::Rng;

/// The delay after failed attempt `attempt` (1-based): base·2^(attempt-1), at most
/// `max`, then scaled by a random factor in [0.5, 1.0].
pub fn delay(attempt: i32, base: Duration, max: Duration) -> Duration {
    let exp = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let raw = base.saturating_mul(1u32 << exp).min(max);
    let factor = rand::thread_rng().gen_range(0.5..=1.0);
    raw.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_is_capped_and_jittered() {
        let base = Duration::from_secs(5);
        let max = Duration::from_secs(3600);
        for attempt in 1..=6 {
            let full = base * (1 << (attempt - 1));
            let d = delay(attempt, base, max);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
        for _ in 0..100 {
            let d = delay(40, base, max);
            assert!(d >= max / 2 && d <= max);
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| delay(3, base, max)).collect();
        assert!(spread.len() > 1, "jitter varies the delay");
    }
}
