#!/usr/bin/env bash
# Set up everything the tests need and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
.venv/bin/python -m pytest "$@"
