//! Least privilege, as a table (issue 14): every role against every route the server
//! registers — the documented JSON API, the pages and the rest
//! (`zhengming::routes::all_routes`) — with the status each must get. A route added
//! without a row here fails `every_route_has_a_row`, so a new route cannot skip the
//! question "who may use this?".
//!
//! On SQLite only: the table is about the handlers' checks, which do not depend on the
//! backend (the scoped queries themselves run on both in tests/api/access.rs).
//!
//! `PRIVILEGE_PRINT=1 cargo nextest run --test api privilege` prints the statuses the
//! server gives now, as rows, instead of comparing them.

use std::collections::BTreeSet;

use reqwest::{redirect, Client, Method};
use serde_json::{json, Value};

use crate::helpers::{accounts, spawn_app, Backend, TestApp};

/// The callers, in the order of each row's statuses.
const ROLES: [&str; 9] = [
    "anonymous",
    "owner",         // the resident whose case it is
    "stranger",      // another resident
    "village",       // official of the case's village
    "other_village", // official of another village of the same township
    "township",      // official of the case's township
    "courier",       // courier of the case's township
    "supervisor",    // supervisor of the county
    "admin",
];

/// How a row sends its request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// No body.
    Empty,
    /// A JSON body (given per route in `json_body`).
    Json,
    /// A page form with a valid CSRF token and the fields of `form_fields`.
    Form,
    /// As `Empty`, but with a fresh session (the request ends it).
    Fresh,
    /// As `Form`, with a fresh session.
    FreshForm,
}

/// (method, path as registered, body, statuses for ROLES).
type Row = (&'static str, &'static str, Body, [u16; 9]);

use Body::*;

#[rustfmt::skip]
const TABLE: &[Row] = &[
    //                                                                anon owner strgr vill  ovill town  cour  sup   admin
    ("get",    "/healthz",                                   Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    // Readiness is public like liveness; /metrics without `metrics_token` answers the
    // loopback client the suite is, whoever signed in (observability.rs: the token, a proxy).
    ("get",    "/readyz",                                    Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/metrics",                                   Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("post",   "/api/v1/session",                            Json,    [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("delete", "/api/v1/session",                            Fresh, [401, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("post",   "/api/v1/residents",                          Json,    [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("get",    "/api/v1/certificate-types",                  Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/api/v1/jurisdictions",                      Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("post",   "/api/v1/applications",                       Json,    [401, 422, 422, 422, 422, 403, 403, 403, 403]),
    ("get",    "/api/v1/applications",                       Empty,    [401, 200, 200, 200, 200, 200, 403, 200, 200]),
    ("get",    "/api/v1/applications/{id}",                  Empty,    [401, 200, 404, 200, 404, 200, 403, 200, 200]),
    ("patch",  "/api/v1/applications/{id}",                  Json,    [401, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("post",   "/api/v1/applications/{id}/actions",          Json,    [401, 409, 404, 403, 404, 403, 404, 403, 403]),
    ("post",   "/api/v1/applications/{id}/consent-code",     Empty,    [401, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("post",   "/api/v1/applications/{id}/consent",          Json,    [401, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("get",    "/api/v1/applications/{id}/certificate.pdf",  Empty,    [401, 200, 404, 200, 404, 200, 403, 200, 200]),
    ("post",   "/api/v1/certificates/{number}/revoke",       Json,    [401, 404, 404, 404, 404, 422, 403, 403, 403]),
    ("post",   "/api/v1/applications/{id}/documents",        Json,    [401, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("get",    "/api/v1/applications/{id}/documents",        Empty,    [401, 200, 404, 200, 404, 200, 403, 200, 200]),
    ("get",    "/api/v1/documents/{id}",                     Empty,    [401, 200, 404, 200, 404, 200, 403, 200, 200]),
    ("delete", "/api/v1/documents/{id}",                     Empty,    [401, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("get",    "/api/v1/dispatches",                         Empty,    [401, 403, 403, 200, 200, 200, 200, 200, 200]),
    ("post",   "/api/v1/dispatches/{id}/events",             Json,    [401, 404, 404, 403, 404, 403, 409, 403, 403]),
    ("post",   "/api/v1/dispatches/{id}/code",               Empty,    [401, 404, 404, 200, 404, 200, 403, 403, 403]),
    ("get",    "/api/v1/me",                                 Empty,    [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("patch",  "/api/v1/me",                                 Json,    [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/api/v1/track",                              Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/api/v1/admin/jobs",                         Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/api/v1/admin/jobs/{id}/retry",              Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 409]),
    ("get",    "/api/v1/admin/audit",                        Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("get",    "/api/v1/admin/catalogue",                    Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("get",    "/api/v1/admin/catalogue/{code}",             Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/api/v1/admin/catalogue/{code}",             Json,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("post",   "/api/v1/admin/catalogue/{code}/counties",    Json,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("get",    "/api/v1/admin/jurisdictions",                Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/api/v1/admin/jurisdictions",                Json,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("patch",  "/api/v1/admin/jurisdictions/{code}",         Json,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("post",   "/api/v1/admin/jurisdictions/import/preview", Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("post",   "/api/v1/admin/jurisdictions/import",         Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("get",    "/api/v1/admin/keys",                         Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/api/v1/admin/keys/rotate",                  Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("get",    "/api/v1/admin/staff",                        Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/api/v1/admin/staff",                        Json,     [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("post",   "/api/v1/admin/staff/import",                 Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("patch",  "/api/v1/admin/staff/{id}",                   Json,     [401, 403, 403, 403, 403, 403, 403, 403, 404]),
    ("post",   "/api/v1/admin/staff/{id}/password-reset",    Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 404]),
    ("post",   "/api/v1/admin/staff/{id}/deactivate",        Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 404]),
    ("get",    "/api/v1/holidays",                           Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("post",   "/api/v1/admin/holidays",                     Json,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("get",    "/api/v1/admin/rosters",                      Empty,    [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/api/v1/admin/rosters",                      Json,    [401, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("get",    "/api/v1/stats",                              Empty,    [401, 403, 403, 403, 403, 403, 403, 200, 200]),
    ("get",    "/api/v1/stats/cases",                        Empty,    [401, 403, 403, 403, 403, 403, 403, 200, 200]),
    ("get",    "/api/v1/escalations",                        Empty,    [401, 403, 403, 403, 403, 403, 403, 200, 200]),
    // 督办: supervisors only, within their jurisdiction (the body's missing note: 422).
    ("post",   "/api/v1/applications/{id}/urge",             Json,    [401, 403, 404, 403, 404, 403, 404, 422, 403]),
    ("get",    "/api/v1/dispatches/{id}/label.pdf",          Empty,    [401, 403, 403, 200, 404, 200, 200, 200, 200]),
    ("get",    "/api/v1/dispatches/manifest.pdf",            Empty,    [401, 403, 403, 200, 200, 200, 200, 200, 200]),
    ("get",    "/verify/{certificate_number}",               Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/api/openapi.json",                          Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/api/docs",                                  Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/supervise",                                 Empty,    [303, 403, 403, 403, 403, 403, 403, 200, 200]),
    ("get",    "/supervise/cases",                           Empty,    [303, 403, 403, 403, 403, 403, 403, 200, 200]),
    // Pages.
    ("get",    "/",                                          Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/guide/{code}",                              Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/lang/{lang}",                               Empty,    [303, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("post",   "/care",                                      Form,    [303, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("get",    "/static/app.css",                            Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/static/app.js",                             Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/static/examples/{name}",                    Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/track",                                     Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/signin",                                    Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("post",   "/signin",                                    Form,    [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("get",    "/register",                                  Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("post",   "/register",                                  Form,    [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("post",   "/signout",                                   FreshForm, [303, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("get",    "/apply/{code}",                              Empty,    [303, 200, 200, 200, 200, 403, 403, 403, 403]),
    ("post",   "/apply/{code}",                              Form,    [303, 422, 422, 422, 422, 403, 403, 403, 403]),
    ("get",    "/my/certificates",                           Empty,    [303, 200, 200, 403, 403, 403, 403, 403, 403]),
    ("get",    "/my",                                        Empty,    [303, 200, 200, 200, 200, 403, 403, 403, 403]),
    ("get",    "/my/{id}",                                   Empty,    [303, 200, 404, 303, 303, 403, 403, 403, 403]),
    ("get",    "/my/{id}/edit",                              Empty,    [303, 303, 404, 404, 404, 403, 403, 403, 403]),
    ("post",   "/my/{id}/edit",                              Form,    [303, 422, 404, 404, 404, 403, 403, 403, 403]),
    ("post",   "/my/{id}/action",                            Form,    [303, 409, 404, 403, 404, 403, 403, 403, 403]),
    ("post",   "/my/{id}/confirm",                           Form,    [303, 303, 404, 303, 404, 403, 403, 403, 403]),
    // 代办: a village official may apply for a villager (their own drafts only); the
    // consent forms of such a draft answer the applicant alone.
    ("post",   "/my/{id}/consent-code",                      Form,    [303, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("post",   "/my/{id}/consent",                           Form,    [303, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("post",   "/my/{id}/documents",                         Form,    [303, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("post",   "/my/{id}/documents/{doc}/delete",            Form,    [303, 409, 404, 403, 403, 403, 403, 403, 403]),
    ("get",    "/office",                                    Empty,    [303, 403, 403, 200, 200, 200, 403, 403, 403]),
    ("get",    "/office/{id}",                               Empty,    [303, 403, 403, 200, 404, 200, 403, 200, 200]),
    ("post",   "/office/{id}/action",                        Form,    [303, 403, 403, 409, 404, 409, 403, 403, 403]),
    ("post",   "/office/{id}/confirm",                       Form,    [303, 403, 403, 303, 404, 303, 403, 403, 403]),
    ("post",   "/office/{id}/dispatch-code",                 Form,    [303, 403, 403, 303, 404, 303, 403, 403, 403]),
    ("get",    "/admin",                                     Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("get",    "/admin/jurisdictions",                       Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/admin/jurisdictions",                       Form,    [303, 403, 403, 403, 403, 403, 403, 403, 400]),
    ("post",   "/admin/jurisdictions/one",                   Form,    [303, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("get",    "/admin/holidays",                            Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/admin/holidays",                            Form,    [303, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("get",    "/admin/rosters",                             Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/admin/rosters",                             Form,    [303, 403, 403, 403, 403, 403, 403, 403, 415]),
    ("get",    "/admin/audit",                               Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("get",    "/admin/catalogue",                           Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("get",    "/admin/catalogue/{code}",                    Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/admin/catalogue/{code}",                    Form,    [303, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("post",   "/admin/catalogue/{code}/county",             Form,    [303, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("get",    "/admin/jobs",                                Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/admin/jobs/{id}/retry",                     Form,    [303, 403, 403, 403, 403, 403, 403, 403, 409]),
    ("get",    "/admin/keys",                                Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/admin/keys/rotate",                         Form,     [303, 403, 403, 403, 403, 403, 403, 403, 303]),
    ("get",    "/admin/keys/{kid}/public-key",               Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 404]),
    ("get",    "/admin/staff",                               Empty,    [303, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("post",   "/admin/staff",                               Form,     [303, 403, 403, 403, 403, 403, 403, 403, 422]),
    ("post",   "/admin/staff/import",                        Form,     [303, 403, 403, 403, 403, 403, 403, 403, 400]),
    ("post",   "/admin/staff/{id}/change",                   Form,     [303, 403, 403, 403, 403, 403, 403, 403, 404]),
    ("post",   "/admin/staff/{id}/password-reset",           Form,     [303, 403, 403, 403, 403, 403, 403, 403, 404]),
    ("post",   "/admin/staff/{id}/deactivate",               Form,     [303, 403, 403, 403, 403, 403, 403, 403, 404]),
    ("get",    "/courier",                                   Empty,    [303, 403, 403, 403, 403, 403, 200, 403, 403]),
    ("post",   "/courier/{id}/event",                        Form,    [303, 403, 403, 403, 403, 403, 409, 403, 403]),
    ("post",   "/api/v1/sms-codes",                          Json,    [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("post",   "/api/v1/password-reset",                     Json,    [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("post",   "/api/v1/me/password",                        Json,    [401, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("post",   "/api/v1/me/phone",                           Json,    [401, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("get",    "/api/v1/me/sessions",                        Empty,    [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("delete", "/api/v1/me/sessions",                        Empty,    [401, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("delete", "/api/v1/me/sessions/{id}",                   Empty,    [401, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("post",   "/api/v1/admin/residents/rebind",             Json,    [401, 403, 403, 403, 403, 422, 403, 403, 422]),
    ("get",    "/static/verify.css",                         Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/static/docs.css",                           Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("get",    "/forgot",                                    Empty,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("post",   "/forgot",                                    Form,    [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("get",    "/account",                                   Empty,    [303, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("post",   "/account/password",                          Form,    [303, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("post",   "/account/phone",                             Form,    [303, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("post",   "/account/sessions/end-others",               Form,    [303, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("post",   "/account/sessions/{id}/end",                 Form,    [303, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("get",    "/office/rebind",                             Empty,    [303, 403, 403, 403, 403, 200, 403, 403, 200]),
    ("post",   "/office/rebind",                             Form,    [303, 403, 403, 403, 403, 422, 403, 403, 422]),
    ("post",   "/office/{id}/revoke",                        Form,    [303, 403, 403, 303, 303, 303, 403, 403, 403]),
    ("post",   "/office/{id}/urge",                          Form,    [303, 403, 403, 403, 403, 403, 403, 422, 403]),
];

#[test]
fn every_route_has_a_row() {
    let registered: BTreeSet<(String, String)> = zhengming::routes::all_routes()
        .into_iter()
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    let mut tabled = BTreeSet::new();
    for (m, p, _, _) in TABLE {
        assert!(
            tabled.insert(((*m).to_owned(), (*p).to_owned())),
            "{m} {p} has two rows"
        );
    }
    let missing: Vec<_> = registered.difference(&tabled).collect();
    let stale: Vec<_> = tabled.difference(&registered).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without a row in tests/api/privilege.rs (say who may use them): {missing:?}; \
         rows for routes that do not exist: {stale:?}"
    );
}

/// What the table's paths stand for.
struct Fixture {
    case_id: String,
    case_number: String,
    doc_id: String,
    certificate: String,
    dispatch_id: String,
    job_id: String,
    delivery_phone: String,
}

impl Fixture {
    fn path(&self, template: &str) -> String {
        let p = match template {
            t if t.starts_with("/api/v1/dispatches/{id}") || t.starts_with("/courier/{id}") => {
                t.replace("{id}", &self.dispatch_id)
            }
            t if t.starts_with("/api/v1/documents/{id}") => t.replace("{id}", &self.doc_id),
            t if t.starts_with("/api/v1/admin/jobs/{id}") || t.starts_with("/admin/jobs/{id}") => {
                t.replace("{id}", &self.job_id)
            }
            t => t
                .replace("{id}", &self.case_id)
                .replace("{doc}", &self.doc_id)
                .replace("{number}", &self.certificate)
                .replace("{certificate_number}", &self.certificate)
                .replace("{code}", "residence")
                .replace("{lang}", "en")
                .replace("{name}", "document.svg"),
        };
        match template {
            "/api/v1/track" => format!(
                "{p}?number={}&phone={}",
                self.case_number, self.delivery_phone
            ),
            "/api/v1/holidays" => format!("{p}?year=2026"),
            "/api/v1/stats/cases" | "/supervise/cases" => format!("{p}?metric=received"),
            "/lang/{lang}" => format!("{p}?next=/"),
            _ => p,
        }
    }

    /// A JSON body that a permitted caller gets past the checks of role and scope
    /// with, but that changes nothing (a stale version, a missing reason …).
    fn json_body(&self, method: &str, template: &str) -> Value {
        match (method, template) {
            ("post", "/api/v1/applications/{id}/actions") => {
                json!({"action": "withdraw", "version": 0})
            }
            ("patch", "/api/v1/applications/{id}") => json!({"version": 0}),
            ("post", "/api/v1/applications/{id}/consent") => json!({"code": "123456"}),
            ("post", "/api/v1/certificates/{number}/revoke") => json!({"reason": ""}),
            ("post", "/api/v1/dispatches/{id}/events") => json!({"event": "pick_up", "version": 0}),
            ("post", "/api/v1/admin/holidays") => json!([]),
            ("post", "/api/v1/admin/jurisdictions") => json!({"code": "1", "name": "x"}),
            ("patch", "/api/v1/admin/jurisdictions/{code}") => json!({"name": ""}),
            ("post", "/api/v1/admin/staff") => {
                json!({"role": "official", "phone": "1", "name": "x", "jurisdiction": "1"})
            }
            ("patch", "/api/v1/admin/staff/{id}") => json!({"role": "official"}),
            _ => json!({}),
        }
    }

    fn form_fields(&self, template: &str) -> Vec<(&'static str, String)> {
        match template {
            "/office/{id}/action" => vec![("action", "approve".into()), ("version", "0".into())],
            "/office/{id}/dispatch-code" => vec![("dispatch", self.dispatch_id.clone())],
            "/courier/{id}/event" => vec![("event", "pick_up".into()), ("version", "0".into())],
            "/my/{id}/action" | "/my/{id}/confirm" => {
                vec![("action", "withdraw".into()), ("version", "0".into())]
            }
            "/office/{id}/confirm" => vec![("action", "approve".into()), ("version", "0".into())],
            _ => vec![],
        }
    }
}

const CSRF: &str = "privilege-table-csrf-token-0123456789abcdef";

async fn tokens(app: &TestApp, owner: &(String, String)) -> Vec<Option<String>> {
    let stranger = app.new_resident("陌生人").await.0;
    vec![
        None,
        Some(app.login(&owner.1, "secret-pass-1").await),
        Some(stranger),
        Some(app.login_staff("official", accounts::VILLAGE).await),
        Some(
            app.login_staff("official", accounts::OTHER_VILLAGE_SAME_TOWNSHIP)
                .await,
        ),
        Some(app.login_staff("official", accounts::TOWNSHIP).await),
        Some(app.login_staff("courier", accounts::TOWNSHIP).await),
        Some(
            app.login_staff("supervisor", &accounts::TOWNSHIP[..6])
                .await,
        ),
        Some(app.admin_token().await),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let (owner_token, owner_phone, _) = app.new_resident("王小明").await;
    let case = app.issued(&owner_token, "courier").await;
    let job_id: String = app
        .with_db(|c| {
            use diesel::prelude::*;
            use zhengming::db::schema::jobs::dsl as j;
            j::jobs.select(j::id).first(c).unwrap()
        })
        .await;
    let fx = Fixture {
        case_id: case["id"].as_str().unwrap().to_owned(),
        case_number: case["number"].as_str().unwrap().to_owned(),
        doc_id: case["documents"][0]["id"].as_str().unwrap().to_owned(),
        certificate: case["certificate"]["number"].as_str().unwrap().to_owned(),
        dispatch_id: case["dispatch"]["id"].as_str().unwrap().to_owned(),
        job_id,
        delivery_phone: case["dispatch"]["phone"].as_str().unwrap().to_owned(),
    };
    let owner = (owner_token, owner_phone);
    let mut sessions = tokens(&app, &owner).await;
    let client = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();

    let printing = std::env::var("PRIVILEGE_PRINT").is_ok();
    let mut wrong = Vec::new();
    for (method, template, body, expected) in TABLE {
        let path = fx.path(template);
        let mut got = [0u16; 9];
        for (i, role) in ROLES.iter().enumerate() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut req = client.request(m, app.url(&path));
            if let Some(t) = &sessions[i] {
                req = req.bearer_auth(t);
            }
            req = match body {
                Json => req.json(&fx.json_body(method, template)),
                Form | FreshForm => {
                    let mut fields = vec![("_csrf", CSRF.to_owned())];
                    fields.extend(fx.form_fields(template));
                    req.header("cookie", format!("zm_csrf={CSRF}"))
                        .form(&fields)
                }
                Empty | Fresh => req,
            };
            let status = req.send().await.expect("request sent").status().as_u16();
            assert_ne!(status, 500, "{method} {path} as {role}: server error");
            got[i] = status;
            if !printing && status != expected[i] {
                wrong.push(format!(
                    "{method} {template} as {role}: {status}, expected {}",
                    expected[i]
                ));
            }
        }
        if matches!(body, Fresh | FreshForm) {
            // The row ended every role's session.
            sessions = tokens(&app, &owner).await;
        }
        if printing {
            println!("{method:<6} {template:<45} {got:?}");
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// What a courier sees: the dispatch with the recipient's name masked, the delivery
/// phone, address and tracking number — and from the home page, the delivery list
/// rather than "apply".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_courier_sees_what_delivery_needs_and_nothing_else() {
    let app = spawn_app(Backend::Sqlite).await;
    let (resident, _, id_number) = app.new_resident("王小明").await;
    let case = app.issued(&resident, "courier").await;
    let courier = app.login_staff("courier", accounts::TOWNSHIP).await;

    let list = app.get("/api/v1/dispatches", Some(&courier)).await;
    assert_eq!(list.status, 200);
    let d = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == case["dispatch"]["id"])
        .cloned()
        .expect("the township's dispatch is listed");
    assert_eq!(d["recipient"], "王*明");
    assert_eq!(d["phone"], "13912345678");
    assert_eq!(d["address"], "敦化市雁鸣湖镇大山村三组12号");
    assert_eq!(d["tracking_number"], case["dispatch"]["tracking_number"]);
    assert!(!list.body.to_string().contains(&id_number));
    // The office still sees the full name.
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let list = app.get("/api/v1/dispatches", Some(&township)).await;
    assert!(list.body.to_string().contains("王小明"));

    let id = case["id"].as_str().unwrap();
    for path in [
        "/api/v1/applications".to_owned(),
        format!("/api/v1/applications/{id}"),
        format!("/api/v1/applications/{id}?reveal=true"),
        format!("/api/v1/applications/{id}/documents"),
        format!("/api/v1/applications/{id}/certificate.pdf"),
        format!(
            "/api/v1/documents/{}",
            case["documents"][0]["id"].as_str().unwrap()
        ),
    ] {
        app.get(&path, Some(&courier)).await.error(403, "forbidden");
    }

    // The courier's page: masked name, and no way to the case.
    let page = app.get("/courier", Some(&courier)).await;
    let html = page.body.as_str().unwrap();
    assert!(html.contains("王*明") && !html.contains("王小明"), "{html}");
    let home = app.get("/", Some(&courier)).await;
    let html = home.body.as_str().unwrap();
    assert!(html.contains("href=\"/courier\""), "{html}");
    assert!(
        !html.contains("href=\"/apply/"),
        "no apply links for a courier"
    );
    // A visitor is still offered "apply".
    let home = app.get("/", None).await;
    assert!(home.body.as_str().unwrap().contains("href=\"/apply/"));
}
