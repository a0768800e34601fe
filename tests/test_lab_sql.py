"""The lab's BigQuery SQL patterns give BigQuery's answers on the DuckDB warehouse.

Every expectation below is computed by hand from the tiny warehouse built here (or taken
from BigQuery's documented behaviour), never from running the query: a transpilation that
runs but answers differently from BigQuery must fail these tests.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import sqlglot
from sqlglot import exp

from pipeline.warehouse_writer import write_table
from tools.warehouse.duckdb_backend import DuckDBWarehouse
from tools.warehouse.duckdb_dialect import VERIFIED_FUNCTIONS
from tools.warehouse.errors import SqlError
from tools.warehouse.schema import load_schema

CUSTOMERS = [  # customer_id, first, last, gender, city, age, loyal
    (1001, "Minji", "Kim", "Female", "Seoul", 28, True),
    (1002, "Joon", "Park", "Male", "Busan", 45, False),
    (1003, "Ara", "Lee", "Female", "Seoul", 35, False),
    (1004, "Dong", "Choi", "Male", "Seoul", 62, True),
    (1005, "Sora", "Jung", "Other", "Busan", 39, True),
    (1006, "Hana", "Yoon", "Female", "Busan", 22, True),
]
PRODUCTS = [  # product_id, title, category, price
    ("101", "Google Tote Bag", "[Bags]", 25.0),
    ("102", "Google Campus Mug", "[Drinkware]", 12.0),
    ("103", "Google Tee", "[Apparel]", 20.0),
    ("104", "Google Notebook", "[Office]", 5.0),
]
REVIEWS = [  # id, customer, datetime, text, source, product_id, rating
    (1, 1001, "2024-01-07 10:00:00", "Love this bag", "Instagram", 101, 5),
    (2, 1001, "2024-02-15 09:30:00", "The mug cracked", "X", 102, 1),
    (3, 1002, "2024-02-20 18:00:00", "ok tee", "Facebook", 103, 3),
    (4, 1003, "2024-03-03 12:00:00", "bag strap broke", "Blog", 101, 2),
    (5, 1004, "2024-03-10 08:00:00", "great mug", "YouTube", 102, 5),
    (6, 1005, "2024-03-31 23:59:00", "nice notebook", "Naver Cafe", 104, 4),
    (7, 1006, "2024-04-01 00:00:00", "love the bag too", "Threads", 101, 5),
    (8, 1006, "2024-04-02 00:00:00", "bag again, still great", "Threads", 101, 4),
    (9, 1004, "2024-04-05 00:00:00", "second mug", "YouTube", 102, 3),
]
SENTIMENT = {1: "positive", 2: "negative", 3: "neutral", 4: "negative", 5: "positive",
             6: "positive", 7: "positive", 8: "positive", 9: "neutral"}

SEGMENT = ("CONCAT(CASE WHEN age < 40 THEN 'Younger_Adult' ELSE 'Older_Adult' END, '_', "
           "UPPER(gender), '_', IF(loyalty_member, 'LOYAL', 'NON_LOYAL'))")
SEGMENT_SQL = f"SELECT customer_id, {SEGMENT} AS segment FROM cymbal.customers ORDER BY 1"
NEGATIVE_SQL = """
SELECT DISTINCT r.customer_id
FROM cymbal.customer_reviews AS r
JOIN cymbal.review_analysis AS a USING (customer_review_id)
WHERE JSON_EXTRACT_SCALAR(a.analysis, '$.sentiment') IN ('negative', 'neutral')
ORDER BY r.customer_id"""
TOP_BY_SQL = """
WITH profiled AS (
  SELECT customer_id, address_city, {segment} AS segment FROM cymbal.customers
), counts AS (
  SELECT p.{group} AS grp, r.product_id, COUNT(*) AS cnt
  FROM cymbal.customer_reviews r JOIN profiled p ON p.customer_id = r.customer_id
  GROUP BY grp, r.product_id
), ranked AS (
  SELECT grp, product_id, cnt,
         ROW_NUMBER() OVER (PARTITION BY grp ORDER BY cnt DESC, product_id) AS rn
  FROM counts
)
SELECT grp, product_id, cnt FROM ranked WHERE rn = 1 ORDER BY grp"""
ARRAY_AGG_SQL = """
SELECT customer_id,
  ARRAY_AGG(product_id IGNORE NULLS ORDER BY review_datetime DESC)[OFFSET(0)] AS latest,
  ARRAY_AGG(product_id IGNORE NULLS ORDER BY review_datetime DESC)[SAFE_OFFSET(1)] AS previous,
  ARRAY_AGG(IF(rating >= 4, product_id, NULL) IGNORE NULLS
            ORDER BY review_datetime DESC)[SAFE_OFFSET(0)] AS liked
FROM cymbal.customer_reviews GROUP BY customer_id ORDER BY customer_id"""
RECOMMEND_SQL = """
WITH counts AS (
  SELECT c.address_city AS city, r.product_id, COUNT(*) AS cnt
  FROM `cymbal.customer_reviews` r JOIN `cymbal.customers` c USING (customer_id)
  GROUP BY city, r.product_id
)
SELECT city,
  ARRAY_AGG(product_id ORDER BY cnt DESC, product_id)[SAFE_OFFSET(0)] AS top1,
  ARRAY_AGG(product_id ORDER BY cnt DESC, product_id)[SAFE_OFFSET(1)] AS top2,
  ARRAY_AGG(product_id ORDER BY cnt DESC, product_id)[SAFE_OFFSET(5)] AS top6
FROM counts GROUP BY city ORDER BY city"""
UNNEST_SQL = ("SELECT pos, item FROM UNNEST(['first', 'second', 'third']) AS item "
              "WITH OFFSET AS pos ORDER BY pos")
UNNEST_CORRELATED_SQL = """
SELECT c.customer_id, part, pos
FROM cymbal.customers AS c, UNNEST(SPLIT(c.first_name, 'o')) AS part WITH OFFSET AS pos
WHERE c.customer_id = 1002 ORDER BY pos"""
URI_SQL = r"""
WITH images AS (
  SELECT uri FROM UNNEST(['gs://cymbal/reviews/Review (12).jpeg',
                          'gs://cymbal/reviews/Review(7).png',
                          'gs://cymbal/reviews/cover.png',
                          'gs://cymbal/reviews/Review (x).png']) AS uri
)
SELECT uri, SAFE_CAST(REGEXP_EXTRACT(uri, r'Review.*\((\d+)\)') AS INT64) AS review_id
FROM images ORDER BY uri"""
MONTHLY_SQL = """
SELECT FORMAT_DATE('%Y-%m', DATE(review_datetime)) AS month,
       COUNT(*) AS reviews,
       COUNTIF(rating <= 2) AS low,
       MIN(DATE_DIFF(DATE '2024-04-30', DATE(review_datetime), DAY)) AS days_since
FROM `my-project.cymbal.customer_reviews`
GROUP BY month ORDER BY month"""
RECENCY_SQL = """
SELECT customer_id,
       DATETIME_DIFF(DATETIME '2024-04-30 12:00:00', MAX(review_datetime), DAY) AS recency,
       DATE_DIFF(DATE '2024-04-30', DATE(MAX(review_datetime)), WEEK) AS weeks
FROM customer_reviews GROUP BY customer_id ORDER BY customer_id"""
STATS_SQL = """
SELECT COUNT(*), COUNT(DISTINCT address_city), COUNTIF(loyalty_member), SUM(age), AVG(age),
       MIN(age), MAX(age), LOGICAL_AND(age > 18), LOGICAL_OR(age > 60),
       ANY_VALUE(gender) IS NOT NULL, STRING_AGG(first_name, ',' ORDER BY customer_id),
       MAX_BY(first_name, age), MIN_BY(first_name, age), APPROX_COUNT_DISTINCT(gender),
       STDDEV(age), STDDEV_POP(age), STDDEV_SAMP(age), VARIANCE(age), VAR_POP(age),
       VAR_SAMP(age), CORR(age, customer_id), COVAR_POP(age, customer_id),
       COVAR_SAMP(age, customer_id)
FROM customers"""
WINDOW_SQL = """
SELECT customer_id, age,
  RANK() OVER (ORDER BY address_city) AS rnk,
  DENSE_RANK() OVER (ORDER BY address_city) AS drnk,
  NTILE(2) OVER (ORDER BY age) AS half,
  PERCENT_RANK() OVER (ORDER BY age) AS prank,
  CUME_DIST() OVER (ORDER BY age) AS cdist,
  LAG(age) OVER (ORDER BY age) AS prev_age,
  LEAD(age, 1, 0) OVER (ORDER BY age) AS next_age,
  FIRST_VALUE(age) OVER (ORDER BY age) AS youngest,
  LAST_VALUE(age) OVER (ORDER BY age ROWS BETWEEN UNBOUNDED PRECEDING
                        AND UNBOUNDED FOLLOWING) AS oldest,
  NTH_VALUE(age, 2) OVER (ORDER BY age ROWS BETWEEN UNBOUNDED PRECEDING
                          AND UNBOUNDED FOLLOWING) AS second_youngest,
  PERCENTILE_CONT(age, 0.5) OVER () AS median_cont,
  PERCENTILE_DISC(age, 0.5) OVER () AS median_disc
FROM customers ORDER BY customer_id"""

# (BigQuery expression, the value BigQuery returns, as the warehouse reports it in JSON).
SEMANTICS: list[tuple[str, Any]] = [
    # day-of-week and week numbering: BigQuery counts Sunday as 1, weeks start on Sunday
    ("EXTRACT(DAYOFWEEK FROM DATE '2024-01-07')", 1),
    ("EXTRACT(DAYOFWEEK FROM DATETIME '2024-01-13 10:00:00')", 7),
    ("EXTRACT(WEEK FROM DATE '2024-01-06')", 0),
    ("EXTRACT(WEEK FROM DATE '2024-01-07')", 1),
    ("EXTRACT(WEEK(MONDAY) FROM DATE '2023-01-01')", 0),
    ("EXTRACT(WEEK(MONDAY) FROM DATE '2024-01-07')", 1),
    ("EXTRACT(ISOWEEK FROM DATE '2023-01-01')", 52),
    ("EXTRACT(ISOYEAR FROM DATE '2023-01-01')", 2022),
    ("EXTRACT(DAYOFYEAR FROM DATE '2024-02-01')", 32),
    ("EXTRACT(QUARTER FROM DATE '2024-05-07')", 2),
    ("EXTRACT(MILLISECOND FROM DATETIME '2024-01-01 10:00:05.123')", 123),
    ("EXTRACT(DATE FROM DATETIME '2024-01-01 10:00:05')", "2024-01-01"),
    # truncation keeps the input's type
    ("DATE_TRUNC(DATE '2024-05-17', MONTH)", "2024-05-01"),
    ("DATE_TRUNC(DATE '2024-05-17', WEEK)", "2024-05-12"),
    ("DATE_TRUNC(DATE '2024-05-17', WEEK(MONDAY))", "2024-05-13"),
    ("DATE_TRUNC(DATE '2024-05-17', ISOWEEK)", "2024-05-13"),
    ("DATE_TRUNC(DATE '2024-05-17', QUARTER)", "2024-04-01"),
    ("DATE_TRUNC(DATE '2024-05-17', YEAR)", "2024-01-01"),
    ("DATE_TRUNC(DATETIME '2024-05-17 10:11:12', MONTH)", "2024-05-01T00:00:00"),
    ("DATETIME_TRUNC(DATETIME '2024-05-17 10:11:12', HOUR)", "2024-05-17T10:00:00"),
    ("TIMESTAMP_TRUNC(TIMESTAMP '2024-05-17 10:11:12+00', DAY)", "2024-05-17T00:00:00+00:00"),
    # arithmetic on dates stays in the input's type; month ends clamp
    ("DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH)", "2024-02-29"),
    ("DATE_SUB(DATE '2024-03-31', INTERVAL 1 MONTH)", "2024-02-29"),
    ("DATE_ADD(DATE '2024-01-01', INTERVAL 2 WEEK)", "2024-01-15"),
    ("DATETIME_ADD(DATETIME '2024-01-01 23:30:00', INTERVAL 45 MINUTE)", "2024-01-02T00:15:00"),
    ("DATETIME_SUB(DATETIME '2024-01-01 00:00:00', INTERVAL 1 SECOND)", "2023-12-31T23:59:59"),
    ("TIMESTAMP_ADD(TIMESTAMP '2024-01-01 00:00:00+00', INTERVAL 1 HOUR)",
     "2024-01-01T01:00:00+00:00"),
    ("TIMESTAMP_SUB(TIMESTAMP '2024-01-01 00:00:00+00', INTERVAL 1 DAY)",
     "2023-12-31T00:00:00+00:00"),
    # DATE_DIFF/DATETIME_DIFF count boundaries (weeks start on Sunday); TIMESTAMP_DIFF whole units
    ("DATE_DIFF(DATE '2024-02-01', DATE '2024-01-31', MONTH)", 1),
    ("DATE_DIFF(DATE '2024-01-07', DATE '2024-01-06', WEEK)", 1),
    ("DATE_DIFF(DATE '2024-01-08', DATE '2024-01-07', WEEK)", 0),
    ("DATE_DIFF(DATE '2024-01-08', DATE '2024-01-07', ISOWEEK)", 1),
    ("DATE_DIFF(DATE '2024-01-01', DATE '2023-12-31', YEAR)", 1),
    ("DATE_DIFF(DATE '2024-03-01', DATE '2024-02-01', DAY)", 29),
    ("DATE_DIFF(DATE '2024-01-01', DATE '2024-03-01', DAY)", -60),
    ("DATETIME_DIFF(DATETIME '2010-07-07 10:20:00', DATETIME '2008-12-25 15:30:00', DAY)", 559),
    ("DATE_DIFF(DATE '2017-12-18', DATE '2017-12-17', WEEK)", 0),
    ("DATE_DIFF(DATE '2017-12-18', DATE '2017-12-17', WEEK(MONDAY))", 1),
    ("DATE_DIFF(DATE '2017-12-18', DATE '2017-12-17', ISOWEEK)", 1),
    ("DATETIME_DIFF(DATETIME '2017-12-18 00:00:00', DATETIME '2017-12-17 23:00:00', WEEK)", 0),
    ("DATETIME_DIFF(DATETIME '2017-10-15 00:00:00', DATETIME '2017-10-14 00:00:00', HOUR)", 24),
    ("TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', TIMESTAMP '2008-12-25 15:30:00+00', "
     "HOUR)", 13410),
    ("TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 01:00:00', TIMESTAMP '2001-02-01 00:00:01', HOUR)", 0),
    ("LAST_DAY(DATE '2024-02-10')", "2024-02-29"),
    ("DATE(2024, 2, 29)", "2024-02-29"),
    ("DATE(DATETIME '2024-02-29 10:00:00')", "2024-02-29"),
    ("DATETIME(DATE '2024-02-29')", "2024-02-29T00:00:00"),
    ("TIMESTAMP('2024-01-01 09:00:00')", "2024-01-01T09:00:00+00:00"),
    ("UNIX_SECONDS(TIMESTAMP '2024-01-01 00:00:00+00')", 1704067200),
    ("GENERATE_DATE_ARRAY(DATE '2024-01-30', DATE '2024-02-01')",
     ["2024-01-30", "2024-01-31", "2024-02-01"]),
    # time zones: TIMESTAMPs are instants shown in UTC unless a zone is named
    ("DATE(TIMESTAMP '2024-01-01 20:00:00+00', 'Asia/Seoul')", "2024-01-02"),
    ("TIMESTAMP(DATETIME '2024-01-02 05:00:00', 'Asia/Seoul')", "2024-01-01T20:00:00+00:00"),
    ("FORMAT_TIMESTAMP('%Y-%m-%d %H', TIMESTAMP '2024-01-01 20:00:00+00', 'Asia/Seoul')",
     "2024-01-02 05"),
    ("FORMAT_TIMESTAMP('%Y-%m-%d %H', TIMESTAMP '2024-01-01 20:00:00+00')", "2024-01-01 20"),
    ("PARSE_TIMESTAMP('%Y-%m-%d %H', '2024-01-02 05', 'Asia/Seoul')",
     "2024-01-01T20:00:00+00:00"),
    ("EXTRACT(HOUR FROM TIMESTAMP '2024-01-01 20:00:00+00' AT TIME ZONE 'Asia/Seoul')", 5),
    ("DATETIME_DIFF(CURRENT_DATETIME('Asia/Seoul'), CURRENT_DATETIME(), HOUR) BETWEEN 8 AND 9",
     True),
    ("DATE_DIFF(CURRENT_DATE('Asia/Seoul'), CURRENT_DATE(), DAY) IN (0, 1)", True),
    ("CURRENT_DATE() >= DATE '2024-01-01'", True),
    ("CURRENT_DATETIME() >= DATETIME '2024-01-01 00:00:00'", True),
    ("CURRENT_TIMESTAMP() >= TIMESTAMP '2024-01-01 00:00:00+00'", True),
    ("DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) < CURRENT_DATE()", True),
    # format elements: BigQuery's meaning, including the ones strftime lacks
    ("FORMAT_DATE('%Y-%m', DATE '2024-01-07')", "2024-01"),
    ("FORMAT_DATE('%A %d %B %Y', DATE '2024-01-07')", "Sunday 07 January 2024"),
    ("FORMAT_DATE('%b %e', DATE '2024-01-07')", "Jan  7"),
    ("FORMAT_DATE('%Y-Q%Q', DATE '2024-05-07')", "2024-Q2"),
    ("FORMAT_DATE('%x', DATE '2024-01-07')", "01/07/24"),
    ("FORMAT_DATE('%F', DATE '2024-01-07')", "2024-01-07"),
    ("FORMAT_DATE('%j %U %W %u %w', DATE '2024-01-07')", "007 01 01 7 0"),
    ("FORMAT_DATETIME('%c', DATETIME '2024-01-07 10:11:12')", "Sun Jan  7 10:11:12 2024"),
    ("FORMAT_DATETIME('%T %p', DATETIME '2024-01-07 15:11:12')", "15:11:12 PM"),
    ("FORMAT_DATETIME('%X|%h|%y|%G|%V|%u|%w|%I|%p|%a|%E6S|%R|%E4Y', "
     "DATETIME '2024-01-07 15:04:05.123456')",
     "15:04:05|Jan|24|2024|01|7|0|03|PM|Sun|05.123456|15:04|2024"),
    ("FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', TIMESTAMP '2024-01-07 15:11:12+00')", "2024-01-07 15:11"),
    ("PARSE_DATE('%Y%m%d', '20240107')", "2024-01-07"),
    ("PARSE_DATE('%d/%m/%Y', '07/01/2024')", "2024-01-07"),
    ("PARSE_DATETIME('%Y-%m-%d %H:%M:%S', '2024-01-07 10:11:12')", "2024-01-07T10:11:12"),
    ("PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%S', '2024-01-07 10:11:12')", "2024-01-07T10:11:12+00:00"),
    # numbers: / is FLOAT64, DIV truncates, casts to INT64 round half away from zero
    ("7 / 2", 3.5),
    ("DIV(-7, 2)", -3),
    ("MOD(-7, 2)", -1),
    ("SAFE_DIVIDE(1, 0)", None),
    ("SAFE_DIVIDE(6, 4)", 1.5),
    ("ROUND(2.5)", 3.0),
    ("ROUND(-2.5)", -3.0),
    ("ROUND(3.14159, 2)", 3.14),
    ("CAST(2.5 AS INT64)", 3),
    ("CAST(-2.5 AS INT64)", -3),
    ("CAST(1.5 AS INT64)", 2),
    ("0.1 + 0.2 = 0.3", False),
    ("TRUNC(2.7)", 2.0),
    ("CEIL(2.1)", 3.0),
    ("FLOOR(-2.1)", -3.0),
    ("ABS(-3)", 3),
    ("SIGN(-2.5)", -1.0),
    ("GREATEST(1, NULL, 3)", None),
    ("LEAST(2, 1)", 1),
    ("POW(2, 10)", 1024.0),
    ("SQRT(16)", 4.0),
    ("LN(1)", 0.0),
    ("LOG(8, 2)", 3.0),
    ("LOG10(100)", 2.0),
    ("EXP(0)", 1.0),
    ("RANGE_BUCKET(20, [0, 10, 20, 30, 40])", 3),
    ("RANGE_BUCKET(25, [0, 10, 20, 30, 40])", 3),
    ("RANGE_BUCKET(-10, [5, 10, 20, 30, 40])", 0),
    ("RANGE_BUCKET(80, [0, 10, 20, 30, 40])", 5),
    ("RANGE_BUCKET(80, ARRAY<INT64>[])", 0),
    ("RANGE_BUCKET(NULL, [0, 10, 20, 30, 40])", None),
    ("RANGE_BUCKET(CAST('NaN' AS FLOAT64), [0.0, 1.5])", None),
    ("RANGE_BUCKET('a', ['a', 'b', 'c', 'd'])", 1),
    ("RANGE_BUCKET(1.2, [1, 1.2, 1.4, 1.6])", 2),
    # strings
    ("CONCAT('a', NULL)", None),
    ("CONCAT('a', 'b', 'c')", "abc"),
    ("SUBSTR('abcdef', 0, 2)", "ab"),
    ("SUBSTR('abcdef', -2)", "ef"),
    ("SUBSTR('abcdef', -10, 2)", "ab"),
    ("SUBSTR('abcdef', 2, 3)", "bcd"),
    ("LENGTH('서울')", 2),
    ("CHAR_LENGTH('abc')", 3),
    ("BYTE_LENGTH('서울')", 6),
    ("BYTE_LENGTH(b'abc')", 3),
    ("UPPER('seoul')", "SEOUL"),
    ("LOWER('SEOUL')", "seoul"),
    ("INITCAP('hello wORLD-foo')", "Hello World-Foo"),
    ("STRPOS('banana', 'an')", 2),
    ("INSTR('banana', 'an')", 2),
    ("STARTS_WITH('banana', 'ba')", True),
    ("ENDS_WITH('banana', 'na')", True),
    ("CONTAINS_SUBSTR('The Blue House', 'blue')", True),
    ("REPLACE('a-b-c', '-', '+')", "a+b+c"),
    (r"REGEXP_CONTAINS('Review (12)', r'\(\d+\)')", True),
    (r"REGEXP_EXTRACT('abc123', r'\d+')", "123"),
    (r"REGEXP_EXTRACT('abc', r'\d+')", None),
    (r"REGEXP_EXTRACT_ALL('a1b22c333', r'\d+')", ["1", "22", "333"]),
    (r"REGEXP_REPLACE('a1b22', r'\d', '#')", "a#b##"),
    (r"REGEXP_REPLACE('John Smith', r'(\w+) (\w+)', r'\2 \1')", "Smith John"),
    ("SPLIT('a,b,,c')", ["a", "b", "", "c"]),
    ("SPLIT('a b', ' ')[OFFSET(1)]", "b"),
    ("ARRAY_TO_STRING(['a', 'b'], '-')", "a-b"),
    ("ARRAY_LENGTH([1, 2, 3])", 3),
    ("LPAD('7', 3, '0')", "007"),
    ("RPAD('ab', 4)", "ab  "),
    ("LPAD('abc', 2)", "ab"),
    ("TRIM('  x  ')", "x"),
    ("LTRIM('xxay', 'x')", "ay"),
    ("RTRIM('ayxx', 'x')", "ay"),
    ("LEFT('abcdef', 2)", "ab"),
    ("RIGHT('abcdef', 2)", "ef"),
    ("REVERSE('abc')", "cba"),
    ("REPEAT('ab', 3)", "ababab"),
    ("EDIT_DISTANCE('kitten', 'sitting')", 3),
    ("FORMAT('%d items', 3)", "3 items"),
    ("FORMAT('%5.1f|%-3s|%x', 3.14159, 'a', 255)", "  3.1|a  |ff"),
    (r"'a_b' LIKE 'a\\_b'", True),
    (r"'axb' LIKE 'a\\_b'", False),
    ("'Seoul' LIKE 'Se%'", True),
    # casts: strings must hold a whole number to become INT64
    ("SAFE_CAST('1.5' AS INT64)", None),
    ("SAFE_CAST('12' AS INT64)", 12),
    ("SAFE_CAST('1_000' AS INT64)", None),
    ("SAFE_CAST('0x1F' AS INT64)", 31),
    ("SAFE_CAST('abc' AS FLOAT64)", None),
    ("CAST('3.5' AS FLOAT64)", 3.5),
    ("CAST('42' AS INT64)", 42),
    ("CAST(12 AS STRING)", "12"),
    ("CAST(TRUE AS STRING)", "true"),
    ("SAFE_CAST('2024-02-30' AS DATE)", None),
    # JSON
    ("JSON_EXTRACT_SCALAR('{\"sentiment\": \"negative\"}', '$.sentiment')", "negative"),
    ("JSON_EXTRACT_SCALAR('{\"a\": {\"b\": 1}}', '$.a')", None),
    ("JSON_EXTRACT_SCALAR('{\"a\": 5}', '$.a')", "5"),
    ("JSON_VALUE('{\"a\": [1, 2]}', '$.a[1]')", "2"),
    ("JSON_EXTRACT('{\"a\": {\"b\": 1}}', '$.a')", "{\"b\":1}"),
    ("TO_JSON_STRING(STRUCT(1 AS a, 'x' AS b))", "{\"a\":1,\"b\":\"x\"}"),
    ("JSON_EXTRACT_STRING_ARRAY('{\"fruits\": [\"apples\", \"oranges\"]}', '$.fruits')",
     ["apples", "oranges"]),
    ("JSON_EXTRACT_STRING_ARRAY('[\"foo\", \"bar\", \"baz\"]', '$')", ["foo", "bar", "baz"]),
    ("JSON_EXTRACT_STRING_ARRAY('[1, 2, 3]')", ["1", "2", "3"]),
    (r"JSON_EXTRACT_STRING_ARRAY('[true, \"a\\\"b\", \"\\u00e9\"]')", ["true", 'a"b', "é"]),
    ("JSON_EXTRACT_STRING_ARRAY('{\"a.b\": {\"c\": [\"world\"]}}', \"$['a.b'].c\")", ["world"]),
    ("JSON_EXTRACT_STRING_ARRAY('}}', '$')", None),
    ("JSON_EXTRACT_STRING_ARRAY('{\"a\": [\"foo\"]}', '$.b')", None),
    ("JSON_EXTRACT_STRING_ARRAY('{\"a\": \"foo\"}', '$')", None),
    ("JSON_EXTRACT_STRING_ARRAY('{\"a\": [{\"b\": \"foo\"}, {\"b\": \"bar\"}]}', '$.a')", None),
    ("JSON_EXTRACT_STRING_ARRAY('{\"a\": [10, {\"b\": 20}]}', '$.a')", None),
    ("JSON_EXTRACT_STRING_ARRAY('{\"a\": \"foo\", \"b\": []}', '$.b')", []),
    # three-valued logic and conditionals
    ("TRUE AND NULL", None),
    ("NULL OR TRUE", True),
    ("NOT (1 > 2) AND (2 BETWEEN 1 AND 3 OR FALSE)", True),
    ("IF(NULL, 1, 2)", 2),
    ("IFNULL(NULL, 5)", 5),
    ("NULLIF(3, 3)", None),
    ("COALESCE(NULL, NULL, 'x')", "x"),
    ("CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END", "b"),
    # arrays: OFFSET is 0-based, ORDINAL 1-based, SAFE_ variants give NULL when out of range
    ("[10, 20, 30][OFFSET(0)]", 10),
    ("[10, 20, 30][ORDINAL(1)]", 10),
    ("[10, 20, 30][SAFE_OFFSET(3)]", None),
    ("[10, 20, 30][SAFE_OFFSET(-1)]", None),
    ("[10, 20, 30][SAFE_ORDINAL(0)]", None),
    ("GENERATE_ARRAY(1, 5, 2)", [1, 3, 5]),
    ("(SELECT APPROX_QUANTILES(x, 4) FROM UNNEST(GENERATE_ARRAY(1, 9)) AS x)", [1, 3, 5, 7, 9]),
    ("(SELECT APPROX_QUANTILES(x, 2) FROM UNNEST([1.5, 100.0, 2.5, NULL]) AS x)",
     [1.5, 2.5, 100.0]),
    (("(SELECT APPROX_TOP_COUNT(x, 2) FROM UNNEST(['apple', 'apple', 'pear', 'pear', 'pear', "
      "'banana']) AS x)"),
     [{"value": "pear", "count": 3}, {"value": "apple", "count": 2}]),
    (("(SELECT APPROX_TOP_COUNT(x, 2) FROM UNNEST([NULL, 'pear', 'pear', 'pear', 'apple', "
      "NULL]) AS x)"),
     [{"value": "pear", "count": 3}, {"value": None, "count": 2}]),
    ("(SELECT APPROX_TOP_COUNT(x, 5) FROM UNNEST([1, 1, 2]) AS x)",
     [{"value": 1, "count": 2}, {"value": 2, "count": 1}]),
    ("(SELECT APPROX_TOP_COUNT(x, 2) FROM UNNEST(ARRAY<STRING>[]) AS x)", None),
    ("2 IN UNNEST([1, 2])", True),
    ("(SELECT ANY_VALUE(x HAVING MAX y) FROM UNNEST([STRUCT('a' AS x, 1 AS y), "
     "STRUCT('b' AS x, 3 AS y), STRUCT('c' AS x, 2 AS y)]))", "b"),
    ("(SELECT STRUCT(1 AS a, 'x' AS b)).b", "x"),
    ("(SELECT COUNT(*) FROM UNNEST([STRUCT(1 AS a), STRUCT(2 AS a)]) AS s WHERE s.a > 1)", 1),
    ("ARRAY(SELECT x * 2 FROM UNNEST([3]) AS x)", [6]),
    ("EXISTS(SELECT 1 FROM UNNEST([1]) AS x WHERE x = 1)", True),
    ("STRUCT(1 AS a, 'x' AS b)", {"a": 1, "b": "x"}),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBWarehouse]:
    """A tiny cymbal warehouse with hand-checkable rows."""
    path = tmp_path_factory.mktemp("lab") / "cymbal.duckdb"
    build_lab_warehouse(path)
    wh = DuckDBWarehouse(path)
    yield wh
    wh.close()


def build_lab_warehouse(path: Path) -> None:
    """Write the documented tables from the schema specs, plus the lab's sentiment output."""
    schema = load_schema()
    frames = {
        "customers": pd.DataFrame([
            {"customer_id": c, "first_name": f, "last_name": last,
             "email": f"{f.lower()}@example.com", "gender": g, "address_city": city,
             "age": age, "loyalty_member": loyal}
            for c, f, last, g, city, age, loyal in CUSTOMERS]),
        "products": pd.DataFrame([
            {"id": f"GGOE{pid}", "title": title, "uri": f"https://shop.example/{pid}",
             "availability": "IN_STOCK", "categories": cat, "product_id": pid, "price": price,
             "average_rating": 4.0, "review_count": 10}
            for pid, title, cat, price in PRODUCTS]),
        "customer_reviews": pd.DataFrame([
            {"customer_review_id": rid, "customer_id": cust, "location_id": 5001,
             "review_datetime": when, "review_text": text, "social_media_source": source,
             "social_media_handle": f"@{cust}", "product_id": pid, "rating": rating}
            for rid, cust, when, text, source, pid, rating in REVIEWS]),
    }
    con = duckdb.connect(str(path))
    try:
        for name, frame in frames.items():
            write_table(con, frame, schema[name])
        con.execute("CREATE TABLE review_analysis (customer_review_id BIGINT, analysis VARCHAR)")
        con.executemany("INSERT INTO review_analysis VALUES (?, ?)", [
            (rid, f'{{"sentiment": "{label}", "keywords": []}}')
            for rid, label in SENTIMENT.items()])
    finally:
        con.close()


def rows(wh: DuckDBWarehouse, sql: str) -> list[list[Any]]:
    return wh.run_query(sql).rows


def test_segment_profile(warehouse: DuckDBWarehouse) -> None:
    assert rows(warehouse, SEGMENT_SQL) == [
        [1001, "Younger_Adult_FEMALE_LOYAL"], [1002, "Older_Adult_MALE_NON_LOYAL"],
        [1003, "Younger_Adult_FEMALE_NON_LOYAL"], [1004, "Older_Adult_MALE_LOYAL"],
        [1005, "Younger_Adult_OTHER_LOYAL"], [1006, "Younger_Adult_FEMALE_LOYAL"]]


def test_negative_customers_from_sentiment_json(warehouse: DuckDBWarehouse) -> None:
    assert rows(warehouse, NEGATIVE_SQL) == [[1001], [1002], [1003], [1004]]


def test_top_product_per_segment(warehouse: DuckDBWarehouse) -> None:
    sql = TOP_BY_SQL.format(segment=SEGMENT, group="segment")
    assert rows(warehouse, sql) == [
        ["Older_Adult_MALE_LOYAL", 102, 2], ["Older_Adult_MALE_NON_LOYAL", 103, 1],
        ["Younger_Adult_FEMALE_LOYAL", 101, 3], ["Younger_Adult_FEMALE_NON_LOYAL", 101, 1],
        ["Younger_Adult_OTHER_LOYAL", 104, 1]]


def test_top_product_per_city(warehouse: DuckDBWarehouse) -> None:
    sql = TOP_BY_SQL.format(segment=SEGMENT, group="address_city")
    assert rows(warehouse, sql) == [["Busan", 101, 2], ["Seoul", 102, 3]]


def test_array_agg_offsets_ignore_nulls(warehouse: DuckDBWarehouse) -> None:
    assert rows(warehouse, ARRAY_AGG_SQL) == [
        [1001, 102, 101, 101], [1002, 103, None, None], [1003, 101, None, None],
        [1004, 102, 102, 102], [1005, 104, None, 104], [1006, 101, 101, 101]]


def test_recommendation_slots_by_rank(warehouse: DuckDBWarehouse) -> None:
    assert rows(warehouse, RECOMMEND_SQL) == [["Busan", 101, 103, None], ["Seoul", 102, 101, None]]


def test_unnest_with_offset_is_zero_based(warehouse: DuckDBWarehouse) -> None:
    assert rows(warehouse, UNNEST_SQL) == [[0, "first"], [1, "second"], [2, "third"]]
    assert rows(warehouse, UNNEST_CORRELATED_SQL) == [[1002, "J", 0], [1002, "", 1], [1002, "n", 2]]


def test_safe_cast_of_regexp_extract_from_uri(warehouse: DuckDBWarehouse) -> None:
    assert rows(warehouse, URI_SQL) == [
        ["gs://cymbal/reviews/Review (12).jpeg", 12], ["gs://cymbal/reviews/Review (x).png", None],
        ["gs://cymbal/reviews/Review(7).png", 7], ["gs://cymbal/reviews/cover.png", None]]


def test_monthly_counts_date_diff_format_date_countif(warehouse: DuckDBWarehouse) -> None:
    assert rows(warehouse, MONTHLY_SQL) == [
        ["2024-01", 1, 0, 114], ["2024-02", 2, 1, 70], ["2024-03", 3, 1, 30], ["2024-04", 3, 0, 25]]


def test_recency_in_days_and_sunday_weeks(warehouse: DuckDBWarehouse) -> None:
    # 2024-04-30 is a Tuesday; its week began Sunday 2024-04-28.
    assert rows(warehouse, RECENCY_SQL) == [
        [1001, 75, 11], [1002, 70, 10], [1003, 58, 8], [1004, 25, 4], [1005, 30, 4], [1006, 28, 4]]


@pytest.mark.parametrize("table", [
    "customers", "cymbal.customers", "`cymbal.customers`", "`cymbal`.`customers`",
    "`my-project.cymbal.customers`", "`my-project`.cymbal.customers"])
def test_backtick_and_qualified_table_names(warehouse: DuckDBWarehouse, table: str) -> None:
    assert rows(warehouse, f"SELECT COUNT(*) AS n FROM {table}") == [[6]]


def test_aggregates(warehouse: DuckDBWarehouse) -> None:
    ages = [c[5] for c in CUSTOMERS]
    ids = [c[0] for c in CUSTOMERS]
    got = rows(warehouse, STATS_SQL)[0]
    expected = [6, 2, 4, sum(ages), statistics.mean(ages), 22, 62, True, True, True,
                "Minji,Joon,Ara,Dong,Sora,Hana", "Dong", "Hana", 3,
                statistics.stdev(ages), statistics.pstdev(ages), statistics.stdev(ages),
                statistics.variance(ages), statistics.pvariance(ages), statistics.variance(ages),
                statistics.correlation(ages, ids), statistics.covariance(ages, ids) * 5 / 6,
                statistics.covariance(ages, ids)]
    assert got == pytest.approx(expected)


def test_window_functions(warehouse: DuckDBWarehouse) -> None:
    # ages sorted: 22 (1006), 28 (1001), 35 (1003), 39 (1005), 45 (1002), 62 (1004)
    expected = [
        [1001, 28, 4, 2, 1, 0.2, 2 / 6, 22, 35, 22, 62, 28, 37.0, 35],
        [1002, 45, 1, 1, 2, 0.8, 5 / 6, 39, 62, 22, 62, 28, 37.0, 35],
        [1003, 35, 4, 2, 1, 0.4, 3 / 6, 28, 39, 22, 62, 28, 37.0, 35],
        [1004, 62, 4, 2, 2, 1.0, 1.0, 45, 0, 22, 62, 28, 37.0, 35],
        [1005, 39, 1, 1, 2, 0.6, 4 / 6, 35, 45, 22, 62, 28, 37.0, 35],
        [1006, 22, 1, 1, 1, 0.0, 1 / 6, None, 28, 22, 62, 28, 37.0, 35]]
    for got, want in zip(rows(warehouse, WINDOW_SQL), expected, strict=True):
        assert got == pytest.approx(want)


def test_nulls_sort_first_ascending_like_bigquery(warehouse: DuckDBWarehouse) -> None:
    sql = "SELECT x FROM UNNEST([2, NULL, 1]) AS x ORDER BY x"
    assert rows(warehouse, sql) == [[None], [1], [2]]
    sql = "SELECT STRING_AGG(x ORDER BY x) FROM UNNEST(['b', NULL, 'a']) AS x"
    assert rows(warehouse, sql) == [["a,b"]]


@pytest.mark.parametrize(("expression", "expected"), SEMANTICS, ids=[s for s, _ in SEMANTICS])
def test_function_semantics(warehouse: DuckDBWarehouse, expression: str, expected: Any) -> None:
    got = rows(warehouse, f"SELECT {expression} AS v")[0][0]
    if isinstance(expected, float):
        assert got == pytest.approx(expected)
    else:
        assert got == expected


def test_unnamed_columns_are_named_like_bigquery(warehouse: DuckDBWarehouse) -> None:
    result = warehouse.run_query("SELECT gender, COUNT(*), AVG(age) AS mean_age, MAX(age) "
                                 "FROM customers GROUP BY gender ORDER BY gender")
    assert result.columns == ["gender", "f0_", "mean_age", "f1_"]
    nested = warehouse.run_query("SELECT * FROM (SELECT COUNT(*), 1 + 1 FROM customers)")
    assert nested.columns == ["f0_", "f1_"]


def test_date_results_keep_bigquery_types(warehouse: DuckDBWarehouse) -> None:
    result = warehouse.run_query(
        "SELECT DATE_TRUNC(DATE(review_datetime), MONTH) AS m, "
        "DATE_ADD(DATE(review_datetime), INTERVAL 1 DAY) AS d, "
        "DATE_TRUNC(review_datetime, MONTH) AS dt FROM customer_reviews LIMIT 1")
    assert result.column_types == ["DATE", "DATE", "DATETIME"]


def test_division_by_zero_is_an_error_as_on_bigquery(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(SqlError) as err:
        warehouse.run_query("SELECT SUM(rating) / COUNTIF(rating > 5) FROM customer_reviews")
    assert err.value.code == "execution_error"
    assert "zero" in err.value.message.lower()


def test_bad_int64_string_is_an_error_as_on_bigquery(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(SqlError) as err:
        warehouse.run_query("SELECT CAST('1.5' AS INT64)")
    assert err.value.code == "execution_error"
    assert "Bad int64 value: 1.5" in err.value.message


@pytest.mark.parametrize(("sql", "needle"), [
    ("SELECT STRING_AGG(review_text, ' ' LIMIT 2) FROM customer_reviews", "LIMIT inside"),
    ("SELECT LAX_INT64(PARSE_JSON('{\"a\": 1}'))", "LAX_INT64"),
    ("SELECT IEEE_DIVIDE(1, 0)", "IEEE_DIVIDE"),
    ("SELECT APPROX_TOP_SUM(gender, age, 2) FROM customers", "APPROX_TOP_SUM"),
    ("SELECT JSON_VALUE_ARRAY('[\"a\"]')", "JSON_VALUE_ARRAY"),
    ("SELECT SAFE.SUBSTR('abc', 1)", "SAFE"),
    ("SELECT EXTRACT(WEEK(TUESDAY) FROM DATE '2024-01-07')", "WEEK(TUESDAY)"),
    ("SELECT FORMAT_DATE('%g', DATE '2024-01-07')", "'%g'"),
    ("SELECT FORMAT(\"%'d\", 1000)", "FORMAT specifier"),
    ("SELECT CAST(DATE '2024-01-01' AS STRING FORMAT 'YYYY')", "FORMAT"),
    ("SELECT [1, 2][OFFSET(-1)]", "out of bounds"),
    ("SELECT DATE(review_datetime, 'Asia/Seoul') FROM customer_reviews", "time_zone"),
    ("SELECT TIMESTAMP_TRUNC(CURRENT_TIMESTAMP(), DAY, 'Asia/Seoul')", "time zone"),
    ("SELECT APPROX_QUANTILES(DISTINCT age, 2) FROM customers", "APPROX_QUANTILES"),
    ("SELECT SUBSTR('abcdef', 2, -1)", "cannot be negative"),
    ("SELECT LEFT('abc', -1)", "cannot be negative"),
    ("SELECT REPEAT(first_name, age - 100) FROM customers", "cannot be negative"),
])
def test_constructs_duckdb_cannot_match_are_refused(warehouse: DuckDBWarehouse, sql: str,
                                                    needle: str) -> None:
    with pytest.raises(SqlError) as err:
        warehouse.run_query(sql)
    assert err.value.code in ("unsupported", "execution_error")
    assert needle in str(err.value)


COMMON_QUERIES = [  # shapes marketers' questions take; each must run, not be refused
    "SELECT * EXCEPT (email, first_name) FROM customers WHERE age BETWEEN 20 AND 40 "
    "AND (gender = 'Female' OR loyalty_member) AND address_city IS NOT NULL",
    "SELECT address_city, COUNT(*) AS n FROM customers GROUP BY 1 HAVING n > 1 ORDER BY n DESC",
    "SELECT customer_id, review_text FROM customer_reviews WHERE TRUE QUALIFY ROW_NUMBER() "
    "OVER (PARTITION BY customer_id ORDER BY review_datetime DESC) = 1",
    "SELECT gender FROM customers UNION DISTINCT SELECT 'Unknown' ORDER BY 1",
    "SELECT COUNT(*) FROM customers WHERE customer_id IN UNNEST([1001, 1002])",
    "SELECT * FROM UNNEST([STRUCT(1 AS a, 'x' AS b), STRUCT(2 AS a, 'y' AS b)])",
    "SELECT c.customer_id, (SELECT COUNT(*) FROM customer_reviews r "
    "WHERE r.customer_id = c.customer_id) AS n FROM customers c ORDER BY n DESC",
    "SELECT c.first_name, r.rating FROM customers c LEFT JOIN customer_reviews r "
    "ON c.customer_id = r.customer_id AND r.rating >= 4",
    "SELECT * FROM customers WHERE EXISTS (SELECT 1 FROM customer_reviews r "
    "WHERE r.customer_id = customers.customer_id AND r.rating <= 2)",
    "SELECT customer_id FROM customers WHERE customer_id NOT IN "
    "(SELECT customer_id FROM customer_reviews)",
    "SELECT ANY_VALUE(title HAVING MAX price) AS priciest FROM products",
    "SELECT STRING_AGG(DISTINCT address_city, ', ' ORDER BY address_city) FROM customers",
    "SELECT COUNT(*) FROM customers WHERE address_city LIKE ANY ('Seo%', 'Bus%')",
    "SELECT rating, COUNT(*) AS n, SUM(COUNT(*)) OVER () AS total, "
    "ROUND(100 * COUNT(*) / SUM(COUNT(*)) OVER (), 1) AS pct FROM customer_reviews GROUP BY 1",
    "SELECT product_id, AVG(rating) OVER (PARTITION BY product_id) AS avg_rating, "
    "SUM(rating) OVER (ORDER BY review_datetime ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) "
    "FROM customer_reviews",
    "SELECT DATE_TRUNC(DATE(review_datetime), MONTH) AS month, COUNT(DISTINCT customer_id) "
    "FROM customer_reviews WHERE review_datetime >= DATETIME_SUB(DATETIME '2024-04-30 00:00:00',"
    " INTERVAL 90 DAY) GROUP BY month ORDER BY month",
    "SELECT p.title, COUNT(*) AS n FROM customer_reviews r JOIN products p "
    "ON SAFE_CAST(p.product_id AS INT64) = r.product_id GROUP BY p.title ORDER BY n DESC LIMIT 3",
    "WITH a AS (SELECT customer_id FROM customer_reviews WHERE rating <= 2), "
    "b AS (SELECT customer_id FROM customers WHERE loyalty_member) "
    "SELECT * FROM a INTERSECT DISTINCT SELECT * FROM b",
    "SELECT CASE WHEN rating >= 4 THEN 'positive' WHEN rating = 3 THEN 'neutral' "
    "ELSE 'negative' END AS sentiment, COUNT(*) FROM customer_reviews GROUP BY 1",
    "SELECT ARRAY(SELECT AS STRUCT title, price FROM products ORDER BY price DESC LIMIT 2)",
    "FROM customers |> WHERE age > 30 |> AGGREGATE COUNT(*) AS n GROUP BY gender",
]


@pytest.mark.parametrize("sql", COMMON_QUERIES)
def test_common_query_shapes_run(warehouse: DuckDBWarehouse, sql: str) -> None:
    assert warehouse.run_query(sql).columns


def _all_sql() -> list[str]:
    queries = [SEGMENT_SQL, NEGATIVE_SQL, ARRAY_AGG_SQL, RECOMMEND_SQL, UNNEST_SQL,
               UNNEST_CORRELATED_SQL, URI_SQL, MONTHLY_SQL, RECENCY_SQL, STATS_SQL, WINDOW_SQL,
               TOP_BY_SQL.format(segment=SEGMENT, group="segment")]
    return queries + [f"SELECT {expression}" for expression, _ in SEMANTICS]


def test_every_verified_function_is_exercised_here() -> None:
    exercised = {type(node) for sql in _all_sql()
                 for node in sqlglot.parse_one(sql, read="bigquery").walk()
                 if isinstance(node, exp.Func)}
    assert sorted(c.__name__ for c in VERIFIED_FUNCTIONS - exercised) == []


def test_aggregates_bigquery_answers_exactly(warehouse: DuckDBWarehouse) -> None:
    """APPROX_COUNT_DISTINCT is exact at small cardinalities on BigQuery (DuckDB's HyperLogLog
    said 204 for 200); ARRAY_AGG … LIMIT n keeps the first n of the ordered aggregate;
    APPROX_TOP_COUNT counts exactly, most frequent first."""
    assert rows(warehouse, "SELECT APPROX_COUNT_DISTINCT(x) FROM UNNEST(GENERATE_ARRAY(1, 200))"
                " AS x") == [[200]]
    assert rows(warehouse, "SELECT ARRAY_AGG(x ORDER BY x DESC LIMIT 2) "
                "FROM UNNEST([3, 1, 2]) AS x") == [[[3, 2]]]
    assert rows(warehouse, "SELECT APPROX_TOP_COUNT(product_id, 2) FROM customer_reviews") == [
        [[{"value": 101, "count": 4}, {"value": 102, "count": 3}]]]


def test_range_bucket_buckets_columns_and_fails_as_bigquery(warehouse: DuckDBWarehouse) -> None:
    """RANGE_BUCKET counts the boundaries <= the point; BigQuery fails on boundaries that are
    unsorted or hold NULL, and on a point whose type differs from theirs."""
    assert rows(warehouse, "SELECT RANGE_BUCKET(age, [30, 40, 60]) AS b, COUNT(*) AS n "
                "FROM customers GROUP BY b ORDER BY b") == [[0, 2], [1, 2], [2, 1], [3, 1]]
    for boundaries in ("[0, 20, 10]", "[0, NULL, 10]"):
        with pytest.raises(SqlError) as err:
            warehouse.run_query(f"SELECT RANGE_BUCKET(5, {boundaries})")
        assert err.value.code == "execution_error"
        assert "sorted" in err.value.message
    with pytest.raises(SqlError) as err:
        warehouse.run_query("SELECT RANGE_BUCKET(1.2, [1, 2, 4, 6])")
    assert err.value.code == "unsupported"


def test_json_extract_string_array_reads_columns_and_fails_as_bigquery(
        warehouse: DuckDBWarehouse) -> None:
    """A JSON null in the array is an error on BigQuery (an ARRAY cannot hold NULL)."""
    assert rows(warehouse, "SELECT ARRAY_LENGTH(JSON_EXTRACT_STRING_ARRAY(analysis, "
                "'$.keywords')) AS n, COUNT(*) AS c FROM review_analysis GROUP BY n") == [[0, 9]]
    with pytest.raises(SqlError) as err:
        warehouse.run_query("SELECT JSON_EXTRACT_STRING_ARRAY('[\"world\", 1, null]')")
    assert err.value.code == "execution_error"
    assert "NULL" in err.value.message
