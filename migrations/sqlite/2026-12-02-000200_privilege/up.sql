-- Delivery codes per dispatch (issue 14): wrong codes since the last code was sent; at
-- 5 the dispatch locks until an official of the office sends the recipient a new code.
ALTER TABLE dispatches ADD COLUMN code_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dispatches ADD COLUMN locked_at TIMESTAMP;

-- The audit log: access_log keeps its columns and also records sign-ins (a failed one
-- may name no account, so user_id becomes optional), downloads, reveals, document
-- views and account changes: the outcome, the phone a sign-in named, the case, the
-- client address and user agent, and a short detail (never an ID number). Rebuilt,
-- as SQLite cannot drop a NOT NULL constraint in place.
CREATE TABLE access_log_new (
    id             TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT REFERENCES users (id),
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL,
    target_id      TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    outcome        TEXT NOT NULL DEFAULT 'ok',
    phone          TEXT,
    application_id TEXT,
    client_addr    TEXT,
    user_agent     TEXT,
    detail         TEXT
);
INSERT INTO access_log_new (id, user_id, action, target_type, target_id, created_at, application_id)
SELECT id, user_id, action, target_type, target_id, created_at,
       CASE
           WHEN target_type = 'application' THEN target_id
           WHEN target_type = 'document'
               THEN (SELECT d.application_id FROM documents d WHERE d.id = access_log.target_id)
           ELSE NULL
       END
FROM access_log;
DROP TABLE access_log;
ALTER TABLE access_log_new RENAME TO access_log;
CREATE INDEX access_log_target ON access_log (target_type, target_id);
CREATE INDEX access_log_created ON access_log (created_at);
CREATE INDEX access_log_user ON access_log (user_id, created_at);
CREATE INDEX access_log_phone ON access_log (phone, created_at);
CREATE INDEX access_log_application ON access_log (application_id, created_at);
