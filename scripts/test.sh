#!/usr/bin/env bash
# Set up everything the tests need and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
scripts/install_bqemulator.sh   # the local BigQuery emulator the backend tests run against
.venv/bin/python -m pytest "$@"
