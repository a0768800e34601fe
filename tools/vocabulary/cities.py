"""The customer cities' names: the English name the warehouse stores and the other ways people
write it (Korean first), from ``knowledge/cities.yaml`` — the one list every tool reads."""

from __future__ import annotations

from functools import lru_cache

import yaml

from config.settings import PROJECT_ROOT

CITIES_FILE = PROJECT_ROOT / "knowledge" / "cities.yaml"


@lru_cache(maxsize=1)
def city_spellings() -> dict[str, list[str]]:
    """``{"Busan": ["부산", "부산시", "부산광역시", "Pusan"], …}`` in the file's order."""
    raw = yaml.safe_load(CITIES_FILE.read_text(encoding="utf-8"))["cities"]
    return {str(city): [str(name) for name in names] for city, names in raw.items()}
