//! The documented routes: one list that both registers each handler and puts it in the
//! OpenAPI document (its `#[utoipa::path]` describes it), in the document's order. A
//! route cannot be added without its documentation, nor documented without existing.

use actix_web::web;

/// `method "path" => handler;` lines: a route on the server, and an operation in the
/// document (the `#[utoipa::path]` of the handler must name the same method and path;
/// a test checks that they agree).
macro_rules! documented_routes {
    ($($method:ident $path:literal => $($handler:ident)::+;)*) => {
        /// Every registered (method, path), in the document's order.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        pub fn register(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, web::$method().to($($handler)::+));)*
        }

        /// The operations of the OpenAPI document, from the same list.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($($handler)::+),*))]
        pub struct Operations;
    };
}

documented_routes! {
    get "/healthz" => super::health::healthz;
    get "/readyz" => super::health::readyz;
    get "/metrics" => super::metrics::metrics;
    post "/api/v1/session" => super::api::session::create;
    delete "/api/v1/session" => super::api::session::delete;
    post "/api/v1/residents" => super::api::residents::register;
    post "/api/v1/sms-codes" => super::api::accounts::send_code;
    post "/api/v1/password-reset" => super::api::accounts::reset_password;
    post "/api/v1/admin/residents/rebind" => super::api::residents::rebind;
    get "/api/v1/certificate-types" => super::api::catalog::types;
    get "/api/v1/jurisdictions" => super::api::catalog::jurisdictions;
    post "/api/v1/applications" => super::api::applications::create;
    get "/api/v1/applications" => super::api::applications::list;
    get "/api/v1/applications/{id}" => super::api::applications::get;
    patch "/api/v1/applications/{id}" => super::api::applications::patch;
    post "/api/v1/applications/{id}/actions" => super::api::actions::post;
    post "/api/v1/applications/{id}/consent-code" => super::api::consent::send_code;
    post "/api/v1/applications/{id}/consent" => super::api::consent::confirm;
    get "/api/v1/applications/{id}/certificate.pdf" => super::api::certificates::pdf;
    post "/api/v1/certificates/{number}/revoke" => super::api::certificates::revoke;
    post "/api/v1/applications/{id}/documents" => super::api::documents::upload;
    get "/api/v1/applications/{id}/documents" => super::api::documents::list;
    get "/api/v1/documents/{id}" => super::api::documents::get;
    delete "/api/v1/documents/{id}" => super::api::documents::delete;
    get "/api/v1/dispatches" => super::api::dispatches::list;
    post "/api/v1/dispatches/{id}/events" => super::api::dispatches::post_event;
    post "/api/v1/dispatches/{id}/code" => super::api::dispatches::new_code;
    get "/api/v1/me" => super::api::me::get;
    patch "/api/v1/me" => super::api::me::patch;
    post "/api/v1/me/password" => super::api::me::change_password;
    post "/api/v1/me/phone" => super::api::me::change_phone;
    get "/api/v1/me/sessions" => super::api::me::sessions;
    delete "/api/v1/me/sessions" => super::api::me::end_other_sessions;
    delete "/api/v1/me/sessions/{id}" => super::api::me::end_session;
    get "/api/v1/track" => super::api::track::get;
    get "/api/v1/admin/jobs" => super::api::admin_jobs::list;
    post "/api/v1/admin/jobs/{id}/retry" => super::api::admin_jobs::retry;
    get "/api/v1/admin/audit" => super::api::admin_audit::list;
    get "/api/v1/admin/catalogue" => super::api::admin_catalogue::list;
    get "/api/v1/admin/catalogue/{code}" => super::api::admin_catalogue::get;
    post "/api/v1/admin/catalogue/{code}" => super::api::admin_catalogue::add_version;
    post "/api/v1/admin/catalogue/{code}/counties" => super::api::admin_catalogue::set_county;
    get "/api/v1/admin/jurisdictions" => super::api::admin_jurisdictions::list;
    post "/api/v1/admin/jurisdictions" => super::api::admin_jurisdictions::add;
    patch "/api/v1/admin/jurisdictions/{code}" => super::api::admin_jurisdictions::rename;
    post "/api/v1/admin/jurisdictions/import/preview" => super::api::admin_jurisdictions::preview;
    post "/api/v1/admin/jurisdictions/import" => super::api::admin_jurisdictions::import_file;
    get "/api/v1/admin/keys" => super::api::admin_keys::list;
    post "/api/v1/admin/keys/rotate" => super::api::admin_keys::rotate;
    get "/api/v1/admin/staff" => super::api::admin_staff::list;
    post "/api/v1/admin/staff" => super::api::admin_staff::add;
    post "/api/v1/admin/staff/import" => super::api::admin_staff::import;
    patch "/api/v1/admin/staff/{id}" => super::api::admin_staff::change;
    post "/api/v1/admin/staff/{id}/password-reset" => super::api::admin_staff::reset_password;
    post "/api/v1/admin/staff/{id}/deactivate" => super::api::admin_staff::deactivate;
    get "/api/v1/holidays" => super::api::holidays::list;
    post "/api/v1/admin/holidays" => super::api::holidays::add;
    get "/api/v1/admin/rosters" => super::api::rosters::list;
    post "/api/v1/admin/rosters" => super::api::rosters::import;
    get "/api/v1/stats" => super::api::stats::stats;
    get "/api/v1/stats/cases" => super::api::stats::cases;
    get "/api/v1/escalations" => super::api::escalations::list;
    post "/api/v1/applications/{id}/urge" => super::api::urge::post;
    get "/api/v1/dispatches/{id}/label.pdf" => super::api::dispatches::label;
    get "/api/v1/dispatches/manifest.pdf" => super::api::dispatches::manifest;
    get "/verify/{certificate_number}" => super::verify::verify;
}

#[cfg(test)]
mod tests {
    /// Each handler's `#[utoipa::path]` names the method and path of its line.
    #[test]
    fn the_document_describes_exactly_the_registered_routes() {
        let doc = super::super::openapi::document();
        let mut documented: Vec<(String, String)> = doc
            .paths
            .paths
            .iter()
            .flat_map(|(path, item)| {
                [
                    ("get", &item.get),
                    ("post", &item.post),
                    ("put", &item.put),
                    ("patch", &item.patch),
                    ("delete", &item.delete),
                ]
                .into_iter()
                .filter(|(_, op)| op.is_some())
                .map(move |(method, _)| (method.to_owned(), path.clone()))
            })
            .collect();
        let mut registered: Vec<(String, String)> = super::ROUTES
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        documented.sort();
        registered.sort();
        assert_eq!(documented, registered);
    }
}
