-- Issue 15: a jurisdiction that disappears from an imported list of official division
-- codes is deactivated, never deleted (its cases keep pointing at it); an inactive
-- village cannot be chosen for a new application.
ALTER TABLE jurisdictions ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;

-- A password set by an administrator (a reset or a bulk import) must be changed at the
-- next sign-in: until then the account may use only /account and the password endpoint.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
