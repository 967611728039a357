-- Deadlines counted on provisional working days (a year whose State Council holiday
-- notice is not loaded yet); recomputed when the year is loaded.
ALTER TABLE applications ADD COLUMN deadline_provisional BOOLEAN NOT NULL DEFAULT FALSE;
