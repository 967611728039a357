//! `src/db/schema.rs` is kept by hand; this checks it against the database the
//! migrations build, on both backends: the same tables, the same columns, each with the
//! type and nullability diesel is told, and the same primary key. A column added to a
//! migration but not to schema.rs (or the reverse) fails here, not in production.

use std::collections::BTreeMap;

use diesel::sql_types::{Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};
use zhengming::db::DbConn;

use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

const SCHEMA_RS: &str = include_str!("../../src/db/schema.rs");

/// One column as both sides describe it: the declared SQL type, nullable, part of the
/// primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    sql_type: String,
    nullable: bool,
    primary_key: bool,
}

type Tables = BTreeMap<String, BTreeMap<String, Column>>;

/// The SQL type each backend declares for a diesel type (only the types both share).
fn declared(diesel_type: &str, backend: Backend) -> String {
    let (sqlite, postgres) = match diesel_type {
        "Text" => ("TEXT", "text"),
        "Integer" => ("INTEGER", "integer"),
        "BigInt" => ("BIGINT", "bigint"),
        "Bool" => ("BOOLEAN", "boolean"),
        "Timestamp" => ("TIMESTAMP", "timestamp without time zone"),
        "Binary" => ("BLOB", "bytea"),
        other => panic!("schema.rs uses {other}, which this check does not know"),
    };
    match backend {
        Backend::Sqlite => sqlite.into(),
        Backend::Postgres => postgres.into(),
    }
}

/// The `diesel::table!` blocks of schema.rs, as the given backend should declare them.
fn from_schema_rs(backend: Backend) -> Tables {
    let mut tables = Tables::new();
    let mut lines = SCHEMA_RS.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "diesel::table! {" {
            continue;
        }
        // `name (pk, …) {`
        let head = lines.next().expect("table head");
        let (name, rest) = head.split_once(' ').expect("table name and key");
        let keys: Vec<&str> = rest
            .trim_start_matches('(')
            .split_once(')')
            .expect("primary key")
            .0
            .split(',')
            .map(str::trim)
            .collect();
        let mut columns = BTreeMap::new();
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            assert!(
                !line.starts_with('#'),
                "schema.rs: attributes such as {line} are not understood by this check"
            );
            let (column, ty) = line
                .trim_end_matches(',')
                .split_once(" -> ")
                .unwrap_or_else(|| panic!("schema.rs: cannot read column line {line:?}"));
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), true),
                None => (ty, false),
            };
            columns.insert(
                column.to_owned(),
                Column {
                    sql_type: declared(ty, backend),
                    nullable,
                    primary_key: keys.contains(&column),
                },
            );
        }
        tables.insert(name.to_owned(), columns);
    }
    assert!(
        !tables.is_empty(),
        "no diesel::table! blocks found in schema.rs"
    );
    tables
}

#[derive(QueryableByName)]
struct SqliteTable {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    #[diesel(column_name = type_)]
    type_: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    primary_key: bool,
}

/// The migrated database's tables, without the migration runner's own bookkeeping.
fn from_database(conn: &mut DbConn) -> Tables {
    let mut tables = Tables::new();
    match conn {
        DbConn::Sqlite(c) => {
            let names: Vec<SqliteTable> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .expect("list tables");
            for table in names {
                // `type` is a keyword in Rust; select it under another name.
                let columns: Vec<SqliteColumn> = diesel::sql_query(format!(
                    "SELECT name, type AS type_, \"notnull\", pk FROM pragma_table_info('{}')",
                    table.name
                ))
                .load(c)
                .expect("table_info");
                let columns = columns
                    .into_iter()
                    .map(|col| {
                        let column = Column {
                            sql_type: col.type_,
                            // SQLite lets a non-integer primary key hold NULL unless it
                            // says NOT NULL; diesel (and our inserts) treat the key as
                            // required, as PostgreSQL does.
                            nullable: col.notnull == 0 && col.pk == 0,
                            primary_key: col.pk > 0,
                        };
                        (col.name, column)
                    })
                    .collect();
                tables.insert(table.name, columns);
            }
        }
        DbConn::Pg(c) => {
            let columns: Vec<PgColumn> = diesel::sql_query(
                "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                        c.data_type::text AS data_type, c.is_nullable::text AS is_nullable, \
                        EXISTS (SELECT 1 FROM information_schema.table_constraints t \
                                JOIN information_schema.key_column_usage k \
                                  ON k.constraint_name = t.constraint_name \
                                 AND k.table_schema = t.table_schema \
                                 AND k.table_name = t.table_name \
                                WHERE t.constraint_type = 'PRIMARY KEY' \
                                  AND t.table_schema = c.table_schema \
                                  AND t.table_name = c.table_name \
                                  AND k.column_name = c.column_name) AS primary_key \
                 FROM information_schema.columns c \
                 WHERE c.table_schema = 'public' \
                   AND c.table_name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .expect("information_schema.columns");
            for col in columns {
                tables.entry(col.table_name).or_default().insert(
                    col.column_name,
                    Column {
                        sql_type: col.data_type,
                        nullable: col.is_nullable == "YES",
                        primary_key: col.primary_key,
                    },
                );
            }
        }
    }
    tables
}

/// Every difference between what schema.rs says and what the database has.
fn differences(schema_rs: &Tables, database: &Tables) -> Vec<String> {
    let mut out = Vec::new();
    for (table, columns) in schema_rs {
        let Some(db_columns) = database.get(table) else {
            out.push(format!(
                "table {table} is in schema.rs but not in the migrations"
            ));
            continue;
        };
        for (column, want) in columns {
            match db_columns.get(column) {
                None => out.push(format!(
                    "{table}.{column} is in schema.rs but not in the migrations"
                )),
                Some(have) if have != want => out.push(format!(
                    "{table}.{column}: schema.rs says {want:?}, the migrated database has {have:?}"
                )),
                Some(_) => {}
            }
        }
        for column in db_columns.keys().filter(|c| !columns.contains_key(*c)) {
            out.push(format!(
                "{table}.{column} is in the migrations but not in schema.rs"
            ));
        }
    }
    for table in database.keys().filter(|t| !schema_rs.contains_key(*t)) {
        out.push(format!(
            "table {table} is in the migrations but not in schema.rs"
        ));
    }
    out
}

async fn schema_rs_matches_the_migrated_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut conn = app.app_db.read_conn().expect("connection");
    let database = from_database(&mut conn);
    let problems = differences(&from_schema_rs(backend), &database);
    assert!(
        problems.is_empty(),
        "src/db/schema.rs does not match migrations/{}:\n  {}",
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        },
        problems.join("\n  ")
    );
}
both_backends!(schema_rs_matches_the_migrated_database);

#[test]
fn a_column_missing_from_schema_rs_is_reported() {
    let schema_rs = from_schema_rs(Backend::Sqlite);
    let mut database = schema_rs.clone();
    let column = Column {
        sql_type: "TEXT".into(),
        nullable: true,
        primary_key: false,
    };
    database
        .get_mut("users")
        .expect("users table")
        .insert("nickname".into(), column.clone());
    database.insert(
        "extra".into(),
        BTreeMap::from([("id".to_string(), column.clone())]),
    );
    database
        .get_mut("jobs")
        .expect("jobs table")
        .get_mut("kind")
        .expect("jobs.kind")
        .nullable = true;
    assert_eq!(
        differences(&schema_rs, &database),
        [
            "jobs.kind: schema.rs says Column { sql_type: \"TEXT\", nullable: false, primary_key: false }, \
             the migrated database has Column { sql_type: \"TEXT\", nullable: true, primary_key: false }",
            "users.nickname is in the migrations but not in schema.rs",
            "table extra is in the migrations but not in schema.rs",
        ]
    );
}

#[derive(QueryableByName)]
struct Analysed {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// `db::analyze` gives PostgreSQL fresh statistics of the tables a bulk load filled
/// (none on SQLite), and refuses what is not a plain table name.
async fn analyze_refreshes_the_statistics_of_the_named_tables(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut conn = app.app_db.write_conn().unwrap();
    zhengming::db::analyze(&mut conn, &["applications", "application_events"]).unwrap();
    if let DbConn::Pg(pg) = &mut *conn {
        let analysed: Analysed = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_user_tables \
             WHERE relname IN ('applications', 'application_events') \
             AND last_analyze IS NOT NULL",
        )
        .get_result(pg)
        .unwrap();
        assert_eq!(analysed.n, 2);
        assert!(zhengming::db::analyze(&mut conn, &["users; DROP TABLE users"]).is_err());
    }
}
both_backends!(analyze_refreshes_the_statistics_of_the_named_tables);
