"""The request-time benchmarks (import, bulk 催报) run end to end in a small configuration (figures are
printed, not asserted)."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("script,labels", [("import_units.py", ("preview", "confirm")),
                                           ("remind_all.py", ("预览催报", "确认发送"))])
def test_request_bench_runs_small(script, labels):
    env = {k: v for k, v in os.environ.items() if k != "CAMPAIGN_QUEUE_URL"}
    result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", script), "--small"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert re.search(rf"units 30: {labels[0]} [\d.]+ s, {labels[1]} [\d.]+ s, tasks queued for the worker 1",
                     result.stdout)
