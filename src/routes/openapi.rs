//! The OpenAPI 3.1 document and a small self-contained page to browse it (no CDN:
//! a township LAN reaches nothing outside the service).

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "zhengming (证明) API", version = "1",
         description = "Online certificate issuing with courier delivery. Errors: {\"error\": {\"code\", \"message\", \"message_en\", \"fields\", \"fields_en\"}}."),
    modifiers(&BearerAuth),
    tags((name = "session"), (name = "catalogue"), (name = "applications"), (name = "documents"), (name = "certificates"),
         (name = "dispatches"), (name = "admin"), (name = "supervision"), (name = "verification"), (name = "health"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document: what the API is (info, tags, authentication) and its operations,
/// which come from the route list in `routes::documented`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::documented::Operations::openapi());
    doc
}

pub async fn json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain HTML index of the operations, rendered from the same document.
pub async fn page() -> HttpResponse {
    let doc = document();
    let mut html = String::from(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>API 文档</title>\
         <link rel=\"stylesheet\" href=\"",
    );
    html.push_str(&super::pages::assets::docs_css_url());
    html.push_str(
        "\"></head><body>\
         <h1>zhengming API v1</h1><p>机器可读文档 / machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a></p>",
    );
    for (path, item) in doc.paths.paths.iter() {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let m = method;
            html.push_str(&format!(
                "<section><span class=\"m\">{m}</span><code>{}</code>",
                esc(path)
            ));
            if let Some(s) = &op.description {
                html.push_str(&format!("<p>{}</p>", esc(s)));
            }
            if let Some(params) = &op.parameters {
                let names: Vec<String> = params
                    .iter()
                    .map(|p| format!("<code>{}</code>", esc(&p.name)))
                    .collect();
                html.push_str(&format!("<p>参数 / parameters: {}</p>", names.join(" ")));
            }
            let codes: Vec<String> = op.responses.responses.keys().map(|k| esc(k)).collect();
            html.push_str(&format!(
                "<p>响应 / responses: {}</p></section>",
                codes.join(", ")
            ));
        }
    }
    html.push_str("</body></html>");
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html)
}
