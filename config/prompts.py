"""Prompt files: every instruction and generation prompt lives in ``prompts/`` as text."""

from __future__ import annotations

import string
from functools import lru_cache

from config.settings import PROJECT_ROOT

PROMPTS_DIR = PROJECT_ROOT / "prompts"


@lru_cache(maxsize=64)
def _read(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"No prompt {name!r}: expected {path}")
    return path.read_text(encoding="utf-8")


def load_prompt(name: str, **values: object) -> str:
    """The text of ``prompts/<name>.md`` with ``$placeholders`` filled from ``values``.

    Every placeholder must be given: a missing value is an error, not a silent blank.
    """
    return string.Template(_read(name)).substitute({k: str(v) for k, v in values.items()})
