ALTER TABLE certificates DROP COLUMN pdf_data_kid;
DROP INDEX applications_subject_id_bidx;
ALTER TABLE applications DROP COLUMN subject_id_bidx;
DROP INDEX users_id_number_bidx;
ALTER TABLE users DROP COLUMN id_number_bidx;
