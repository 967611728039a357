DROP TABLE application_proxies;
