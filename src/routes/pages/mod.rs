//! Server-rendered HTML pages for residents, officials and couriers (one module per
//! page group). Handlers call the workflows directly, like the API handlers do.

pub mod account;
mod admin;
mod admin_audit;
mod admin_catalogue;
mod admin_holidays;
mod admin_jobs;
mod admin_jurisdictions;
mod admin_keys;
mod admin_rosters;
mod admin_staff;
pub mod assets;
mod care;
mod confirm;
mod consent;
pub mod courier;
pub mod ctx;
mod documents;
pub mod error;
mod examples;
pub mod i18n;
pub mod office;
pub mod public;
mod rebind;
pub mod resident;
mod settings;
mod track;
mod urge;
pub mod view;
mod wallet;

use actix_web::web;

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::workflow::act::{self, ActInput};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(64 * 1024)
            .error_handler(|e, _| match &e {
                actix_web::error::UrlencodedError::Payload(p)
                    if crate::routes::security::is_body_timeout(p) =>
                {
                    crate::error::AppError::body_timeout().into()
                }
                _ => e.into(),
            }),
    )
    .configure(register);
}

route_list! {
    get "/" => public::home;
    get "/guide/{code}" => public::guide;
    get "/lang/{lang}" => public::switch_lang;
    post "/care" => care::switch;
    get "/static/app.css" => assets::css;
    get "/static/app.js" => assets::js;
    get "/static/verify.css" => assets::verify_css;
    get "/static/docs.css" => assets::docs_css;
    get "/static/examples/{name}" => examples::serve;
    get "/track" => track::page;
    get "/signin" => account::signin_form;
    post "/signin" => account::signin;
    get "/register" => account::register_form;
    post "/register" => account::register;
    post "/signout" => account::signout;
    get "/forgot" => account::forgot_form;
    post "/forgot" => account::forgot;
    get "/account" => settings::page;
    post "/account/password" => settings::password;
    post "/account/phone" => settings::phone;
    post "/account/sessions/end-others" => settings::end_others;
    post "/account/sessions/{id}/end" => settings::end_session;
    get "/apply/{code}" => resident::apply_form;
    post "/apply/{code}" => resident::apply;
    get "/my" => resident::my_list;
    get "/my/certificates" => wallet::page;
    get "/my/{id}" => resident::case;
    get "/my/{id}/edit" => resident::edit_form;
    post "/my/{id}/edit" => resident::edit;
    post "/my/{id}/action" => resident::act;
    post "/my/{id}/confirm" => confirm::resident;
    post "/my/{id}/consent-code" => consent::send_code;
    post "/my/{id}/consent" => consent::confirm;
    post "/my/{id}/documents" => documents::upload;
    post "/my/{id}/documents/{doc}/delete" => documents::delete;
    get "/office/rebind" => rebind::form;
    post "/office/rebind" => rebind::submit;
    get "/office" => office::queue;
    get "/office/{id}" => office::case;
    post "/office/{id}/action" => office::act;
    post "/office/{id}/confirm" => confirm::office;
    post "/office/{id}/revoke" => office::revoke;
    post "/office/{id}/dispatch-code" => office::new_dispatch_code;
    post "/office/{id}/urge" => urge::post;
    get "/admin" => admin::page;
    get "/admin/jurisdictions" => admin_jurisdictions::page;
    post "/admin/jurisdictions" => admin_jurisdictions::upload;
    post "/admin/jurisdictions/one" => admin_jurisdictions::one;
    get "/admin/holidays" => admin_holidays::page;
    post "/admin/holidays" => admin_holidays::submit;
    get "/admin/rosters" => admin_rosters::page;
    post "/admin/rosters" => admin_rosters::submit;
    get "/admin/audit" => admin_audit::page;
    get "/admin/catalogue" => admin_catalogue::list;
    get "/admin/catalogue/{code}" => admin_catalogue::edit_form;
    post "/admin/catalogue/{code}" => admin_catalogue::save;
    post "/admin/catalogue/{code}/county" => admin_catalogue::county;
    get "/admin/jobs" => admin_jobs::list;
    post "/admin/jobs/{id}/retry" => admin_jobs::retry;
    get "/admin/keys" => admin_keys::page;
    post "/admin/keys/rotate" => admin_keys::rotate;
    get "/admin/keys/{kid}/public-key" => admin_keys::public_key;
    get "/admin/staff" => admin_staff::page;
    post "/admin/staff" => admin_staff::add;
    post "/admin/staff/import" => admin_staff::import;
    post "/admin/staff/{id}/change" => admin_staff::change;
    post "/admin/staff/{id}/password-reset" => admin_staff::reset;
    post "/admin/staff/{id}/deactivate" => admin_staff::deactivate;
    get "/courier" => courier::list;
    post "/courier/{id}/event" => courier::event;
}

/// One action through [`act::run`] on the writer connection.
pub async fn run_action(
    ctx: &ctx::Ctx,
    user: &CurrentUser,
    id: &str,
    input: ActInput,
) -> AppResult<()> {
    act::run(&ctx.state.db, &ctx.state.services, user, id, input)
        .await
        .map(|_| ())
}
