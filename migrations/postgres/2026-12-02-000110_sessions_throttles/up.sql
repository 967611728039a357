-- Sessions (issue 14) get an id of their own to list and end them by (the token's
-- hash is never shown), the time they were last used (idle timeout) and a coarse
-- user agent. Sessions from before have none of these, so everyone signs in again
-- once.
DROP TABLE sessions;
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per phone and per client address, shared by all instances. The
-- key is a SHA-256 of `phone:<number>` or `ip:<address>`, never the value itself.
CREATE TABLE sign_in_failures (
    key             TEXT PRIMARY KEY NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP
);
CREATE INDEX sign_in_failures_last ON sign_in_failures (last_failure_at);
