#!/usr/bin/env bash
# Create the BigQuery emulator's own virtualenv (idempotent; seconds when already done).
#
# bqemulator pins a DuckDB that differs from the project's, so it lives in a venv of its
# own. At start it runs INSTALL/LOAD for DuckDB's spatial and avro extensions, which would
# be downloaded from DuckDB's servers (unreachable here: without spatial the emulator dies).
# Both come from their PyPI packages instead and are installed from local files.
#
# Venv path: $CYMBAL_BQEMU_VENV (default ~/.cache/cymbal/bqemu-venv).
set -euo pipefail

VENV="${CYMBAL_BQEMU_VENV:-$HOME/.cache/cymbal/bqemu-venv}"
PYTHON="${PYTHON:-python3}"
PACKAGES=(bqemulator==1.4.0 duckdb==1.5.5 numpy==2.4.6
          duckdb-extension-spatial==1.5.5 duckdb-extension-avro==1.5.5)
STAMP="$VENV/.cymbal-packages"

if [[ ! -x "$VENV/bin/bqemulator" || ! -f "$STAMP" || "$(cat "$STAMP")" != "${PACKAGES[*]}" ]]; then
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    # The local package mirrors' "location is ignored" notes are noise; real errors still show.
    { "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}" 2>&1; } \
        | { grep -v '^WARNING: Location .* is ignored' || true; }
    echo "${PACKAGES[*]}" > "$STAMP"
fi

# DuckDB keeps installed extensions under ~/.duckdb, outside the venv: check them every time.
"$VENV/bin/python" - <<'PY'
import importlib
import pathlib

import duckdb

con = duckdb.connect()
for name in ("spatial", "avro"):
    package = importlib.import_module(f"duckdb_extension_{name}")
    path = (pathlib.Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}"
            / f"{name}.duckdb_extension")
    if not path.is_file():
        raise SystemExit(f"{path} is missing: no {name} extension for DuckDB {duckdb.__version__}")
    con.execute(f"INSTALL '{path}'")
    con.execute(f"LOAD {name}")
PY

echo "bqemulator ready in $VENV"
