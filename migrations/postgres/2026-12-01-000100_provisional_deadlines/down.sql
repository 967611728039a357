ALTER TABLE applications DROP COLUMN deadline_provisional;
