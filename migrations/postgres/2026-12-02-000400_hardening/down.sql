DROP INDEX certificates_pdf_key;
DROP INDEX documents_thumb_key;
DROP INDEX documents_blob_key;
ALTER TABLE certificates DROP COLUMN revocation_code;
