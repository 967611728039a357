-- The public reason of a revocation, one of a fixed list (domain::revocation); the
-- official's free-text reason stays in revocation_reason and the case trail, for staff.
-- NULL (revoked before the list existed) is shown as "other".
ALTER TABLE certificates ADD COLUMN revocation_code TEXT;

-- The orphan sweep asks which stored files still have a row (workflow::sweep).
CREATE INDEX documents_blob_key ON documents (blob_key);
CREATE INDEX documents_thumb_key ON documents (thumb_key);
CREATE INDEX certificates_pdf_key ON certificates (pdf_key);
