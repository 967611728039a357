-- The village agent role (代办员, issue 16). SQLite cannot change a CHECK constraint in
-- place: the users table is rebuilt with the same columns, rows and indexes, by the
-- procedure of https://www.sqlite.org/lang_altertable.html §7 — with foreign keys off,
-- which cannot be switched inside a transaction (so this migration opens its own,
-- see metadata.toml). The other tables' references name "users" and stay valid.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE users_with_agents (
    id                TEXT PRIMARY KEY NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('resident', 'official', 'courier', 'supervisor', 'admin', 'agent')),
    phone             TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    jurisdiction_code TEXT REFERENCES jurisdictions (code),
    id_number         TEXT,
    email             TEXT,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    email_opt_out     BOOLEAN NOT NULL DEFAULT FALSE,
    language          TEXT NOT NULL DEFAULT 'zh',
    id_number_bidx    TEXT,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO users_with_agents (id, role, phone, name, password_hash, jurisdiction_code,
                               id_number, email, status, created_at, updated_at,
                               email_opt_out, language, id_number_bidx,
                               must_change_password)
SELECT id, role, phone, name, password_hash, jurisdiction_code, id_number, email,
       status, created_at, updated_at, email_opt_out, language, id_number_bidx,
       must_change_password
FROM users;
DROP TABLE users;
ALTER TABLE users_with_agents RENAME TO users;
CREATE INDEX users_jurisdiction ON users (jurisdiction_code, role);
CREATE UNIQUE INDEX users_id_number_bidx ON users (id_number_bidx);
COMMIT;
PRAGMA foreign_keys = ON;
