//! The public verify page's limit per client address. Two layers: the token bucket in
//! memory (`verify_burst`, refilled at `verify_per_minute`) refuses a burst without
//! touching the database, and a one-minute window in `rate_limits` (at most
//! `max(verify_burst, verify_per_minute)` per client and minute) holds across every
//! instance behind the load balancer, which the bucket alone did not.

use sha2::{Digest, Sha256};

use crate::db::models::now;
use crate::db::rate_limits;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub async fn check(state: &AppState, client: &str) -> AppResult<()> {
    let ip = client
        .parse()
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    if !state.services.verify_limiter.allow(ip) {
        return Err(too_many());
    }
    // Only a hash of the address is stored.
    let key = format!("verify:{}", hex::encode(Sha256::digest(client.as_bytes())));
    let limit = i64::from(
        state
            .settings
            .verify_burst
            .max(state.settings.verify_per_minute)
            .max(1),
    );
    let hits = state
        .db
        .write(move |c| {
            Ok::<_, AppError>(rate_limits::hit(
                c,
                &key,
                chrono::Duration::minutes(1),
                now(),
            )?)
        })
        .await?;
    if i64::from(hits) > limit {
        return Err(too_many());
    }
    Ok(())
}

fn too_many() -> AppError {
    AppError::TooManyRequests(Invalid::new(
        "查询过于频繁，请稍后再试",
        "Too many requests; please try again in a minute",
    ))
}
