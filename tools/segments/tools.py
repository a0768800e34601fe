"""Agent tools about persona segments and RFM clusters: list them, describe one."""

from __future__ import annotations

from typing import Any

from tools.results import Table, failure
from tools.segments.queries import errors_as_data, pick_language
from tools.vocabulary.segments import NameMatch, display_name, resolve_name
from tools.warehouse import reads

PERSONA_COLUMNS = ["segment", "name", "customers", "share_of_customers", "negative_share",
                   "avg_rating", "negative_customers", "avg_order_value", "top_cities"]
CLUSTER_COLUMNS = ["cluster_id", "name", "customers", "share_of_customers", "avg_recency_days",
                   "avg_frequency", "avg_spend", "next_step"]


def cluster_names() -> dict[int, list[str]]:
    """Cluster id -> [English name, Korean name], from rfm_clusters."""
    rows = reads.rows("SELECT cluster_id, cluster_name, cluster_name_ko FROM rfm_clusters")
    return {int(r["cluster_id"]): [r["cluster_name"], r["cluster_name_ko"]] for r in rows}


def _persona_rows(language: str) -> list[dict[str, Any]]:
    rows = reads.rows("SELECT * FROM persona_segments ORDER BY persona_age_group_profile")
    for row in rows:
        row["segment"] = row["persona_age_group_profile"]
        row["name"] = row["display_name_ko"] if language == "ko" else row["display_name"]
    return rows


def _cluster_rows(language: str) -> list[dict[str, Any]]:
    rows = reads.rows("SELECT * FROM rfm_clusters ORDER BY cluster_id")
    for row in rows:
        row["name"] = row["cluster_name_ko"] if language == "ko" else row["cluster_name"]
        if language == "ko":
            row["next_step"] = row["next_step_ko"]
    return rows


def _clusters_title(rows: list[dict[str, Any]], lang: str) -> str:
    silhouette = rows[0].get("silhouette") if rows else None
    score = f"{float(silhouette):.2f}" if silhouette is not None else "n/a"
    if lang == "ko":
        return f"RFM 군집 {len(rows)}개 (실루엣 {score})"
    return f"{len(rows)} RFM clusters (silhouette {score})"


def _cluster_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first = rows[0] if rows else {}
    return {"silhouette": first.get("silhouette"), "k": first.get("k"),
            "method": first.get("method"), "basis": first.get("basis"),
            "basis_note": first.get("basis_note"), "chart": "rfm_clusters"}


def _cluster_table(clusters: list[dict[str, Any]]) -> dict[str, Any]:
    return {**Table.from_records(clusters, CLUSTER_COLUMNS).to_dict(), **_cluster_summary(clusters)}


@errors_as_data
def list_segments(kind: str = "persona", language: str = "en") -> dict[str, Any]:
    """List customer segments with their size and key figures.

    Args:
        kind: "persona" for the 12 persona segments (age group × gender × loyalty, e.g.
            Younger_Adult_FEMALE_LOYAL), "rfm" for the RFM purchase-behaviour clusters
            (e.g. "champions", "lapsed big spenders"), or "all" for both.
        language: "en" or "ko" for the names and suggested next steps.

    Returns:
        columns and rows of the main table; for "all" the clusters are under "rfm_clusters";
        the RFM part carries the silhouette score and how the features were computed.
    """
    lang = pick_language(language)
    wanted = (kind or "persona").strip().lower()
    if wanted in ("rfm", "cluster", "clusters", "rfm_clusters", "군집", "클러스터"):
        clusters = _cluster_rows(lang)
        return {"kind": "rfm", **_cluster_table(clusters), "summary": _clusters_title(clusters, lang)}
    if wanted not in ("persona", "personas", "segment", "segments", "all", "both", "페르소나"):
        return failure("unknown_kind", f"kind must be persona, rfm or all, not {kind!r}.",
                       ["persona", "rfm", "all"])
    personas = _persona_rows(lang)
    total = sum(int(r["customers"] or 0) for r in personas)
    result = {"kind": "persona", **Table.from_records(personas, PERSONA_COLUMNS).to_dict(),
              "chart": "persona_segments", "total_customers": total,
              "summary": (f"페르소나 세그먼트 {len(personas)}개 · 고객 {total:,}명" if lang == "ko"
                          else f"{len(personas)} persona segments · {total:,} customers")}
    if wanted in ("all", "both"):
        clusters = _cluster_rows(lang)
        result.update(kind="all", rfm_clusters=_cluster_table(clusters))
    return result


def _persona_description(segment: str, lang: str) -> dict[str, Any]:
    row = reads.first_row(f"SELECT * FROM customer_persona_definitions WHERE persona_age_group_profile "
                          f"= {reads.sql_string(segment)} AND language = {reads.sql_string(lang)}")
    if row is None:
        return {}
    return {"description": row["persona_segment_description"], "summary": row["summary"],
            "motivations": row["motivations"], "needs": row["needs"],
            "marketing_pitch": row["marketing_pitch"], "source": row["source"]}


def describe_persona(segment: str, lang: str) -> dict[str, Any]:
    """Everything about one persona segment: figures, persona, top products, RFM mix."""
    profile = reads.first_row(f"SELECT * FROM persona_segments WHERE persona_age_group_profile = "
                              f"{reads.sql_string(segment)}") or {}
    products = reads.rows(f"SELECT `rank`, product_id, title, categories, purchase_count, buyers, basis "
                          f"FROM segment_top_products WHERE persona_age_group_profile = "
                          f"{reads.sql_string(segment)} ORDER BY `rank` LIMIT 10")
    mix = reads.rows(f"SELECT r.cluster_name, r.cluster_id, COUNT(*) AS customers "
                     f"FROM customer_rfm AS r JOIN customer_segments AS s "
                     f"ON s.customer_id = r.customer_id "
                     f"WHERE s.persona_age_group_profile = {reads.sql_string(segment)} "
                     f"GROUP BY r.cluster_name, r.cluster_id ORDER BY customers DESC, r.cluster_id")
    size = sum(int(m["customers"]) for m in mix) or 1
    figures = {k: profile.get(k) for k in (
        "customers", "share_of_customers", "reviewers", "reviews", "positive_share",
        "neutral_share", "negative_share", "avg_rating", "negative_customers", "top_issue",
        "buyers", "orders", "revenue", "avg_order_value", "top_cities", "top_products")}
    return {
        "kind": "persona", "segment": segment, "name": display_name(segment, lang),
        "language": lang, "figures": figures, "persona": _persona_description(segment, lang),
        "rfm_mix": [{"cluster_id": m["cluster_id"], "cluster_name": m["cluster_name"],
                     "customers": m["customers"], "share": round(int(m["customers"]) / size, 4)}
                    for m in mix],
        "top_products_basis": products[0]["basis"] if products else None,
        "summary": (f"{display_name(segment, lang)} 인기 상품" if lang == "ko"
                    else f"Top products of {display_name(segment, lang)}"),
        **Table.from_records(products, ["rank", "product_id", "title", "categories",
                                        "purchase_count", "buyers"]).to_dict(),
    }


def describe_cluster(cluster_id: int, lang: str) -> dict[str, Any]:
    """Everything about one RFM cluster: size, centroid, next step, persona segment mix."""
    row = reads.first_row(f"SELECT * FROM rfm_clusters WHERE cluster_id = {int(cluster_id)}") or {}
    mix = reads.rows(f"SELECT s.persona_age_group_profile AS segment, COUNT(*) AS customers "
                     f"FROM customer_rfm AS r JOIN customer_segments AS s "
                     f"ON s.customer_id = r.customer_id WHERE r.cluster_id = {int(cluster_id)} "
                     f"GROUP BY s.persona_age_group_profile ORDER BY customers DESC, segment")
    size = sum(int(m["customers"]) for m in mix) or 1
    for m in mix:
        m["name"] = display_name(m["segment"], lang) if m["segment"] else None
        m["share"] = round(int(m["customers"]) / size, 4)
    korean = lang == "ko"
    return {
        "kind": "cluster", "cluster_id": int(cluster_id),
        "name": row.get("cluster_name_ko") if korean else row.get("cluster_name"),
        "cluster_name": row.get("cluster_name"), "language": lang,
        "customers": row.get("customers"), "share_of_customers": row.get("share_of_customers"),
        "centroid": {k: row.get(k) for k in ("avg_recency_days", "avg_frequency", "avg_spend",
                                             "avg_monetary")},
        "next_step": row.get("next_step_ko") if korean else row.get("next_step"),
        "silhouette": row.get("silhouette"), "basis": row.get("basis"),
        "basis_note": row.get("basis_note"),
        "summary": (f"{row.get('cluster_name_ko')} 군집의 페르소나 세그먼트 구성" if korean
                    else f"Persona segments among {row.get('cluster_name')}"),
        **Table.from_records(mix, ["segment", "name", "customers", "share"]).to_dict(),
    }


def _not_found(name: str, match: NameMatch) -> dict[str, Any]:
    if match.kind == "ambiguous":
        names = [f"{s} ({display_name(s)})" for s in match.candidates]
        return failure("ambiguous_segment", f"{name!r} fits {len(match.candidates)} persona "
                       f"segments; say which one (or ask for each).", match.candidates,
                       options=names)
    return failure("unknown_segment", f"No persona segment or RFM cluster called {name!r}.",
                   match.candidates)


@errors_as_data
def describe_segment(name: str, language: str = "") -> dict[str, Any]:
    """Describe a persona segment or an RFM cluster, named in any reasonable way.

    Args:
        name: a persona segment ("Younger_Adult_FEMALE_LOYAL", "young loyal women",
            "젊은 여성 로열 고객") or an RFM cluster ("lapsed big spenders", "champions",
            "이탈한 큰손 고객", "cluster 3").
        language: "en" or "ko"; by default Korean when the name is written in Korean.

    Returns:
        For a persona segment: its figures (size, sentiment mix, rating, revenue, top cities),
        the written persona, its RFM cluster mix and its top products as columns/rows. For a
        cluster: size, centroid, suggested next step and its persona segment mix as
        columns/rows. An unknown or partial name gives an error with the closest names.
    """
    lang = pick_language(language, name)
    match = resolve_name(name, cluster_names())
    if match.kind == "persona" and match.name:
        return describe_persona(match.name, lang)
    if match.kind == "cluster" and match.cluster_id is not None:
        return describe_cluster(match.cluster_id, lang)
    return _not_found(name, match)
