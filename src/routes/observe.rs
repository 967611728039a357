//! What happens around every request: a request id (`x-request-id` on the response,
//! and the field `request_id` of a span that every log line of the request carries), one
//! log line when it is answered, and its count and latency in `/metrics`.

use std::future::Future;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, Error};
use tracing::Instrument;

use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Paths probed every few seconds by load balancers and Prometheus: counted, not logged.
const QUIET: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// The id of a request: the proxy's `x-request-id` when the proxy is trusted
/// (`trust_forwarded_for`, as for the client address) and the id is plain (at most 128
/// letters, digits and `-_.:`: it goes into logs and a header as it is), else a new one.
pub fn request_id(req: &ServiceRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(id) = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|v| is_plain_id(v))
        {
            return id.to_owned();
        }
    }
    uuid::Uuid::now_v7().simple().to_string()
}

fn is_plain_id(v: &str) -> bool {
    (1..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The middleware (`App::wrap_fn`), outermost, so that it sees every response,
/// errors and static files included.
pub fn around<S, B>(
    state: &web::Data<AppState>,
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, Error>> + 'static
where
    B: 'static,
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
{
    let id = request_id(&req, state.settings.trust_forwarded_for);
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let path = req.path().to_owned();
    let fut = {
        let _entered = span.enter();
        srv.call(req)
    };
    let state = state.clone();
    async move {
        let result = fut.await;
        let seconds = started.elapsed().as_secs_f64();
        let (status, route) = match &result {
            Ok(res) => (
                res.status().as_u16(),
                res.request()
                    .match_pattern()
                    .unwrap_or_else(|| crate::metrics::UNMATCHED.to_owned()),
            ),
            Err(e) => (
                e.as_response_error().status_code().as_u16(),
                crate::metrics::UNMATCHED.to_owned(),
            ),
        };
        if state.settings.request_metrics {
            state
                .services
                .metrics
                .request(&method, &route, status, seconds);
        }
        if !QUIET.contains(&path.as_str()) {
            // The path, never the query string (a track lookup carries a phone number).
            tracing::info!(
                method = %method,
                path = %path,
                status,
                ms = (seconds * 1000.0).round() as u64,
                "request"
            );
        }
        let mut res = result?;
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(REQUEST_ID, v);
        }
        Ok(res)
    }
    .instrument(span)
}

#[cfg(test)]
mod tests {
    use super::is_plain_id;

    #[test]
    fn only_plain_ids_are_taken_from_the_proxy() {
        assert!(is_plain_id("0af7651916cd43dd8448eb211c80319c"));
        assert!(is_plain_id("req-1.2:3_x"));
        assert!(!is_plain_id(""));
        assert!(!is_plain_id("a b"));
        assert!(!is_plain_id("line\nbreak"));
        assert!(!is_plain_id(&"x".repeat(129)));
    }
}
