#!/usr/bin/env bash
# Set up everything the tests need and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test,eval   # eval: ADK's evaluation module, which the evalset tests run
scripts/install_bqemulator.sh   # the local BigQuery emulator the backend tests run against
scripts/install_browser.sh      # Debian's Chromium for the end-to-end UI tests
.venv/bin/python -m pytest "$@"
