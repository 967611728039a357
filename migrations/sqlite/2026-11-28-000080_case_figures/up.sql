-- Per-case supervision figures (issue 7), one row per submitted case, derived from
-- the case's append-only `application_events` trail by `db::case_figures::refresh`
-- in the transaction that appends the event, and never edited otherwise. Once a case
-- is decided (issued or rejected) its trail up to the decision cannot change, so the
-- row stays true; the dashboard sums these columns instead of folding every trail on
-- every request. The jurisdiction and type are copied from the case (they never
-- change) so the figures are scoped without a join.
-- `figures_version` 0 means "not computed yet" (a decision in a year without holiday
-- data); cases without a row or at version 0 are recomputed from their trail by
-- `prepare_database` (every start-up and `zhengming migrate`).
CREATE TABLE case_figures (
    application_id  TEXT PRIMARY KEY NOT NULL REFERENCES applications (id),
    county_code     TEXT NOT NULL,
    township_code   TEXT NOT NULL,
    village_code    TEXT NOT NULL,
    type_code       TEXT NOT NULL,
    received_at     TIMESTAMP,
    returned        BOOLEAN NOT NULL,
    decided_at      TIMESTAMP,
    decided_day     TEXT,
    decided_by      TEXT,
    rejected        BOOLEAN NOT NULL,
    same_day        BOOLEAN,
    on_time         BOOLEAN,
    working_days    INTEGER,
    node0_days      INTEGER,
    node1_days      INTEGER,
    node2_days      INTEGER,
    node3_days      INTEGER,
    figures_version INTEGER NOT NULL
);
CREATE INDEX case_figures_county ON case_figures (county_code, decided_at);
CREATE INDEX case_figures_township ON case_figures (township_code, decided_at);
CREATE INDEX case_figures_village ON case_figures (village_code, decided_at);
CREATE INDEX case_figures_pending ON case_figures (figures_version);
