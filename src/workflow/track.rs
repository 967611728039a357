//! The public status lookup by application number and phone (the applicant's account
//! phone or the delivery phone). A wrong pair and an unknown number take the same
//! query and get the same 404; every lookup counts against a per-address limit kept
//! in the database, so it holds across instances (docs/architecture.md §10).

use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::db::models::now;
use crate::db::{rate_limits, track};
use crate::domain::phone::Phone;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult, Fields};
use crate::read_model::track::TrackView;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct TrackQuery {
    /// Application number, e.g. `ZM2026000123`.
    pub number: Option<String>,
    /// The applicant's account phone or the delivery phone.
    pub phone: Option<String>,
}

fn no_match() -> AppError {
    AppError::NotFound(Invalid::new(
        "未找到匹配的申请，请核对申请编号和手机号",
        "No application matches this number and phone; check both",
    ))
}

/// Counted against the limit of `client` (the caller's address) first, then validated,
/// then one query.
pub async fn lookup(state: &AppState, client: &str, q: TrackQuery) -> AppResult<TrackView> {
    let s = state.settings.clone();
    // Only a hash of the address is stored.
    let key = format!("track:{}", hex::encode(Sha256::digest(client.as_bytes())));
    let window = chrono::Duration::seconds(s.track_rate_window_secs.max(1));
    let limit = s.track_rate_limit.max(1);
    let hits = state
        .db
        .write(move |c| Ok::<_, AppError>(rate_limits::hit(c, &key, window, now())?))
        .await?;
    if hits > limit {
        return Err(AppError::TooManyRequests(Invalid::new(
            "查询过于频繁，请稍后再试",
            "Too many lookups; please try again later",
        )));
    }
    let mut f = Fields::default();
    let number = q.number.as_deref().unwrap_or("").trim().to_uppercase();
    if number.is_empty() || number.len() > 32 {
        f.add(
            "number",
            Invalid::new("请输入申请编号", "Enter the application number"),
        );
    }
    let phone = f.take("phone", Phone::parse(q.phone.as_deref().unwrap_or("")));
    f.finish()?;
    let Some(phone) = phone else {
        return Err(AppError::internal("validated phone missing"));
    };
    let phone = phone.as_str().to_owned();
    let found = state
        .db
        .read(move |c| Ok::<_, AppError>(track::find(c, &number, &phone)?))
        .await?
        .ok_or_else(no_match)?;
    Ok(TrackView::new(found))
}
