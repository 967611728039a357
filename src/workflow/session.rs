//! Signing in and out, for the API and the pages alike. A session is a random token
//! handed out once; only its hash is stored.

use chrono::NaiveDateTime;

use crate::auth::password;
use crate::auth::session::{new_token, token_hash};
use crate::db::models::{now, Jurisdiction, Session, User};
use crate::db::{catalog, users};
use crate::domain::phone::Phone;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub struct SignIn {
    pub phone: String,
    pub password: String,
    /// The token the client came with, ended by the new session. A browser's cookie is
    /// renewed this way (a token planted before sign-in is worth nothing); API clients
    /// pass none and keep their other tokens.
    pub replaces: Option<String>,
    /// Where the attempt came from, for the audit log.
    pub client: super::audit::Client,
}

pub struct SignedIn {
    /// The new token, to hand to the client once.
    pub token: String,
    pub expires_at: NaiveDateTime,
    pub user: User,
    /// Staff: the jurisdiction they work in.
    pub jurisdiction: Option<Jurisdiction>,
}

/// The one answer for an unknown phone, a wrong password and a disabled account.
fn bad_credentials() -> AppError {
    AppError::Unauthorized(Invalid::new(
        "手机号或密码不正确",
        "Wrong phone number or password",
    ))
}

/// Checks phone and password and starts a session of `session_hours`.
pub async fn sign_in(state: &AppState, input: SignIn) -> AppResult<SignedIn> {
    let phone = Phone::parse(&input.phone).map_err(|e| AppError::field("phone", e))?;
    let found = state
        .db
        .read(move |c| users::by_phone(c, phone.as_str()).map_err(AppError::from))
        .await?;
    let pw = input.password;
    // Hash work happens on the blocking pool, not the async executor; an unknown phone
    // costs as much as a wrong password (no account enumeration by timing).
    let user = tokio::task::spawn_blocking(move || match found {
        Some(u) if u.status == "active" && password::verify(&pw, &u.password_hash) => Some(u),
        Some(_) => None,
        None => {
            password::verify_dummy(&pw);
            None
        }
    })
    .await
    .map_err(AppError::internal)?;
    super::audit::sign_in(state, &input.client, &input.phone, user.as_ref()).await?;
    let user = user.ok_or_else(bad_credentials)?;

    let token = new_token();
    let t = now();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id.clone(),
        created_at: t,
        expires_at: t + chrono::Duration::hours(state.settings.session_hours),
    };
    let expires_at = session.expires_at;
    let old = input.replaces.map(|t| token_hash(&t));
    let jcode = user.jurisdiction_code.clone();
    let jurisdiction = state
        .db
        .write(move |c| {
            if let Some(old) = old {
                users::delete_session(c, &old)?;
            }
            users::delete_expired_sessions(c, t)?;
            users::insert_session(c, &session)?;
            match jcode {
                Some(code) => Ok::<_, AppError>(catalog::jurisdiction(c, &code)?),
                None => Ok(None),
            }
        })
        .await?;
    tracing::info!(user_id = %user.id, role = %user.role, "signed in");
    Ok(SignedIn {
        token,
        expires_at,
        user,
        jurisdiction,
    })
}

/// Ends the session whose token hashes to `token_hash` (see [`CurrentUser`]): the
/// token stops working at once.
///
/// [`CurrentUser`]: crate::auth::CurrentUser
pub async fn sign_out(state: &AppState, token_hash: String) -> AppResult<()> {
    state
        .db
        .write(move |c| users::delete_session(c, &token_hash).map_err(AppError::from))
        .await?;
    Ok(())
}
