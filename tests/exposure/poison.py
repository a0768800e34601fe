"""Hostile customer data for the exposure tests: spreadsheet formulas in a customer's name
and another's city, and email addresses inside a review's free text."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

FORMULA_NAME = '=HYPERLINK("http://evil.example/x","Click")'
FORMULA_SURNAME = "@SUM(A1:A9)"
FORMULA_CITY = "-2+3+cmd|' /C calc'!A0"
OTHER_ADDRESS = "ji-woo.park+vip@corp-mail.example.co.kr"


@dataclass(frozen=True)
class Poisoned:
    """The customers the poison went into, and the addresses a result must never show."""

    named: int  # an unhappy Busan customer whose name is a formula
    named_email: str
    located: int  # an unhappy customer whose city is a formula
    located_email: str
    clean: int  # an unhappy Busan customer left as they were
    clean_email: str
    review_id: int  # the named customer's latest review, quoting two addresses
    review_text: str


def poison(con: duckdb.DuckDBPyConnection) -> Poisoned:
    named, located, clean = (row[0] for row in con.execute(
        "SELECT n.customer_id FROM negative_customers AS n JOIN customers AS c "
        "USING (customer_id) WHERE c.address_city = 'Busan' AND c.marketing_consent "
        "ORDER BY n.customer_id LIMIT 3"
    ).fetchall())
    email, located_email, clean_email = (
        con.execute("SELECT email FROM customers WHERE customer_id = ?", [i]).fetchone()[0]
        for i in (named, located, clean))
    con.execute("UPDATE customers SET first_name = ?, last_name = ? WHERE customer_id = ?",
                [FORMULA_NAME, FORMULA_SURNAME, named])
    for table in ("customers", "customer_segments", "negative_customers"):
        con.execute(f"UPDATE {table} SET address_city = ? WHERE customer_id = ?",
                    [FORMULA_CITY, located])
    text = (f"-The lid leaks after a week. Write to me at {email} or at {OTHER_ADDRESS}, "
            "not through the store.")
    review_id = con.execute("SELECT max(customer_review_id) + 1 FROM customer_reviews"
                            ).fetchone()[0]
    product_id, = con.execute(
        "SELECT min(CAST(product_id AS BIGINT)) FROM products WHERE availability = 'IN_STOCK' "
        "AND categories = '[Drinkware]'").fetchone()
    values = [review_id, named, 5002, "2025-12-31 09:00:00", text, "Blog", "@lidleak",
              product_id, 1]
    columns = ("customer_review_id, customer_id, location_id, review_datetime, review_text, "
               "social_media_source, social_media_handle, product_id, rating")
    con.execute(f"INSERT INTO customer_reviews ({columns}) VALUES (?,?,?,?,?,?,?,?,?)", values)
    con.execute(f"INSERT INTO multimodal_customer_reviews ({columns}, text_sentiment, "
                f"issue_category) VALUES (?,?,?,?,?,?,?,?,?, 'negative', '품질불량')", values)
    return Poisoned(named, email, located, located_email, clean, clean_email, int(review_id),
                    text)
