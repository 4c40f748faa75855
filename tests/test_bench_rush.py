"""The rush benchmark runs end to end under wrk in a small configuration (figures are printed, not asserted)."""
import os
import subprocess
import sys

import pytest

from bench.rush import scratch_name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHASES = ("todo GET", "form GET", "autosave", "submit", "baseline")


def test_scratch_database_is_named_after_the_url():
    assert scratch_name("postgresql+psycopg://postgres@127.0.0.1:5432/test") == "test_rush"
    assert scratch_name("postgresql+psycopg://ci@db:5432/Campaign-CI") == "campaign_ci_rush"
    # No database in the URL: the one PostgreSQL connects to by default, the user's.
    assert scratch_name("postgresql+psycopg://postgres@127.0.0.1:5432") == "postgres_rush"


@pytest.mark.slow
def test_rush_bench_runs_small(database_url):
    if database_url.startswith("postgresql"):
        args = ["--db", "postgres", "--pg-server", database_url]
    else:
        args = ["--db", "sqlite"]
    result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "rush.py"), "--small", *args],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith(args[1]))
    assert " ok " in row  # every submission stored exactly once, no errors (exit status 0)
    assert "ratio" in result.stdout
    # Each phase sent every one of the 30 units once and got the expected answer for each.
    for phase in PHASES:
        cells = next(line for line in lines if line.startswith(args[1]) and phase in line).split(phase)[1].split()
        assert cells[0] == "30", (phase, cells)
        assert cells[5] == "0", (phase, cells)  # errors and unanswered
    assert "client CPU" in result.stdout
