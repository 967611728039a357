//! Static assets, embedded in the binary (nothing outside the service is reachable
//! from a township LAN). Each URL carries its content hash, so browsers may cache forever.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

const CSS: &[u8] = include_bytes!("../../../static/app.css");
/// Small progressive enhancements only (photo preview and in-browser downscaling,
/// rotating a document for reading); every flow works without it.
const JS: &[u8] = include_bytes!("../../../static/app.js");
/// The public verify page's style and the API index's (no inline style anywhere: the
/// Content-Security-Policy forbids it).
const VERIFY_CSS: &[u8] = include_bytes!("../../../static/verify.css");
const DOCS_CSS: &[u8] = include_bytes!("../../../static/docs.css");

fn hash(bytes: &'static [u8], cell: &'static OnceLock<String>) -> &'static str {
    cell.get_or_init(|| hex::encode(&Sha256::digest(bytes)[..6]))
}

static CSS_HASH: OnceLock<String> = OnceLock::new();
static JS_HASH: OnceLock<String> = OnceLock::new();
static VERIFY_CSS_HASH: OnceLock<String> = OnceLock::new();
static DOCS_CSS_HASH: OnceLock<String> = OnceLock::new();

pub fn css_url() -> String {
    format!("/static/app.css?v={}", hash(CSS, &CSS_HASH))
}

pub fn js_url() -> String {
    format!("/static/app.js?v={}", hash(JS, &JS_HASH))
}

pub fn verify_css_url() -> String {
    format!(
        "/static/verify.css?v={}",
        hash(VERIFY_CSS, &VERIFY_CSS_HASH)
    )
}

pub fn docs_css_url() -> String {
    format!("/static/docs.css?v={}", hash(DOCS_CSS, &DOCS_CSS_HASH))
}

fn serve(bytes: &'static [u8], content_type: &str, etag: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{etag}\"")))
        .body(bytes)
}

pub async fn css() -> HttpResponse {
    serve(CSS, "text/css; charset=utf-8", hash(CSS, &CSS_HASH))
}

pub async fn js() -> HttpResponse {
    serve(JS, "text/javascript; charset=utf-8", hash(JS, &JS_HASH))
}

pub async fn verify_css() -> HttpResponse {
    serve(
        VERIFY_CSS,
        "text/css; charset=utf-8",
        hash(VERIFY_CSS, &VERIFY_CSS_HASH),
    )
}

pub async fn docs_css() -> HttpResponse {
    serve(
        DOCS_CSS,
        "text/css; charset=utf-8",
        hash(DOCS_CSS, &DOCS_CSS_HASH),
    )
}
