ALTER TABLE applications DROP COLUMN issue_blocked;
