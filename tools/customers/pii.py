"""Personal data in what the app shows and logs: customer email addresses are masked.

Full addresses live only in the warehouse, the app database, exported files and the SMTP
envelope. Tool results (which the model reads and the session store keeps), answers, log
lines and progress messages carry the masked form. Masking goes by what a value looks like,
not by the column it came from: ``SELECT email AS contact``, ``LOWER(email)`` and an address
quoted inside a review's text are masked alike.
"""

from __future__ import annotations

import re
from typing import Any

_ADDRESS = re.compile(r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mask_email(address: str) -> str:
    """``molly.collins@example.com`` -> ``m***@example.com``."""
    local, _, domain = (address or "").strip().partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_addresses(text: str) -> str:
    """``text`` with every email address in it masked (for error messages and logs)."""
    return _ADDRESS.sub(lambda m: mask_email(m.group(0)), text or "")


def mask_values(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings, numbers …) with every address in every
    string masked, keys included; anything without an address comes back as it was."""
    if isinstance(value, str):
        return mask_addresses(value) if "@" in value else value
    if isinstance(value, dict):
        return {mask_values(k): mask_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_values(v) for v in value]
    if isinstance(value, tuple):
        return tuple(mask_values(v) for v in value)
    return value
