#!/usr/bin/env bash
# Create the virtualenv in .venv and install the app (with the test extra when asked), at the versions
# pinned in constraints.txt. Checks the Python first and says what to install when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "需要 Python 3.11 或更新版本：请先安装（Debian/Ubuntu: apt-get install python3 python3-venv）。" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "需要 Python 3.11 或更新版本，当前是 $("$python" --version 2>&1)。可用 PYTHON=/path/to/python3.11 指定。" >&2
  exit 1
fi
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    minor=$("$python" -c 'import sys; print(f"{sys.version_info.major}.{sys.version_info.minor}")')
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "python${minor}-venv" >/dev/null || \
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
  else
    echo "Python 的 venv 模块不可用：请安装 python3-venv（或同等的软件包）。" >&2
    exit 1
  fi
fi

# A .venv made by another Python (moved checkout, upgraded system) is rebuilt, not reused.
wanted=$("$python" -c 'import sys; print(sys.version_info[:2])')
if [ -x .venv/bin/python ] && [ "$(.venv/bin/python -c 'import sys; print(sys.version_info[:2])' 2>/dev/null)" != "$wanted" ]; then
  echo "重建 .venv（它由另一个 Python 创建）。" >&2
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
target="."
[ -n "$extra" ] && target=".[$extra]"
.venv/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e "$target"
