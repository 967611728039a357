//! Public status lookup by application number and phone (see [`crate::workflow::track`]).

use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppResult;
use crate::read_model::track::TrackView;
use crate::routes::client_ip;
use crate::state::AppState;
use crate::workflow::track::{lookup, TrackQuery};

/// Public status of an application.
#[utoipa::path(get, path = "/api/v1/track", tag = "applications", params(TrackQuery),
    responses((status = 200, body = TrackView),
              (status = 404, description = "no application matches the pair (also for an unknown number)", body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "track", skip_all)]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<TrackQuery>,
) -> AppResult<HttpResponse> {
    let client = client_ip(&req, state.settings.trust_forwarded_for);
    let view = lookup(&state, &client, q.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(view))
}
