-- Schema for the orders_queue example: database `web`, table `orders`,
-- one row per order id. The id is the primary key, which is what makes a
-- redelivered order a no-op instead of a second row.
--
--   mariadb --host=127.0.0.1 --user=root < examples/orders_queue/orders_queue.sql
--
-- Safe to run twice: it creates only what is missing.

CREATE DATABASE IF NOT EXISTS web CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE web;

CREATE TABLE IF NOT EXISTS orders (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    customer VARCHAR(255) NOT NULL,
    sku VARCHAR(64) NOT NULL,
    qty INT UNSIGNED NOT NULL,
    placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
