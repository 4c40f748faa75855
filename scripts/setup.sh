#!/usr/bin/env bash
# Create the virtualenv in .venv and install the app (with the test extra when asked).
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ -n "$extra" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -e ".[$extra]"
else
  .venv/bin/pip install --quiet --disable-pip-version-check -e .
fi
