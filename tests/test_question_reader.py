"""The question reader composes queries from the semantic model, or declines.

Each composed query is run on the real DuckDB warehouse and its result compared with a
hand-written query's (the questions here are the test author's own, not the blind sets'),
so a test fails when the reading, the joins or the SQL are wrong, not when SQL text differs.
"""

from __future__ import annotations

from typing import Any

import pytest

from evaluation.sql_accuracy import compare_results
from tools.sql.mentions import MentionFinder
from tools.sql.question_parser import QuestionReader, question_lexicon
from tools.sql.question_words import Lexicon, tokenize
from tools.sql.semantic_model import load_semantic_model
from tools.sql.value_index import load_index
from tools.vocabulary.language import language_of
from tools.warehouse import get_warehouse


@pytest.fixture()
def reader(settings) -> tuple[QuestionReader, MentionFinder]:
    return QuestionReader(load_semantic_model(), question_lexicon()), \
        MentionFinder(load_index(settings))


def read(reader: tuple[QuestionReader, MentionFinder], question: str):
    parser, finder = reader
    return parser.read(question, finder.find(question), language_of(question))


def rows(sql: str) -> tuple[list[str], list[list[Any]]]:
    result = get_warehouse().run_query(sql, max_rows=10_000)
    return result.columns, result.rows


ANSWERED = [
    # counts with filters, typos and casual words
    ("how many shopers live in Ulsan", "SELECT COUNT(*) FROM customers WHERE address_city = 'Ulsan'"),
    ("number of men who are not loyalty members",
     "SELECT COUNT(*) FROM customers WHERE gender = 'Male' AND NOT loyalty_member"),
    ("울산에 사는 남자 손님 몇 명?",
     "SELECT COUNT(*) FROM customers WHERE address_city = 'Ulsan' AND gender = 'Male'"),
    # averages over filtered subsets, across tables
    ("avg price of accessories", "SELECT AVG(price) FROM products WHERE categories = '[Accessories]'"),
    ("average star rating given by customers in Daejeon",
     "SELECT AVG(r.rating) FROM customer_reviews r JOIN customers c ON c.customer_id = r.customer_id "
     "WHERE c.address_city = 'Daejeon'"),
    ("가방 평균 스토어 평점", "SELECT AVG(average_rating) FROM products WHERE categories = '[Bags]'"),
    # thresholds and ranges on any attribute
    ("how many products are priced under 15000",
     "SELECT COUNT(*) FROM products WHERE price < 15000"),
    ("customers aged 25 to 35, how many?",
     "SELECT COUNT(*) FROM customers WHERE age BETWEEN 25 AND 35"),
    ("별점 4점 이상 리뷰 몇 개", "SELECT COUNT(*) FROM customer_reviews WHERE rating >= 4"),
    # breakdowns, shares, distinct counts, time windows
    ("reviews per platform in 2025",
     "SELECT social_media_source, COUNT(*) FROM customer_reviews "
     "WHERE review_datetime >= '2025-01-01' AND review_datetime < '2026-01-01' "
     "GROUP BY social_media_source"),
    ("what percentage of products are out of stock",
     "SELECT 100 * COUNTIF(availability = 'OUT_OF_STOCK') / COUNT(*) FROM products"),
    ("남녀별 로열티 회원 비율",
     "SELECT gender, 100 * COUNTIF(loyalty_member) / COUNT(*) FROM customers GROUP BY gender"),
    ("how many distinct customers placed orders in 2025",
     "SELECT COUNT(DISTINCT customer_id) FROM orders "
     "WHERE order_datetime >= '2025-01-01' AND order_datetime < '2026-01-01'"),
    # rankings, superlatives (winner first), count conditions, lookups
    ("which 2 cities bring in the most revenue",
     "SELECT c.address_city, SUM(o.sale_price * o.quantity) AS v FROM orders o "
     "JOIN customers c ON c.customer_id = o.customer_id WHERE o.status IN ('Complete', 'Shipped') "
     "GROUP BY 1 ORDER BY v DESC LIMIT 2"),
    ("top 3 customers by spend in Incheon",
     "SELECT c.customer_id, SUM(o.sale_price * o.quantity) AS v FROM orders o "
     "JOIN customers c ON c.customer_id = o.customer_id WHERE o.status IN ('Complete', 'Shipped') "
     "AND c.address_city = 'Incheon' GROUP BY 1 ORDER BY v DESC LIMIT 3"),
    ("고객별 리뷰 수 상위 5명",
     "SELECT customer_id, COUNT(*) AS n FROM customer_reviews GROUP BY 1 "
     "ORDER BY n DESC, customer_id LIMIT 5"),  # ties broken by id, as the answer does
    ("which category has the fewest products",
     "SELECT categories FROM products GROUP BY 1 ORDER BY COUNT(*) ASC LIMIT 1"),
    ("가장 비싼 드링크웨어는?",
     "SELECT title FROM products WHERE categories = '[Drinkware]' ORDER BY price DESC LIMIT 1"),
    ("how many customers wrote at least 3 reviews",
     "SELECT COUNT(*) FROM (SELECT customer_id FROM customer_reviews GROUP BY 1 HAVING COUNT(*) >= 3)"),
    ("how old is customer 1010", "SELECT age FROM customers WHERE customer_id = 1010"),
    # a measure about one named customer, a yes/no lookup, money as 50k, plural value names
    ("how many orders has customer 1010 placed",
     "SELECT COUNT(DISTINCT order_id) FROM orders WHERE customer_id = 1010"),
    ("is customer 1010 a loyalty member?",
     "SELECT loyalty_member FROM customers WHERE customer_id = 1010"),
    ("how many order lines have a sale price between 50k and 100k won",
     "SELECT COUNT(*) FROM orders WHERE sale_price BETWEEN 50000 AND 100000"),
    ("how many reviews are tagged as payment problems",
     "SELECT COUNT(*) FROM customer_reviews_analysis WHERE issue_category = '결제문제'"),
    ("30~39세 고객 몇 명", "SELECT COUNT(*) FROM customers WHERE age BETWEEN 30 AND 39"),
    ("1010번 고객 몇 살이야?", "SELECT age FROM customers WHERE customer_id = 1010"),  # no count
    ("1010번 고객 어디 살아?", "SELECT address_city FROM customers WHERE customer_id = 1010"),
    ("what's the status of order 1001?", "SELECT status FROM orders WHERE order_id = 1001"),
    # count conditions with the entity's own filters, and "never"
    ("how many loyal customers wrote at least 2 reviews",
     "SELECT COUNT(*) FROM (SELECT r.customer_id FROM customer_reviews r JOIN customers c "
     "ON c.customer_id = r.customer_id WHERE c.loyalty_member GROUP BY 1 HAVING COUNT(*) >= 2)"),
    ("how many customers have never placed an order",
     "SELECT COUNT(*) FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM orders)"),
    ("주문 이력이 없는 고객 수",
     "SELECT COUNT(*) FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM orders)"),
    # lists of matching things, totals per customer compared with an amount
    ("list the bags priced between 30k and 80k",
     "SELECT product_id, title, price FROM products WHERE categories = '[Bags]' "
     "AND price BETWEEN 30000 AND 80000"),
    ("how many customers spent more than 500k in total",
     "SELECT COUNT(*) FROM (SELECT customer_id FROM orders WHERE status IN ('Complete', 'Shipped') "
     "GROUP BY 1 HAVING SUM(sale_price * quantity) > 500000)"),
    ("총 구매금액 100만원 넘는 고객 몇명이야",
     "SELECT COUNT(*) FROM (SELECT customer_id FROM orders WHERE status IN ('Complete', 'Shipped') "
     "GROUP BY 1 HAVING SUM(sale_price * quantity) > 1000000)"),
    # both values of a column compared; every value named, then grouped
    ("# of orders from loyalty members vs non members",
     "SELECT c.loyalty_member, COUNT(DISTINCT o.order_id) FROM orders o "
     "JOIN customers c ON c.customer_id = o.customer_id GROUP BY 1"),
    ("긍정 부정 중립 리뷰별로 평균 별점 어떰?",
     "SELECT a.text_sentiment, AVG(r.rating) FROM customer_reviews r JOIN customer_reviews_analysis a "
     "ON a.customer_review_id = r.customer_review_id GROUP BY 1"),
    # RFM clusters filter customers; shares of a sum and of distinct orders
    ("how many champions live in Seoul",
     "SELECT COUNT(*) FROM customers c JOIN customer_rfm f ON f.customer_id = c.customer_id "
     "WHERE f.cluster_name = 'champions' AND c.address_city = 'Seoul'"),
    ("what percent of revenue comes from apparel",
     "SELECT 100 * SUM(IF(p.categories = '[Apparel]', o.sale_price * o.quantity, 0)) "
     "/ SUM(o.sale_price * o.quantity) FROM orders o JOIN products p "
     "ON CAST(p.product_id AS INT64) = o.product_id WHERE o.status IN ('Complete', 'Shipped')"),
    ("what percent of orders were cancelled",
     "SELECT 100 * COUNT(DISTINCT IF(status = 'Cancelled', order_id, NULL)) "
     "/ COUNT(DISTINCT order_id) FROM orders"),
    # dates as answers, spend in casual Korean, lookups that say whose row it is
    ("when did customer 1010 last place an order",
     "SELECT MAX(order_datetime) FROM orders WHERE customer_id = 1010"),
    ("고객 1010 지금까지 총 얼마 썼어?",
     "SELECT SUM(sale_price * quantity) FROM orders WHERE customer_id = 1010 "
     "AND status IN ('Complete', 'Shipped')"),
    ("what city is customer 1010 in?",
     "SELECT customer_id, address_city FROM customers WHERE customer_id = 1010"),
    ("주문번호 1001 상태 머임?", "SELECT DISTINCT order_id, status FROM orders WHERE order_id = 1001"),
    ("who placed order 1001, and when?",
     "SELECT DISTINCT order_id, customer_id, order_datetime FROM orders WHERE order_id = 1001"),
    # a listed having, a comparison inside a breakdown, casual abbreviations
    ("list the customers who've spent more than 2,000,000 in total",
     "SELECT customer_id, SUM(sale_price * quantity) AS v FROM orders "
     "WHERE status IN ('Complete', 'Shipped') GROUP BY 1 HAVING v > 2000000"),
    ("in stock vs out of stock product counts, split by category",
     "SELECT categories, availability, COUNT(*) FROM products GROUP BY 1, 2"),
    ("avg qty per order line", "SELECT AVG(quantity) FROM orders"),
    ("total rev from Jeju customers",
     "SELECT SUM(o.sale_price * o.quantity) FROM orders o JOIN customers c "
     "ON c.customer_id = o.customer_id WHERE c.address_city = 'Jeju' "
     "AND o.status IN ('Complete', 'Shipped')"),
    ("품절 상태인 드링크웨어 상품이 몇 개인가요?",
     "SELECT COUNT(*) FROM products WHERE categories = '[Drinkware]' "
     "AND availability = 'OUT_OF_STOCK'"),
    ("평균 별점이 몇 점이야?", "SELECT AVG(rating) FROM customer_reviews"),
    ("RFM 클러스터별 평균 나이",
     "SELECT f.cluster_name, AVG(c.age) FROM customers c JOIN customer_rfm f "
     "ON f.customer_id = c.customer_id GROUP BY 1"),
    # a product is a catalog row (titles repeat across colours); each group's share of a
    # total; people named by a value are what "how many" counts; casual words; 챔피언 클러스터
    ("top 3 products by units sold",
     "SELECT p.product_id, p.title, SUM(o.quantity) AS v FROM orders o JOIN products p "
     "ON CAST(p.product_id AS INT64) = o.product_id WHERE o.status IN ('Complete', 'Shipped') "
     "GROUP BY 1, 2 ORDER BY v DESC LIMIT 3"),  # units sold: complete and shipped lines
    ("도시별 고객 비중",
     "SELECT address_city, 100 * COUNT(*) / SUM(COUNT(*)) OVER () FROM customers GROUP BY 1"),
    ("what share of revenue does each category bring",
     "SELECT p.categories, 100 * SUM(o.sale_price * o.quantity) / "
     "SUM(SUM(o.sale_price * o.quantity)) OVER () FROM orders o JOIN products p "
     "ON CAST(p.product_id AS INT64) = o.product_id WHERE o.status IN ('Complete', 'Shipped') "
     "GROUP BY 1"),
    ("how many women have had an order cancelled",
     "SELECT COUNT(DISTINCT o.customer_id) FROM orders o JOIN customers c "
     "ON c.customer_id = o.customer_id WHERE c.gender = 'Female' AND o.status = 'Cancelled'"),
    ("gimme the number of custs in Jeju",
     "SELECT COUNT(*) FROM customers WHERE address_city = 'Jeju'"),
    ("로얄티 회원 아닌 고객 몇 명", "SELECT COUNT(*) FROM customers WHERE NOT loyalty_member"),
    # a share whose part is "has a review / an order": among whom, said first
    ("what percent of Seoul customers have written at least one review",
     "SELECT 100 * COUNTIF(customer_id IN (SELECT customer_id FROM customer_reviews)) / COUNT(*) "
     "FROM customers WHERE address_city = 'Seoul'"),
    ("리뷰를 쓴 고객 중 부산 고객 비율",
     "SELECT 100 * COUNTIF(address_city = 'Busan') / COUNT(*) FROM customers "
     "WHERE customer_id IN (SELECT customer_id FROM customer_reviews)"),
    # decimals stay whole ("4.5 이상" was read as 5), "which RFM cluster" groups
    ("스토어 평점 4.5 이상인데 품절된 상품 몇 개야?",
     "SELECT COUNT(*) FROM products WHERE average_rating >= 4.5 AND availability = 'OUT_OF_STOCK'"),
    ("Which RFM cluster has the oldest customers on average?",
     "SELECT f.cluster_name, AVG(c.age) AS a FROM customers c JOIN customer_rfm f "
     "ON f.customer_id = c.customer_id GROUP BY 1 ORDER BY a DESC LIMIT 1"),
    ("상품 카테고리별 평균 별점, 높은 순으로 정리해줘",  # the whole list in order, not a winner
     "SELECT p.categories, AVG(r.rating) AS a FROM customer_reviews r JOIN products p "
     "ON CAST(p.product_id AS INT64) = r.product_id GROUP BY 1 ORDER BY a DESC"),
    ("챔피언 클러스터 고객 중 부산 사는 사람 몇 명",
     "SELECT COUNT(*) FROM customers c JOIN customer_rfm f ON f.customer_id = c.customer_id "
     "WHERE f.cluster_name = 'champions' AND c.address_city = 'Busan'"),
    # two half-years compared; the rows with no order at all; "90일 안에" is within, not "not"
    ("상반기랑 하반기 주문 건수 비교해줘",
     "SELECT CONCAT(CAST(EXTRACT(YEAR FROM order_datetime) AS STRING), CASE WHEN "
     "EXTRACT(MONTH FROM order_datetime) <= 6 THEN '-H1' ELSE '-H2' END) AS h, "
     "COUNT(DISTINCT order_id) FROM orders WHERE EXTRACT(YEAR FROM order_datetime) = "
     "(SELECT EXTRACT(YEAR FROM MAX(order_datetime)) FROM orders) GROUP BY 1"),
    ("Which products have never been ordered?",
     "SELECT product_id, title FROM products WHERE CAST(product_id AS INT64) NOT IN "
     "(SELECT product_id FROM orders)"),
    ("부산 고객 중에 최근 90일 안에 주문한 사람 몇 명이야?",
     "SELECT COUNT(DISTINCT o.customer_id) FROM orders o JOIN customers c "
     "ON c.customer_id = o.customer_id WHERE c.address_city = 'Busan' "
     "AND CAST(o.order_datetime AS DATE) >= "
     "(SELECT CAST(MAX(order_datetime) AS DATE) FROM orders) - INTERVAL 90 DAY"),
    ("which 3 products get sent back the most? just count returned lines",
     "SELECT p.product_id, p.title, COUNT(*) AS v FROM orders o JOIN products p "
     "ON CAST(p.product_id AS INT64) = o.product_id WHERE o.status = 'Returned' "
     "GROUP BY 1, 2 ORDER BY v DESC, p.title, p.product_id LIMIT 3"),
    # the products of a category sold the most, by units; the calendar day with the most
    ("가장 많이 팔린 가방은?",
     "SELECT p.product_id, p.title, SUM(o.quantity) AS v FROM orders o JOIN products p "
     "ON CAST(p.product_id AS INT64) = o.product_id WHERE o.status IN ('Complete', 'Shipped') "
     "AND p.categories = '[Bags]' GROUP BY 1, 2 ORDER BY v DESC, p.title, p.product_id LIMIT 1"),
    ("which day had the most orders?",
     "SELECT CAST(DATE(order_datetime) AS STRING) AS d, COUNT(DISTINCT order_id) AS v "
     "FROM orders GROUP BY 1 ORDER BY v DESC, d LIMIT 1"),
    # "best-selling" ranks by units sold; a share per month; each month's share of revenue
    ("What are the 3 best-selling Drinkware products that are out of stock right now?",
     "SELECT p.product_id, p.title, SUM(o.quantity) AS v FROM orders o JOIN products p "
     "ON CAST(p.product_id AS INT64) = o.product_id WHERE o.status IN ('Complete', 'Shipped') "
     "AND p.categories = '[Drinkware]' AND p.availability = 'OUT_OF_STOCK' "
     "GROUP BY 1, 2 ORDER BY v DESC, p.title, p.product_id LIMIT 3"),
    ("which month had the highest share of positive reviews?",
     "SELECT FORMAT_DATE('%Y-%m', DATE(r.review_datetime)) AS m, ROUND(100 * COUNTIF("
     "a.text_sentiment = 'positive') / COUNT(*), 2) AS v FROM customer_reviews r "
     "JOIN customer_reviews_analysis a ON a.customer_review_id = r.customer_review_id "
     "GROUP BY 1 ORDER BY v DESC LIMIT 1"),
    ("월별 매출 비중",
     "SELECT FORMAT_DATE('%Y-%m', DATE(order_datetime)) AS m, SUM(sale_price * quantity) AS v, "
     "ROUND(100 * SUM(sale_price * quantity) / SUM(SUM(sale_price * quantity)) OVER (), 1) "
     "FROM orders WHERE status IN ('Complete', 'Shipped') GROUP BY 1"),
    # "from the fewest … to the most": the whole list, lowest first; "40 and over" is the
    # older age group, as the segments split ages
    ("Sort the categories from the fewest out-of-stock products to the most",
     "SELECT categories, COUNT(*) FROM products WHERE availability = 'OUT_OF_STOCK' "
     "GROUP BY 1"),
    ("how many customers aged 40 and over live in Busan",
     "SELECT COUNT(*) FROM customers WHERE age >= 40 AND address_city = 'Busan'"),
    ("여성 고객이 가장 많이 산 상품 5개",  # 산: bought (사다), as 사는 is lives (살다)
     "SELECT p.product_id, p.title, SUM(o.quantity) AS v FROM orders o JOIN customers c "
     "ON c.customer_id = o.customer_id JOIN products p ON CAST(p.product_id AS INT64) = "
     "o.product_id WHERE o.status IN ('Complete', 'Shipped') AND c.gender = 'Female' "
     "GROUP BY 1, 2 ORDER BY v DESC, p.title, p.product_id LIMIT 5"),
    ("평균 별점이 3.3점 미만인 리뷰 채널만 골라줘",  # 3.3: an average, not "3점 미만" ratings
     "SELECT social_media_source, AVG(rating) FROM customer_reviews GROUP BY 1 "
     "HAVING AVG(rating) < 3.3"),
    ("Which day of the week do we get the most orders on?",
     "SELECT FORMAT_DATE('%A', DATE(order_datetime)) AS d, COUNT(DISTINCT order_id) AS v "
     "FROM orders GROUP BY 1 ORDER BY v DESC, d LIMIT 1"),
    ("Counting only order lines that are Shipped and nothing else, how much revenue is that?",
     "SELECT SUM(sale_price * quantity) FROM orders WHERE status = 'Shipped'"),
]


@pytest.mark.parametrize(("question", "gold"), ANSWERED)
def test_composed_query_gives_the_right_result(reader, question: str, gold: str) -> None:
    reading = read(reader, question)
    assert reading.plan is not None, (reading.reason, reading.unexplained)
    sql = reading.plan.to_sql(load_semantic_model())
    gold_columns, gold_rows = rows(gold)
    columns, predicted = rows(sql)
    ranked = "LIMIT" in gold
    ok, why = compare_results(gold_rows, columns, predicted, top=ranked)
    assert ok, f"{question}: {why}\n{sql}"


DECLINED = [
    "how many customers like hiking",  # a word nothing in the model explains
    "split of male, female and other customers",  # three values of one column
    "what's the average revenue of customer 1004",  # a measure about one named customer
    "how many products cost more than 30000 or less than 10000",  # two thresholds, one column
    "which city has the most",  # most what?
    "average of Seoul",  # an average of nothing
    "which product category do reviewers like the least?",  # "like": not a count of reviewers
    "what is in Seoul",  # a list of nothing named
    "customers by RFM cluster",  # cluster sizes: the segment tools list them, with a chart
    "list customers who wrote negative reviews",  # a list, not a count of them
]


@pytest.mark.parametrize("question", DECLINED)
def test_what_it_cannot_account_for_is_declined(reader, question: str) -> None:
    assert read(reader, question).plan is None


def test_from_the_fewest_to_the_most_is_the_whole_list_lowest_first(reader) -> None:
    plan = read(reader, "Sort the categories from the fewest out-of-stock products to the "
                        "most").plan
    assert plan.order == "asc" and not plan.superlative and plan.limit is None
    winner = read(reader, "which category has the fewest out-of-stock products").plan
    assert winner.order == "asc" and winner.superlative


def test_the_reading_names_the_customer_or_order_asked_about(reader) -> None:
    assert "customer 1010" in read(reader, "how many orders has customer 1010 placed").plan \
        .reading("en")
    assert "order 1001" in read(reader, "what's the status of order 1001?").plan.reading("en")


def test_a_declined_reading_names_the_words_it_could_not_place(reader) -> None:
    reading = read(reader, "how many customers like hiking")
    assert "hiking" in reading.unexplained


def test_superlatives_answer_the_winner_with_the_runner_up(reader) -> None:
    plan = read(reader, "which city has the most loyalty members").plan
    assert plan is not None and plan.superlative and plan.limit == 2 and plan.order == "desc"


def test_korean_is_read_through_its_morphology() -> None:
    forms = [t.form for t in tokenize("카테고리별로 리뷰를 몇 개씩 받았어?")]
    assert forms[:2] == ["카테고리", "별"] and "를" not in forms and "몇" in forms


def test_typos_are_read_as_the_closest_known_word() -> None:
    lexicon = question_lexicon()
    phrase = lexicon.read(tokenize("avrrage"))[0]
    assert getattr(phrase, "fuzzy", False) and phrase.has("avg")


def test_yaml_booleans_in_the_word_lists_are_refused(tmp_path) -> None:
    words = tmp_path / "words.yaml"
    words.write_text("roles:\n  stop:\n    en: [on, the]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not text"):
        Lexicon(load_semantic_model(), words)
