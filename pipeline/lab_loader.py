"""Loading the BigQuery lab's real CSV files into the warehouse tables.

The lab's folder holds ``alchemy_data1.csv`` (customers), ``products_info.csv`` and
``customer_reviews.csv``. Their quirks are handled here: CRLF line ends and quoted
newlines, the ``productId`` / ``product_id`` header, timestamps ending in `` UTC``,
``True``/``False`` booleans, and reviews whose product is missing from the catalog
(kept, and reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tools.warehouse.schema import load_schema

LAB_FILES = {
    "customers": "alchemy_data1.csv",
    "products": "products_info.csv",
    "customer_reviews": "customer_reviews.csv",
}
_HEADER_ALIASES = {"productid": "product_id"}
_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n", ""}


@dataclass
class LabLoad:
    """The loaded tables and what the loader noticed about them."""

    frames: dict[str, pd.DataFrame]
    orphan_reviews: list[int] = field(default_factory=list)  # review ids with unknown product
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.frames.items()}


class LabDataError(ValueError):
    """The folder does not hold the lab's files, or a file cannot be read."""


def load_lab_data(folder: Path) -> LabLoad:
    """Read the lab's three CSV files from ``folder`` into schema-typed frames."""
    folder = Path(folder)
    missing = [f for f in LAB_FILES.values() if not (folder / f).is_file()]
    if missing:
        raise LabDataError(f"{folder} is not a lab data folder: missing {', '.join(missing)} "
                           f"(expected {', '.join(LAB_FILES.values())}).")
    schema = load_schema()
    frames = {name: _read(folder / filename, schema[name].required_names)
              for name, filename in LAB_FILES.items()}
    customers, products, reviews = (frames["customers"], frames["products"],
                                    frames["customer_reviews"])

    customers["loyalty_member"] = customers["loyalty_member"].map(_parse_bool)
    for col in ("customer_id", "age"):
        customers[col] = _to_int(customers[col], "customers", col)

    for col in ("price", "average_rating"):
        products[col] = pd.to_numeric(products[col].replace("", None), errors="coerce")
    products["review_count"] = _to_int(products["review_count"], "products", "review_count")

    reviews["review_datetime"] = pd.to_datetime(
        reviews["review_datetime"].str.replace(r"\s*UTC$", "", regex=True).str.strip(),
        format="mixed")
    for col in ("customer_review_id", "customer_id", "location_id", "product_id", "rating"):
        reviews[col] = _to_int(reviews[col], "customer_reviews", col)
    reviews["review_text"] = reviews["review_text"].str.replace("\r\n", "\n").str.strip()

    known = set(pd.to_numeric(products["product_id"], errors="coerce").dropna().astype(int))
    orphans = reviews.loc[~reviews["product_id"].isin(known), "customer_review_id"]
    load = LabLoad(frames={**frames, "orders": _empty_orders()},
                   orphan_reviews=sorted(int(i) for i in orphans))
    if load.orphan_reviews:
        load.notes.append(f"{len(load.orphan_reviews)} reviews point at product ids missing "
                          f"from products (kept): review ids {load.orphan_reviews}")
    load.notes.append("The lab has no orders: the orders table is empty, so purchase-based "
                      "features fall back to review activity.")
    return load


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise LabDataError(f"Cannot read {path.name}: {err}") from None
    frame.columns = [_HEADER_ALIASES.get(c.strip().lower(), c.strip()) for c in frame.columns]
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise LabDataError(f"{path.name} lacks columns {absent}; it has {list(frame.columns)}.")
    return frame[columns].copy()


def _parse_bool(value: str) -> bool | None:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False if text else None
    raise LabDataError(f"Not a boolean: {value!r}")


def _to_int(series: pd.Series, table: str, column: str) -> pd.Series:
    numbers = pd.to_numeric(series.replace("", None), errors="coerce")
    bad = series[numbers.isna() & (series != "")]
    if not bad.empty:
        raise LabDataError(f"{table}.{column}: not a number: {bad.iloc[0]!r}")
    return numbers.round().astype("Int64")


def _empty_orders() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="object")
                         for name in load_schema()["orders"].column_names})
