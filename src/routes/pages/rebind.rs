//! 身份证号改绑: at the office, a township or county official (or an admin) moves an ID
//! number to the account of the person whose card it is, through the same use case as
//! `POST /api/v1/admin/residents/rebind`.

use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{json, Value};

use super::ctx::{field, raw_field, refused_status, Ctx};
use super::error::PageResult;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::workflow::id_numbers::{self, RebindInput};

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
    let input = RebindInput {
        id_number: field(form, "id_number").to_owned(),
        phone: field(form, "phone").to_owned(),
        name: field(form, "name").to_owned(),
        password: raw_field(form, "password").to_owned(),
    };
    let client = crate::routes::audit_client(&ctx.req);
    id_numbers::rebind_as_asked(&ctx.state, &user, input, &client)
        .await
        .map(|_| ())
}
