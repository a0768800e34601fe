"""The synthetic product catalog: about 1,300 SKUs of Google-style merchandise.

Families (a design line crossed with an item) come in colours (one title each) and sizes (one
SKU each, same title, size in the SKU's last two digits). The catalog depends only on the seed,
never on the scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.synth.randomness import generator
from pipeline.synth.templates import text_array
from pipeline.synth.vocab import load_vocab

STORE_URL = "https://shop.googlemerchandisestore.com/Google+Redesign/"
AUDIENCES = ("any", "young", "older", "kids")
GENDER_TAGS = ("any", "mens", "womens")
ONE_SIZE = "ONE"
# What kind of thing a product is, for the words reviewers use about it. Sized apparel is
# "apparel"; one-size apparel (caps, beanies, onesies) is "wearables".
PRODUCT_GROUPS = ("apparel", "wearables", "drinkware", "bags", "hardware", "goods")
_CATEGORY_GROUP = {"Drinkware": "drinkware", "Bags": "bags", "Google Hardware": "hardware"}


@dataclass(frozen=True)
class Catalog:
    """The products table plus hidden per-SKU facts.

    The text pools (title, kind, brand, size, price) and ``product_id`` also cover discontinued
    products after the first ``n_listed`` entries: reviews may mention them, the table has no row.
    """

    frame: pd.DataFrame
    categories: tuple[str, ...]
    n_listed: int
    product_id: np.ndarray
    price: np.ndarray
    category: np.ndarray
    title_index: np.ndarray
    audience: np.ndarray
    gender: np.ndarray
    group: np.ndarray       # index into PRODUCT_GROUPS
    popularity: np.ndarray
    defect: np.ndarray
    text: dict[str, np.ndarray]


@dataclass
class _Builder:
    """Collects SKUs title by title; every title gets its own design number in the SKU."""

    rng: np.random.Generator
    vocab: dict[str, Any]
    columns: dict[str, list[Any]] = field(default_factory=lambda: {
        key: [] for key in ("id", "title", "category", "price", "kind", "brand", "size",
                            "audience", "gender", "title_index")})
    titles: dict[str, int] = field(default_factory=dict)
    number: int = 5000  # design numbers kept clear of the lab catalog's (all below 2000)

    def add_title(self, title: str, category: int, code: str, brand_key: str, style: str,
                  price: float, sizes: list[str], **facts: Any) -> None:
        """Add one title with a SKU per size (ignored if the title already exists)."""
        if title in self.titles:
            return
        self.titles[title] = len(self.titles)
        self.number += int(self.rng.integers(1, 9))
        brand = self.vocab["brands"][brand_key]
        for size in sizes:
            size_code = self.vocab["sizes"]["codes"][size]
            row = dict(id=f"{brand['prefix']}{brand['code']}{code}{style}{self.number:04d}{size_code:02d}",
                       title=title, category=category, price=price, brand=brand["display"],
                       size=size, title_index=self.titles[title], **facts)
            for key, value in row.items():
                self.columns[key].append(value)

    def add_family(self, design: dict[str, Any], item: dict[str, Any], category: int,
                   code: str) -> None:
        """Add a design x item family in one to three colours (or none, for plain items)."""
        low, high = item.get("colours", [1, 2])
        n_colours = int(self.rng.integers(low, high + 1))
        colours = (list(self.rng.choice(self.vocab["colours"], size=n_colours, replace=False))
                   if n_colours else [""])
        dollars = round(self.rng.uniform(*item["usd"]) * 2) / 2
        price = float(round(dollars * self.vocab["usd_to_won"] / 100) * 100)
        audience = item.get("audience", "any")
        if audience == "any":
            audience = design.get("audience", "any")
        for colour in colours:
            title = " ".join(part for part in (design["name"], item["name"], colour) if part)
            self.add_title(title, category, code, design["brand"], item["style"], price,
                           item.get("sizes", [ONE_SIZE]), kind=item["kind"],
                           audience=AUDIENCES.index(audience),
                           gender=GENDER_TAGS.index(item.get("gender", "any")))

    def add_category(self, category: int, spec: dict[str, Any]) -> None:
        """Add families in random order until the category reaches its SKU target."""
        if "fixed" in spec:
            for item in spec["fixed"]:
                self.add_title(item["title"], category, spec["code"], item["brand"], item["style"],
                               float(item["won"]), [ONE_SIZE], kind=item["kind"],
                               audience=AUDIENCES.index(item.get("audience", "any")), gender=0)
            return
        pairs = [(design, item) for design in spec["designs"] for item in spec["items"]]
        start = len(self.columns["id"])
        for pick in self.rng.permutation(len(pairs)):
            if len(self.columns["id"]) - start >= spec["target_skus"]:
                break
            self.add_family(*pairs[pick], category=category, code=spec["code"])


def _product_group(category: str, size: str) -> str:
    if category == "Apparel":
        return "wearables" if size == ONE_SIZE else "apparel"
    return _CATEGORY_GROUP.get(category, "goods")


def _slug(title: str) -> str:
    return "+".join(re.sub(r"[^A-Za-z0-9 \-]", "", title).split())


def _popularity(rng: np.random.Generator, columns: dict[str, np.ndarray], n_titles: int,
                size_popularity: dict[str, float], order_share: np.ndarray) -> np.ndarray:
    """Relative demand per SKU: a long-tailed demand per title, split over its sizes, scaled so
    each category takes its share of all order lines."""
    title_demand = 1.0 / (rng.permutation(n_titles) + 8.0) ** 0.75
    size_weight = np.array([size_popularity[size] for size in columns["size"]])
    title = columns["title_index"]
    per_title = np.bincount(title, weights=size_weight, minlength=n_titles)
    demand = title_demand[title] * size_weight / per_title[title]
    category_total = np.bincount(columns["category"], weights=demand, minlength=len(order_share))
    return demand * order_share[columns["category"]] / category_total[columns["category"]]


def build_catalog(seed: int, categories: tuple[str, ...]) -> Catalog:
    """The catalog for ``seed``; ``categories`` names the categories in the table's order."""
    vocab = load_vocab("catalog")
    rng = generator(seed, "catalog")
    builder = _Builder(rng, vocab)
    for index, name in enumerate(categories):
        builder.add_category(index, vocab["categories"][name])
    columns = {key: np.array(values) for key, values in builder.columns.items()}
    n, n_titles = len(columns["id"]), len(builder.titles)
    order_share = np.array([vocab["categories"][name]["order_share"] for name in categories])
    popularity = _popularity(rng, columns, n_titles, vocab["sizes"]["popularity"], order_share)

    title_defect = rng.beta(1.2, 9.0, size=n_titles)
    title_quality = np.clip(rng.normal(4.15, 0.4, size=n_titles) - 2.5 * title_defect, 1.0, 5.0)
    stock_share = vocab["in_stock_share"]
    title_stock = rng.beta(5.0 * stock_share, 5.0 * (1.0 - stock_share), size=n_titles)
    title = columns["title_index"]
    rating = np.round(np.clip(title_quality[title] + rng.normal(0, 0.25, size=n), 1.0, 5.0), 1)
    demand_rank = popularity.argsort().argsort() / max(n - 1, 1)
    review_count = (20 + 900 * demand_rank * rng.uniform(0.6, 1.0, size=n)
                    + rng.integers(0, 80, size=n)).astype(np.int64)
    in_stock = rng.random(n) < title_stock[title]

    gone = vocab["discontinued"]
    low, high = vocab["product_id_range"]
    product_id = rng.choice(np.arange(low, high), size=n + len(gone), replace=False).astype(np.int64)
    category_name = np.array(categories, dtype=object)[columns["category"]]
    frame = pd.DataFrame({
        "id": columns["id"].astype(object),
        "title": columns["title"].astype(object),
        "uri": [f"{STORE_URL}{_slug(c)}/{_slug(t)}" for c, t in zip(category_name, columns["title"])],
        "availability": np.where(in_stock, "IN_STOCK", "OUT_OF_STOCK").astype(object),
        "categories": np.array([f"[{c}]" for c in categories], dtype=object)[columns["category"]],
        "product_id": product_id[:n].astype(str).astype(object),
        "price": columns["price"].astype(np.float64),
        "average_rating": rating,
        "review_count": review_count,
    })
    prices = np.r_[columns["price"].astype(np.float64), [float(g["won"]) for g in gone]]
    text = {
        "title": text_array(list(columns["title"]) + [g["title"] for g in gone]),
        "kind": text_array(list(columns["kind"]) + [g["kind"] for g in gone]),
        "brand": text_array(list(columns["brand"]) + [g["brand"] for g in gone]),
        "size": text_array([s if s != ONE_SIZE else "one size"
                            for s in list(columns["size"]) + [g["size"] for g in gone]]),
        "price": text_array([f"{int(p):,} won" for p in prices]),
    }
    group = np.r_[[PRODUCT_GROUPS.index(_product_group(categories[c], s))
                   for c, s in zip(columns["category"], columns["size"])],
                  [PRODUCT_GROUPS.index(g["group"]) for g in gone]]
    return Catalog(
        frame=frame, categories=categories, n_listed=n, product_id=product_id, price=prices,
        category=columns["category"], title_index=title, audience=columns["audience"],
        gender=columns["gender"], group=group, popularity=popularity,
        defect=np.r_[title_defect[title], np.full(len(gone), 0.2)], text=text)
