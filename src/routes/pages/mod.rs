//! Server-rendered HTML pages for residents, officials and couriers (one module per
//! page group). Handlers call the workflows directly, like the API handlers do.

pub mod account;
mod admin_holidays;
pub mod assets;
pub mod courier;
pub mod ctx;
mod documents;
pub mod error;
pub mod i18n;
pub mod office;
pub mod public;
mod rebind;
pub mod resident;
mod track;
pub mod view;

use actix_web::web;

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::workflow::act::{self, ActInput};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(64 * 1024))
        .route("/", web::get().to(public::home))
        .route("/guide/{code}", web::get().to(public::guide))
        .route("/lang/{lang}", web::get().to(public::switch_lang))
        .route("/static/app.css", web::get().to(assets::css))
        .route("/static/app.js", web::get().to(assets::js))
        .route("/track", web::get().to(track::page))
        .route("/signin", web::get().to(account::signin_form))
        .route("/signin", web::post().to(account::signin))
        .route("/register", web::get().to(account::register_form))
        .route("/register", web::post().to(account::register))
        .route("/signout", web::post().to(account::signout))
        .route("/apply/{code}", web::get().to(resident::apply_form))
        .route("/apply/{code}", web::post().to(resident::apply))
        .route("/my", web::get().to(resident::my_list))
        .route("/my/{id}", web::get().to(resident::case))
        .route("/my/{id}/edit", web::get().to(resident::edit_form))
        .route("/my/{id}/edit", web::post().to(resident::edit))
        .route("/my/{id}/action", web::post().to(resident::act))
        .route("/my/{id}/documents", web::post().to(documents::upload))
        .route(
            "/my/{id}/documents/{doc}/delete",
            web::post().to(documents::delete),
        )
        .route("/office/rebind", web::get().to(rebind::form))
        .route("/office/rebind", web::post().to(rebind::submit))
        .route("/office", web::get().to(office::queue))
        .route("/office/{id}", web::get().to(office::case))
        .route("/office/{id}/action", web::post().to(office::act))
        .route("/admin/holidays", web::get().to(admin_holidays::page))
        .route("/admin/holidays", web::post().to(admin_holidays::submit))
        .route("/courier", web::get().to(courier::list))
        .route("/courier/{id}/event", web::post().to(courier::event));
}

/// One action through [`act::run`] on the writer connection.
pub async fn run_action(
    ctx: &ctx::Ctx,
    user: &CurrentUser,
    id: &str,
    input: ActInput,
) -> AppResult<()> {
    let svc = ctx.state.services.clone();
    let (user, id) = (user.clone(), id.to_owned());
    ctx.state
        .db
        .with_writer(move |c| act::run(c, &svc, &user, &id, input).map(|_| ()))
        .await
}
