#!/usr/bin/env bash
# Set up everything the suite needs on a fresh machine and run it. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

# Debian packages: Chromium for the browser tests, LibreOffice and CJK fonts for the office checks.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui libreoffice-calc-nogui)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)  # the print-proof tests read PDFs back
command -v wrk >/dev/null 2>&1 || need+=(wrk)  # the rush bench's load generator (tests/test_bench_rush.py)
# The deployment recipe is checked by the tools that run it (tests/test_deploy.py).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# axe-core, injected by the browser tests for the accessibility checks.
pinned=$(node -p 'require("./package.json").devDependencies["axe-core"]')
if [ ! -f node_modules/axe-core/axe.min.js ] || \
   [ "$(node -p 'require("./node_modules/axe-core/package.json").version')" != "$pinned" ]; then
  npm ci --no-audit --no-fund --silent >/dev/null  # the version package-lock.json pins
fi

exec .venv/bin/python -m pytest "$@"
