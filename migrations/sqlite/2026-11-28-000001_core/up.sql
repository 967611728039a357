-- Core schema. Only types both backends share (DESIGN §7): TEXT, INTEGER, BIGINT,
-- BOOLEAN, TIMESTAMP (UTC). Keep this file and its postgres twin in step.

CREATE TABLE jurisdictions (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('county', 'township', 'village')),
    parent_code TEXT REFERENCES jurisdictions (code),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX jurisdictions_parent ON jurisdictions (parent_code);

CREATE TABLE users (
    id                TEXT PRIMARY KEY NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('resident', 'official', 'courier', 'supervisor', 'admin')),
    phone             TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    jurisdiction_code TEXT REFERENCES jurisdictions (code),
    id_number         TEXT,
    email             TEXT,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX users_jurisdiction ON users (jurisdiction_code, role);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE certificate_types (
    code       TEXT PRIMARY KEY NOT NULL,
    sort_order INTEGER NOT NULL,
    name_zh    TEXT NOT NULL,
    spec       TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMP NOT NULL
);

-- Named counters for human-readable numbers (application and certificate numbers).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);

CREATE TABLE holidays (
    day    TEXT PRIMARY KEY NOT NULL,
    kind   TEXT NOT NULL CHECK (kind IN ('off', 'workday')),
    note   TEXT NOT NULL,
    source TEXT NOT NULL
);

CREATE TABLE applications (
    id                 TEXT PRIMARY KEY NOT NULL,
    number             TEXT NOT NULL UNIQUE,
    type_code          TEXT NOT NULL REFERENCES certificate_types (code),
    applicant_id       TEXT NOT NULL REFERENCES users (id),
    subject_name       TEXT NOT NULL,
    subject_id_number  TEXT NOT NULL,
    form_data          TEXT NOT NULL,
    county_code        TEXT NOT NULL REFERENCES jurisdictions (code),
    township_code      TEXT NOT NULL REFERENCES jurisdictions (code),
    village_code       TEXT NOT NULL REFERENCES jurisdictions (code),
    delivery_method    TEXT NOT NULL CHECK (delivery_method IN ('courier', 'pickup')),
    delivery_recipient TEXT,
    delivery_phone     TEXT,
    delivery_address   TEXT,
    status             TEXT NOT NULL,
    current_step       INTEGER NOT NULL,
    version            INTEGER NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    submitted_at       TIMESTAMP,
    finished_at        TIMESTAMP,
    node_started_at    TIMESTAMP NOT NULL,
    node_deadline      TIMESTAMP NOT NULL,
    overall_deadline   TIMESTAMP
);
CREATE INDEX applications_applicant ON applications (applicant_id, created_at);
CREATE INDEX applications_township_queue ON applications (township_code, node_deadline, id);
CREATE INDEX applications_village_queue ON applications (village_code, node_deadline, id);
CREATE INDEX applications_county_queue ON applications (county_code, node_deadline, id);

CREATE TABLE application_events (
    id             TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    seq            INTEGER NOT NULL,
    action         TEXT NOT NULL,
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    step           INTEGER,
    actor_id       TEXT REFERENCES users (id),
    actor_role     TEXT NOT NULL,
    reason         TEXT,
    created_at     TIMESTAMP NOT NULL,
    node_deadline  TIMESTAMP,
    deadline_met   BOOLEAN,
    UNIQUE (application_id, seq)
);
CREATE INDEX application_events_time ON application_events (created_at);

CREATE TABLE documents (
    id             TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL,
    original_name  TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size_bytes     BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    width          INTEGER,
    height         INTEGER,
    blob_key       TEXT NOT NULL,
    thumb_key      TEXT,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX documents_application ON documents (application_id);

CREATE TABLE certificates (
    id                TEXT PRIMARY KEY NOT NULL,
    application_id    TEXT NOT NULL UNIQUE REFERENCES applications (id),
    number            TEXT NOT NULL UNIQUE,
    type_code         TEXT NOT NULL REFERENCES certificate_types (code),
    issuer_code       TEXT NOT NULL REFERENCES jurisdictions (code),
    issued_at         TIMESTAMP NOT NULL,
    valid_until       TIMESTAMP NOT NULL,
    pdf_key           TEXT NOT NULL,
    pdf_sha256        TEXT NOT NULL,
    key_id            TEXT,
    status            TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    revoked_at        TIMESTAMP,
    revocation_reason TEXT
);

CREATE TABLE dispatches (
    id              TEXT PRIMARY KEY NOT NULL,
    application_id  TEXT NOT NULL UNIQUE REFERENCES applications (id),
    certificate_id  TEXT NOT NULL REFERENCES certificates (id),
    tracking_number TEXT NOT NULL UNIQUE,
    county_code     TEXT NOT NULL REFERENCES jurisdictions (code),
    township_code   TEXT NOT NULL REFERENCES jurisdictions (code),
    village_code    TEXT NOT NULL REFERENCES jurisdictions (code),
    courier_id      TEXT REFERENCES users (id),
    recipient       TEXT NOT NULL,
    phone           TEXT NOT NULL,
    address         TEXT NOT NULL,
    status          TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL,
    code_hash       TEXT NOT NULL,
    signer          TEXT,
    version         INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
CREATE INDEX dispatches_township ON dispatches (township_code, status, created_at);
CREATE INDEX dispatches_courier ON dispatches (courier_id, status);

CREATE TABLE dispatch_events (
    id          TEXT PRIMARY KEY NOT NULL,
    dispatch_id TEXT NOT NULL REFERENCES dispatches (id),
    seq         INTEGER NOT NULL,
    event       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor_id    TEXT REFERENCES users (id),
    reason_code TEXT,
    reason_text TEXT,
    signer      TEXT,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (dispatch_id, seq)
);

-- Outbox: written in the same transaction as the event that causes the message.
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient       TEXT NOT NULL,
    template_code   TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    params          TEXT NOT NULL,
    application_id  TEXT REFERENCES applications (id),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);

CREATE TABLE access_log (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX access_log_target ON access_log (target_type, target_id);
