"""The dashboard benchmark runs end to end in a small configuration (figures are printed, not asserted)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow


def test_dashboard_bench_runs_small():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "dashboard.py"), "--small", "--repeat", "1"],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "queries independent of the number of units: yes" in result.stdout
    assert len([line for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]) == 4  # 2 sizes × (one level, the chain)
