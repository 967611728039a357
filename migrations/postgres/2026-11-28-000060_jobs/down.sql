DROP TABLE rate_limits;
ALTER TABLE users DROP COLUMN language;
ALTER TABLE users DROP COLUMN email_opt_out;
DROP TABLE jobs;
