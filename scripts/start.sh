#!/usr/bin/env bash
# Set up and start the Cymbal marketing agent on its embedded defaults:
# install into .venv, build the local warehouse and indexes, serve the chat on 127.0.0.1:7860.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/cymbal setup
exec .venv/bin/cymbal ui
