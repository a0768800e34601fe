"""Telling Korean from English text: the one Hangul test every module uses."""

from __future__ import annotations

import re

HANGUL = re.compile(r"[\uac00-\ud7a3]")  # the precomposed Hangul syllables


def has_hangul(text: str | None) -> bool:
    """Whether ``text`` contains a Hangul syllable (Korean text, or a Korean word in it)."""
    return bool(HANGUL.search(text or ""))


def language_of(text: str) -> str:
    """``ko`` when ``text`` has Korean in it, else ``en``."""
    return "ko" if has_hangul(text) else "en"
