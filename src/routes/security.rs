//! What every response carries, whatever produced it (a page, JSON, an error, a static
//! file, `/verify`, `/api/docs`, `/healthz`): the security headers, set by one
//! middleware wrapped around the whole application. A handler's own value of one of
//! these headers wins (none sets one today).
//!
//! Also here: `HEAD` is answered wherever `GET` is (same handler, same headers, the
//! body dropped by the HTTP layer), and a request body that makes no progress for
//! `body_timeout_secs` ends with a 408 in the JSON error shape.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::http::{header, Method};
use actix_web::middleware::DefaultHeaders;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;

/// No inline script or style anywhere (the pages, `/verify` and `/api/docs` load theirs
/// from `/static/`); photos previewed before upload are `blob:` URLs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' blob:; connect-src 'self'; font-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The verify URL carries a token: it is never sent to another site.
pub const REFERRER_POLICY: &str = "no-referrer";

/// Nothing is asked of the device: a photo is taken through the file input (the
/// phone's own camera app), which needs no camera permission for the page.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// Once a browser has seen the service over HTTPS it never uses plain HTTP for a year.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// The headers on every response; HSTS only when the public URL is `https://` (over
/// plain HTTP a browser ignores it, and a local `http://` run must keep working).
pub fn headers(https: bool) -> DefaultHeaders {
    let h = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::REFERRER_POLICY, REFERRER_POLICY))
        .add(("Permissions-Policy", PERMISSIONS_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"));
    if https {
        h.add((header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY))
    } else {
        h
    }
}

/// `HEAD` goes to the `GET` route. The HTTP layer remembers that the request was a
/// `HEAD` and sends the headers (Content-Length included) without the body.
pub fn head_as_get(req: &mut ServiceRequest) {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
}

/// The error a stalled body ends with (recognised by the body readers, which answer 408).
pub fn is_body_timeout(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == io::ErrorKind::TimedOut)
}

/// Wraps the request body so that a read waiting longer than `idle` for the next chunk
/// fails with a timeout (the readers turn it into a 408 and drop what they spooled).
/// The clock starts when the handler first reads the body, so the work it does before
/// (signing in, checking the case) does not count against the client.
pub fn limit_body_idle(req: &mut ServiceRequest, idle: Duration) {
    let inner = req.take_payload();
    if matches!(inner, Payload::None) {
        req.set_payload(inner);
        return;
    }
    let timed = IdleTimeout {
        inner,
        idle,
        sleep: None,
        done: false,
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(timed),
    });
}

struct IdleTimeout {
    inner: Payload,
    idle: Duration,
    /// Armed on the first read, reset on every chunk.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    done: bool,
}

impl Stream for IdleTimeout {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                // Progress: the clock starts again for the next chunk.
                if let Some(sleep) = this.sleep.as_mut() {
                    sleep
                        .as_mut()
                        .reset(tokio::time::Instant::now() + this.idle);
                }
                if item.is_none() {
                    this.done = true;
                }
                Poll::Ready(item)
            }
            Poll::Pending => match this
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(this.idle)))
                .as_mut()
                .poll(cx)
            {
                Poll::Ready(()) => {
                    this.done = true;
                    tracing::info!(
                        idle_secs = this.idle.as_secs(),
                        "request body timed out (no progress)"
                    );
                    Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "request body made no progress",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
