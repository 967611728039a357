//! The cookies the service sets (session, CSRF, flash message, language, care mode), built and
//! removed the same way by the API and the pages. Over HTTPS each is `Secure`, `Path=/`,
//! without `Domain`, and named `__Host-…` (`Settings::cookie_name`), so a sibling host
//! or a network attacker cannot plant one; over plain HTTP the names are plain.

use actix_web::cookie::{Cookie, CookieBuilder, SameSite};
use actix_web::HttpRequest;

use crate::auth::session::COOKIE_NAME;
use crate::config::Settings;

pub use crate::auth::session::COOKIE_NAME as SESSION;
pub const CSRF: &str = "zm_csrf";
pub const FLASH: &str = "zm_flash";
pub const LANG: &str = "zm_lang";
/// 长辈版 (care mode) on ("1") or off ("0") in this browser.
pub const CARE: &str = "zm_care";

/// Cookies are `Secure` when the service is reached over HTTPS.
pub fn secure(settings: &Settings) -> bool {
    settings.https()
}

/// A cookie named after `base` (prefixed over HTTPS), `Path=/`, `Secure` over HTTPS.
pub fn build(settings: &Settings, base: &str, value: String) -> CookieBuilder<'static> {
    Cookie::build(settings.cookie_name(base), value)
        .path("/")
        .secure(secure(settings))
}

/// Tells the browser to drop the cookie `base` (with the attributes it was set with,
/// which a `__Host-` cookie needs even to be removed).
pub fn removal(settings: &Settings, base: &str) -> Cookie<'static> {
    let mut gone = build(settings, base, String::new()).finish();
    gone.make_removal();
    gone
}

/// The value of the cookie `base` the request came with (under its prefixed name over
/// HTTPS; an unprefixed one is ignored there).
pub fn read(req: &HttpRequest, settings: &Settings, base: &str) -> Option<String> {
    req.cookie(&settings.cookie_name(base))
        .map(|c| c.value().to_owned())
}

/// The browser's session: not readable by scripts, sent on top-level navigation.
pub fn session(settings: &Settings, token: String) -> Cookie<'static> {
    build(settings, COOKIE_NAME, token)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::hours(
            settings.session_hours,
        ))
        .finish()
}

/// Tells the browser to drop its session cookie.
pub fn session_removal(settings: &Settings) -> Cookie<'static> {
    removal(settings, COOKIE_NAME)
}
