DROP TABLE roster_checks;
DROP TABLE roster_entries;
DROP TABLE roster_imports;
