//! Example photos beside each upload: drawn (SVG, no real person or number), embedded,
//! a few hundred bytes each. Kinds without a drawing of their own show the generic
//! "paper lying flat, all of it in the picture".

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const EXAMPLES: [(&str, &[u8]); 4] = [
    (
        "id_card-front",
        include_bytes!("../../../static/examples/id_card-front.svg"),
    ),
    (
        "id_card-back",
        include_bytes!("../../../static/examples/id_card-back.svg"),
    ),
    (
        "household_register",
        include_bytes!("../../../static/examples/household_register.svg"),
    ),
    (
        "document",
        include_bytes!("../../../static/examples/document.svg"),
    ),
];

/// Bump when a drawing changes (the URLs are cached for a year).
const VERSION: u32 = 1;

/// The example for a document `kind` (and `slot`, where the kind has named slots).
pub fn url(kind: &str, slot: Option<&str>) -> String {
    let own = match slot {
        Some(s) => format!("{kind}-{s}"),
        None => kind.to_owned(),
    };
    let name = if EXAMPLES.iter().any(|(n, _)| *n == own) {
        own
    } else {
        "document".to_owned()
    };
    format!("/static/examples/{name}.svg?v={VERSION}")
}

pub async fn serve(path: web::Path<String>) -> HttpResponse {
    let name = path.into_inner();
    let name = name.strip_suffix(".svg").unwrap_or(&name);
    match EXAMPLES.iter().find(|(n, _)| *n == name) {
        Some((_, bytes)) => HttpResponse::Ok()
            .content_type("image/svg+xml")
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::url;

    #[test]
    fn every_kind_has_an_example() {
        assert_eq!(
            url("id_card", Some("back")),
            "/static/examples/id_card-back.svg?v=1"
        );
        assert_eq!(
            url("bank_statement", None),
            "/static/examples/document.svg?v=1"
        );
    }
}
