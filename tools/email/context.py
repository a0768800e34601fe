"""Everything an email needs to know about one customer, read from the warehouse in one place.

This module is the contract with the derived tables other capabilities build:

- ``multimodal_customer_reviews``: customer_reviews columns plus ``text_sentiment``
  (positive | negative | neutral), ``issue_category`` and, when present, ``improvement_point``;
- ``customer_persona_definitions``: one persona per ``persona_age_group_profile`` (and per
  ``language`` when that column exists), described by ``persona_description`` (or the lab's
  ``persona_segment_description``), ``summary``, ``motivations``, ``needs``, ``marketing_pitch``;
- the recommendation table (``CYMBAL_EMAIL_RECOMMENDATION_TABLE``, by default
  ``final_personalized_recommendations``): ``customer_id``, ``product1..3`` (product ids as
  INT64 or text).

A missing table is not an error: the context says what it lacks in ``notes``. Products always
come from the live catalog; a recommended product that is missing or out of stock is replaced
by an in-stock favourite of the customer's segment (computed from orders), and the notes say so.
The persona segment is computed from ``customers`` exactly as the lab does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config.settings import Settings, get_settings
from tools.warehouse.reads import chunks, keyset_pages, rows, sql_ints, table_columns

REVIEWS_TABLE = "multimodal_customer_reviews"
PERSONAS_TABLE = "customer_persona_definitions"
UNHAPPY = ("negative", "neutral")
PRODUCTS_PER_EMAIL = 3
SEGMENT_SQL = ("CONCAT(IF(c.age < 40, 'Younger_Adult', 'Older_Adult'), '_', UPPER(c.gender), "
               "'_', IF(c.loyalty_member, 'LOYAL', 'NON_LOYAL'))")


@dataclass(frozen=True)
class CatalogProduct:
    """One product as the catalog lists it now."""

    product_id: int
    sku: str
    title: str
    uri: str
    price_won: int
    category: str  # "Apparel", without the lab's brackets
    in_stock: bool


@dataclass
class ProductCatalog:
    """A snapshot of the whole product catalog, keyed by the integer product id."""

    products: dict[int, CatalogProduct]

    @classmethod
    def load(cls) -> ProductCatalog:
        pid = "SAFE_CAST(product_id AS INT64)"
        found = keyset_pages(lambda after, page: (
            f"SELECT {pid} AS pid, id, title, uri, availability, categories, price "
            f"FROM cymbal.products WHERE {pid} IS NOT NULL"
            f"{'' if after is None else f' AND {pid} > {after}'} ORDER BY pid LIMIT {page}"),
            key="pid")
        return cls({int(r["pid"]): CatalogProduct(
            product_id=int(r["pid"]), sku=str(r["id"] or ""), title=str(r["title"] or ""),
            uri=str(r["uri"] or ""), price_won=int(round(float(r["price"] or 0))),
            category=str(r["categories"] or "").strip("[]"),
            in_stock=r["availability"] == "IN_STOCK") for r in found})

    def get(self, product_id: int | None) -> CatalogProduct | None:
        return None if product_id is None else self.products.get(int(product_id))

    def in_stock(self, product_id: int | None) -> CatalogProduct | None:
        product = self.get(product_id)
        return product if product is not None and product.in_stock else None

    def bestsellers(self) -> list[int]:
        """In-stock product ids, the most reviewed first (the last-resort fallback)."""
        found = rows("SELECT SAFE_CAST(product_id AS INT64) AS pid FROM cymbal.products "
                     "WHERE availability = 'IN_STOCK' AND SAFE_CAST(product_id AS INT64) IS NOT "
                     "NULL ORDER BY review_count DESC, pid LIMIT 30")
        return [int(r["pid"]) for r in found]


@dataclass(frozen=True)
class Persona:
    segment: str
    description: str
    summary: str
    motivations: str
    needs: str
    marketing_pitch: str


@dataclass(frozen=True)
class UnhappyReview:
    """The customer's own negative (or else neutral) review: the experience to acknowledge."""

    review_id: int
    product_id: int | None
    product_title: str | None
    text: str
    rating: int | None
    sentiment: str
    issue_category: str
    improvement_point: str
    posted: str


@dataclass
class CustomerContext:
    customer_id: int
    first_name: str
    last_name: str
    email: str
    city: str
    age: int | None
    gender: str
    loyalty_member: bool
    segment: str
    persona: Persona | None = None
    review: UnhappyReview | None = None
    products: list[CatalogProduct] = field(default_factory=list)
    recommendation_source: str = "recommendations"  # or segment_favourites, mixed
    notes: list[str] = field(default_factory=list)

    @property
    def age_group(self) -> str:
        return "Younger_Adult" if self.age is not None and self.age < 40 else "Older_Adult"

    @property
    def loyalty_status(self) -> str:
        return "LOYAL" if self.loyalty_member else "NON_LOYAL"


@dataclass
class ContextSources:
    """What the batch loader found once, shared by every customer of the batch."""

    language: str
    catalog: ProductCatalog
    personas: dict[str, Persona]
    favourites: dict[str, list[int]]
    bestsellers: list[int]
    notes: list[str] = field(default_factory=list)
    reviews_available: bool = True
    recommendations_available: bool = True


def load_sources(language: str, settings: Settings | None = None,
                 catalog: ProductCatalog | None = None) -> ContextSources:
    """The catalog, personas and segment favourites: what every context of a batch shares."""
    settings = settings or get_settings()
    sources = ContextSources(language=language, catalog=catalog or ProductCatalog.load(),
                             personas=_personas(language), favourites=_segment_favourites(),
                             bestsellers=[])
    sources.bestsellers = sources.catalog.bestsellers()
    if not sources.personas:
        sources.notes.append(f"No persona definitions ({PERSONAS_TABLE}) yet; the email speaks "
                             "to the segment from its name only.")
    if table_columns(REVIEWS_TABLE) is None:
        sources.reviews_available = False
        sources.notes.append(f"Review sentiment ({REVIEWS_TABLE}) is not built yet, so emails "
                             "cannot refer to a specific complaint. Run: cymbal setup")
    if table_columns(settings.email_recommendation_table) is None:
        sources.recommendations_available = False
        sources.notes.append(f"No recommendation table ({settings.email_recommendation_table}) "
                             "yet; products are in-stock favourites of each customer's segment.")
    return sources


def load_contexts(customer_ids: list[int], language: str = "en",
                  settings: Settings | None = None,
                  sources: ContextSources | None = None) -> dict[int, CustomerContext]:
    """Contexts of the given customers (unknown ids are left out), a few queries per 400."""
    settings = settings or get_settings()
    sources = sources or load_sources(language, settings)
    out: dict[int, CustomerContext] = {}
    for part in chunks(sorted({int(i) for i in customer_ids})):
        customers = _customers(part)
        reviews = _unhappy_reviews(part, sources.catalog) if sources.reviews_available else {}
        recommended = (_recommendations(part, settings.email_recommendation_table)
                       if sources.recommendations_available else {})
        owned = _owned_products(part)
        for customer_id, context in customers.items():
            context.persona = sources.personas.get(context.segment)
            context.review = reviews.get(customer_id)
            _choose_products(context, recommended.get(customer_id, []),
                             owned.get(customer_id, set()), sources)
            out[customer_id] = context
    return out


def load_context(customer_id: int, language: str = "en",
                 settings: Settings | None = None) -> CustomerContext | None:
    """One customer's context, or None if there is no such customer."""
    return load_contexts([customer_id], language, settings).get(int(customer_id))


# -- the queries ------------------------------------------------------------------------------

def _customers(ids: list[int]) -> dict[int, CustomerContext]:
    found = rows(f"SELECT c.customer_id, c.first_name, c.last_name, c.email, c.address_city, "
                 f"c.age, c.gender, c.loyalty_member, {SEGMENT_SQL} AS segment "
                 f"FROM cymbal.customers AS c WHERE c.customer_id IN ({sql_ints(ids)})")
    return {int(r["customer_id"]): CustomerContext(
        customer_id=int(r["customer_id"]), first_name=str(r["first_name"] or "").strip(),
        last_name=str(r["last_name"] or "").strip(), email=str(r["email"] or "").strip(),
        city=str(r["address_city"] or ""), age=r["age"], gender=str(r["gender"] or ""),
        loyalty_member=bool(r["loyalty_member"]), segment=str(r["segment"] or ""))
        for r in found}


def _personas(language: str) -> dict[str, Persona]:
    columns = table_columns(PERSONAS_TABLE)
    if columns is None:
        return {}
    description = ("persona_description" if "persona_description" in columns
                   else "persona_segment_description")
    wanted = ["summary", "motivations", "needs", "marketing_pitch"]
    select = ", ".join(c if c in columns else f"'' AS {c}" for c in wanted)
    where = f" WHERE language = '{'ko' if language == 'ko' else 'en'}'" \
        if "language" in columns else ""
    found = rows(f"SELECT persona_age_group_profile, {description} AS description, {select} "
                 f"FROM cymbal.{PERSONAS_TABLE}{where} LIMIT 100")
    return {str(r["persona_age_group_profile"]): Persona(
        segment=str(r["persona_age_group_profile"]), description=str(r["description"] or ""),
        summary=str(r["summary"] or ""), motivations=str(r["motivations"] or ""),
        needs=str(r["needs"] or ""), marketing_pitch=str(r["marketing_pitch"] or ""))
        for r in found}


def _unhappy_reviews(ids: list[int], catalog: ProductCatalog) -> dict[int, UnhappyReview]:
    columns = table_columns(REVIEWS_TABLE) or {}
    issue = "r.issue_category" if "issue_category" in columns else "'기타'"
    improvement = "r.improvement_point" if "improvement_point" in columns else "''"
    found = rows(
        f"SELECT r.customer_id, r.customer_review_id, r.product_id, r.review_text, r.rating, "
        f"r.text_sentiment, {issue} AS issue_category, {improvement} AS improvement_point, "
        f"r.review_datetime FROM cymbal.{REVIEWS_TABLE} AS r "
        f"WHERE r.customer_id IN ({sql_ints(ids)}) AND r.text_sentiment IN ('negative', 'neutral') "
        f"QUALIFY ROW_NUMBER() OVER (PARTITION BY r.customer_id ORDER BY "
        f"IF(r.text_sentiment = 'negative', 0, 1), r.review_datetime DESC, "
        f"r.customer_review_id DESC) = 1")
    out = {}
    for r in found:
        product_id = None if r["product_id"] is None else int(r["product_id"])
        product = catalog.get(product_id)
        out[int(r["customer_id"])] = UnhappyReview(
            review_id=int(r["customer_review_id"]), product_id=product_id,
            product_title=product.title if product else None, text=str(r["review_text"] or ""),
            rating=r["rating"], sentiment=str(r["text_sentiment"]),
            issue_category=str(r["issue_category"] or "기타"),
            improvement_point=str(r["improvement_point"] or ""), posted=str(r["review_datetime"]))
    return out


def _recommendations(ids: list[int], table: str) -> dict[int, list[int]]:
    found = rows(f"SELECT customer_id, SAFE_CAST(product1 AS INT64) AS p1, "
                 f"SAFE_CAST(product2 AS INT64) AS p2, SAFE_CAST(product3 AS INT64) AS p3 "
                 f"FROM cymbal.{table} WHERE customer_id IN ({sql_ints(ids)})")
    return {int(r["customer_id"]): [int(r[k]) for k in ("p1", "p2", "p3") if r[k] is not None]
            for r in found}


def _owned_products(ids: list[int]) -> dict[int, set[int]]:
    """Products each customer bought or reviewed (never recommended back to them)."""
    parts = [f"SELECT customer_id, product_id FROM cymbal.customer_reviews "
             f"WHERE customer_id IN ({sql_ints(ids)})"]
    if table_columns("orders") is not None:
        parts.append(f"SELECT customer_id, product_id FROM cymbal.orders "
                     f"WHERE customer_id IN ({sql_ints(ids)})")
    found = rows(f"SELECT customer_id, STRING_AGG(DISTINCT CAST(product_id AS STRING), ',') "
                 f"AS ids FROM ({' UNION ALL '.join(parts)}) WHERE product_id IS NOT NULL "
                 f"GROUP BY customer_id")
    return {int(r["customer_id"]): {int(p) for p in str(r["ids"] or "").split(",") if p}
            for r in found}


def _segment_favourites(per_segment: int = 25) -> dict[str, list[int]]:
    """The in-stock products most customers of each segment bought (from orders; from
    well-rated reviews on data without orders, as the lab did)."""
    sources = ["SELECT customer_id, product_id FROM cymbal.customer_reviews WHERE rating >= 4"]
    if table_columns("orders") is not None:
        sources.insert(0, "SELECT customer_id, product_id FROM cymbal.orders "
                          "WHERE status NOT IN ('Cancelled', 'Returned')")
    out: dict[str, list[int]] = {}
    for source in sources:
        for r in rows(
                f"SELECT {SEGMENT_SQL} AS segment, o.product_id, COUNT(DISTINCT o.customer_id) "
                f"AS buyers FROM ({source}) AS o JOIN cymbal.customers AS c "
                f"ON c.customer_id = o.customer_id JOIN cymbal.products AS p "
                f"ON SAFE_CAST(p.product_id AS INT64) = o.product_id "
                f"WHERE p.availability = 'IN_STOCK' GROUP BY segment, o.product_id "
                f"QUALIFY ROW_NUMBER() OVER (PARTITION BY segment ORDER BY buyers DESC, "
                f"o.product_id) <= {int(per_segment)} ORDER BY segment, buyers DESC, "
                f"o.product_id"):
            out.setdefault(str(r["segment"]), []).append(int(r["product_id"]))
        if out:
            break
    return out


def _choose_products(context: CustomerContext, recommended: list[int], owned: set[int],
                     sources: ContextSources) -> None:
    """Three in-stock products with distinct titles: recommendations first, then favourites."""
    chosen: list[CatalogProduct] = []
    titles: set[str] = set()
    dropped = 0
    for product_id in recommended:
        product = sources.catalog.in_stock(product_id)
        if product is None or product.title in titles:
            dropped += 1
            continue
        chosen.append(product)
        titles.add(product.title)
    from_recommendations = len(chosen)
    fallback = sources.favourites.get(context.segment, []) + sources.bestsellers
    for product_id in fallback:
        if len(chosen) >= PRODUCTS_PER_EMAIL:
            break
        product = sources.catalog.in_stock(product_id)
        if product is None or product.title in titles or product_id in owned:
            continue
        chosen.append(product)
        titles.add(product.title)
    context.products = chosen[:PRODUCTS_PER_EMAIL]
    if from_recommendations >= PRODUCTS_PER_EMAIL:
        context.recommendation_source = "recommendations"
        return
    context.recommendation_source = "mixed" if from_recommendations else "segment_favourites"
    if not recommended and sources.recommendations_available:
        context.notes.append("No stored recommendations for this customer; used in-stock "
                             "favourites of their segment instead.")
    elif dropped:
        context.notes.append(f"{dropped} recommended product(s) were out of stock, missing or "
                             "repeated; replaced with in-stock favourites of the segment.")
