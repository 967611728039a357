ALTER TABLE users DROP COLUMN must_change_password;
ALTER TABLE jurisdictions DROP COLUMN active;
