//! Signing in and out, for the API and the pages alike, with the sign-in throttles;
//! listing and ending one's sessions. A session is a random token handed out once;
//! only its hash is stored, and it has an id of its own to be listed and ended by.
//!
//! Throttles (kept in `sign_in_failures`, so they hold across instances): per phone
//! and per client address, an attempt is counted as a failure *before* the password is
//! checked, in the same transaction that checks the wait, so a burst of parallel
//! attempts cannot slip past the count; a success undoes its count. See
//! `domain::throttle` for the rules.

use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::audit::Attempt;
use crate::auth::password;
use crate::auth::session::{coarse_user_agent, new_token, token_hash};
use crate::auth::CurrentUser;
use crate::config::Settings;
use crate::db::models::{new_id, now, Jurisdiction, Session, SignInFailures, User};
use crate::db::{catalog, sign_in_failures, users, DbConn};
use crate::domain::phone::Phone;
use crate::domain::throttle::{self, Policy, Record, Wait};
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
    /// Where the attempt came from: the address has its own throttle, both go to the
    /// audit log, and the user agent (coarsely) to the list of sessions.
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

/// How one sign-in attempt ended: the one place to observe it (log, audit).
pub enum Outcome {
    SignedIn(Box<SignedIn>),
    /// Wrong password, unknown phone or disabled account (the user is known in the
    /// first and last case).
    Refused {
        user_id: Option<String>,
    },
    /// Not tried: the phone or the address must wait.
    Throttled(Wait),
}

/// The throttle keys of an attempt: hashes, never the phone or address themselves.
struct Keys {
    phone: String,
    client: String,
}

fn key_of(kind: &str, value: &str) -> String {
    hex::encode(Sha256::digest(format!("{kind}:{value}").as_bytes()))
}

/// The key of a phone's sign-in failures (a password reset clears it).
pub fn phone_key(phone: &Phone) -> String {
    key_of("phone", phone.as_str())
}

pub fn phone_policy(s: &Settings) -> Policy {
    Policy {
        free_failures: s.sign_in_free_failures.max(1),
        lock_failures: s.sign_in_lock_failures.max(1),
        first_delay: chrono::Duration::seconds(s.sign_in_delay_secs.max(0)),
        lock: chrono::Duration::minutes(s.sign_in_lock_minutes.max(1)),
    }
}

fn client_policy(s: &Settings) -> Policy {
    Policy {
        free_failures: s.sign_in_client_free_failures.max(1),
        lock_failures: s.sign_in_client_lock_failures.max(1),
        ..phone_policy(s)
    }
}

fn record(r: SignInFailures) -> Record {
    Record {
        failures: r.failures,
        last_failure_at: r.last_failure_at,
        locked_until: r.locked_until,
    }
}

fn row(key: &str, r: Record) -> SignInFailures {
    SignInFailures {
        key: key.to_owned(),
        failures: r.failures,
        last_failure_at: r.last_failure_at,
        locked_until: r.locked_until,
    }
}

/// Checks the waits of both keys and, when none applies, counts this attempt as a
/// failure of each in advance. `Err(wait)`: refused, nothing counted.
fn begin_attempt(
    c: &mut DbConn,
    keys: &[(String, Policy)],
    t: NaiveDateTime,
) -> AppResult<Result<(), Wait>> {
    let mut rows = Vec::new();
    let mut wait = None;
    for (key, policy) in keys {
        let r = sign_in_failures::lock(c, key)?.map(record);
        wait = Wait::max(wait, policy.wait(r.as_ref(), t));
        rows.push(r);
    }
    if let Some(w) = wait {
        return Ok(Err(w));
    }
    for ((key, policy), r) in keys.iter().zip(rows) {
        sign_in_failures::save(c, &row(key, policy.fail(r.as_ref(), t)))?;
    }
    Ok(Ok(()))
}

/// A successful attempt: the phone's failures are cleared, the address's count of
/// this attempt undone.
fn succeeded(c: &mut DbConn, keys: &Keys, client_policy: Policy) -> AppResult<()> {
    sign_in_failures::delete(c, &keys.phone)?;
    if let Some(r) = sign_in_failures::lock(c, &keys.client)?.map(record) {
        match client_policy.undo(&r) {
            Some(r) => sign_in_failures::save(c, &row(&keys.client, r))?,
            None => {
                sign_in_failures::delete(c, &keys.client)?;
            }
        }
    }
    Ok(())
}

/// Checks phone and password and starts a session of `session_hours` (ended sooner
/// when idle, see `auth::current_user`), unless the phone or the address must wait.
pub async fn sign_in(state: &AppState, input: SignIn) -> AppResult<SignedIn> {
    let client = input.client.clone();
    let phone = match Phone::parse(&input.phone) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!("sign-in refused: malformed phone");
            super::audit::sign_in_bad_phone(state, &client, &input.phone).await?;
            return Err(AppError::field("phone", e));
        }
    };
    let typed = phone.as_str().to_owned();
    let outcome = attempt(state, phone, input).await?;
    // Every attempt ends here, whatever happened: logged, and written to the audit log.
    let t = now();
    match outcome {
        Outcome::SignedIn(s) => {
            tracing::info!(user_id = %s.user.id, role = %s.user.role, "signed in");
            super::audit::sign_in(state, &client, &typed, Attempt::SignedIn(&s.user)).await?;
            Ok(*s)
        }
        Outcome::Refused { user_id } => {
            tracing::info!(
                user_id = user_id.as_deref().unwrap_or("-"),
                "sign-in refused"
            );
            super::audit::sign_in(state, &client, &typed, Attempt::Refused).await?;
            Err(bad_credentials())
        }
        Outcome::Throttled(w) => {
            tracing::info!("sign-in throttled");
            super::audit::sign_in(state, &client, &typed, Attempt::Throttled).await?;
            Err(AppError::RetryAfter(
                throttle::refusal(w, t),
                throttle::seconds_until(w.until(), t),
            ))
        }
    }
}

async fn attempt(state: &AppState, phone: Phone, input: SignIn) -> AppResult<Outcome> {
    let keys = Keys {
        phone: phone_key(&phone),
        client: key_of("ip", &input.client.addr),
    };
    let (pp, cp) = (
        phone_policy(&state.settings),
        client_policy(&state.settings),
    );
    let plan = vec![(keys.phone.clone(), pp), (keys.client.clone(), cp)];
    let t = now();
    let lookup = phone.as_str().to_owned();
    let begun = state
        .db
        .write(move |c| {
            Ok::<_, AppError>(match begin_attempt(c, &plan, t)? {
                Err(w) => Err(w),
                Ok(()) => Ok(users::by_phone(c, &lookup)?),
            })
        })
        .await?;
    let found = match begun {
        Err(w) => return Ok(Outcome::Throttled(w)),
        Ok(found) => found,
    };
    let pw = input.password;
    // Hash work happens on the blocking pool, not the async executor; an unknown phone
    // costs as much as a wrong password (no account enumeration by timing).
    let (user, user_id) = tokio::task::spawn_blocking(move || match found {
        Some(u) if u.status == "active" && password::verify(&pw, &u.password_hash) => {
            (Some(u), None)
        }
        Some(u) => (None, Some(u.id)),
        None => {
            password::verify_dummy(&pw);
            (None, None)
        }
    })
    .await
    .map_err(AppError::internal)?;
    let Some(user) = user else {
        return Ok(Outcome::Refused { user_id });
    };

    let token = new_token();
    let t = now();
    let session = Session {
        id: new_id(),
        token_hash: token_hash(&token),
        user_id: user.id.clone(),
        created_at: t,
        expires_at: t + chrono::Duration::hours(state.settings.session_hours),
        last_seen_at: t,
        user_agent: coarse_user_agent(Some(&input.client.user_agent)),
    };
    let expires_at = session.expires_at;
    let old = input.replaces.map(|t| token_hash(&t));
    let jcode = user.jurisdiction_code.clone();
    let jurisdiction = state
        .db
        .write(move |c| {
            succeeded(c, &keys, cp)?;
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
    Ok(Outcome::SignedIn(Box::new(SignedIn {
        token,
        expires_at,
        user,
        jurisdiction,
    })))
}

/// Ends the session whose token hashes to `token_hash` (see [`CurrentUser`]): the
/// token stops working at once.
pub async fn sign_out(state: &AppState, token_hash: String) -> AppResult<()> {
    state
        .db
        .write(move |c| users::delete_session(c, &token_hash).map_err(AppError::from))
        .await?;
    Ok(())
}

/// One of the user's sessions as they see it.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// The session's own id (not its token): `DELETE /api/v1/me/sessions/{id}`.
    pub id: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Refreshed at most once a minute.
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Coarse: browser and system, or `API`.
    pub user_agent: String,
    /// The session this request came with.
    pub current: bool,
}

/// The user's live sessions, most recently used first.
pub async fn list(state: &AppState, user: &CurrentUser) -> AppResult<Vec<SessionView>> {
    let (id, current) = (user.id.clone(), user.session_id.clone());
    let idle = crate::auth::current_user::idle_of(&state.settings);
    let idle = match user.role {
        crate::domain::role::Role::Resident => idle.resident,
        _ => idle.staff,
    };
    let t = now();
    let rows = state
        .db
        .read(move |c| Ok::<_, AppError>(users::sessions_of(c, &id, t, t - idle)?))
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| SessionView {
            current: s.id == current,
            id: s.id,
            created_at: s.created_at.and_utc(),
            last_seen_at: s.last_seen_at.and_utc(),
            expires_at: s.expires_at.and_utc(),
            user_agent: s.user_agent,
        })
        .collect())
}

/// Ends one of the user's sessions (404 if it is not theirs or gone), audited.
pub async fn end(
    state: &AppState,
    client: &super::audit::Client,
    user: &CurrentUser,
    session_id: String,
) -> AppResult<()> {
    let uid = user.id.clone();
    let current = session_id == user.session_id;
    let client = client.clone();
    let n = state
        .db
        .write(move |c| {
            let n = users::delete_session_of(c, &uid, &session_id)?;
            if n > 0 {
                session_ended(c, &client, &uid, session_id, current)?;
            }
            Ok::<_, AppError>(n)
        })
        .await?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    Ok(())
}

/// Ends every session of the user but the one this request came with; how many
/// (audited when there was any).
pub async fn end_others(
    state: &AppState,
    client: &super::audit::Client,
    user: &CurrentUser,
) -> AppResult<usize> {
    let (uid, keep) = (user.id.clone(), user.session_id.clone());
    let client = client.clone();
    state
        .db
        .write(move |c| {
            let n = users::delete_sessions_of(c, &uid, Some(&keep))?;
            if n > 0 {
                super::audit::record(
                    c,
                    &client,
                    super::audit::Entry {
                        user_id: Some(uid.clone()),
                        action: super::audit::action::SESSION_END,
                        target_type: "user",
                        target_id: uid.clone(),
                        detail: Some(format!("others={n}")),
                        ..super::audit::Entry::default()
                    },
                )?;
            }
            Ok::<_, AppError>(n)
        })
        .await
}

fn session_ended(
    c: &mut DbConn,
    client: &super::audit::Client,
    uid: &str,
    session_id: String,
    current: bool,
) -> AppResult<()> {
    super::audit::record(
        c,
        client,
        super::audit::Entry {
            user_id: Some(uid.to_owned()),
            action: super::audit::action::SESSION_END,
            target_type: "session",
            target_id: session_id,
            detail: Some(if current { "current" } else { "other" }.to_owned()),
            ..super::audit::Entry::default()
        },
    )
}

/// Checks `password` against the account's `hash` under the phone's sign-in throttle
/// (for changing the password or the phone while signed in: a stolen session cannot
/// try passwords faster than the sign-in page). `Ok(false)`: wrong, and counted.
pub async fn verify_password(
    state: &AppState,
    phone: &Phone,
    password: String,
    hash: String,
) -> AppResult<bool> {
    let key = phone_key(phone);
    let plan = vec![(key.clone(), phone_policy(&state.settings))];
    let t = now();
    if let Err(w) = state.db.write(move |c| begin_attempt(c, &plan, t)).await? {
        return Err(AppError::RetryAfter(
            throttle::refusal(w, t),
            throttle::seconds_until(w.until(), t),
        ));
    }
    let ok = tokio::task::spawn_blocking(move || password::verify(&password, &hash))
        .await
        .map_err(AppError::internal)?;
    if ok {
        state
            .db
            .write(move |c| Ok::<_, AppError>(sign_in_failures::delete(c, &key)?))
            .await?;
    }
    Ok(ok)
}
