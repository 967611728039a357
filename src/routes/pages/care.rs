//! 长辈版 (care mode, 适老化): large type, large targets and high contrast, switched on
//! or off from any page. Remembered in a cookie for this browser and, for a signed-in
//! person, in the account, so it follows them to another phone.

use actix_web::cookie::SameSite;
use actix_web::web;

use super::ctx::{field, safe_next, Ctx};
use super::error::PageResult;
use crate::error::AppError;
use crate::routes::cookies;

type Form = web::Form<Vec<(String, String)>>;

/// `on=1` switches care mode on, anything else off; then back to `next` (a local path).
pub async fn switch(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let on = field(&form, "on") == "1";
    if let Some(user) = &ctx.user {
        let id = user.id.clone();
        ctx.state
            .db
            .with_writer(move |c| {
                crate::db::users::set_care_mode(c, &id, on).map_err(AppError::from)
            })
            .await
            .map_err(|e| ctx.fail(e))?;
    }
    let next = safe_next(field(&form, "next")).unwrap_or_else(|| "/".to_owned());
    let mut resp = ctx.redirect(&next, None);
    let cookie = cookies::build(
        &ctx.state.settings,
        cookies::CARE,
        if on { "1" } else { "0" }.to_owned(),
    )
    .same_site(SameSite::Lax)
    .max_age(actix_web::cookie::time::Duration::days(365))
    .finish();
    let _ = resp.add_cookie(&cookie);
    Ok(resp)
}
