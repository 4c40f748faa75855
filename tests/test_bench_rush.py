"""The rush benchmark runs end to end in a small configuration (figures are printed, not asserted)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow


def test_rush_bench_runs_small(database_url):
    if database_url.startswith("postgresql"):
        args = ["--db", "postgres", "--pg-server", database_url.rsplit("/", 1)[0]]
    else:
        args = ["--db", "sqlite"]
    result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "rush.py"), "--small", *args],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith(args[1]))
    assert " ok " in row  # every submission stored exactly once, no errors (exit status 0)
    assert "ratio" in result.stdout
