-- Catalogue versions (issue 15): every change of a certificate type is a new version;
-- a case keeps the version it was submitted under. certificate_types.spec stays the
-- current version's spec (the guide, new drafts and the lists read it), and
-- current_version says which row of certificate_type_versions that is.
CREATE TABLE certificate_type_versions (
    type_code TEXT NOT NULL REFERENCES certificate_types (code),
    version INTEGER NOT NULL,
    spec TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- The admin who made it; NULL for the seed.
    created_by TEXT REFERENCES users (id),
    note TEXT NOT NULL,
    PRIMARY KEY (type_code, version)
);

-- What is stored now is version 1 of each type.
INSERT INTO certificate_type_versions (type_code, version, spec, created_at, created_by, note)
SELECT code, 1, spec, updated_at, NULL, 'seed' FROM certificate_types;

ALTER TABLE certificate_types ADD COLUMN current_version INTEGER NOT NULL DEFAULT 1;

-- The version a case was submitted under (a draft follows the current one until it is
-- submitted). Existing cases were all made under version 1.
ALTER TABLE applications ADD COLUMN type_version INTEGER NOT NULL DEFAULT 1;

-- Types a county does not offer: residents of that county cannot start them.
CREATE TABLE certificate_type_county_off (
    type_code TEXT NOT NULL REFERENCES certificate_types (code),
    county_code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT REFERENCES users (id),
    PRIMARY KEY (type_code, county_code)
);
