//! Uploaded documents of an application. Who may see one is decided by the scoped
//! application query (see `applications::find`).

use diesel::prelude::*;

use super::models::Document;
use super::schema::documents;
use super::DbConn;

/// Which of `keys` a document (file or thumbnail) or a certificate still refers to.
pub fn referenced_blobs(
    conn: &mut DbConn,
    keys: &[String],
) -> QueryResult<std::collections::HashSet<String>> {
    use super::schema::certificates;
    let mut found = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        found.extend(
            documents::table
                .filter(documents::blob_key.eq_any(chunk))
                .select(documents::blob_key)
                .load::<String>(conn)?,
        );
        found.extend(
            documents::table
                .filter(documents::thumb_key.eq_any(chunk))
                .select(documents::thumb_key)
                .load::<Option<String>>(conn)?
                .into_iter()
                .flatten(),
        );
        found.extend(
            certificates::table
                .filter(certificates::pdf_key.eq_any(chunk))
                .select(certificates::pdf_key)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

pub fn insert(conn: &mut DbConn, row: &Document) -> QueryResult<()> {
    diesel::insert_into(documents::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The application's documents, oldest first.
pub fn for_application(conn: &mut DbConn, application_id: &str) -> QueryResult<Vec<Document>> {
    documents::table
        .filter(documents::application_id.eq(application_id))
        .order((documents::created_at.asc(), documents::id.asc()))
        .select(Document::as_select())
        .load(conn)
}

/// The document, unscoped: callers must check its application with the caller's scope.
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Document>> {
    documents::table
        .filter(documents::id.eq(id))
        .select(Document::as_select())
        .first(conn)
        .optional()
}

/// (documents of `kind`, all documents) on the application.
pub fn counts(conn: &mut DbConn, application_id: &str, kind: &str) -> QueryResult<(i64, i64)> {
    let all = documents::table
        .filter(documents::application_id.eq(application_id))
        .count()
        .get_result::<i64>(conn)?;
    let of_kind = documents::table
        .filter(documents::application_id.eq(application_id))
        .filter(documents::kind.eq(kind))
        .count()
        .get_result::<i64>(conn)?;
    Ok((of_kind, all))
}

/// The named slots of `kind` already filled on the application.
pub fn slots_taken(
    conn: &mut DbConn,
    application_id: &str,
    kind: &str,
) -> QueryResult<Vec<String>> {
    documents::table
        .filter(documents::application_id.eq(application_id))
        .filter(documents::kind.eq(kind))
        .filter(documents::slot.is_not_null())
        .select(documents::slot.assume_not_null())
        .load(conn)
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(documents::table.filter(documents::id.eq(id))).execute(conn)
}
