-- Supervision (issue 7): the escalation record and the indexes the figures need.

-- Each (application, node) escalated to the supervisors once.
CREATE TABLE escalations (
    id              TEXT PRIMARY KEY NOT NULL,
    application_id  TEXT NOT NULL REFERENCES applications (id),
    step            INTEGER NOT NULL,
    node_started_at TIMESTAMP NOT NULL,
    node_deadline   TIMESTAMP NOT NULL,
    county_code     TEXT NOT NULL REFERENCES jurisdictions (code),
    township_code   TEXT NOT NULL REFERENCES jurisdictions (code),
    village_code    TEXT NOT NULL REFERENCES jurisdictions (code),
    escalated_at    TIMESTAMP NOT NULL,
    UNIQUE (application_id, step, node_started_at)
);
CREATE INDEX escalations_township ON escalations (township_code, escalated_at);
CREATE INDEX escalations_county ON escalations (county_code, escalated_at);

-- The figures read each case's trail in application order, touching only these columns.
CREATE INDEX application_events_trail ON application_events (application_id, seq, action, to_status, created_at, step, actor_id);
-- Open cases by deadline (overdue and at-risk lists, escalation).
CREATE INDEX applications_open_deadline ON applications (status, node_deadline);
