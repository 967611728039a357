DROP TABLE certificate_type_county_off;
ALTER TABLE applications DROP COLUMN type_version;
ALTER TABLE certificate_types DROP COLUMN current_version;
DROP TABLE certificate_type_versions;
