"""Personal data in what the app shows and logs: customer email addresses are masked.

Full addresses live only in the warehouse, the app database, exported files and the SMTP
envelope. Tool results (which the model reads and the session store keeps), log lines and
progress messages carry the masked form.
"""

from __future__ import annotations

import re

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
