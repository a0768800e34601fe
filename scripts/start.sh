#!/usr/bin/env bash
# Set up and start the Cymbal marketing agent on its embedded defaults:
# install into .venv, build the local warehouse and indexes, serve the chat on 127.0.0.1:7860.
# Each stage says what it does, so a logged start (scripts/start.sh > start.log 2>&1) reads
# as it goes.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> installing the project into .venv (a few minutes the first time)"
scripts/bootstrap.sh
echo "==> building the data and indexes (cymbal setup; skips what is current)"
.venv/bin/cymbal setup
echo "==> starting the chat"
exec .venv/bin/cymbal ui
