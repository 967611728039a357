-- SMS verification codes (issue 14): to register (the phone is proven), to reset a
-- forgotten password, to move an account to a new phone, and a resident's consent.
-- Only a hash of the code is kept. A request the code cannot serve (registering a
-- phone that has an account, resetting one that has none) still gets a row, with the
-- hash of a code never sent, so the resend wait and the daily caps count it alike.
CREATE TABLE sms_codes (
    id          TEXT PRIMARY KEY NOT NULL,
    phone       TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('register', 'reset_password', 'change_phone', 'consent')),
    code_hash   TEXT NOT NULL,
    -- SHA-256 of the client address that asked (never the address): its daily cap.
    client_key  TEXT NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP
);
CREATE INDEX sms_codes_phone ON sms_codes (phone, purpose, created_at);
CREATE INDEX sms_codes_client ON sms_codes (client_key, created_at);
CREATE INDEX sms_codes_created ON sms_codes (created_at);
