ALTER TABLE users DROP COLUMN care_mode;
