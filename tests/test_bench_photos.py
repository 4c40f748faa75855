"""The photo compilation benchmark runs end to end in a small configuration (figures printed, not asserted)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow


def test_photo_bench_runs_small():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "photos.py"), "--small"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "peak memory grows" in result.stdout and len(result.stdout.splitlines()) == 5
