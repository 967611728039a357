//! The session cookie, set and removed the same way by the API and the pages.

use actix_web::cookie::{Cookie, SameSite};

use crate::auth::session::COOKIE_NAME;
use crate::config::Settings;

/// Cookies are `Secure` when the service is reached over HTTPS.
pub fn secure(settings: &Settings) -> bool {
    settings.base_url.starts_with("https://")
}

/// The browser's session: not readable by scripts, sent on top-level navigation.
pub fn session(settings: &Settings, token: String) -> Cookie<'static> {
    Cookie::build(COOKIE_NAME, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(settings))
        .max_age(actix_web::cookie::time::Duration::hours(
            settings.session_hours,
        ))
        .finish()
}

/// Tells the browser to drop its session cookie.
pub fn session_removal() -> Cookie<'static> {
    let mut gone = Cookie::build(COOKIE_NAME, "").path("/").finish();
    gone.make_removal();
    gone
}
