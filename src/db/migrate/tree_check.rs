//! The two migration trees stay in step: the same dated directories, the same files,
//! byte-identical except the files `migrations/allowed-differences.txt` lists with a
//! reason. Both backends must reach the same schema, and a migration added or edited
//! on one side only is the easiest way to lose that.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ALLOWED: &str = "migrations/allowed-differences.txt";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")
}

/// `<directory>/<file>` → contents, for every file of one tree.
fn tree(name: &str) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let base = root().join(name);
    for dir in std::fs::read_dir(&base).unwrap_or_else(|e| panic!("{}: {e}", base.display())) {
        let dir = dir.expect("directory entry").path();
        let dir_name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if !dir.is_dir() {
            files.insert(dir_name, std::fs::read(&dir).expect("read"));
            continue;
        }
        for file in std::fs::read_dir(&dir).expect("read migration directory") {
            let file = file.expect("directory entry").path();
            let file_name = file
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let contents = std::fs::read(&file).expect("read migration file");
            files.insert(format!("{dir_name}/{file_name}"), contents);
        }
    }
    files
}

/// The allowed differences: path → reason.
fn allowed(text: &str) -> Result<BTreeMap<String, String>, Vec<String>> {
    let mut entries = BTreeMap::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (path, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if reason.trim().is_empty() {
            errors.push(format!("{ALLOWED}:{}: `{path}` has no reason", n + 1));
        } else if entries
            .insert(path.to_owned(), reason.trim().to_owned())
            .is_some()
        {
            errors.push(format!("{ALLOWED}:{}: `{path}` is listed twice", n + 1));
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// Every way the trees `sqlite` and `postgres` fail to be in step.
fn drift(
    sqlite: &BTreeMap<String, Vec<u8>>,
    postgres: &BTreeMap<String, Vec<u8>>,
    allowed: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let paths: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    for path in paths {
        match (sqlite.get(path), postgres.get(path)) {
            (Some(_), None) => problems.push(format!(
                "migrations/sqlite/{path} has no counterpart in migrations/postgres/"
            )),
            (None, Some(_)) => problems.push(format!(
                "migrations/postgres/{path} has no counterpart in migrations/sqlite/"
            )),
            (Some(a), Some(b)) if a != b && !allowed.contains_key(path.as_str()) => {
                problems.push(format!(
                    "migrations/sqlite/{path} and migrations/postgres/{path} differ \
                     (make them identical, or list the file in {ALLOWED} with the reason)"
                ))
            }
            (Some(a), Some(b)) if a == b && allowed.contains_key(path.as_str()) => {
                problems.push(format!(
                    "{ALLOWED} lists {path}, but both trees have the same file: remove the entry"
                ))
            }
            _ => {}
        }
    }
    for path in allowed.keys() {
        if !(sqlite.contains_key(path) && postgres.contains_key(path)) {
            problems.push(format!(
                "{ALLOWED} lists {path}, which is not a file in both trees"
            ));
        }
    }
    problems
}

#[test]
fn the_sqlite_and_postgres_migration_trees_are_in_step() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(ALLOWED))
        .unwrap_or_else(|e| panic!("{ALLOWED}: {e}"));
    let allowed = allowed(&text).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let problems = drift(&tree("sqlite"), &tree("postgres"), &allowed);
    assert!(
        problems.is_empty(),
        "the migration trees have drifted apart:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn drift_is_reported() {
    let files = |pairs: &[(&str, &str)]| -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect()
    };
    let sqlite = files(&[
        ("1_core/up.sql", "CREATE TABLE a (x TEXT);"),
        ("2_more/up.sql", "CREATE TABLE b (y TEXT);"),
        ("3_new/up.sql", "x"),
        ("4_same/up.sql", "same"),
    ]);
    let postgres = files(&[
        ("1_core/up.sql", "CREATE TABLE a (x TEXT);"),
        ("2_more/up.sql", "CREATE TABLE b (y TEXT, z TEXT);"),
        ("4_same/up.sql", "same"),
        ("5_pg/up.sql", "y"),
    ]);
    let none = BTreeMap::new();
    let problems = drift(&sqlite, &postgres, &none);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("2_more/up.sql") && problems[0].contains("differ"));
    assert!(problems[1].contains("sqlite/3_new/up.sql"));
    assert!(problems[2].contains("postgres/5_pg/up.sql"));

    let listed = allowed(
        "# comment\n2_more/up.sql  PostgreSQL has z\n4_same/up.sql  stale\n9_gone/up.sql  gone\n",
    )
    .expect("parses");
    let problems = drift(&sqlite, &postgres, &listed);
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(!problems.iter().any(|p| p.contains("2_more")));
    assert!(problems
        .iter()
        .any(|p| p.contains("4_same") && p.contains("remove")));
    assert!(problems.iter().any(|p| p.contains("9_gone")));

    let errors = allowed("2_more/up.sql\n1_core/up.sql  a\n1_core/up.sql  b\n").unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("no reason") && errors[1].contains("twice"));
}
