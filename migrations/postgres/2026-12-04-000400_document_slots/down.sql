ALTER TABLE documents DROP COLUMN slot;
