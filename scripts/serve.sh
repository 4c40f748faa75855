#!/usr/bin/env bash
# Set up, create the SQLite database with the demo data (first run only), and serve on 127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=campaign
.venv/bin/flask init-db
.venv/bin/flask seed-demo --if-empty
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
