//! What every page handler needs: the language, the signed-in user (if any), the CSRF
//! token and the flash message; rendering with the shared layout; HTML error pages.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::error::PageError;
use super::i18n::{self, Lang};
use crate::auth::current_user::request_token;
use crate::auth::session::new_token;
use crate::auth::CurrentUser;
use crate::db::models::now;
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::AppError;
use crate::routes::cookies;
use crate::state::AppState;
use crate::workflow::calendar_watch;

pub const CSRF_COOKIE: &str = cookies::CSRF;
pub const CSRF_FIELD: &str = "_csrf";
const FLASH_COOKIE: &str = cookies::FLASH;
pub const LANG_COOKIE: &str = cookies::LANG;

pub struct Ctx {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    csrf: String,
    new_csrf: bool,
    flash: Option<String>,
    /// Next year, when its holiday calendar is missing and this user should be told
    /// (admins and supervisors, from 1 October).
    calendar_warning: Option<i32>,
    /// 长辈版 (care mode): large type, large targets, high contrast.
    pub care: bool,
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ctx::load(req).await })
    }
}

impl Ctx {
    pub async fn load(req: HttpRequest) -> Result<Ctx, AppError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::internal("app state missing"))?;
        // An expired or unknown session simply means "not signed in" on pages.
        let user = match request_token(&req) {
            Some(_) => CurrentUser::extract(&req).await.ok(),
            None => None,
        };
        let lang = Lang::of_request(&req);
        let settings = &state.settings;
        let (csrf, new_csrf) = match cookies::read(&req, settings, CSRF_COOKIE) {
            Some(c) if c.len() >= 32 => (c, false),
            _ => (new_token(), true),
        };
        let flash = cookies::read(&req, settings, FLASH_COOKIE);
        // This browser's choice wins (it was made here, perhaps before signing in); a
        // browser that never chose follows the account, so the choice travels with it.
        let care = match cookies::read(&req, settings, cookies::CARE).as_deref() {
            Some("1") => true,
            Some("0") => false,
            _ => user.as_ref().is_some_and(|u| u.care_mode),
        };
        let watches_calendar = user
            .as_ref()
            .is_some_and(|u| matches!(u.role, Role::Admin | Role::Supervisor));
        let calendar_warning = if watches_calendar {
            let next = state
                .db
                .read(|c| Ok::<_, AppError>(calendar_watch::next_year(c, now())?))
                .await?;
            next.warn.then_some(next.year)
        } else {
            None
        };
        Ok(Ctx {
            req,
            state,
            lang,
            user,
            csrf,
            new_csrf,
            flash,
            calendar_warning,
            care,
        })
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::text(self.lang, key)
    }

    pub fn msg(&self, m: &Invalid) -> String {
        match self.lang {
            Lang::Zh => m.zh.clone(),
            Lang::En => m.en.clone(),
        }
    }

    /// The CSRF cookie holding `token`: never sent cross-site, not readable by scripts.
    pub fn csrf_cookie(&self, token: String) -> Cookie<'static> {
        cookies::build(&self.state.settings, CSRF_COOKIE, token)
            .http_only(true)
            .same_site(SameSite::Strict)
            .finish()
    }

    /// The double-submit check: the form's hidden token must equal the cookie's. A
    /// cross-site page can make the browser send the cookie but cannot read it.
    pub fn check_csrf(&self, form: &[(String, String)]) -> Result<(), PageError> {
        let sent = form
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let ok =
            !self.new_csrf && crate::auth::constant_time_eq(sent.as_bytes(), self.csrf.as_bytes());
        if ok {
            Ok(())
        } else {
            tracing::warn!(path = %self.req.path(), "form refused: CSRF token missing or wrong");
            Err(self
                .error_page(
                    StatusCode::FORBIDDEN,
                    self.t("csrf_title"),
                    self.t("csrf_text").to_owned(),
                )
                .into())
        }
    }

    /// The signed-in user if their role is one of `roles`; else the sign-in page or 403.
    pub fn require(&self, roles: &[Role]) -> Result<&CurrentUser, PageError> {
        match &self.user {
            None => Err(self.to_signin().into()),
            // A password an admin set is changed before anything else.
            Some(u) if u.must_change_password && !self.req.path().starts_with("/account") => {
                Err(self
                    .redirect("/account", Some(("err", "must_change_password")))
                    .into())
            }
            Some(u) if roles.contains(&u.role) => Ok(u),
            Some(_) => Err(self
                .error_page(
                    StatusCode::FORBIDDEN,
                    self.t("error_403_title"),
                    self.t("error_403_text").to_owned(),
                )
                .into()),
        }
    }

    fn to_signin(&self) -> HttpResponse {
        let next = self
            .req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let next = if self.req.method() == actix_web::http::Method::GET {
            next
        } else {
            "/"
        };
        let url = format!("/signin?next={}", urlencode(next));
        self.redirect(&url, None)
    }

    fn base(&self) -> Value {
        let mut path = self
            .req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        // A case page shown in answer to a post (an upload or an action that needs a
        // fix) has no GET of its own: switching the language goes to the case.
        if self.req.method() != actix_web::http::Method::GET {
            for tail in ["/documents", "/action", "/confirm"] {
                if let Some(case) = path.strip_suffix(tail) {
                    path = case.to_owned();
                    break;
                }
            }
        }
        let flash = self.flash.as_deref().and_then(|f| {
            let (kind, key) = f.split_once(':')?;
            let text = i18n::get(self.lang, &format!("flash_{key}"))?;
            Some(json!({"kind": if kind == "err" { "err" } else { "ok" }, "text": text}))
        });
        let user = self
            .user
            .as_ref()
            .map(|u| json!({"name": u.name, "role": u.role.as_str()}));
        json!({
            "t": i18n::catalogue(self.lang),
            "lang": self.lang.code(),
            "html_lang": self.lang.html_code(),
            "switch_url": format!("/lang/{}?next={}", self.lang.other().code(),
                urlencode(&path)),
            "path": path,
            "user": user,
            "csrf": self.csrf,
            "flash": flash,
            "calendar_warning": self.calendar_warning.map(|y| y.to_string()),
            "care": self.care,
            "css_url": super::assets::css_url(),
            "js_url": super::assets::js_url(),
        })
    }

    fn finish(&self, mut resp: HttpResponse) -> HttpResponse {
        if self.new_csrf {
            let _ = resp.add_cookie(&self.csrf_cookie(self.csrf.clone()));
        }
        if self.flash.is_some() {
            let _ = resp.add_cookie(&cookies::removal(&self.state.settings, FLASH_COOKIE));
        }
        resp
    }

    /// Renders `pages/<name>.html` inside the layout.
    pub fn render(&self, status: StatusCode, name: &str, page: Value) -> HttpResponse {
        let mut ctx = self.base();
        if let (Some(base), Value::Object(extra)) = (ctx.as_object_mut(), page) {
            base.extend(extra);
        }
        match self
            .state
            .services
            .templates
            .render(&format!("pages/{name}.html"), ctx)
        {
            Ok(html) => self.finish(
                HttpResponse::build(status)
                    .content_type("text/html; charset=utf-8")
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .body(html),
            ),
            Err(e) => {
                tracing::error!(template = name, error = %e, "page template failed");
                HttpResponse::InternalServerError()
                    .content_type("text/plain; charset=utf-8")
                    .body(
                        "系统繁忙，请稍后再试 / The service had a problem; please try again later",
                    )
            }
        }
    }

    pub fn ok(&self, name: &str, page: Value) -> HttpResponse {
        self.render(StatusCode::OK, name, page)
    }

    /// 303 to `to`, with a flash message (`kind` ok|err, `key` under `flash_` in the catalogue).
    pub fn redirect(&self, to: &str, flash: Option<(&str, &str)>) -> HttpResponse {
        // A target built from a mangled path segment (`%0d%0a`) is no header value.
        let to = header::HeaderValue::from_str(to)
            .unwrap_or_else(|_| header::HeaderValue::from_static("/"));
        let resp = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish();
        let mut resp = self.finish(resp);
        if let Some((kind, key)) = flash {
            // Replaces the removal `finish` may have added: the last Set-Cookie wins.
            let c = cookies::build(&self.state.settings, FLASH_COOKIE, format!("{kind}:{key}"))
                .http_only(true)
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::seconds(60))
                .finish();
            let _ = resp.add_cookie(&c);
        }
        resp
    }

    pub fn error_page(&self, status: StatusCode, title: &str, text: String) -> HttpResponse {
        self.render(
            status,
            "error",
            json!({"title": title, "text": text, "status": status.as_u16()}),
        )
    }

    /// An error from a use case as a page in the user's language.
    pub fn app_error(&self, e: AppError) -> HttpResponse {
        use actix_web::ResponseError;
        let status = e.status_code();
        let (title, text) = match &e {
            AppError::Unauthorized(_) => return self.to_signin(),
            AppError::NotFound(m) => (self.t("error_404_title"), self.msg(m)),
            AppError::Forbidden(m) => (self.t("error_403_title"), self.msg(m)),
            AppError::Validation(fields) => (
                self.t("error_input_title"),
                fields
                    .values()
                    .map(|m| self.msg(m))
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error on a page");
                (
                    self.t("error_500_title"),
                    self.t("error_500_text").to_owned(),
                )
            }
            AppError::BadRequest(m)
            | AppError::Conflict(m)
            | AppError::Unprocessable(m)
            | AppError::TooLarge(m)
            | AppError::UnsupportedMedia(m)
            | AppError::TooManyRequests(m)
            | AppError::RequestTimeout(m)
            | AppError::RetryAfter(m, _) => (self.t("error_generic_title"), self.msg(m)),
        };
        self.error_page(status, title, text)
    }

    /// [`Ctx::app_error`] as the handler's early answer (for `?`).
    pub fn fail(&self, e: AppError) -> PageError {
        self.app_error(e).into()
    }

    /// Field errors of a use case, keyed by field name, in the user's language.
    pub fn field_errors(&self, e: &AppError) -> Option<serde_json::Map<String, Value>> {
        match e {
            AppError::Validation(f) => Some(
                f.iter()
                    .map(|(k, v)| (k.clone(), Value::String(self.msg(v))))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// A use case's message for a banner above a form (conflicts, refusals).
    pub fn problem(&self, e: &AppError) -> Option<String> {
        match e {
            AppError::Validation(_) => Some(self.t("error_input_text").to_owned()),
            AppError::Conflict(m)
            | AppError::Forbidden(m)
            | AppError::BadRequest(m)
            | AppError::Unprocessable(m)
            | AppError::TooManyRequests(m)
            | AppError::RetryAfter(m, _) => Some(self.msg(m)),
            _ => None,
        }
    }
}

/// The status of a form shown again with a use case's refusal: 422 for field errors,
/// 409 for the rest (a stale version, an action the case no longer allows).
pub fn refused_status(e: &AppError) -> StatusCode {
    if matches!(e, AppError::Validation(_)) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CONFLICT
    }
}

/// Percent-encodes everything but unreserved characters (for `next=` parameters).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of a form field, trimmed; empty when absent.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

/// The value of a form field, trimmed; `None` when absent or empty.
pub fn field_opt(form: &[(String, String)], name: &str) -> Option<String> {
    Some(field(form, name).to_owned()).filter(|v| !v.is_empty())
}

/// The value of a form field as typed (passwords are not trimmed); empty when absent.
pub fn raw_field(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `next` only if it stays on this site: [`crate::domain::redirect::local_path`].
pub fn safe_next(next: &str) -> Option<String> {
    crate::domain::redirect::local_path(next)
}
