CREATE TABLE access_log_old (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
INSERT INTO access_log_old (id, user_id, action, target_type, target_id, created_at)
SELECT id, user_id, action, target_type, target_id, created_at
FROM access_log WHERE user_id IS NOT NULL;
DROP TABLE access_log;
ALTER TABLE access_log_old RENAME TO access_log;
CREATE INDEX access_log_target ON access_log (target_type, target_id);

ALTER TABLE dispatches DROP COLUMN locked_at;
ALTER TABLE dispatches DROP COLUMN code_failures;
