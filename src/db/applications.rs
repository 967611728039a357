//! Applications and their append-only event trail, always scoped in SQL.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Application, ApplicationEvent};
use super::schema::{application_events, applications, certificate_types, jurisdictions};
use super::DbConn;
use crate::domain::role::Level;
use crate::domain::scope::Scope;

type Boxed<'a> = applications::BoxedQuery<'a, <DbConn as Connection>::Backend>;

fn scoped<'a>(scope: &'a Scope) -> Boxed<'a> {
    let q = applications::table.into_boxed();
    match scope {
        Scope::Own(user) => q.filter(applications::applicant_id.eq(user.as_str())),
        // Drafts are the resident's own business until submitted.
        Scope::Area(level, code) => {
            let q = q.filter(applications::status.ne("draft"));
            match level {
                Level::County => q.filter(applications::county_code.eq(code.as_str())),
                Level::Township => q.filter(applications::township_code.eq(code.as_str())),
                Level::Village => q.filter(applications::village_code.eq(code.as_str())),
            }
        }
        Scope::All => q.filter(applications::status.ne("draft")),
        Scope::Nothing => q.filter(applications::id.eq("")),
    }
}

pub fn insert(conn: &mut DbConn, app: &Application) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values(app)
        .execute(conn)
        .map(|_| ())
}

/// The application if the scope may see it.
pub fn find(conn: &mut DbConn, id: &str, scope: &Scope) -> QueryResult<Option<Application>> {
    scoped(scope)
        .filter(applications::id.eq(id))
        .select(Application::as_select())
        .first(conn)
        .optional()
}

/// Writes `app` only if the stored version is still `expected`; false means somebody
/// else changed it first (the caller answers 409).
pub fn update_if_version(conn: &mut DbConn, app: &Application, expected: i32) -> QueryResult<bool> {
    let n = diesel::update(
        applications::table
            .filter(applications::id.eq(&app.id))
            .filter(applications::version.eq(expected)),
    )
    .set(app)
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes the case's row lock for the rest of the transaction without changing it, so
/// that events appended to its trail by notes (督办) queue behind each other and
/// behind transitions instead of racing for the next sequence number.
pub fn lock_row(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = diesel::update(applications::table.filter(applications::id.eq(id)))
        .set(applications::version.eq(applications::version))
        .execute(conn)?;
    Ok(n == 1)
}

/// Cases the office holds whose deadlines were counted on provisional working days.
pub fn open_with_provisional_deadlines(conn: &mut DbConn) -> QueryResult<Vec<Application>> {
    applications::table
        .filter(applications::status.eq_any(["submitted", "under_review"]))
        .filter(applications::deadline_provisional.eq(true))
        .select(Application::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub statuses: Vec<String>,
    pub type_code: Option<String>,
    pub village: Option<String>,
    pub overdue_at: Option<NaiveDateTime>,
    /// Open cases due between these instants (now, end of the next working day).
    pub at_risk: Option<(NaiveDateTime, NaiveDateTime)>,
    /// Keyset cursor: the sort key and id of the last row already seen.
    pub after: Option<(NaiveDateTime, String)>,
    /// Only cases about this person: the blind index of their ID number.
    pub subject_index: Option<String>,
    pub limit: i64,
}

pub struct ListRow {
    pub app: Application,
    pub type_name: String,
    pub village_name: String,
}

/// The statuses in which a case waits for the office (what "overdue" and "at risk" mean).
const OPEN: [&str; 2] = ["submitted", "under_review"];

/// Residents see their own newest first; staff their queue, earliest deadline first.
///
/// A staff queue over several statuses (the office page's default asks for both open
/// ones) runs as one query per status, each an index range scan on
/// `(status, area, node_deadline, id)` that stops after `limit` rows, merged here by
/// deadline. As one `status IN (…) ORDER BY node_deadline` query neither SQLite nor
/// PostgreSQL can read that index in order: they sorted every open case of the area to
/// return 50 (1.1 s at 1,000,000 cases on SQLite; issue 20).
pub fn list(conn: &mut DbConn, scope: &Scope, f: &ListFilter) -> QueryResult<Vec<ListRow>> {
    let newest_first = matches!(scope, Scope::Own(_));
    let open_only = f.overdue_at.is_some() || f.at_risk.is_some();
    // The statuses the filters allow together; empty = any (for staff: any but draft).
    let statuses: Vec<String> = if open_only {
        OPEN.iter()
            .filter(|s| f.statuses.is_empty() || f.statuses.iter().any(|w| w == *s))
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        // Each status once (`status=submitted,submitted` must not list a case twice).
        let mut s = f.statuses.clone();
        s.sort();
        s.dedup();
        s
    };
    if open_only && statuses.is_empty() {
        return Ok(Vec::new());
    }
    let mut apps: Vec<Application> = if newest_first || statuses.len() < 2 {
        query(scope, f, &statuses, newest_first)
            .limit(f.limit)
            .select(Application::as_select())
            .load(conn)?
    } else {
        let mut all = Vec::new();
        for s in &statuses {
            all.extend(
                query(scope, f, std::slice::from_ref(s), false)
                    .limit(f.limit)
                    .select(Application::as_select())
                    .load::<Application>(conn)?,
            );
        }
        all
    };
    if !newest_first && statuses.len() >= 2 {
        apps.sort_by(|a, b| (a.node_deadline, &a.id).cmp(&(b.node_deadline, &b.id)));
        apps.truncate(usize::try_from(f.limit).unwrap_or(0));
    }
    decorate(conn, apps)
}

/// One scoped, filtered and ordered query (without its limit) for `list`.
fn query<'a>(
    scope: &'a Scope,
    f: &'a ListFilter,
    statuses: &'a [String],
    newest_first: bool,
) -> Boxed<'a> {
    let mut q = scoped(scope);
    match statuses {
        [] => {}
        // `=` rather than `IN (one)`: the planners then read the index in order.
        [one] => q = q.filter(applications::status.eq(one.as_str())),
        many => q = q.filter(applications::status.eq_any(many)),
    }
    if let Some(t) = &f.type_code {
        q = q.filter(applications::type_code.eq(t.as_str()));
    }
    if let Some(v) = &f.village {
        q = q.filter(applications::village_code.eq(v.as_str()));
    }
    if let Some(ix) = &f.subject_index {
        q = q.filter(applications::subject_id_bidx.eq(ix.as_str()));
    }
    if let Some(at) = f.overdue_at {
        q = q.filter(applications::node_deadline.lt(at));
    }
    if let Some((from, until)) = f.at_risk {
        q = q
            .filter(applications::node_deadline.ge(from))
            .filter(applications::node_deadline.le(until));
    }
    // The cursor also as a plain bound on the sort key (`>=` / `<=`), which both
    // planners turn into the start of the index range instead of reading every
    // earlier row of the area to skip it.
    q = match (&f.after, newest_first) {
        (Some((t, id)), true) => q.filter(applications::created_at.le(*t)).filter(
            applications::created_at.lt(*t).or(applications::created_at
                .eq(*t)
                .and(applications::id.lt(id.as_str()))),
        ),
        (Some((t, id)), false) => q.filter(applications::node_deadline.ge(*t)).filter(
            applications::node_deadline
                .gt(*t)
                .or(applications::node_deadline
                    .eq(*t)
                    .and(applications::id.gt(id.as_str()))),
        ),
        (None, _) => q,
    };
    if newest_first {
        q.order((applications::created_at.desc(), applications::id.desc()))
    } else {
        q.order((applications::node_deadline.asc(), applications::id.asc()))
    }
}

/// Adds the type and village names to each row (two small lookups, not one per row).
fn decorate(conn: &mut DbConn, apps: Vec<Application>) -> QueryResult<Vec<ListRow>> {
    let types: std::collections::HashMap<String, String> = certificate_types::table
        .select((certificate_types::code, certificate_types::name_zh))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let villages: Vec<&str> = apps.iter().map(|a| a.village_code.as_str()).collect();
    let names: std::collections::HashMap<String, String> = jurisdictions::table
        .filter(jurisdictions::code.eq_any(villages))
        .select((jurisdictions::code, jurisdictions::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(apps
        .into_iter()
        .map(|app| ListRow {
            type_name: types.get(&app.type_code).cloned().unwrap_or_default(),
            village_name: names.get(&app.village_code).cloned().unwrap_or_default(),
            app,
        })
        .collect())
}

/// Appends an event (the caller refreshes the figures: `workflow::figures`).
pub fn insert_event(conn: &mut DbConn, e: &ApplicationEvent) -> QueryResult<()> {
    diesel::insert_into(application_events::table)
        .values(e)
        .execute(conn)?;
    Ok(())
}

pub fn events(conn: &mut DbConn, application_id: &str) -> QueryResult<Vec<ApplicationEvent>> {
    application_events::table
        .filter(application_events::application_id.eq(application_id))
        .order(application_events::seq.asc())
        .select(ApplicationEvent::as_select())
        .load(conn)
}

pub fn last_event_seq(conn: &mut DbConn, application_id: &str) -> QueryResult<i32> {
    application_events::table
        .filter(application_events::application_id.eq(application_id))
        .select(diesel::dsl::max(application_events::seq))
        .first::<Option<i32>>(conn)
        .map(|m| m.unwrap_or(0))
}

/// Marks the application as changed if it is still editable by its applicant (draft or
/// returned). The row lock this takes orders a document change against a concurrent
/// submit; false means it is no longer editable.
pub fn touch_if_editable(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq_any(["draft", "returned"])),
    )
    .set(applications::updated_at.eq(at))
    .execute(conn)?;
    Ok(n == 1)
}
