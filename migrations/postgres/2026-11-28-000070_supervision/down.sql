DROP INDEX applications_open_deadline;
DROP INDEX application_events_trail;
DROP TABLE escalations;
