"""The bulk 催报 benchmark runs end to end in a small configuration (figures are printed, not asserted)."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow


def test_remind_bench_runs_small():
    env = {k: v for k, v in os.environ.items() if k != "CAMPAIGN_QUEUE_URL"}
    result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "remind_all.py"), "--small"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert re.search(r"units 30: 预览催报 [\d.]+ s, 确认发送 [\d.]+ s, tasks queued for the worker 1", result.stdout)
