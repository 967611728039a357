-- ID numbers are stored encrypted (`enc:v1:<kid>:…`, AES-256-GCM; src/crypto) in the
-- columns that held them in clear; the data migration at start-up (and `zhengming
-- migrate`) encrypts rows written before. Exact look-ups go through a keyed blind index
-- (HMAC-SHA256, hex): one ID number, one resident account.
ALTER TABLE users ADD COLUMN id_number_bidx TEXT;
CREATE UNIQUE INDEX users_id_number_bidx ON users (id_number_bidx);
ALTER TABLE applications ADD COLUMN subject_id_bidx TEXT;
CREATE INDEX applications_subject_id_bidx ON applications (subject_id_bidx);
-- A certificate PDF prints the full ID number: the stored file is encrypted too, under
-- the data key named here (NULL: stored in clear, by an older version; start-up
-- encrypts it).
ALTER TABLE certificates ADD COLUMN pdf_data_kid TEXT;
