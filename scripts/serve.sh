#!/usr/bin/env bash
# Set up, create the SQLite database with the demo data (first run only), and serve on 127.0.0.1:5000
# with a job worker beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=campaign
.venv/bin/flask init-db
.venv/bin/flask seed-demo --if-empty
# A worker beside the web process does the long work (mails after an import, bulk 催报, the
# periodic reminder pass); it stops with the server.
.venv/bin/huey_consumer campaign.jobs.tasks.huey --workers 2 --logfile instance/worker.log &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
