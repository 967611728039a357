//! 身份证号改绑: at the office, a township or county official (or an admin) moves an ID
//! number to the account of the person whose card it is, through the same use case as
//! `POST /api/v1/admin/residents/rebind`.

use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{json, Value};

use super::ctx::{field, raw_field, refused_status, Ctx};
use super::error::PageResult;
use crate::auth::password;
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::text;
use crate::error::{AppError, Fields};
use crate::workflow::id_numbers::{self, Rebind};
use crate::workflow::register::hash_password;

type Form = web::Form<Vec<(String, String)>>;

fn allowed(ctx: &Ctx) -> Result<crate::auth::CurrentUser, super::error::PageError> {
    let user = ctx.require(&[Role::Official, Role::Admin])?.clone();
    id_numbers::may_rebind(&user).map_err(|e| ctx.fail(e))?;
    Ok(user)
}

pub async fn form(ctx: Ctx) -> PageResult {
    allowed(&ctx)?;
    Ok(ctx.ok("rebind", json!({"values": {}, "errors": {}})))
}

pub async fn submit(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = allowed(&ctx)?;
    let values = json!({
        "id_number": field(&form, "id_number"),
        "phone": field(&form, "phone"),
        "name": field(&form, "name"),
    });
    let result = run(&ctx, user, &form).await;
    match result {
        Ok(()) => Ok(ctx.redirect("/office/rebind", Some(("ok", "rebind_done")))),
        Err(e) => {
            let errors = ctx.field_errors(&e).unwrap_or_default();
            let problem = match &e {
                AppError::NotFound(m) => Some(ctx.msg(m)),
                other => ctx.problem(other),
            };
            if problem.is_none() && errors.is_empty() {
                return Err(ctx.fail(e));
            }
            let status = if matches!(e, AppError::NotFound(_)) {
                StatusCode::NOT_FOUND
            } else {
                refused_status(&e)
            };
            Ok(ctx.render(
                status,
                "rebind",
                json!({"values": values, "errors": Value::Object(errors), "problem": problem}),
            ))
        }
    }
}

async fn run(ctx: &Ctx, user: crate::auth::CurrentUser, form: &Form) -> Result<(), AppError> {
    let mut f = Fields::default();
    let id = f.take("id_number", IdNumber::parse(field(form, "id_number")));
    let phone = f.take("phone", Phone::parse(field(form, "phone")));
    let name = Some(field(form, "name"))
        .filter(|n| !n.is_empty())
        .and_then(|n| f.take("name", text::person_name(n)));
    let pw = Some(raw_field(form, "password")).filter(|p| !p.is_empty());
    // Neither the phone nor the ID number may be the password.
    let personal = [
        field(form, "phone").to_owned(),
        field(form, "id_number").to_owned(),
    ];
    if let Some(p) = &pw {
        f.take(
            "password",
            password::check_policy(p, &[&personal[0], &personal[1]]),
        );
    }
    f.finish()?;
    let (Some(id_number), Some(phone)) = (id, phone) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let password_hash = match pw {
        Some(p) => Some(
            tokio::task::spawn_blocking(move || hash_password(&p, &[&personal[0], &personal[1]]))
                .await
                .map_err(AppError::internal)??,
        ),
        None => None,
    };
    let keys = ctx.state.services.data_keys.clone();
    let client = crate::routes::audit_client(&ctx.req);
    ctx.state
        .db
        .write(move |c| {
            id_numbers::rebind(
                c,
                &keys,
                &user,
                Rebind {
                    id_number,
                    phone,
                    name,
                    password_hash,
                },
                &client,
            )
        })
        .await
        .map(|_| ())
}
