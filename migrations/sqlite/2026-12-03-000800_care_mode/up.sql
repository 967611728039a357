-- 长辈版 (care mode: large type, large targets) remembered in the account, so it
-- follows a signed-in person to another phone; the cookie keeps it for the signed-out.
ALTER TABLE users ADD COLUMN care_mode BOOLEAN NOT NULL DEFAULT FALSE;
