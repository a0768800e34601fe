#!/usr/bin/env bash
# Set up and start the Cymbal marketing agent on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/cymbal setup
.venv/bin/cymbal sql "SELECT address_city, COUNT(*) AS customers FROM cymbal.customers GROUP BY address_city ORDER BY customers DESC"
