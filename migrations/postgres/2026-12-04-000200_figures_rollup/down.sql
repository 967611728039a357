DROP TABLE figures_rollup_built;
DROP TABLE figures_chart;
DROP TABLE figures_months;
DROP TABLE figures_days;
