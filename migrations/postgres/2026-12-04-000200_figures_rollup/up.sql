-- Rolled-up supervision figures (issue 20): the sums of `case_figures` per period ×
-- village (township, county) × type × deciding official, so a year's figures read
-- months × groups rows, not one row per case. Kept by `db::figures_rollup` in the
-- transaction that writes the `case_figures` row (the change of the case's
-- contribution is added), so the sums always equal the per-case rows.
--
-- A case contributes its received figures (received, returned) to the period of its
-- first submission (China date) and its decided figures to the period of its decision
-- (`decided_day`). `figures_days` holds China days (`YYYY-MM-DD`), `figures_months`
-- the same sums per month (`YYYY-MM`): a window reads whole months from the second
-- and only its partial months' days from the first. Both are exact at day granularity
-- because a window always starts and ends at China midnight.
--
-- `decided_by` is '' while undecided (a key column cannot be NULL here).
-- Working days of issued cases: `dK` counts the cases of K days (K < 8); a case of 8
-- or more is counted in a row of its own kind keyed `days_over` = its days; other rows
-- have `days_over` = -1. The medians come from these counts exactly (`Sums::days`).
-- `nNs`/`nNn`: the sum of the working days spent in approval step N and how many cases.
-- `instant`: decided cases the roster approved at submission (秒批); `pending`:
-- decided cases whose working days are not counted yet (`figures_version` < current).
CREATE TABLE figures_days (
    period           TEXT NOT NULL,
    county_code      TEXT NOT NULL,
    township_code    TEXT NOT NULL,
    village_code     TEXT NOT NULL,
    type_code        TEXT NOT NULL,
    decided_by       TEXT NOT NULL,
    days_over        INTEGER NOT NULL,
    received         BIGINT NOT NULL,
    returned         BIGINT NOT NULL,
    finished         BIGINT NOT NULL,
    issued           BIGINT NOT NULL,
    same_day         BIGINT NOT NULL,
    on_time          BIGINT NOT NULL,
    pending          BIGINT NOT NULL,
    n0s              BIGINT NOT NULL,
    n0n              BIGINT NOT NULL,
    n1s              BIGINT NOT NULL,
    n1n              BIGINT NOT NULL,
    n2s              BIGINT NOT NULL,
    n2n              BIGINT NOT NULL,
    n3s              BIGINT NOT NULL,
    n3n              BIGINT NOT NULL,
    instant          BIGINT NOT NULL,
    instant_same_day BIGINT NOT NULL,
    d0               BIGINT NOT NULL,
    d1               BIGINT NOT NULL,
    d2               BIGINT NOT NULL,
    d3               BIGINT NOT NULL,
    d4               BIGINT NOT NULL,
    d5               BIGINT NOT NULL,
    d6               BIGINT NOT NULL,
    d7               BIGINT NOT NULL,
    PRIMARY KEY (county_code, period, township_code, village_code, type_code, decided_by, days_over)
);
CREATE INDEX figures_days_township ON figures_days (township_code, period);
CREATE INDEX figures_days_village ON figures_days (village_code, period);
CREATE TABLE figures_months (
    period           TEXT NOT NULL,
    county_code      TEXT NOT NULL,
    township_code    TEXT NOT NULL,
    village_code     TEXT NOT NULL,
    type_code        TEXT NOT NULL,
    decided_by       TEXT NOT NULL,
    days_over        INTEGER NOT NULL,
    received         BIGINT NOT NULL,
    returned         BIGINT NOT NULL,
    finished         BIGINT NOT NULL,
    issued           BIGINT NOT NULL,
    same_day         BIGINT NOT NULL,
    on_time          BIGINT NOT NULL,
    pending          BIGINT NOT NULL,
    n0s              BIGINT NOT NULL,
    n0n              BIGINT NOT NULL,
    n1s              BIGINT NOT NULL,
    n1n              BIGINT NOT NULL,
    n2s              BIGINT NOT NULL,
    n2n              BIGINT NOT NULL,
    n3s              BIGINT NOT NULL,
    n3n              BIGINT NOT NULL,
    instant          BIGINT NOT NULL,
    instant_same_day BIGINT NOT NULL,
    d0               BIGINT NOT NULL,
    d1               BIGINT NOT NULL,
    d2               BIGINT NOT NULL,
    d3               BIGINT NOT NULL,
    d4               BIGINT NOT NULL,
    d5               BIGINT NOT NULL,
    d6               BIGINT NOT NULL,
    d7               BIGINT NOT NULL,
    PRIMARY KEY (county_code, period, township_code, village_code, type_code, decided_by, days_over)
);
CREATE INDEX figures_months_township ON figures_months (township_code, period);
CREATE INDEX figures_months_village ON figures_months (village_code, period);
-- Finished and on-time cases per China day and village (the dashboard's per-day chart):
-- a year of a county is days × villages rows.
CREATE TABLE figures_chart (
    day             TEXT NOT NULL,
    county_code     TEXT NOT NULL,
    township_code   TEXT NOT NULL,
    village_code    TEXT NOT NULL,
    finished        BIGINT NOT NULL,
    on_time         BIGINT NOT NULL,
    PRIMARY KEY (county_code, day, township_code, village_code)
);
CREATE INDEX figures_chart_township ON figures_chart (township_code, day);
CREATE INDEX figures_chart_village ON figures_chart (village_code, day);
-- One row once the rollup has been built from the existing `case_figures` rows (at
-- start-up: `workflow::figures::build_rollup`); from then on it is kept per event.
CREATE TABLE figures_rollup_built (
    id       INTEGER PRIMARY KEY NOT NULL,
    built_at TIMESTAMP NOT NULL
);
