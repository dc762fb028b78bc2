-- Schema for the charge example: database `shop`, table `charges`, and the
-- idempotency table the bootstrap would otherwise create at init (for a
-- database role without DDL rights, run this file once instead).
--
--   mariadb --host=127.0.0.1 --user=root < examples/charge/charge.sql
--
-- Safe to run twice.

CREATE DATABASE IF NOT EXISTS shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;

CREATE TABLE IF NOT EXISTS charges (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id VARCHAR(64) NOT NULL,
    customer VARCHAR(64) NOT NULL,
    amount_cents BIGINT NOT NULL
);

-- The records of `#[lambda_handler(idempotency_key = ...)]`, as the README
-- gives them.
CREATE TABLE IF NOT EXISTS lambda_kit_idempotency (
    id BINARY(32) NOT NULL,
    status TINYINT UNSIGNED NOT NULL,
    valid_until BIGINT NOT NULL,
    payload_hash BINARY(32) NULL,
    response MEDIUMBLOB NULL,
    PRIMARY KEY (id),
    KEY valid_until (valid_until)
);
