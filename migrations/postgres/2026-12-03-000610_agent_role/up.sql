-- The village agent role (代办员, issue 16). One statement: atomic without the
-- migration's transaction (see metadata.toml, shared with the SQLite tree).
ALTER TABLE users
    DROP CONSTRAINT users_role_check,
    ADD CONSTRAINT users_role_check
        CHECK (role IN ('resident', 'official', 'courier', 'supervisor', 'admin', 'agent'));
