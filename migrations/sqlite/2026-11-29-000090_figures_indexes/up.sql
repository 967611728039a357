-- Speed of the supervision figures at a county's scale (issue 7; measured with
-- `zhengming demo --scale 200000` and `zhengming bench-stats`).
--
-- Received cases are counted by `received_at` and decided ones by `decided_at`, in two
-- statements, each a range on one timestamp within an area, so a window reads its own
-- cases instead of every case the area ever had. At county level the indexes carry
-- every column the figures read, so a year's 200,000 cases are read from the index
-- alone (SQLite otherwise looked each one up in the table: a third of the time).
DROP INDEX case_figures_county;
CREATE INDEX case_figures_county_decided ON case_figures (county_code, decided_at,
    type_code, township_code, village_code, decided_by, working_days, rejected, same_day,
    on_time, figures_version, node0_days, node1_days, node2_days, node3_days);
CREATE INDEX case_figures_county_received ON case_figures (county_code, received_at,
    type_code, township_code, village_code, decided_by, returned);
CREATE INDEX case_figures_township_received ON case_figures (township_code, received_at);
CREATE INDEX case_figures_village_received ON case_figures (village_code, received_at);
-- The finished-per-day chart: read in day order from the index alone.
CREATE INDEX case_figures_county_day ON case_figures (county_code, decided_day, on_time);
CREATE INDEX case_figures_township_day ON case_figures (township_code, decided_day, on_time);
-- Open cases of an area by deadline (the open overdue / at-risk figures and the overdue
-- table): only the open ones, where the queue indexes walk every case the area ever
-- had (a decided case keeps its last deadline).
CREATE INDEX applications_open_county ON applications (status, county_code, node_deadline, id);
CREATE INDEX applications_open_township ON applications (status, township_code, node_deadline, id);
CREATE INDEX applications_open_village ON applications (status, village_code, node_deadline, id);
