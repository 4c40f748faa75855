#!/usr/bin/env bash
# Re-resolve every dependency (setup.cfg, with the test extra) in a scratch virtualenv and write the
# versions found to constraints.txt, which scripts/setup.sh installs with.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install --quiet --disable-pip-version-check ".[test]"
{
  echo "# Versions the app and its tests were last checked with; scripts/setup.sh installs with these."
  echo "# Update after changing setup.cfg: bash scripts/update-constraints.sh"
  "$scratch/venv/bin/pip" freeze --exclude-editable | grep -v '^campaign'
} > constraints.txt
echo "constraints.txt updated"
