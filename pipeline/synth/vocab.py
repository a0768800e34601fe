"""The word lists and phrase banks of the generator, read from ``pipeline/synth_vocab/*.yaml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

VOCAB_DIR = Path(__file__).resolve().parent.parent / "synth_vocab"


@lru_cache(maxsize=None)
def load_vocab(name: str) -> dict[str, Any]:
    """The parsed contents of ``synth_vocab/<name>.yaml``."""
    return yaml.safe_load((VOCAB_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def unique_in_order(words: list[str]) -> list[str]:
    """``words`` without repeats, first occurrence kept."""
    return list(dict.fromkeys(words))
