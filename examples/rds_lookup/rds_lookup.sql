-- Schema and sample rows for the rds_lookup example, which reproduces the
-- documented Lambda -> RDS handler: database `web`, table `test`; the
-- handler runs `select * from test where name = ...` and returns column 1
-- (`value`) of the last matching row.
--
--   mariadb --host=127.0.0.1 --user=root < examples/rds_lookup/rds_lookup.sql
--
-- Safe to run twice: it creates what is missing and inserts the sample rows
-- only into an empty table.

CREATE DATABASE IF NOT EXISTS web CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE web;

CREATE TABLE IF NOT EXISTS test (
    name VARCHAR(64) NOT NULL,
    value VARCHAR(255) NULL,
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    KEY test_name (name)
);

INSERT INTO test (name, value)
SELECT * FROM (
    SELECT 'jhc' AS name, 'first row for jhc' AS value UNION ALL
    SELECT 'alice', 'hello from alice' UNION ALL
    SELECT 'jhc', 'last row for jhc' UNION ALL
    SELECT 'ghost', NULL
) AS sample
WHERE NOT EXISTS (SELECT 1 FROM test);
