//! Static assets, embedded in the binary (nothing outside the service is reachable
//! from a township LAN). The URL carries a content hash, so browsers may cache forever.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

const CSS: &[u8] = include_bytes!("../../../static/app.css");

fn hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hex::encode(&Sha256::digest(CSS)[..6]))
}

pub fn css_url() -> String {
    format!("/static/app.css?v={}", hash())
}

pub async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{}\"", hash())))
        .body(CSS)
}
