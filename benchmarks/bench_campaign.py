"""Offline campaign drafting: throughput (emails/s) and the validation failure rate.

Usage: python benchmarks/bench_campaign.py [--customers 1000] [--scale 1] [--data-dir DIR]

Builds the app's data (``cymbal setup``) in a temporary folder (or uses ``--data-dir``), then,
for English and Korean, creates a campaign for the unhappy customers (topped up with other customers to
reach ``--customers``) with the offline writer and reports:

- end to end: audience, warehouse reads, drafting, validation and the SQLite writes;
- drafting only: writing and validating the same emails in memory;
- the share of drafts that failed validation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.settings import Settings, get_settings  # noqa: E402
from pipeline.setup import run_setup  # noqa: E402
from pipeline.steps import SetupOptions  # noqa: E402
from tools.campaigns.audience import AudienceSpec, resolve_audience  # noqa: E402
from tools.campaigns.workflow import campaign_store, create_campaign  # noqa: E402
from tools.email.context import load_contexts, load_sources  # noqa: E402
from tools.email.drafts import Drafter, DraftRequest  # noqa: E402
from tools.warehouse import get_warehouse  # noqa: E402


def prepare(data_dir: Path, scale: float) -> None:
    """Every table a campaign reads (setup skips what is already built)."""
    run_setup(Settings(data_dir=data_dir, model="offline"), SetupOptions(scale=scale))


def audience(n: int) -> list[int]:
    unhappy = resolve_audience(AudienceSpec(unhappy=True), 100_000)
    if len(unhappy) >= n:
        return unhappy[:n]
    others = [i for i in resolve_audience(AudienceSpec(unhappy=False, limit=n * 2), 100_000)
              if i not in set(unhappy)]
    return sorted(unhappy + others[:n - len(unhappy)])


def bench(ids: list[int], language: str) -> dict[str, float]:
    settings = get_settings()
    started = time.perf_counter()
    campaign = asyncio.run(create_campaign(AudienceSpec(unhappy=False, customer_ids=ids),
                                           DraftRequest(language=language)))
    end_to_end = time.perf_counter() - started
    emails = campaign_store().emails(campaign.id)
    invalid = [e for e in emails if not e["valid"]]

    sources = load_sources(language, settings)
    contexts = load_contexts(ids, language, settings, sources)
    drafter = Drafter(settings, sources, key="bench")
    started = time.perf_counter()
    drafts = [asyncio.run(drafter.draft(contexts[i], DraftRequest(language=language)))
              for i in ids]
    drafting = time.perf_counter() - started
    with_review = sum(1 for i in ids if contexts[i].review is not None)
    return {"emails": len(emails), "with_review": with_review,
            "end_to_end_s": end_to_end, "end_to_end_per_s": len(emails) / end_to_end,
            "drafting_s": drafting, "drafting_per_s": len(drafts) / drafting,
            "invalid": len(invalid), "failure_rate": len(invalid) / len(emails),
            "variants": len({e["variant"] for e in emails})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="cymbal-bench-"))
    try:
        prepare(data_dir, args.scale)
        os.environ.update(CYMBAL_DATA_DIR=str(data_dir), CYMBAL_MODEL="offline",
                          CYMBAL_EMAIL_WRITER="template",
                          CYMBAL_CAMPAIGN_MAX_AUDIENCE=str(max(5000, args.customers)))
        get_settings.cache_clear()
        get_warehouse.cache_clear()
        ids = audience(args.customers)
        print(f"warehouse: {data_dir} (scale {args.scale})")
        print(f"{'lang':<5}{'emails':>7}{'reviewed':>9}{'end-to-end/s':>14}{'drafting/s':>12}"
              f"{'invalid':>9}{'failure rate':>14}{'variants':>10}")
        for language in ("en", "ko"):
            r = bench(ids, language)
            print(f"{language:<5}{r['emails']:>7}{r['with_review']:>9}"
                  f"{r['end_to_end_per_s']:>14.0f}{r['drafting_per_s']:>12.0f}"
                  f"{r['invalid']:>9}{r['failure_rate']:>14.2%}{r['variants']:>10}")
    finally:
        get_warehouse().close()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
