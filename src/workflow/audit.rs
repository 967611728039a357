//! The audit log (`access_log`): who did what to personal data or to an account, when,
//! from where and with what outcome — sign-ins (failed ones too), staff downloads of a
//! certificate, reveals of an ID number, staff views of a document, account changes.
//! It never holds an ID number (docs/architecture.md §4).

use crate::db::models::{new_id, now, AccessLogRow, User};
use crate::db::{access_log, users, DbConn};
use crate::domain::phone::Phone;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Where a request came from: the client address and its user agent (routes fill it in;
/// the CLI says `cli`).
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub addr: String,
    pub user_agent: String,
}

impl Client {
    pub const USER_AGENT_MAX_CHARS: usize = 200;

    pub fn new(addr: &str, user_agent: &str) -> Client {
        Client {
            addr: addr.chars().take(64).collect(),
            user_agent: user_agent
                .chars()
                .filter(|c| !c.is_control())
                .take(Self::USER_AGENT_MAX_CHARS)
                .collect(),
        }
    }

    /// A command run on the server (`zhengming user add` …), with the operating-system
    /// user who ran it when the environment says.
    pub fn cli() -> Client {
        let who = std::env::var("USER").unwrap_or_default();
        Client::new("cli", format!("zhengming-cli {who}").trim())
    }
}

/// Audited actions (the `action` column).
pub mod action {
    pub const SIGN_IN: &str = "sign_in";
    pub const REVEAL_ID_NUMBER: &str = "reveal_id_number";
    pub const VIEW_DOCUMENT: &str = "view_document";
    pub const VIEW_DOCUMENT_THUMB: &str = "view_document_thumb";
    pub const DOWNLOAD_CERTIFICATE: &str = "download_certificate";
    pub const USER_ADD: &str = "user_add";
    pub const ACCOUNT_UPDATE: &str = "account_update";
    pub const DELIVERY_LOCKED: &str = "delivery_locked";
    pub const DELIVERY_CODE_REISSUED: &str = "delivery_code_reissued";
    pub const SEARCH_ID_NUMBER: &str = "search_id_number";
    pub const VIEW_CASE: &str = "view_case";
    pub const DOWNLOAD_LABEL: &str = "download_label";
    pub const DOWNLOAD_MANIFEST: &str = "download_manifest";
    pub const REBIND_ID_NUMBER: &str = "rebind_id_number";
    pub const DEACTIVATE_ACCOUNT: &str = "deactivate_account";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const PASSWORD_CHANGE: &str = "password_change";
    pub const PHONE_CHANGE: &str = "phone_change";
    pub const SESSION_END: &str = "session_end";
    pub const ROSTER_IMPORT: &str = "roster_import";
    pub const ROSTER_LOOKUP: &str = "roster_lookup";
    pub const CATALOGUE_VERSION: &str = "catalogue_version";
    pub const CATALOGUE_COUNTY: &str = "catalogue_county";
    pub const JURISDICTIONS_IMPORT: &str = "jurisdictions_import";
    pub const JURISDICTION_CHANGE: &str = "jurisdiction_change";
    pub const STAFF_CHANGE: &str = "staff_change";
    pub const STAFF_PASSWORD_RESET: &str = "staff_password_reset";

    /// Every action, so each has a label on the admin's page. A slice, not an array, so
    /// that branches adding actions do not conflict on its length.
    pub const ALL: &[&str] = &[
        SIGN_IN,
        REVEAL_ID_NUMBER,
        VIEW_DOCUMENT,
        VIEW_DOCUMENT_THUMB,
        DOWNLOAD_CERTIFICATE,
        USER_ADD,
        ACCOUNT_UPDATE,
        DELIVERY_LOCKED,
        DELIVERY_CODE_REISSUED,
        SEARCH_ID_NUMBER,
        VIEW_CASE,
        DOWNLOAD_LABEL,
        DOWNLOAD_MANIFEST,
        REBIND_ID_NUMBER,
        DEACTIVATE_ACCOUNT,
        PASSWORD_RESET,
        PASSWORD_CHANGE,
        PHONE_CHANGE,
        SESSION_END,
        ROSTER_IMPORT,
        ROSTER_LOOKUP,
        CATALOGUE_VERSION,
        CATALOGUE_COUNTY,
        JURISDICTIONS_IMPORT,
        JURISDICTION_CHANGE,
        STAFF_CHANGE,
        STAFF_PASSWORD_RESET,
    ];
}

/// One entry, before it is written.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub user_id: Option<String>,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    /// `ok` when empty.
    pub outcome: &'static str,
    pub phone: Option<String>,
    pub application_id: Option<String>,
    pub detail: Option<String>,
}

/// Writes one entry in the caller's transaction.
pub fn record(conn: &mut DbConn, client: &Client, e: Entry) -> AppResult<()> {
    let outcome = if e.outcome.is_empty() {
        "ok"
    } else {
        e.outcome
    };
    access_log::insert(
        conn,
        &AccessLogRow {
            id: new_id(),
            user_id: e.user_id,
            action: e.action.to_owned(),
            target_type: e.target_type.to_owned(),
            target_id: e.target_id,
            created_at: now(),
            outcome: outcome.to_owned(),
            phone: e.phone,
            application_id: e.application_id,
            client_addr: Some(client.addr.clone()).filter(|a| !a.is_empty()),
            user_agent: Some(client.user_agent.clone()).filter(|a| !a.is_empty()),
            detail: e.detail,
        },
    )?;
    Ok(())
}

/// Writes one entry in its own write transaction.
pub async fn record_now(state: &AppState, client: &Client, e: Entry) -> AppResult<()> {
    let client = client.clone();
    state.db.write(move |c| record(c, &client, e)).await
}

/// How a sign-in attempt ended, as the audit log tells it.
pub enum Attempt<'a> {
    SignedIn(&'a User),
    /// Wrong password, unknown phone or disabled account.
    Refused,
    /// Not tried: the throttle made the phone or the address wait.
    Throttled,
}

/// A sign-in attempt with `phone` (as typed). A failure names the account when the
/// phone has one, and why (`wrong_password`, `unknown_phone`, `disabled`, `throttled`)
/// — for the audit only, never in the answer.
pub async fn sign_in(
    state: &AppState,
    client: &Client,
    phone: &str,
    attempt: Attempt<'_>,
) -> AppResult<()> {
    let phone = Phone::parse(phone)
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|_| phone.chars().take(20).collect());
    let ok = match attempt {
        Attempt::SignedIn(u) => Some(u.id.clone()),
        Attempt::Refused | Attempt::Throttled => None,
    };
    let throttled = matches!(attempt, Attempt::Throttled);
    let client = client.clone();
    state
        .db
        .write(move |c| {
            let (user_id, outcome, detail) = match ok {
                Some(id) => (Some(id), "ok", None),
                None if throttled => (
                    users::by_phone(c, &phone)?.map(|u| u.id),
                    "refused",
                    Some("throttled"),
                ),
                None => match users::by_phone(c, &phone)? {
                    Some(u) if u.status != "active" => (Some(u.id), "failed", Some("disabled")),
                    Some(u) => (Some(u.id), "failed", Some("wrong_password")),
                    None => (None, "failed", Some("unknown_phone")),
                },
            };
            record(
                c,
                &client,
                Entry {
                    target_id: user_id.clone().unwrap_or_default(),
                    user_id,
                    action: action::SIGN_IN,
                    target_type: "user",
                    outcome,
                    phone: Some(phone),
                    detail: detail.map(str::to_owned),
                    ..Entry::default()
                },
            )
        })
        .await
        .map_err(|e: AppError| e)
}

/// A sign-in attempt with a phone that is not a phone number: failed, `bad_phone`,
/// with what was typed (shortened, without control characters, long digit runs such as
/// an ID number typed in the wrong field masked).
pub async fn sign_in_bad_phone(state: &AppState, client: &Client, typed: &str) -> AppResult<()> {
    let short: String = typed.chars().filter(|c| !c.is_control()).take(20).collect();
    let phone = crate::notify::mask::digits_in(&short);
    record_now(
        state,
        client,
        Entry {
            action: action::SIGN_IN,
            target_type: "user",
            outcome: "failed",
            phone: Some(phone),
            detail: Some("bad_phone".to_owned()),
            ..Entry::default()
        },
    )
    .await
}

/// Staff opened a case (its form may say who is poor or on 低保): one row per view, in
/// its own short write. Owners reading their own case are not logged.
pub async fn case_viewed(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    client: &Client,
    application_id: &str,
) -> AppResult<()> {
    if !user.role.is_staff() {
        return Ok(());
    }
    record_now(
        state,
        client,
        Entry {
            user_id: Some(user.id.clone()),
            action: action::VIEW_CASE,
            target_type: "application",
            target_id: application_id.to_owned(),
            application_id: Some(application_id.to_owned()),
            ..Entry::default()
        },
    )
    .await
}

/// A delivery document (label or manifest: names, phones, addresses) was downloaded.
pub async fn delivery_printed(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    client: &Client,
    action: &'static str,
    target: &str,
) -> AppResult<()> {
    record_now(
        state,
        client,
        Entry {
            user_id: Some(user.id.clone()),
            action,
            target_type: if action == action::DOWNLOAD_LABEL {
                "dispatch"
            } else {
                "manifest"
            },
            target_id: target.to_owned(),
            ..Entry::default()
        },
    )
    .await
}
