"""Which tools a request's own words point to (``knowledge/offline/tool_cues.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from config.settings import PROJECT_ROOT
from tools.sql.question_words import tokenize

CUES_FILE = PROJECT_ROOT / "knowledge" / "offline" / "tool_cues.yaml"
DEFER = "actions"  # words of requests that act (campaigns, approvals, sends)


@lru_cache(maxsize=1)
def _cues(path: Path = CUES_FILE) -> dict[str, list[tuple[str, ...]]]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["cues"]
    return {tool: [tuple(t.form for t in tokenize(str(p))) for ps in langs.values() for p in ps]
            for tool, langs in raw.items()}


def cued_tools(text: str) -> set[str]:
    """The tools whose cue words (as whole words, after Korean analysis) the text contains;
    none when it also asks for an action (a campaign, an approval, a send): those requests
    are left to the intents, which never guess an action."""
    forms = [t.form for t in tokenize(text)]
    if _contains(forms, _cues()[DEFER]):
        return set()
    found = set()
    for tool, phrases in _cues().items():
        if tool == DEFER:
            continue
        for phrase in phrases:
            if _contains(forms, [phrase]):
                found.add(tool)
                break
    return found


def _contains(forms: list[str], phrases: list[tuple[str, ...]]) -> bool:
    return any(n and any(tuple(forms[i:i + n]) == phrase for i in range(len(forms) - n + 1))
               for phrase in phrases for n in [len(phrase)])
