-- Rosters other departments keep (issue 16): the 低保 and 特困 rosters of the civil
-- affairs bureau and a household register (户籍) extract. An import belongs to one
-- county and kind; a newer import of the same kind and county replaces the older one
-- (its rows are deleted, the import row stays with replaced_at), so a roster is never
-- edited in place. `as_of` is the day the source says the list was true (YYYY-MM-DD).
CREATE TABLE roster_imports (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('dibao', 'tekun', 'hukou')),
    county_code TEXT NOT NULL REFERENCES jurisdictions (code),
    source      TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    row_count   INTEGER NOT NULL,
    imported_by TEXT REFERENCES users (id),
    imported_at TIMESTAMP NOT NULL,
    replaced_at TIMESTAMP
);
CREATE INDEX roster_imports_current ON roster_imports (kind, county_code, replaced_at);

-- One person on a roster. The ID number is stored like every other (encrypted, and
-- found through the keyed blind index); `data` holds the kind's other columns as JSON.
CREATE TABLE roster_entries (
    id           TEXT PRIMARY KEY NOT NULL,
    import_id    TEXT NOT NULL REFERENCES roster_imports (id),
    id_bidx      TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    name         TEXT NOT NULL,
    village_code TEXT,
    data         TEXT NOT NULL
);
CREATE UNIQUE INDEX roster_entries_lookup ON roster_entries (import_id, id_bidx);

-- What the roster said at a case's last submission: approved by the system
-- (`instant`), confirmed (documents proven, but the type is reviewed), or why not
-- (shown to the official). `instant` cases are counted apart in the figures.
CREATE TABLE roster_checks (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications (id),
    import_id      TEXT REFERENCES roster_imports (id),
    outcome        TEXT NOT NULL CHECK (outcome IN ('instant', 'confirmed', 'not_found', 'name_differs', 'stale', 'other_village', 'no_roster')),
    reason_zh      TEXT NOT NULL,
    reason_en      TEXT NOT NULL,
    checked_at     TIMESTAMP NOT NULL
);
CREATE INDEX roster_checks_outcome ON roster_checks (outcome);
