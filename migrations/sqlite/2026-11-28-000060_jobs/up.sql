-- Durable background jobs (DESIGN §3, §7): claimed with a lease by a conditional
-- UPDATE, so several processes on one database never run a job at the same time.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    run_at           TIMESTAMP NOT NULL,
    attempts         INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMP,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_lease ON jobs (status, lease_expires_at);

-- Residents choose whether they also want email (SMS for legal notices stays) and
-- the language of their messages.
ALTER TABLE users ADD COLUMN email_opt_out BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'zh';

-- Fixed-window request counters shared by all instances (public status lookup).
-- The key is a hash of the client address, never the address itself.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits         INTEGER NOT NULL
);
