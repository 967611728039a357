//! The signed-in user, extracted from `Authorization: Bearer …` or the session cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use super::session::{token_hash, COOKIE_NAME};
use crate::db::models::now;
use crate::domain::role::{Level, Role};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: String,
    pub role: Role,
    pub name: String,
    /// Staff: the jurisdiction they work in, with its level.
    pub jurisdiction: Option<(String, Level)>,
    /// The hash of the token this request came with (for sign-out).
    pub token_hash: String,
    /// The id of this session (shown in the list of the user's sessions).
    pub session_id: String,
    /// 长辈版 (care mode) as remembered in the account.
    pub care_mode: bool,
}

impl CurrentUser {
    pub fn require_role(&self, allowed: &[Role]) -> Result<(), AppError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "您的账号没有进行此操作的权限",
                "Your account is not allowed to do this",
            ))
        }
    }
}

/// The raw token of a request, if any.
pub fn request_token(req: &HttpRequest) -> Option<String> {
    if let Some(h) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let v = h.to_str().ok()?;
        let t = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))?;
        return Some(t.trim().to_owned());
    }
    // Over HTTPS the cookie is `__Host-zm_session` (an unprefixed one is not ours).
    let name = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.cookie_name(COOKIE_NAME))
        .unwrap_or_else(|| COOKIE_NAME.to_owned());
    req.cookie(&name).map(|c| c.value().to_owned())
}

/// How often a session's `last_seen_at` is written at most.
pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// The idle timeouts of the settings.
pub fn idle_of(s: &crate::config::Settings) -> crate::db::users::Idle {
    crate::db::users::Idle {
        resident: chrono::Duration::minutes(s.session_idle_minutes_resident.max(1)),
        staff: chrono::Duration::minutes(s.session_idle_minutes_staff.max(1)),
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = request_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token
                .filter(|t| !t.is_empty())
                .ok_or_else(AppError::unauthorized)?;
            let state = state.ok_or_else(|| AppError::internal("app state missing"))?;
            let hash = token_hash(&token);
            let lookup = hash.clone();
            let idle = idle_of(&state.settings);
            let t = now();
            let (user, session, care_mode) = state
                .db
                .read(move |c| {
                    crate::db::users::by_session(c, &lookup, t, idle).map_err(AppError::from)
                })
                .await?
                .ok_or_else(|| {
                    AppError::Unauthorized(crate::domain::Invalid::new(
                        "登录已失效，请重新登录",
                        "Your session has expired; please sign in again",
                    ))
                })?;
            // The idle clock restarts, written at most once a minute per session.
            if session.last_seen_at < t - TOUCH_EVERY {
                let id = session.id.clone();
                state
                    .db
                    .with_writer(move |c| {
                        crate::db::users::touch_session(c, &id, t, TOUCH_EVERY)
                            .map_err(AppError::from)
                    })
                    .await?;
            }
            let role =
                Role::parse(&user.role).map_err(|_| AppError::internal("stored role unknown"))?;
            let jurisdiction = user
                .jurisdiction_code
                .as_deref()
                .and_then(|c| Level::of_code(c).map(|l| (c.to_owned(), l)));
            Ok(CurrentUser {
                id: user.id,
                role,
                name: user.name,
                jurisdiction,
                token_hash: hash,
                session_id: session.id,
                care_mode,
            })
        })
    }
}
